import { z } from 'zod';

/** Instants are stored as ISO 8601 UTC text (`2026-11-27T12:00:00.000Z`), which sorts as time. */
export const InstantSchema = z.iso.datetime({ offset: false });

export const ReporterKindSchema = z.enum(['employee', 'customer', 'vendor', 'monitoring', 'automation']);
export type ReporterKind = z.infer<typeof ReporterKindSchema>;

/** Who reported the incident. */
export const ReporterSchema = z.object({
  name: z.string().trim().min(1).max(200),
  contact: z.string().trim().min(1).max(320).optional(),
  kind: ReporterKindSchema,
});
export type Reporter = z.infer<typeof ReporterSchema>;

/** Who did something: a person, a service account, or `system` for timers. */
export const ActorSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().min(1).max(200).optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

/** The actor of what incidentkit does by itself: timers and automatic prioritization. */
export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'incidentkit' };

/** The default impact and urgency levels, most severe first. A priority policy may define others. */
export const DEFAULT_LEVELS = ['high', 'medium', 'low'] as const;
/** Impact or urgency level: `high`, `medium`, `low`, or a level of your priority policy. */
export type Level = (typeof DEFAULT_LEVELS)[number] | (string & {});
/** An impact or urgency level; the kit checks it against the priority policy's levels. */
export const LevelSchema = z.string().trim().min(1).max(50) as z.ZodType<Level, Level>;

/** Priorities, most urgent first. */
export const PRIORITY_ORDER = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const PrioritySchema = z.enum(PRIORITY_ORDER);
export type Priority = z.infer<typeof PrioritySchema>;

export const EnvironmentSchema = z.string().trim().min(1).max(100);
/** Built-in environments; `createIncidentKit({ environments })` may configure another list. */
export const DEFAULT_ENVIRONMENTS = ['production', 'staging', 'development', 'test'] as const;

export const FlagsSchema = z.object({
  security: z.boolean().default(false),
  compliance: z.boolean().default(false),
  financial: z.boolean().default(false),
  reputation: z.boolean().default(false),
});
/** Business implications that prioritization rules look at. */
export type Flags = z.infer<typeof FlagsSchema>;

/** Lifecycle states (DESIGN 5). */
export const StatusSchema = z.enum(['new', 'open', 'active', 'on_hold', 'resolved', 'closed', 'cancelled']);
export type Status = z.infer<typeof StatusSchema>;

/** Sub-states of `active` (investigating, identified, monitoring) and `resolved` (recovering, recovered). */
export const PhaseSchema = z.enum(['investigating', 'identified', 'monitoring', 'recovering', 'recovered']);
export type Phase = z.infer<typeof PhaseSchema>;
export const ActivePhaseSchema = z.enum(['investigating', 'identified', 'monitoring']);
export type ActivePhase = z.infer<typeof ActivePhaseSchema>;

/** Terminal states: no command changes them and no timer is left for them. */
export const TERMINAL_STATUSES: readonly Status[] = ['closed', 'cancelled'];

export const RoleSchema = z.enum(['commander', 'communications', 'scribe', 'responder', 'observer', 'reporter']);
export type Role = z.infer<typeof RoleSchema>;

