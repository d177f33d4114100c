/**
 * incidentkit: log, prioritize, escalate, communicate, resolve and learn from incidents, inside
 * your own app, on your own database.
 *
 * @packageDocumentation
 */
export { type ConsoleChannelOptions, consoleChannel } from './channels/console.js';
export * from './domain/commands.js';
export { type Duration, DurationSchema, toMs } from './domain/duration.js';
export {
  ChannelError,
  ConcurrencyError,
  formatPath,
  IncidentKitError,
  type IncidentKitErrorCode,
  NotFoundError,
  parseInput,
  StoreError,
  TransitionError,
  ValidationError,
} from './domain/errors.js';
export { createSequentialIds, createUlidGenerator, type IdGenerator } from './domain/ids.js';
export * from './domain/incident.js';
export { IncidentQuerySchema } from './domain/query.js';
export * from './domain/timeline.js';
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
export { describeEntry, describeIncident, formatTimeline } from './notify/describe.js';
export { DEFAULT_RETRY_SCHEDULE_MS } from './notify/dispatcher.js';
export {
  type CustomInputOf,
  type CustomOf,
  type CustomSchema,
  DeliveryOptionsSchema,
  type IncidentKitOptions,
  LifecycleOptionsSchema,
  type ReportInputOf,
} from './options.js';
export type { Channel, RenderedMessage, SendContext } from './ports/channel.js';
export { type Clock, systemClock } from './ports/clock.js';
export { type Logger, silentLogger } from './ports/logger.js';
export type * from './ports/store.js';
export {
  ITIL_MATRIX,
  itilPriorityPolicy,
  type PriorityDecision,
  type PriorityInput,
  type PriorityPolicy,
} from './priority/itil.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js';
export type { RunDueResult, Worker } from './worker.js';
