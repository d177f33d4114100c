/**
 * incidentkit: log, prioritize, escalate, communicate, resolve and learn from incidents, inside
 * your own app, on your own database.
 *
 * @packageDocumentation
 */
export { type ConsoleChannelOptions, consoleChannel } from './channels/console.js';
export {
  type AcknowledgeInput,
  AcknowledgeInputSchema,
  type AddParticipantInput,
  AddParticipantInputSchema,
  type AssignInput,
  AssignInputSchema,
  type CancelInput,
  CancelInputSchema,
  type CloseInput,
  CloseInputSchema,
  COMMAND_NAMES,
  COMMAND_SCHEMAS,
  type CommandInputs,
  type CommandName,
  type CommandOptions,
  CommandOptionsSchema,
  type DeclareMajorInput,
  DeclareMajorInputSchema,
  type DowngradeMajorInput,
  DowngradeMajorInputSchema,
  type EscalateInput,
  EscalateInputSchema,
  HOLD_REASONS,
  type HoldInput,
  HoldInputSchema,
  type HoldReason,
  type NoteInput,
  NoteInputSchema,
  type PostUpdateInput,
  PostUpdateInputSchema,
  type RecordReviewInput,
  RecordReviewInputSchema,
  type RecoverInput,
  RecoverInputSchema,
  type ReopenInput,
  ReopenInputSchema,
  type ReportInput,
  ReportInputSchema,
  type ResolveInput,
  ResolveInputSchema,
  type ResumeInput,
  ResumeInputSchema,
  type SetRoleInput,
  SetRoleInputSchema,
  type TriageInput,
  TriageInputSchema,
} from './domain/commands.js';
export type { ContactField, MessageRecipient } from './domain/contact.js';
export { type Duration, DurationSchema, toMs } from './domain/duration.js';
export {
  ChannelError,
  ConcurrencyError,
  IncidentKitError,
  type IncidentKitErrorCode,
  NotFoundError,
  StoreError,
  TransitionError,
  ValidationError,
} from './domain/errors.js';
export { createSequentialIds, createUlidGenerator, type IdGenerator } from './domain/ids.js';
export {
  ActionItemSchema,
  type ActivePhase,
  ActivePhaseSchema,
  type Actor,
  ActorSchema,
  type Assignment,
  AssignmentSchema,
  type CancelReason,
  CancelReasonSchema,
  type CustomFields,
  DEFAULT_ENVIRONMENTS,
  DEFAULT_LEVELS,
  EnvironmentSchema,
  EscalationKindSchema,
  EscalationModeSchema,
  EscalationSchema,
  type EscalationStep,
  EscalationStepSchema,
  type Flags,
  FlagsSchema,
  type Hold,
  HoldSchema,
  type Incident,
  IncidentSchema,
  InstantSchema,
  isTerminal,
  type Level,
  LevelSchema,
  LinksSchema,
  type MessageUrgency,
  MessageUrgencySchema,
  openDedupKey,
  type Participant,
  ParticipantSchema,
  type Phase,
  PhaseSchema,
  PRIORITY_ORDER,
  type Priority,
  PrioritySchema,
  type Reporter,
  type ReporterKind,
  ReporterKindSchema,
  ReporterSchema,
  type Resolution,
  ResolutionCodeSchema,
  ResolutionSchema,
  type Review,
  ReviewSchema,
  type Role,
  RoleSchema,
  type SlaClock,
  SlaClockSchema,
  type Status,
  StatusSchema,
  SYSTEM_ACTOR,
  TERMINAL_STATUSES,
} from './domain/incident.js';
export {
  IncidentQuerySchema,
  matchesIncidentQuery,
  matchesSlaFilters,
  nextPageCursor,
  type ParsedIncidentQuery,
  parseIncidentQuery,
} from './domain/query.js';
export {
  type Audience,
  AudienceSchema,
  type NotificationDecision,
  NotificationDecisionSchema,
  type Reason,
  ReasonSchema,
  type TimelineEntry,
  type TimelineEntryOf,
  TimelineEntrySchema,
  type TimelineEntryType,
} from './domain/timeline.js';
export type {
  BackgroundStage,
  IncidentEvent,
  IncidentKitEventName,
  IncidentKitEvents,
  NotificationEvent,
} from './events.js';
export {
  type CommandMethod,
  createIncidentKit,
  type IncidentKit,
  type OptionalInputCommand,
} from './kit.js';
export {
  type CommandEvent,
  type IncidentMachine,
  incidentMachine,
  type LifecycleContext,
  type LifecycleEvent,
  TIMER_NAMES,
  type TimerEvent,
} from './lifecycle/machine.js';
export { type Route, type RouteInput, RouteSchema } from './notify/config.js';
export { type ContactInput, ContactSchema, QuietHoursSchema } from './notify/contacts.js';
export { describeEntry, describeIncident, formatTimeline } from './notify/describe.js';
export { DEFAULT_RETRY_JITTER, DEFAULT_RETRY_SCHEDULE_MS } from './notify/dispatcher.js';
export { NOTIFYING_ENTRY_TYPES, type NotifyingEntryType } from './notify/routing.js';
export type {
  AudienceTemplates,
  MessageContent,
  MessageTemplate,
  MessageTemplates,
  TemplateEvent,
  TemplateMessage,
} from './notify/templates.js';
export type { OncallOptions } from './oncall/config.js';
export {
  defineEscalationPolicy,
  type EscalationPolicy,
  type EscalationPolicyConfig,
  EscalationPolicyConfigSchema,
  type EscalationTarget,
  EscalationTargetSchema,
} from './oncall/policy.js';
export {
  defineSchedule,
  type OnCall,
  type OnCallShift,
  type Schedule,
  type ScheduleConfig,
  ScheduleConfigSchema,
  shifts,
  whoIsOnCall,
} from './oncall/schedule.js';
export {
  type CustomInputOf,
  type CustomOf,
  type CustomSchema,
  DeliveryOptionsSchema,
  type IncidentKitOptions,
  LifecycleOptionsSchema,
  type ReportInputOf,
} from './options.js';
export type { Channel, RateLimit, RenderedMessage, SendContext } from './ports/channel.js';
export { type Clock, systemClock } from './ports/clock.js';
export { type Logger, silentLogger } from './ports/logger.js';
export type {
  ClaimedOutbox,
  ClaimedTimer,
  ClaimOptions,
  Commit,
  IdempotencyKey,
  IdempotencyRecord,
  IncidentQuery,
  IncidentStore,
  IncidentSummary,
  NotificationPayload,
  NotificationRoute,
  OutboxMessage,
  OutboxOutcome,
  OutboxRecord,
  Page,
  PublicTimelineEntry,
  TimerName,
  TimerRecord,
} from './ports/store.js';
export { STORE_CONTRACT } from './ports/store.js';
export {
  CONDITION_FIELDS,
  type Condition,
  type ConditionField,
  ConditionSchema,
  type FieldCondition,
  OPERATORS,
  type Operator,
} from './priority/conditions.js';
export { defaultPriorityRules, ITIL_MATRIX } from './priority/defaults.js';
export { createPriorityEngine, itilPriorityPolicy } from './priority/engine.js';
export {
  type CategoryRule,
  definePriorityPolicy,
  type Effect,
  type MatrixScope,
  type PriorityMatrix,
  type PriorityPolicyConfig,
  type PriorityPolicyDefinition,
  PriorityPolicySchema,
  type PriorityRule,
} from './priority/policy.js';
export {
  type FactNeeds,
  type PriorityDecision,
  PriorityDecisionSchema,
  type PriorityFacts,
  type PriorityInput,
  type PriorityPolicy,
} from './priority/types.js';
export {
  ALWAYS_OPEN,
  addBusinessTime,
  type BusinessWindow,
  businessTimeBetween,
  type Calendar,
  type CalendarConfig,
  CalendarConfigSchema,
  defineCalendar,
  isBusinessTime,
  WEEKDAYS,
  type Weekday,
} from './sla/calendar.js';
export type { SlaClockStatus } from './sla/clocks.js';
export {
  defineSlaPolicy,
  type ResolvedTarget,
  type SlaPolicy,
  type SlaPolicyConfig,
  SlaPolicySchema,
  type SlaScope,
  type SlaTarget,
} from './sla/policy.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js';
export type { RunDueResult, StartOptions, Worker } from './worker.js';
