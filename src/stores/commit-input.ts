import { ConcurrencyError, StoreError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { Commit, IdempotencyKey, OutboxMessage, TimerName, TimerRecord } from '../ports/store.js';
import { type AnyRecord, importRecord, jsonEqual } from './plain-data.js';

// Checks and copies of what a commit brings in: the shape the port promises, as plain data,
// before a store writes anything. The store's own checks (versions, idempotency keys, dedup
// keys) stay with the store.

function isObject(value: unknown): value is AnyRecord {
  return typeof value === 'object' && value !== null;
}

/** Instants of timers and outbox rows: whole milliseconds since the epoch. */
function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function invalid(message: string): StoreError {
  return new StoreError(`Invalid commit: ${message}`);
}

/** The parts of a commit a store needs before its own checks. */
export interface CommitHeader {
  id: string;
  expectedVersion: number;
  idempotency: IdempotencyKey | undefined;
}

/** Reads and checks the incident id, `expectedVersion` and idempotency key of a commit. */
export function readCommitHeader(change: Commit): CommitHeader {
  if (!isObject(change) || !isObject(change.incident)) throw invalid('`incident` is missing');
  const id = change.incident.id;
  if (typeof id !== 'string' || id === '') throw invalid('`incident.id` must be a non-empty string');
  const expected = change.expectedVersion;
  if (!Number.isInteger(expected) || expected < 0) {
    throw invalid(`\`expectedVersion\` must be an integer >= 0, got ${String(expected)}`);
  }
  const idempotency = change.idempotency;
  if (
    idempotency !== undefined &&
    (typeof idempotency?.key !== 'string' || typeof idempotency.fingerprint !== 'string')
  ) {
    throw invalid('`idempotency` must be { key: string, fingerprint: string }');
  }
  return { id, expectedVersion: expected, idempotency };
}

/**
 * Throws the `ConcurrencyError` the port promises when the stored state refuses the commit: the
 * idempotency key was used, the incident exists and `expectedVersion` is 0, or the stored version
 * (`actual`, null when absent) is not `expectedVersion`.
 */
export function checkVersion(header: CommitHeader, actual: number | null, idempotencyKeyUsed: boolean): void {
  const { id, expectedVersion: expected, idempotency } = header;
  if (idempotency !== undefined && idempotencyKeyUsed) {
    throw new ConcurrencyError(
      id,
      expected,
      actual,
      `The idempotency key "${idempotency.key}" was already used by an earlier commit; nothing was written`,
    );
  }
  if (expected === 0) {
    if (actual !== null) {
      throw new ConcurrencyError(
        id,
        expected,
        actual,
        `Incident "${id}" already exists (version ${actual}); it cannot be created again`,
      );
    }
  } else if (actual !== expected) {
    throw new ConcurrencyError(id, expected, actual);
  }
}

/** The `ConcurrencyError` of a commit that would open a second incident with the same dedup key. */
export function dedupKeyTaken(header: CommitHeader, actual: number | null, holder: string, key: string) {
  return new ConcurrencyError(
    header.id,
    header.expectedVersion,
    actual,
    `Incident "${holder}" is already open with dedup key "${key}"; nothing was written`,
  );
}

/** What the store holds of the incident that the commit continues. */
export interface StoredTimeline {
  /** Entries stored so far (the next `seq` is this plus one). */
  timelineLength: number;
  /** The last stored entry, to share its actor. */
  lastEntry: TimelineEntry | undefined;
  /** Whether an outbox message id is already stored. */
  outboxIdTaken(id: string): boolean;
}

/** A commit checked against the port's contract and copied as plain data. */
export interface ImportedCommit {
  incident: Incident;
  entries: TimelineEntry[];
  timers: { set: TimerRecord[]; cancel: string[]; fired: string | undefined };
  outbox: OutboxMessage[];
}

/**
 * Checks everything a commit brings in and copies it, throwing `StoreError` (nothing written) for
 * a version that is not `expectedVersion + 1`, entries that do not continue the timeline, records
 * of another incident, a duplicate outbox id, or values that are not plain JSON data. Copies
 * share what repeats (an actor across entries, a payload's entry and summary) to save memory.
 */
export function importCommit(change: Commit, stored: StoredTimeline): ImportedCommit {
  const source = change.incident;
  const { id } = source;
  const expected = change.expectedVersion;
  if (source.version !== expected + 1) {
    throw invalid(`\`incident.version\` must be expectedVersion + 1 = ${expected + 1}, got ${String(source.version)}`);
  }
  const incident = importRecord<Incident>(source, 'commit.incident');
  const entriesIn = change.entries;
  if (!Array.isArray(entriesIn)) throw invalid('`entries` must be an array');
  const entries: TimelineEntry[] = [];
  let seq = stored.timelineLength;
  for (let i = 0; i < entriesIn.length; i++) {
    const entry: unknown = entriesIn[i];
    if (!isObject(entry)) throw invalid(`\`entries[${i}]\` must be an object`);
    if (entry.incidentId !== id) {
      throw invalid(`\`entries[${i}].incidentId\` is "${String(entry.incidentId)}", not "${id}"`);
    }
    seq += 1;
    if (entry.seq !== seq) {
      throw invalid(`\`entries[${i}].seq\` is ${String(entry.seq)} but the timeline of "${id}" continues at ${seq}`);
    }
    const copied = importRecord<TimelineEntry>(entry, `commit.entries[${i}]`);
    // Most entries of an incident share their actor: keep one copy.
    const prior = entries[entries.length - 1] ?? stored.lastEntry;
    if (prior !== undefined && jsonEqual(prior.actor, copied.actor)) copied.actor = prior.actor;
    entries.push(copied);
  }

  const timers = change.timers;
  if (!isObject(timers) || !Array.isArray(timers.set) || !Array.isArray(timers.cancel)) {
    throw invalid('`timers` must have `set` and `cancel` arrays');
  }
  const fired = timers.fired;
  if (fired !== undefined && typeof fired !== 'string') throw invalid('`timers.fired` must be a string');
  for (let i = 0; i < timers.cancel.length; i++) {
    if (typeof timers.cancel[i] !== 'string') throw invalid(`\`timers.cancel[${i}]\` must be a string`);
  }
  const set: TimerRecord[] = [];
  for (let i = 0; i < timers.set.length; i++) {
    const timer: unknown = timers.set[i];
    if (
      !isObject(timer) ||
      typeof timer.id !== 'string' ||
      timer.id === '' ||
      typeof timer.name !== 'string' ||
      !isTime(timer.dueAt)
    ) {
      throw invalid(`\`timers.set[${i}]\` needs a non-empty \`id\`, a \`name\` and a \`dueAt\` in whole milliseconds`);
    }
    if (timer.incidentId !== id) {
      throw invalid(`\`timers.set[${i}].incidentId\` is "${String(timer.incidentId)}", not "${id}"`);
    }
    set.push({ id: timer.id, incidentId: id, name: timer.name as TimerName, dueAt: timer.dueAt });
  }

  const outboxIn = change.outbox;
  if (!Array.isArray(outboxIn)) throw invalid('`outbox` must be an array');
  const outbox: OutboxMessage[] = [];
  // Payloads usually repeat the committed entries and one summary per commit: share them.
  const payloads = new Map<object, AnyRecord>();
  let lastSummary: unknown;
  for (let i = 0; i < outboxIn.length; i++) {
    const message: unknown = outboxIn[i];
    if (
      !isObject(message) ||
      typeof message.id !== 'string' ||
      message.id === '' ||
      typeof message.channel !== 'string' ||
      typeof message.audience !== 'string' ||
      !isTime(message.createdAt) ||
      !isTime(message.availableAt) ||
      !isObject(message.payload) ||
      (message.lane !== undefined && (typeof message.lane !== 'string' || message.lane.length > 200))
    ) {
      throw invalid(
        `\`outbox[${i}]\` needs a non-empty \`id\`, \`channel\`, \`audience\`, \`payload\` and \`createdAt\` and \`availableAt\` in whole milliseconds (and \`lane\`, if any, a string of at most 200 characters)`,
      );
    }
    const messageId = message.id;
    if (message.incidentId !== id) {
      throw invalid(`\`outbox[${i}].incidentId\` is "${String(message.incidentId)}", not "${id}"`);
    }
    if (stored.outboxIdTaken(messageId) || outbox.some((row) => row.id === messageId)) {
      throw new StoreError(`Invalid commit: duplicate outbox message id "${messageId}"; nothing was written`);
    }
    const payloadIn = message.payload;
    let payload = payloads.get(payloadIn);
    if (payload === undefined) {
      payload = importRecord<AnyRecord>(payloadIn, `commit.outbox[${i}].payload`);
      payloads.set(payloadIn, payload);
      const entry = payload.entry;
      if (isObject(entry) && typeof entry.seq === 'number') {
        const stored = entries[entry.seq - (seq - entries.length) - 1];
        if (stored !== undefined && jsonEqual(stored, entry)) payload.entry = stored;
      }
      const summary = payload.incident;
      if (isObject(summary)) {
        if (lastSummary !== undefined && jsonEqual(lastSummary, summary)) payload.incident = lastSummary;
        else {
          if (jsonEqual(summary.assignment, incident.assignment)) summary.assignment = incident.assignment;
          lastSummary = summary;
        }
      }
    }
    outbox.push({
      id: messageId,
      incidentId: id,
      channel: message.channel,
      audience: message.audience as OutboxMessage['audience'],
      payload: payload as unknown as OutboxMessage['payload'],
      createdAt: message.createdAt,
      availableAt: message.availableAt,
      ...(message.lane ? { lane: message.lane } : {}),
    });
  }

  return { incident, entries, timers: { set, cancel: timers.cancel as string[], fired }, outbox };
}
