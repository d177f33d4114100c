import { z } from 'zod';
import {
  type Flags,
  type Level,
  LevelSchema,
  type Priority,
  PrioritySchema,
  type ReporterKind,
} from '../domain/incident.js';
import { type Reason, ReasonSchema } from '../domain/timeline.js';

/** Facts the kit derives for rules: see `facts` in the policy. */
export interface PriorityFacts {
  /** Open incidents on the same service reported within the policy's window (not counting this one). */
  recentSimilar?: number;
  /** The tenant's SLA tier, from the policy's `facts.slaTiers`. */
  slaTier?: string;
  /** Whether now is within the policy's business hours. */
  businessHours?: boolean;
}

/** What a priority policy sees of the incident. `impact`/`urgency` are null when not known yet. */
export interface PriorityInput {
  impact: Level | null;
  urgency: Level | null;
  title: string;
  description: string;
  service: string;
  environment: string;
  tenant?: string | undefined;
  /** As reported; undefined when the reporter left it out (category suggestion may set it). */
  category?: string | undefined;
  subcategory?: string | undefined;
  usersAffected?: number | undefined;
  severity?: string | undefined;
  source?: string | undefined;
  reporterKind: ReporterKind;
  flags: Flags;
  labels: readonly string[];
  custom: Readonly<Record<string, unknown>>;
  facts: PriorityFacts;
}

/** A priority decision with every reason behind it. */
export interface PriorityDecision {
  /** Null when impact or urgency is still unknown: the incident cannot be prioritized yet. */
  priority: Priority | null;
  impact: Level | null;
  urgency: Level | null;
  /** `automatic`: declare major now; `candidate`: suggest it; null: neither. */
  major: 'automatic' | 'candidate' | null;
  category: string;
  subcategory?: string | undefined;
  /** Labels rules added. */
  labels: string[];
  /**
   * Each matrix cell, rule and suggestion that shaped the decision, in order. Engines may share
   * reason objects between decisions: treat them as immutable.
   */
  reasons: readonly Readonly<Reason>[];
}

/** What a policy must return; the kit checks it before anything is written. */
export const PriorityDecisionSchema = z.object({
  priority: PrioritySchema.nullable(),
  impact: LevelSchema.nullable(),
  urgency: LevelSchema.nullable(),
  major: z.enum(['automatic', 'candidate']).nullable(),
  category: z.string().min(1),
  subcategory: z.string().min(1).optional(),
  labels: z.array(z.string()),
  reasons: z.array(ReasonSchema),
});

/** Which derived facts a policy's rules read, with the settings to derive them. */
export interface FactNeeds {
  /** Window of `recentSimilar` in ms, when a rule reads it. */
  recentSimilarWindowMs?: number;
  /** Tenant to SLA tier, when a rule reads `facts.slaTier`. */
  slaTier?: (tenant: string | undefined) => string | undefined;
  /** Whether an instant (ms) is in business hours, when a rule reads `facts.businessHours`. */
  businessHours?: (now: number) => boolean;
}

/**
 * Decides an incident's priority. `createPriorityEngine()` makes one from a policy; you may also
 * implement it yourself.
 */
export interface PriorityPolicy {
  readonly name: string;
  /** Impact and urgency levels, most severe first; commands are validated against them. */
  readonly levels: { readonly impact: readonly Level[]; readonly urgency: readonly Level[] };
  /** Facts the kit must derive before `evaluate`. */
  readonly facts?: FactNeeds;
  /** Synchronous and side-effect free. */
  evaluate(input: PriorityInput): PriorityDecision;
}