export const ParticipantSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  role: RoleSchema,
  team: z.string().min(1).max(200).optional(),
  addedAt: InstantSchema,
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const AssignmentSchema = z.object({
  /** Owning team, or null while unassigned. */
  team: z.string().min(1).max(200).nullable(),
  /** Support tier, 1 = first line. Vertical escalation raises it. */
  tier: z.number().int().min(1).max(10),
  /** Person who owns the incident, or null. */
  assignee: z.string().min(1).max(200).nullable(),
  /** Teams swarming alongside the owning team (lateral escalation with `mode: 'swarm'`). */
  supporting: z.array(z.string().min(1).max(200)),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

/** Who owns an incident, as timeline entries record it: team, tier and assignee. */
export function ownerOf(a: Assignment): { team: string | null; tier: number; assignee: string | null } {
  return { team: a.team, tier: a.tier, assignee: a.assignee };
}

/** How urgent a notification is: `high` goes at once; `low` waits for its recipients' quiet hours. */
export const MessageUrgencySchema = z.enum(['high', 'low']);
export type MessageUrgency = z.infer<typeof MessageUrgencySchema>;

export const EscalationKindSchema = z.enum(['vertical', 'lateral']);
export const EscalationModeSchema = z.enum(['reassign', 'swarm']);

export const EscalationStepSchema = z.object({
  at: InstantSchema,
  kind: EscalationKindSchema,
  mode: EscalationModeSchema,
  level: z.number().int().min(0),
  from: AssignmentSchema.pick({ team: true, tier: true, assignee: true }),
  to: AssignmentSchema.pick({ team: true, tier: true, assignee: true }),
  reason: z.string(),
  /** True when a timer escalated, not a person. */
  automatic: z.boolean(),
  /** The escalation policy level this step paged, when a policy chose the targets. */
  policy: z.object({ name: z.string(), level: z.number().int().min(0) }).optional(),
  /** The people this step paged (contact ids), when a policy chose them. */
  targets: z.array(z.string()).optional(),
  /** The urgency of this step's messages, when its policy level sets one. */
  urgency: MessageUrgencySchema.optional(),
});
export type EscalationStep = z.infer<typeof EscalationStepSchema>;

export const EscalationSchema = z.object({
  level: z.number().int().min(0),
  history: z.array(EscalationStepSchema),
  /** The escalation policy that pages this incident, chosen when it first opens. */
  policy: z.string().optional(),
  /** The people the policy paged last (contact ids): routes with `escalationTargets` notify them. */
  targets: z.array(z.string()).optional(),
});

export const SlaClockSchema = z.object({
  name: z.enum(['response', 'resolution']),
  targetMs: z.number().int().nonnegative(),
  startedAt: InstantSchema,
  dueAt: InstantSchema,
  warnAt: InstantSchema.optional(),
  /** When the warning fired. */
  warnedAt: InstantSchema.optional(),
  pausedAt: InstantSchema.optional(),
  /** Business time spent paused (on hold, or resolved before a reopen), in ms. */
  pausedMs: z.number().int().nonnegative().default(0),
  metAt: InstantSchema.optional(),
  breachedAt: InstantSchema.optional(),
  /** When the clock stopped without being met: the incident was cancelled, or no target applies any more. */
  stoppedAt: InstantSchema.optional(),
});
/** One SLA clock: a target counted in business time from `startedAt`, paused while on hold. */
export type SlaClock = z.infer<typeof SlaClockSchema>;

export const ResolutionCodeSchema = z.enum(['fixed', 'workaround', 'no_fault_found', 'vendor_fixed', 'other']);

export const ResolutionSchema = z.object({
  code: ResolutionCodeSchema,
  summary: z.string(),
  resolvedAt: InstantSchema,
});
export type Resolution = z.infer<typeof ResolutionSchema>;

export const ActionItemSchema = z.object({
  title: z.string().trim().min(1).max(500),
  owner: z.string().min(1).max(200).optional(),
  dueDate: z.iso.date().optional(),
});

/** After-action report. A major incident closes only once one is recorded. */
export const ReviewSchema = z.object({
  summary: z.string().trim().min(1).max(20_000),
  rootCause: z.string().trim().min(1).max(20_000),
  contributingFactors: z.array(z.string().trim().min(1).max(2_000)).default([]),
  actionItems: z.array(ActionItemSchema).min(1),
  recordedAt: InstantSchema,
  recordedBy: z.string(),
});
export type Review = z.infer<typeof ReviewSchema>;

export const CancelReasonSchema = z.enum(['duplicate', 'false_positive', 'not_an_incident', 'merged']);
export type CancelReason = z.infer<typeof CancelReasonSchema>;

export const HoldSchema = z.object({
  reason: z.string(),
  detail: z.string().optional(),
  since: InstantSchema,
  /** Where `resume` goes back to: `open`, or the active phase the incident left. */
  resumeTo: z.enum(['open', 'investigating', 'identified', 'monitoring']),
});
export type Hold = z.infer<typeof HoldSchema>;

export const LinksSchema = z.object({
  parent: z.string().nullable(),
  children: z.array(z.string()),
  duplicateOf: z.string().nullable(),
});

/** Custom fields when no `custom` schema is configured. */
export type CustomFields = Record<string, unknown>;

/**
 * The incident record (DESIGN 4). Stores persist it whole; `custom` holds the typed custom
 * fields validated by the schema passed to `createIncidentKit({ custom })`.
 */
export const IncidentSchema = z.object({
  id: z.string().min(1),
  /** Human reference, unique per store: `INC-1`, `INC-2`, ... */
  number: z.string().min(1),
  title: z.string(),
  description: z.string(),
  reporter: ReporterSchema,
  reportedAt: InstantSchema,
  source: z.string().optional(),
  service: z.string(),
  environment: EnvironmentSchema,
  tenant: z.string().optional(),
  category: z.string(),
  subcategory: z.string().optional(),
  impact: LevelSchema.nullable(),
  urgency: LevelSchema.nullable(),
  /** Null until the incident is triaged. */
  priority: PrioritySchema.nullable(),
  severity: z.string().optional(),
  usersAffected: z.number().int().nonnegative().optional(),
  flags: FlagsSchema,
  major: z.boolean(),
  status: StatusSchema,
  /** Sub-state of `active` or `resolved`; while `on_hold`, see `hold.resumeTo`. Null elsewhere. */
  phase: PhaseSchema.nullable(),
  hold: HoldSchema.nullable(),
  assignment: AssignmentSchema,
  participants: z.array(ParticipantSchema),
  escalation: EscalationSchema,
  sla: z.object({ clocks: z.array(SlaClockSchema) }),
  acknowledgedAt: InstantSchema.nullable(),
  resolution: ResolutionSchema.nullable(),
  review: ReviewSchema.nullable(),
  closedAt: InstantSchema.nullable(),
  cancellation: z.object({ reason: CancelReasonSchema, note: z.string().optional(), at: InstantSchema }).nullable(),
  links: LinksSchema,
  dedupKey: z.string().optional(),
  labels: z.array(z.string()),
  custom: z.record(z.string(), z.unknown()),
  /** Bumped by one on every commit; the compare-and-set token. */
  version: z.number().int().min(1),
  /** `seq` of the latest timeline entry. */
  lastSeq: z.number().int().min(1),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});

/** An incident with custom fields of type `C`. */
export type Incident<C = CustomFields> = Omit<z.infer<typeof IncidentSchema>, 'custom'> & { custom: C };

/** True when the status is `closed` or `cancelled`. */
export function isTerminal(status: Status): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * The dedup key an incident holds: its `dedupKey` while it is open (not resolved, closed or
 * cancelled), else null. A store keeps at most one open incident per key (index this value).
 */
export function openDedupKey(incident: Pick<Incident, 'status' | 'dedupKey'>): string | null {
  if (incident.status === 'resolved' || isTerminal(incident.status)) return null;
  return incident.dedupKey ?? null;
}
