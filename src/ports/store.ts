import type { z } from 'zod';
import type { MessageRecipient } from '../domain/contact.js';
import type { StoreError } from '../domain/errors.js';
import type { Incident, MessageUrgency } from '../domain/incident.js';
import type { IncidentQuerySchema } from '../domain/query.js';
import type { Audience, TimelineEntry, TimelineEntryOf, TimelineEntryType } from '../domain/timeline.js';

/** Names of the durable timers the lifecycle machine sets (DESIGN 5). */
export type TimerName =
  | 'escalation'
  | 'acknowledgementTimeout'
  | 'slaWarning'
  | 'slaBreach'
  | 'communicationCadence'
  | 'autoClose';

/** A durable timer: fire `name` on `incidentId` at `dueAt` (ms since epoch). */
export interface TimerRecord {
  /** `${incidentId}:${name}`; setting a timer with an existing id replaces it. */
  id: string;
  incidentId: string;
  name: TimerName;
  dueAt: number;
}

/** A timer claimed by a worker, leased until `leaseUntil`. */
export interface ClaimedTimer extends TimerRecord {
  owner: string;
  leaseUntil: number;
}

/**
 * The timeline entry as messages to the public audiences (`customers`, `reporter`) carry it: its
 * type, place and time, and the actor `{ id: 'support' }`, without the entry's other fields
 * (notes, reasons, summaries, teams, assignees, reporters). An update keeps its message, which
 * was written for its audiences.
 *
 * @example
 * ```ts
 * const entry: PublicTimelineEntry = {
 *   type: 'resolved', incidentId: '01J...', seq: 7, at: '2026-03-02T10:00:00.000Z', actor: { id: 'support' },
 * };
 * ```
 */
export type PublicTimelineEntry =
  | TimelineEntryOf<'update_posted'>
  | (Pick<TimelineEntry, 'incidentId' | 'seq' | 'at' | 'actor'> & {
      type: Exclude<TimelineEntryType, 'update_posted'>;
    });

/** What a notification is about: a snapshot taken at commit time. */
export interface NotificationPayload {
  /** Domain event, e.g. `incident.acknowledged`. */
  event: string;
  incident: IncidentSummary;
  /**
   * The timeline entry that caused the message: the whole entry for the internal audiences, the
   * {@link PublicTimelineEntry} for `customers` and `reporter`.
   */
  entry: TimelineEntry | PublicTimelineEntry;
  /** Why this message goes to this audience on this channel; only when the kit has `routes`. */
  route?: NotificationRoute;
  /**
   * `high`: about a major, untriaged or urgent incident (the kit's `highUrgencyFrom`), sent at
   * once; `low`: waits for its recipients' quiet hours to end.
   */
  urgency: MessageUrgency;
  /** The contacts the routes address (email and SMS channels use them); absent: the channel chooses. */
  recipients?: MessageRecipient[];
}

/** The routing decision behind a message: the routes that chose its channel, and why. */
export interface NotificationRoute {
  /** Names of the matching routes (`routes[2]` for an unnamed one). */
  names: string[];
  /** E.g. `route "oncall-slack": audience responders, service checkout, priority P1 >= P2`. */
  reason: string;
}

/**
 * The fields of an incident a message needs, frozen at commit time. Messages to the public
 * audiences (`customers`, `reporter`) carry no `assignment`: who works on an incident is internal.
 */
export type IncidentSummary = Pick<
  Incident,
  'id' | 'number' | 'title' | 'status' | 'phase' | 'priority' | 'major' | 'service' | 'environment' | 'tenant'
> & { assignment?: Incident['assignment'] };

/** A notification waiting in the outbox for one channel. */
export interface OutboxMessage {
  /** Stable id: the idempotency key downstream (`webhook-id`, `Message-ID`). Sortable. */
  id: string;
  incidentId: string;
  channel: string;
  audience: Audience;
  payload: NotificationPayload;
  createdAt: number;
  /** Not to be delivered before this instant (ms). */
  availableAt: number;
  /**
   * Messages of one incident, channel and lane are delivered in id order: a pending message holds
   * the later ones of its lane (head of line). Absent (the same as `''`): the incident and
   * channel's main lane. The kit puts messages held for quiet hours in a lane per recipient group,
   * so that they hold up nobody else.
   */
  lane?: string;
}

/** An outbox message as the store keeps it. */
export interface OutboxRecord extends OutboxMessage {
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError?: string;
  deliveredAt?: number;
}

/** An outbox message claimed by a worker. */
export interface ClaimedOutbox extends OutboxRecord {
  owner: string;
  leaseUntil: number;
}

/**
 * How a claimed message is settled. `delivered`, `retry` and `dead` end a delivery attempt
 * (`attempts` goes up by one); `deferred` ends a claim without an attempt: the message was not
 * sent (its channel's rate limit), goes back to pending, due at `at`, with `attempts` and
 * `lastError` unchanged.
 */
export type OutboxOutcome =
  | { type: 'delivered'; at: number }
  | { type: 'retry'; at: number; error: string }
  | { type: 'dead'; error: string }
  | { type: 'deferred'; at: number };

