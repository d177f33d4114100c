import { z } from 'zod';
import {
  ActivePhaseSchema,
  ActorSchema,
  CancelReasonSchema,
  EnvironmentSchema,
  EscalationKindSchema,
  EscalationModeSchema,
  InstantSchema,
  LevelSchema,
  ReporterSchema,
  ResolutionCodeSchema,
  ReviewSchema,
  RoleSchema,
} from './incident.js';
import { AudienceSchema } from './timeline.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const name = text(200);

/** Input of `kit.report()`. */
export const ReportInputSchema = z.strictObject({
  title: text(300),
  description: z.string().max(100_000).default(''),
  reporter: ReporterSchema,
  /** When it happened; defaults to now. */
  reportedAt: InstantSchema.optional(),
  /** Where the report came from: `web-form`, `email`, `prometheus`, ... */
  source: name.optional(),
  service: name,
  environment: EnvironmentSchema.default('production'),
  /** Customer or line of business. */
  tenant: name.optional(),
  /** Left out: the priority policy may suggest one from the text; else `general`. */
  category: name.optional(),
  subcategory: name.optional(),
  /** With both impact and urgency the incident is prioritized at once and opens. */
  impact: LevelSchema.optional(),
  urgency: LevelSchema.optional(),
  severity: name.optional(),
  usersAffected: z.number().int().nonnegative().optional(),
  flags: z
    .strictObject({
      security: z.boolean().optional(),
      compliance: z.boolean().optional(),
      financial: z.boolean().optional(),
      reputation: z.boolean().optional(),
    })
    .default({}),
  /** An open incident with the same key absorbs this report instead of a new one. */
  dedupKey: text(500).optional(),
  labels: z.array(text(200)).max(100).default([]),
  team: name.optional(),
  assignee: name.optional(),
  parent: z.string().trim().min(1).optional(),
  /** Custom fields, validated against the kit's `custom` schema. */
  custom: z.record(z.string(), z.unknown()).optional(),
});

/** Input of `kit.triage()`: (re)prioritize. */
export const TriageInputSchema = z.strictObject({
  /** Default: the incident's current impact. Must be one of the priority policy's levels. */
  impact: LevelSchema.optional(),
  /** Default: the incident's current urgency. */
  urgency: LevelSchema.optional(),
  category: name.optional(),
  subcategory: name.optional(),
  usersAffected: z.number().int().nonnegative().optional(),
  reason: text(2_000).optional(),
});

export const AssignInputSchema = z
  .strictObject({
    team: name.optional(),
    assignee: name.nullable().optional(),
    tier: z.number().int().min(1).max(10).optional(),
  })
  .refine((v) => v.team !== undefined || v.assignee !== undefined || v.tier !== undefined, {
    message: 'Give at least one of team, assignee, tier',
  });

export const AcknowledgeInputSchema = z.strictObject({ note: text(2_000).optional() }).default({});

export const EscalateInputSchema = z
  .strictObject({
    /** Vertical: next tier or management. Lateral: another team. */
    kind: EscalationKindSchema,
    /** `reassign` replaces the owner; `swarm` adds the target and keeps the current owner. */
    mode: EscalationModeSchema.default('reassign'),
    team: name.optional(),
    assignee: name.optional(),
    /** Vertical only: the tier to go to; defaults to the next one. */
    tier: z.number().int().min(1).max(10).optional(),
    reason: text(2_000),
  })
  .refine((v) => v.kind === 'vertical' || v.team !== undefined || v.assignee !== undefined, {
    message: 'A lateral escalation needs a team or an assignee',
    path: ['team'],
  });

/** Well-known hold reasons; any other non-empty text is a custom reason. */
export const HOLD_REASONS = ['awaiting_caller', 'awaiting_vendor', 'awaiting_change', 'awaiting_problem'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number] | (string & {});

export const HoldInputSchema = z.strictObject({
  reason: text(200) as z.ZodType<HoldReason, HoldReason>,
  detail: text(2_000).optional(),
});

export const ResumeInputSchema = z.strictObject({ note: text(2_000).optional() }).default({});

export const PostUpdateInputSchema = z.strictObject({
  audience: z.union([AudienceSchema, z.array(AudienceSchema).min(1)]),
  message: text(10_000),
  /** Moves an `active` incident to this phase. */
  phase: ActivePhaseSchema.optional(),
});

export const DeclareMajorInputSchema = z.strictObject({ reason: text(2_000) });
export const DowngradeMajorInputSchema = z.strictObject({ reason: text(2_000) });

