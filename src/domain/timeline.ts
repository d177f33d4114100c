import { z } from 'zod';
import {
  ActivePhaseSchema,
  ActorSchema,
  AssignmentSchema,
  CancelReasonSchema,
  EscalationStepSchema,
  InstantSchema,
  LevelSchema,
  MessageUrgencySchema,
  ParticipantSchema,
  PrioritySchema,
  ReporterSchema,
  ResolutionSchema,
  RoleSchema,
} from './incident.js';

/** Audiences a message can address. */
export const AudienceSchema = z.enum(['responders', 'stakeholders', 'management', 'customers', 'reporter']);
export type Audience = z.infer<typeof AudienceSchema>;

/** One reason behind a decision (priority, routing, escalation): which rule, and what it did. */
export const ReasonSchema = z.object({
  /** The rule or matrix cell, e.g. `matrix:default[impact=high][urgency=medium]` or `rule:security-floor`. */
  rule: z.string(),
  /** What it means, in words. */
  detail: z.string(),
  /** The field the reason changed, e.g. `priority` or `impact`. */
  field: z.string().optional(),
  /** The field's value before (absent when it had none). */
  before: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** The field's value after. */
  after: z.union([z.string(), z.number(), z.boolean()]).optional(),
});
export type Reason = z.infer<typeof ReasonSchema>;

/** One routing decision of a `notified` entry: an outbox message, where it goes and why. */
export const NotificationDecisionSchema = z.object({
  /** The outbox message id (see `kit.store.outbox(incidentId)` for its delivery status). */
  messageId: z.string(),
  audience: AudienceSchema,
  channel: z.string(),
  /** Contact ids the message addresses; absent: the channel chooses. */
  recipients: z.array(z.string()).optional(),
  /** The matching routes' names. */
  routes: z.array(z.string()),
  /** Why, e.g. `route "oncall-sms": audience responders, priority P1 >= P2`. */
  reason: z.string(),
  urgency: MessageUrgencySchema,
  /** A low-urgency message waits for its recipients' quiet hours to end: due at this instant. */
  heldUntil: InstantSchema.optional(),
});
export type NotificationDecision = z.infer<typeof NotificationDecisionSchema>;

const base = {
  incidentId: z.string(),
  /** Position in the incident's timeline: 1, 2, 3, ... with no gaps. */
  seq: z.number().int().min(1),
  at: InstantSchema,
  actor: ActorSchema,
};

const assignmentRef = AssignmentSchema.pick({ team: true, tier: true, assignee: true });

function entry<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ ...base, type: z.literal(type), ...shape });
}

/** Every timeline entry, discriminated on `type`. Append-only. */
export const TimelineEntrySchema = z.discriminatedUnion('type', [
  entry('reported', { reporter: ReporterSchema, title: z.string() }),
  entry('duplicate_reported', { reporter: ReporterSchema, title: z.string() }),
  entry('triaged', {
    priority: PrioritySchema,
    previousPriority: PrioritySchema.nullable(),
    impact: LevelSchema,
    urgency: LevelSchema,
    /** The category after triage (suggested or set by a rule, else as reported). */
    category: z.string().optional(),
    subcategory: z.string().optional(),
    /** `automatic`: declared major by a rule; `candidate`: a rule suggests declaring it. */
    major: z.enum(['automatic', 'candidate']).optional(),
    /** Labels rules added. */
    labels: z.array(z.string()).optional(),
    reasons: z.array(ReasonSchema),
  }),
  entry('acknowledged', { note: z.string().optional() }),
  entry('acknowledgement_expired', {}),
  entry('assigned', { from: assignmentRef, to: assignmentRef }),
  entry('escalated', { step: EscalationStepSchema }),
  entry('participant_added', { participant: ParticipantSchema }),
  entry('role_set', { participantId: z.string(), from: RoleSchema, to: RoleSchema }),
  entry('note', { text: z.string(), visibility: z.enum(['internal', 'public']) }),
  entry('update_posted', {
    audiences: z.array(AudienceSchema),
    message: z.string(),
    phase: ActivePhaseSchema.optional(),
  }),
  entry('held', { reason: z.string(), detail: z.string().optional() }),
  entry('resumed', { to: z.string(), note: z.string().optional() }),
  entry('major_declared', { reason: z.string() }),
  entry('major_downgraded', { reason: z.string() }),
  entry('resolved', { resolution: ResolutionSchema }),
  entry('recovered', { note: z.string().optional() }),
  entry('reopened', { reason: z.string() }),
  entry('review_recorded', { actionItems: z.number().int().nonnegative() }),
  entry('closed', { automatic: z.boolean(), note: z.string().optional() }),
  entry('cancelled', {
    reason: CancelReasonSchema,
    duplicateOf: z.string().optional(),
    note: z.string().optional(),
  }),
  entry('sla_warning', { clock: z.string() }),
  entry('sla_breached', { clock: z.string() }),
  entry('sla_met', { clock: z.string() }),
  entry('communication_due', { sinceLastUpdateMs: z.number().int().nonnegative() }),
  entry('notified', {
    /** `seq` of the entry the notifications are about (written in the same commit). */
    about: z.number().int().min(1),
    /** Its event, e.g. `incident.resolved`. */
    event: z.string(),
    /** One per outbox message: who is notified, on which channel, and why. */
    deliveries: z.array(NotificationDecisionSchema),
    /** Audiences the entry addresses that no route delivers. */
    unrouted: z.array(AudienceSchema),
  }),
]);
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
/** The `type` of a timeline entry. */
export type TimelineEntryType = TimelineEntry['type'];
/** The entry of one `type`. */
export type TimelineEntryOf<T extends TimelineEntryType> = Extract<TimelineEntry, { type: T }>;
/** An entry before the kit gives it its place in the timeline. */
export type NewTimelineEntry = TimelineEntry extends infer E
  ? E extends TimelineEntry
    ? Omit<E, 'incidentId' | 'seq' | 'at' | 'actor'>
    : never
  : never;