/** One atomic write: everything a command changes. */
export interface Commit {
  /** The new record; its `version` is `expectedVersion + 1`. */
  incident: Incident;
  /** The version the command read; 0 creates the incident. */
  expectedVersion: number;
  /** New timeline entries, `seq` continuing the incident's timeline. */
  entries: TimelineEntry[];
  timers: {
    /** Timers to create or replace (by id). */
    set: TimerRecord[];
    /** Timer ids to delete; unknown ids are ignored. */
    cancel: string[];
    /** The timer this commit fires: deleted unless `set` re-arms it. */
    fired?: string;
  };
  outbox: OutboxMessage[];
  /**
   * Recorded with the commit; a later commit with the same key fails with `ConcurrencyError`.
   * `fingerprint` identifies the request (command, incident, input) so that a repeat can be told
   * from a different request that reuses the key.
   */
  idempotency?: IdempotencyKey;
}

/** An idempotency key and the fingerprint of the request that used it. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** What a store keeps for an idempotency key: the request's fingerprint and its result. */
export interface IdempotencyRecord extends IdempotencyKey {
  /** The incident as the commit that used the key left it. */
  incident: Incident;
}

/** Filters and paging of `IncidentStore.query` and `kit.list()`; see {@link IncidentQuerySchema}. */
export type IncidentQuery = z.input<typeof IncidentQuerySchema>;

/** One page of results. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /**
   * Stored records of this page that could not be read (invalid JSON, a record that fails the
   * schema), one `StoreError` naming the incident (`incidentId`) each. They are left out of
   * `items` rather than failing the whole page, and the cursor moves past them. Absent when none.
   */
  errors?: StoreError[];
}

/** Options of the claim methods. */
export interface ClaimOptions {
  limit: number;
  /** How long the claim holds; after it, another worker may claim the same row. */
  leaseMs: number;
  /** Who claims; settling checks it. */
  owner: string;
}

/** The version of the {@link IncidentStore} port this incidentkit speaks. */
export const STORE_CONTRACT = 'incidentkit.store/2';

/**
 * The persistence port (DESIGN 7). Implement it for your database and prove it with
 * `runStoreConformance()` from `incidentkit/testing`. Every method that returns stored data
 * returns copies: mutating them changes nothing stored.
 */
export interface IncidentStore {
  /**
   * The version of this port the store implements. Version 2 added outbox lanes
   * (`OutboxMessage.lane`) and the `deferred` outcome of `settleOutbox`; `createIncidentKit()`
   * refuses a store of another version.
   */
  readonly contract: typeof STORE_CONTRACT;
  /**
   * The incident, or null. A stored record that cannot be read (invalid JSON, a record that fails
   * the schema) throws a `StoreError` whose `incidentId` names it.
   */
  load(id: string): Promise<Incident | null>;
  /** Next human number (1, 2, ...), unique per store; gaps are allowed. */
  nextNumber(): Promise<number>;
  /**
   * Atomic: writes all of `change` or nothing. Throws `ConcurrencyError` when the stored version
   * differs from `expectedVersion` (or the incident exists and `expectedVersion` is 0), when the
   * idempotency key was used before, or when the incident would be open (not resolved, closed or
   * cancelled) with the `dedupKey` of another open incident; `StoreError` for anything else (e.g. a
   * duplicate outbox id).
   */
  commit(change: Commit): Promise<void>;
  /** The record of the commit that used `key`; null if none. */
  idempotent(key: string): Promise<IdempotencyRecord | null>;
  /** A page of incidents by id; unreadable records go to the page's `errors`, not `items`. */
  query(q: IncidentQuery): Promise<Page<Incident>>;
  timeline(id: string, opts?: { afterSeq?: number; limit?: number }): Promise<TimelineEntry[]>;
  /** The incident with this dedup key that is not yet resolved, closed or cancelled. */
  findOpenByDedupKey(key: string): Promise<Incident | null>;
  /** Pending timers of one incident, by due time. */
  timers(incidentId: string): Promise<TimerRecord[]>;
  /** Claims up to `limit` timers due at `now` whose lease is free, soonest first. */
  claimTimers(now: number, opts: ClaimOptions): Promise<ClaimedTimer[]>;
  /** Deletes a claimed timer that fired without changing its incident. */
  completeTimer(id: string, owner: string): Promise<void>;
  /**
   * Claims up to `limit` pending messages available at `now` whose lease is free, in id order,
   * and never one while an earlier pending message of the same incident and channel waits.
   */
  claimOutbox(now: number, opts: ClaimOptions): Promise<ClaimedOutbox[]>;
  /**
   * Records the outcome of a claimed message and frees its lease; ignored if `owner` no longer
   * holds the lease. Adds one to `attempts`, except for `deferred`.
   */
  settleOutbox(id: string, owner: string, outcome: OutboxOutcome): Promise<void>;
  /**
   * The earliest instant later than `after` at which a timer or pending outbox message becomes
   * claimable (its due instant, or its lease's end if that is later); null if none. Workers sleep
   * until then; the test kit's `advance()` steps the clock through these instants.
   */
  nextDueAt(after: number): Promise<number | null>;
  /** Outbox messages of one incident, in id order, whatever their status. */
  outbox(incidentId: string): Promise<OutboxRecord[]>;
  /**
   * Optional wake-ups for workers in other processes: calls `listener` with the earliest instant
   * (ms) at which timers or messages that another process committed become claimable, or null when
   * it may have missed some (claim now). Resolves once listening, with a function that stops it.
   * The kit's worker loop subscribes while it runs; polling stays the source of truth.
   */
  onWake?(listener: (at: number | null) => void): Promise<() => Promise<void>>;
  close?(): Promise<void>;
}
