import assert from 'node:assert/strict';
import type { IncidentKitError } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import type { TimelineEntry, TimelineEntryOf } from '../../domain/timeline.js';
import { toIso } from '../../ports/clock.js';
import type {
  Commit,
  IncidentStore,
  IncidentSummary,
  OutboxMessage,
  TimerName,
  TimerRecord,
} from '../../ports/store.js';

export interface Context {
  store: IncidentStore;
  inspect: ((store: IncidentStore) => Promise<unknown>) | undefined;
}

export type Check = readonly [name: string, run: (ctx: Context) => Promise<void>];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

export const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
export const MINUTE = 60_000;

export function incidentId(n: number): string {
  return `inc_${String(n).padStart(6, '0')}`;
}

/** A valid, minimal incident (no optional field present) numbered `n`. */
export function makeIncident(n: number, overrides: Partial<Incident> = {}): Incident {
  const at = toIso(T0 + n * MINUTE);
  return {
    id: incidentId(n),
    number: `INC-${n}`,
    title: `Incident ${n}`,
    description: '',
    reporter: { name: 'Ada Lovelace', kind: 'employee' },
    reportedAt: at,
    service: 'checkout',
    environment: 'production',
    category: 'general',
    impact: null,
    urgency: null,
    priority: null,
    flags: { security: false, compliance: false, financial: false, reputation: false },
    major: false,
    status: 'new',
    phase: null,
    hold: null,
    assignment: { team: null, tier: 1, assignee: null, supporting: [] },
    participants: [],
    escalation: { level: 0, history: [] },
    sla: { clocks: [] },
    acknowledgedAt: null,
    resolution: null,
    review: null,
    closedAt: null,
    cancellation: null,
    links: { parent: null, children: [], duplicateOf: null },
    labels: [],
    custom: {},
    version: 1,
    lastSeq: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An incident with every optional field present, large nested custom fields and unicode text. */
export function makeFullIncident(n: number): Incident {
  const at = (minutes: number) => toIso(T0 + minutes * MINUTE);
  const rows = Array.from({ length: 800 }, (_, i) => ({
    index: i,
    host: `host-${i}.eu-west-1.example.com`,
    healthy: i % 3 !== 0,
    latencyMs: i * 1.25,
    tags: ['edge', `shard-${i % 16}`],
    note: 'Zeitüberschreitung beim Verbindungsaufbau — 接続タイムアウト ⏱️',
  }));
  return makeIncident(n, {
    title: 'Paiement refusé 💳 — 支付失败 — Ошибка оплаты (ümlaut, "quotes", \\ backslash)',
    description: 'Line one\nLine two\ttabbed\n\u00e9\u0301 combining, emoji 👩🏽‍💻, zero-width\u200bspace',
    reporter: { name: 'Zoë Ångström', contact: 'zoe@example.com', kind: 'customer' },
    source: 'web-form',
    tenant: 'acme',
    subcategory: 'payments',
    impact: 'high',
    urgency: 'medium',
    priority: 'P2',
    severity: 'SEV2',
    usersAffected: 123_456,
    flags: { security: true, compliance: false, financial: true, reputation: false },
    major: true,
    status: 'on_hold',
    phase: null,
    hold: { reason: 'vendor', detail: 'Waiting for PSP', since: at(30), resumeTo: 'identified' },
    assignment: { team: 'payments', tier: 2, assignee: 'u_42', supporting: ['sre', 'dba'] },
    participants: [
      { id: 'u_42', name: 'Grace Hopper', role: 'commander', team: 'payments', addedAt: at(5) },
      { id: 'u_7', name: 'Alan Turing', role: 'responder', addedAt: at(6) },
    ],
    escalation: {
      level: 1,
      history: [
        {
          at: at(10),
          kind: 'vertical',
          mode: 'reassign',
          level: 1,
          from: { team: 'payments', tier: 1, assignee: null },
          to: { team: 'payments', tier: 2, assignee: 'u_42' },
          reason: 'acknowledgement timeout',
          automatic: true,
        },
      ],
    },
    sla: {
      clocks: [
        {
          name: 'response',
          targetMs: 900_000,
          startedAt: at(1),
          dueAt: at(16),
          warnAt: at(12),
          metAt: at(4),
          pausedMs: 0,
        },
        {
          name: 'resolution',
          targetMs: 14_400_000,
          pausedMs: 60_000,
          startedAt: at(1),
          dueAt: at(241),
          pausedAt: at(30),
          breachedAt: at(300),
        },
      ],
    },
    acknowledgedAt: at(4),
    resolution: { code: 'workaround', summary: 'Switched PSP', resolvedAt: at(60) },
    review: {
      summary: 'PSP outage',
      rootCause: 'Expired certificate',
      contributingFactors: ['No expiry alert'],
      actionItems: [{ title: 'Alert on certificate expiry', owner: 'u_7', dueDate: '2026-12-31' }],
      recordedAt: at(90),
      recordedBy: 'u_42',
    },
    closedAt: at(100),
    cancellation: { reason: 'duplicate', note: 'see parent', at: at(101) },
    links: { parent: incidentId(n + 1000), children: [incidentId(n + 2000)], duplicateOf: incidentId(n + 1000) },
    dedupKey: `alert:payments:${n}`,
    labels: ['payments', 'psp', 'été', '🔥'],
    custom: {
      customerTier: 'gold',
      score: 0.1,
      big: 9_007_199_254_740_991,
      negative: -42,
      empty: {},
      emptyList: [],
      nothing: null,
      flags: [true, false],
      nested: { level1: { level2: { level3: ['deep', { level4: 'deeper' }] } } },
      rows,
    },
    version: 1,
    lastSeq: 1,
  });
}

export function note(incident: string, seq: number, text = `note ${seq}`): TimelineEntryOf<'note'> {
  return {
    incidentId: incident,
    seq,
    at: toIso(T0 + seq * 1000),
    actor: { id: 'u_1', name: 'Ada' },
    type: 'note',
    text,
    visibility: 'internal',
  };
}

export function summary(incident: Incident): IncidentSummary {
  const out: IncidentSummary = {
    id: incident.id,
    number: incident.number,
    title: incident.title,
    status: incident.status,
    phase: incident.phase,
    priority: incident.priority,
    major: incident.major,
    service: incident.service,
    environment: incident.environment,
    assignment: incident.assignment,
  };
  if (incident.tenant !== undefined) out.tenant = incident.tenant;
  return out;
}

export function message(
  id: string,
  incident: Incident,
  options: { channel?: string; availableAt?: number; entry?: TimelineEntry; lane?: string } = {},
): OutboxMessage {
  return {
    id,
    incidentId: incident.id,
    channel: options.channel ?? 'webhook',
    audience: 'responders',
    payload: {
      event: 'incident.note_added',
      incident: summary(incident),
      entry: options.entry ?? note(incident.id, incident.lastSeq),
      urgency: 'high',
    },
    createdAt: T0,
    availableAt: options.availableAt ?? T0,
    ...(options.lane === undefined ? {} : { lane: options.lane }),
  };
}

export function timer(incident: Incident, name: TimerName, dueAt: number): TimerRecord {
  return { id: `${incident.id}:${name}`, incidentId: incident.id, name, dueAt };
}

export function msgId(n: number): string {
  return `msg_${String(n).padStart(6, '0')}`;
}

type CommitParts = Partial<Omit<Commit, 'incident' | 'expectedVersion' | 'timers' | 'idempotency'>> & {
  timers?: Partial<Commit['timers']>;
  /** Recorded with the fingerprint `fp:<key>`. */
  idempotencyKey?: string;
};

/** The record `idempotent(key)` returns for a commit made with `commitOf(..., { idempotencyKey: key })`. */
export function idempotencyRecord(key: string, incident: Incident) {
  return { key, fingerprint: `fp:${key}`, incident };
}

export function commitOf(incident: Incident, expectedVersion: number, parts: CommitParts = {}): Commit {
  const change: Commit = {
    incident,
    expectedVersion,
    entries: parts.entries ?? [],
    timers: { set: parts.timers?.set ?? [], cancel: parts.timers?.cancel ?? [] },
    outbox: parts.outbox ?? [],
  };
  if (parts.timers?.fired !== undefined) change.timers.fired = parts.timers.fired;
  if (parts.idempotencyKey !== undefined) {
    change.idempotency = { key: parts.idempotencyKey, fingerprint: `fp:${parts.idempotencyKey}` };
  }
  return change;
}

/** Creates `incident` (version 1) with its first timeline entry. */
export async function create(store: IncidentStore, incident: Incident, parts: CommitParts = {}): Promise<Incident> {
  await store.commit(commitOf(incident, 0, { entries: [note(incident.id, 1, 'reported')], ...parts }));
  return incident;
}

/** Commits the next version of `current` with `changes` and one more timeline entry. */
export async function update(
  store: IncidentStore,
  current: Incident,
  changes: Partial<Incident> = {},
  parts: CommitParts = {},
): Promise<Incident> {
  const next: Incident = {
    ...current,
    ...changes,
    version: current.version + 1,
    lastSeq: current.lastSeq + 1,
    updatedAt: toIso(T0 + (current.version + 1) * MINUTE),
  };
  await store.commit(commitOf(next, current.version, { entries: [note(next.id, next.lastSeq)], ...parts }));
  return next;
}

export async function createMany(store: IncidentStore, count: number, make = (n: number) => makeIncident(n)) {
  const out: Incident[] = [];
  for (let n = 1; n <= count; n++) out.push(await create(store, make(n)));
  return out;
}

/** Everything observable about some incidents, to prove that a failed commit wrote nothing. */
export async function snapshot(ctx: Context, ids: string[]): Promise<unknown> {
  const { store } = ctx;
  const perIncident = await Promise.all(
    ids.map(async (id) => ({
      incident: await store.load(id),
      timeline: await store.timeline(id),
      timers: await store.timers(id),
      outbox: await store.outbox(id),
    })),
  );
  const all = await store.query({ limit: 500 });
  return { perIncident, all, raw: ctx.inspect ? await ctx.inspect(store) : undefined };
}

export async function expectNothingWritten(ctx: Context, ids: string[], before: unknown, why: string) {
  assert.deepStrictEqual(await snapshot(ctx, ids), before, `${why}: a failed commit must write nothing`);
}

export async function rejectsWith(
  promise: Promise<unknown>,
  is: (err: unknown) => boolean,
  code: string,
  extra?: (err: IncidentKitError) => void,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(is(err), `expected an incidentkit error with code ${code}, got: ${String(err)}`);
    assert.equal((err as IncidentKitError).code, code);
    extra?.(err as IncidentKitError);
    return true;
  });
}

export const ids = (items: { id: string }[]) => items.map((item) => item.id);

export async function allPages(store: IncidentStore, query: Parameters<IncidentStore['query']>[0]) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result = await store.query(cursor === null ? query : { ...query, cursor });
    seen.push(...ids(result.items));
    cursor = result.nextCursor;
    if (cursor === null) return seen;
  }
  throw new assert.AssertionError({ message: 'pagination did not end after 100 pages' });
}