export const AddParticipantInputSchema = z.strictObject({
  /** Stable id; defaults to the name. */
  id: name.optional(),
  name,
  role: RoleSchema.default('responder'),
  team: name.optional(),
});

export const SetRoleInputSchema = z.strictObject({ participantId: name, role: RoleSchema });

export const NoteInputSchema = z.strictObject({
  text: text(20_000),
  visibility: z.enum(['internal', 'public']).default('internal'),
});

export const ResolveInputSchema = z.strictObject({
  code: ResolutionCodeSchema.default('fixed'),
  summary: text(10_000),
});

export const RecoverInputSchema = z.strictObject({ note: text(2_000).optional() }).default({});
export const ReopenInputSchema = z.strictObject({ reason: text(2_000) });
export const CloseInputSchema = z.strictObject({ note: text(2_000).optional() }).default({});

export const CancelInputSchema = z
  .strictObject({
    reason: CancelReasonSchema,
    duplicateOf: z.string().trim().min(1).optional(),
    note: text(2_000).optional(),
  })
  .refine((v) => (v.reason === 'duplicate' || v.reason === 'merged') === (v.duplicateOf !== undefined), {
    message: 'duplicateOf is required for reason "duplicate" or "merged", and only then',
    path: ['duplicateOf'],
  });

export const RecordReviewInputSchema = ReviewSchema.omit({ recordedAt: true, recordedBy: true }).strict();

/** Options every command takes. */
export const CommandOptionsSchema = z
  .strictObject({
    /** Who is acting; a string is taken as the actor's id. Default `{ id: 'unknown' }`. */
    actor: z.union([z.string().min(1).max(200), ActorSchema]).optional(),
    /** Compare-and-set: fail with `ConcurrencyError` unless the incident is at this version. */
    expectedVersion: z.number().int().min(1).optional(),
    /** A repeated command with the same key returns the first result and writes nothing. */
    idempotencyKey: z.string().min(1).max(300).optional(),
  })
  .default({});
export type CommandOptions = z.input<typeof CommandOptionsSchema>;

export type ReportInput = z.input<typeof ReportInputSchema>;
export type TriageInput = z.input<typeof TriageInputSchema>;
export type AssignInput = z.input<typeof AssignInputSchema>;
export type AcknowledgeInput = z.input<typeof AcknowledgeInputSchema>;
export type EscalateInput = z.input<typeof EscalateInputSchema>;
export type HoldInput = z.input<typeof HoldInputSchema>;
export type ResumeInput = z.input<typeof ResumeInputSchema>;
export type PostUpdateInput = z.input<typeof PostUpdateInputSchema>;
export type DeclareMajorInput = z.input<typeof DeclareMajorInputSchema>;
export type DowngradeMajorInput = z.input<typeof DowngradeMajorInputSchema>;
export type AddParticipantInput = z.input<typeof AddParticipantInputSchema>;
export type SetRoleInput = z.input<typeof SetRoleInputSchema>;
export type NoteInput = z.input<typeof NoteInputSchema>;
export type ResolveInput = z.input<typeof ResolveInputSchema>;
export type RecoverInput = z.input<typeof RecoverInputSchema>;
export type ReopenInput = z.input<typeof ReopenInputSchema>;
export type CloseInput = z.input<typeof CloseInputSchema>;
export type CancelInput = z.input<typeof CancelInputSchema>;
export type RecordReviewInput = z.input<typeof RecordReviewInputSchema>;

/** Schema of each command's input, by command name. */
export const COMMAND_SCHEMAS = {
  triage: TriageInputSchema,
  assign: AssignInputSchema,
  acknowledge: AcknowledgeInputSchema,
  escalate: EscalateInputSchema,
  hold: HoldInputSchema,
  resume: ResumeInputSchema,
  postUpdate: PostUpdateInputSchema,
  declareMajor: DeclareMajorInputSchema,
  downgradeMajor: DowngradeMajorInputSchema,
  addParticipant: AddParticipantInputSchema,
  setRole: SetRoleInputSchema,
  note: NoteInputSchema,
  resolve: ResolveInputSchema,
  recover: RecoverInputSchema,
  reopen: ReopenInputSchema,
  close: CloseInputSchema,
  cancel: CancelInputSchema,
  recordReview: RecordReviewInputSchema,
} as const;

/** Name of a command on an existing incident. */
export type CommandName = keyof typeof COMMAND_SCHEMAS;
/** Parsed (output) input of each command. */
export type CommandInputs = { [K in CommandName]: z.output<(typeof COMMAND_SCHEMAS)[K]> };
/** Every command name, in the order the docs list them. */
export const COMMAND_NAMES = Object.keys(COMMAND_SCHEMAS) as CommandName[];
