import type { CustomFields, Incident } from './domain/incident.js';
import type { TimelineEntryOf, TimelineEntryType } from './domain/timeline.js';
import type { OutboxRecord, TimerRecord } from './ports/store.js';

/** Payload of every `incident.*` event: the committed incident and the entry that records it. */
export interface IncidentEvent<T extends TimelineEntryType, C = CustomFields> {
  incident: Incident<C>;
  entry: TimelineEntryOf<T>;
}

/** Payload of the `notification.*` events. */
export interface NotificationEvent {
  message: OutboxRecord;
  /** Why the attempt failed (`notification.failed` and `notification.dead`). */
  error?: unknown;
  /** When the next attempt is due (`notification.failed`). */
  retryAt?: number;
}

/** Where a background failure happened. */
export type BackgroundStage = 'timer' | 'delivery' | 'worker' | 'listener';

/**
 * Events of `kit.on()`. `incident.<entry type>` fires once per timeline entry, after the commit
 * that wrote it. Background failures are emitted as `error`, never thrown into callers.
 */
export type IncidentKitEvents<C = CustomFields> = {
  [T in TimelineEntryType as `incident.${T}`]: (event: IncidentEvent<T, C>) => void;
} & {
  /** A triage changed the priority (or set the first one); payload as `incident.triaged`. */
  'incident.prioritized': (event: IncidentEvent<'triaged', C>) => void;
  /** An SLA clock passed its warning threshold; payload as `incident.sla_warning`. */
  'sla.warning': (event: IncidentEvent<'sla_warning', C>) => void;
  /** An SLA clock passed its due instant unmet; payload as `incident.sla_breached`. */
  'sla.breached': (event: IncidentEvent<'sla_breached', C>) => void;
  /** An SLA clock was met in time; payload as `incident.sla_met`. */
  'sla.met': (event: IncidentEvent<'sla_met', C>) => void;
  'timer.fired': (event: { timer: TimerRecord; incident: Incident<C> }) => void;
  'timer.skipped': (event: { timer: TimerRecord; reason: string }) => void;
  'notification.delivered': (event: NotificationEvent) => void;
  'notification.failed': (event: NotificationEvent) => void;
  'notification.dead': (event: NotificationEvent) => void;
  /**
   * A channel's endpoint answered 410 Gone: this kit stops using the channel (its messages go
   * dead) until the process restarts with a fixed configuration.
   */
  'channel.disabled': (event: { channel: string; error: unknown }) => void;
  error: (event: { error: unknown; stage: BackgroundStage; incidentId?: string }) => void;
};

/** Name of an event of `kit.on()`. */
export type IncidentKitEventName = keyof IncidentKitEvents;
