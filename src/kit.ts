import { EventEmitter } from 'eventemitter3';
import type { z } from 'zod';
import {
  COMMAND_NAMES,
  COMMAND_SCHEMAS,
  type CommandInputs,
  type CommandName,
  type CommandOptions,
  CommandOptionsSchema,
  ReportInputSchema,
} from './domain/commands.js';
import { ConcurrencyError, invalidInput, NotFoundError, parseInput, TransitionError } from './domain/errors.js';
import { requestFingerprint } from './domain/fingerprint.js';
import { formatNumber } from './domain/ids.js';
import { type Actor, type CustomFields, type Incident, isTerminal, SYSTEM_ACTOR } from './domain/incident.js';
import { findNotJson } from './domain/json.js';
import { IncidentQuerySchema } from './domain/query.js';
import type { NewTimelineEntry, TimelineEntry } from './domain/timeline.js';
import type { IncidentKitEvents } from './events.js';
import { applyDecision } from './lifecycle/apply.js';
import {
  advance,
  create,
  type DecideContext,
  type Decision,
  decide,
  declareMajorBy,
  NO_TIMERS,
  stamp,
  withFollowUps,
} from './lifecycle/decide.js';
import { draftIncident } from './lifecycle/draft.js';
import type { LifecycleEvent } from './lifecycle/machine.js';
import { snapshotOf } from './lifecycle/snapshot.js';
import { outboxMessages } from './notify/outbox.js';
import {
  type CustomOf,
  type CustomSchema,
  type IncidentKitOptions,
  type ReportInputOf,
  resolveOptions,
} from './options.js';
import { type Clock, toIso } from './ports/clock.js';
import type { IdempotencyKey, IncidentQuery, IncidentStore, Page, TimerRecord } from './ports/store.js';
import { deriveFacts, priorityInput } from './priority/facts.js';
import { PriorityDecisionSchema, type PriorityFacts } from './priority/types.js';
import { type SlaClockStatus, slaStatus } from './sla/clocks.js';
import { createWorker, type RunDueResult, type StartOptions } from './worker.js';

/** A command on an existing incident: id, input, options; resolves to the updated incident. */
export type CommandMethod<K extends CommandName, C> = (
  id: string,
  input: z.input<(typeof COMMAND_SCHEMAS)[K]>,
  options?: CommandOptions,
) => Promise<Incident<C>>;
/** A command whose input may be left out. */
export type OptionalInputCommand<K extends CommandName, C> = (
  id: string,
  input?: z.input<(typeof COMMAND_SCHEMAS)[K]>,
  options?: CommandOptions,
) => Promise<Incident<C>>;

/** The incident kit: commands, queries, events and the worker. See {@link createIncidentKit}. */
export interface IncidentKit<C = CustomFields, S = undefined> {
  /** Logs an incident. Prioritizes it at once when impact and urgency are given (it opens); else it stays `new`. */
  report(input: ReportInputOf<S>, options?: CommandOptions): Promise<Incident<C>>;
  /** (Re)prioritizes from impact and urgency; moves a `new` incident to `open`. */
  triage: CommandMethod<'triage', C>;
  assign: CommandMethod<'assign', C>;
  /** Someone took it: `open` -> `active.investigating`. */
  acknowledge: OptionalInputCommand<'acknowledge', C>;
  /** Vertical (next tier) or lateral (another team), reassigning or swarming. State does not change. */
  escalate: CommandMethod<'escalate', C>;
  /** Waits on someone else (caller, vendor, change, problem, or your own reason). */
  hold: CommandMethod<'hold', C>;
  /** Back to where the hold started: `open`, or the active phase it left. */
  resume: OptionalInputCommand<'resume', C>;
  /** Writes an update for audiences; `phase` moves an active incident along. */
  postUpdate: CommandMethod<'postUpdate', C>;
  declareMajor: CommandMethod<'declareMajor', C>;
  downgradeMajor: CommandMethod<'downgradeMajor', C>;
  addParticipant: CommandMethod<'addParticipant', C>;
  /** Gives a participant a role; single-holder roles (commander, communications, scribe) are handed over. */
  setRole: CommandMethod<'setRole', C>;
  note: CommandMethod<'note', C>;
  /** Service restored: major incidents go to `recovering`, others to `recovered`. */
  resolve: CommandMethod<'resolve', C>;
  /** A major incident's aftermath is over: `recovering` -> `recovered`. */
  recover: OptionalInputCommand<'recover', C>;
  /** Back to `active.investigating` from `resolved`. */
  reopen: CommandMethod<'reopen', C>;
  /** Records the after-action review; required before a major incident closes. */
  recordReview: CommandMethod<'recordReview', C>;
  close: OptionalInputCommand<'close', C>;
  cancel: CommandMethod<'cancel', C>;
  /** The incident, or `NotFoundError`. */
  get(id: string): Promise<Incident<C>>;
  list(query?: IncidentQuery): Promise<Page<Incident<C>>>;
  timeline(id: string, options?: { afterSeq?: number; limit?: number }): Promise<TimelineEntry[]>;
  /**
   * Where each SLA clock of the incident stands now: state, business time elapsed and
   * remaining on its target's calendar. Empty without an SLA policy or clocks.
   */
  slaStatus(id: string): Promise<SlaClockStatus[]>;
  /** Commands the incident's current state accepts. */
  allowedCommands(id: string): Promise<CommandName[]>;
  on<E extends keyof IncidentKitEvents<C>>(event: E, listener: IncidentKitEvents<C>[E]): () => void;
  off<E extends keyof IncidentKitEvents<C>>(event: E, listener: IncidentKitEvents<C>[E]): void;
  /**
   * Fires due timers through the command path, then delivers due outbox messages (deferring those
   * whose channel's rate limit has no token left). Never throws for one bad item.
   */
  runDue(): Promise<RunDueResult>;
  /**
   * Runs `runDue()` until `stop()`: every `pollMs` (default 1 s) while there is work; while idle
   * the wait doubles up to `maxIdleMs` (default 30 s), never past the next due timer or message
   * (nor past a rate-limited message's token). Errors are emitted as `error` (stage `worker`), never thrown.
   */
  start(options?: StartOptions): void;
  /** Stops the worker loop and waits for the run in flight. */
  stop(): Promise<void>;
  readonly store: IncidentStore;
  readonly clock: Clock;
}

const UNKNOWN: Actor = { id: 'unknown' };
/** How often a report retries after losing a race for its dedup key. */
const MAX_DEDUP_ATTEMPTS = 10;

function toActor(actor: string | Actor | undefined): Actor {
  if (actor === undefined) return UNKNOWN;
  return typeof actor === 'string' ? { id: actor } : actor;
}

/**
 * Creates an incident kit. Every command loads the incident, runs the lifecycle machine as a
 * pure reducer, and commits the incident, its timeline entries, timer changes and outbox
 * messages in one compare-and-set write; events fire after the commit.
 *
 * @example
 * const kit = createIncidentKit();
 * const inc = await kit.report({ title: 'Checkout is down', service: 'shop',
 *   reporter: { name: 'Prometheus', kind: 'monitoring' }, impact: 'high', urgency: 'high' });
 * await kit.acknowledge(inc.id, {}, { actor: 'ana' });
 */
export function createIncidentKit<S extends CustomSchema | undefined = undefined>(
  options: IncidentKitOptions<S> = {},
): IncidentKit<CustomOf<S>, S> {
  type C = CustomOf<S>;
  const config = resolveOptions(options);
  const { store, clock, priority, channels, ids, logger, environments, numberPrefix } = config;
  const settings = config.lifecycle;
  const customSchema = config.custom;
  const emitter = new EventEmitter();

  function emit(name: string, payload: unknown): void {
    for (const listener of emitter.listeners(name)) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (error) {
        if (name === 'error') logger.error('incidentkit: an error listener threw', { error });
        else emit('error', { error, stage: 'listener' });
      }
    }
    if (name === 'error' && emitter.listenerCount('error') === 0) {
      logger.error('incidentkit: background error', payload as Record<string, unknown>);
    }
  }

  /** Commits a decision (`before` null creates), then emits its events. */
  async function commit(
    before: Incident | null,
    decision: Decision,
    extra: { idempotency?: IdempotencyKey | undefined; fired?: string },
  ): Promise<Incident<C>> {
    const now = clock.now();
    const { timers } = decision;
    const { outbox, decisions } = outboxMessages(
      decision.incident,
      decision.entries,
      channels,
      ids,
      now,
      config.notifications,
    );
    // The routing decisions join the commit's entries, at the instant of the entries they explain.
    const { lastSeq } = decision.incident;
    const incident = { ...decision.incident, lastSeq: lastSeq + decisions.length };
    const at = decision.entries[decision.entries.length - 1]?.at ?? incident.updatedAt;
    const entries = [...decision.entries, ...stamp(incident.id, lastSeq, decisions, at, SYSTEM_ACTOR)];
    await store.commit({
      incident,
      expectedVersion: before?.version ?? 0,
      entries,
      timers: { set: timers.set, cancel: timers.cancel, ...(extra.fired ? { fired: extra.fired } : {}) },
      outbox,
      ...(extra.idempotency ? { idempotency: extra.idempotency } : {}),
    });
    // A running worker loop goes when the new work is due, not after its idle wait.
    const due = Math.min(...timers.set.map((t) => t.dueAt), ...outbox.map((m) => m.availableAt));
    if (due !== Number.POSITIVE_INFINITY) worker.wake(due);
    for (const entry of entries) {
      // Listeners get their own copy: what they change never reaches the caller.
      const names = [`incident.${entry.type}`];
      if (entry.type === 'triaged' && entry.priority !== entry.previousPriority) names.push('incident.prioritized');
      if (entry.type === 'sla_warning' || entry.type === 'sla_breached' || entry.type === 'sla_met') {
        names.push(`sla.${entry.type.slice(4)}`);
      }
      for (const name of names) if (emitter.listenerCount(name) > 0) emit(name, structuredClone({ incident, entry }));
    }
    return incident as Incident<C>;
  }

  function context(actor: Actor, facts: PriorityFacts = {}): DecideContext {
    return { settings, priority, facts, sla: config.sla, now: clock.now(), actor };
  }

  /** Impact and urgency must be levels of the priority policy. */
  function assertKnownLevels(
    what: string,
    levels: { impact?: string | undefined; urgency?: string | undefined },
  ): void {
    for (const axis of ['impact', 'urgency'] as const) {
      const level = levels[axis];
      if (level !== undefined && !priority.levels[axis].includes(level)) {
        const expected = priority.levels[axis].join(', ');
        throw invalidInput(what, [axis], `Unknown ${axis} "${level}"; expected one of ${expected}`, level);
      }
    }
  }

  /** Decides one event and commits it; null if the state does not take it. */
  async function step(
    incident: Incident,
    event: LifecycleEvent,
    actor: Actor,
    extra: { idempotency?: IdempotencyKey | undefined; fired?: string } = {},
  ): Promise<Incident<C> | null> {
    const ctx = context(actor);
    const first = decide(incident, event, ctx);
    if (first === null) return null;
    const decision = withFollowUps(incident, first, ctx);
    // Nothing to record (e.g. declaring an already major incident major): nothing is written.
    if (decision.entries.length === 0) return incident as Incident<C>;
    return commit(incident, decision, extra);
  }

  async function load(id: string): Promise<Incident> {
    const incident = await store.load(id);
    if (!incident) throw new NotFoundError(id);
    return incident;
  }

  function allowed(incident: Incident): CommandName[] {
    const snapshot = snapshotOf(incident, settings);
    return COMMAND_NAMES.filter((name) => snapshot.can({ type: name } as LifecycleEvent));
  }

  function stateName(incident: Incident): string {
    return incident.phase ? `${incident.status}.${incident.phase}` : incident.status;
  }

  /**
   * The result recorded with the idempotency key, if any. The same key with another request
   * (another command, incident or input) is a caller bug, not a repeat: `ValidationError`.
   */
  async function replay(idempotency: IdempotencyKey | undefined): Promise<Incident<C> | null> {
    if (!idempotency) return null;
    const record = await store.idempotent(idempotency.key);
    if (!record) return null;
    if (record.fingerprint !== idempotency.fingerprint) {
      const [command] = record.fingerprint.split(':');
      throw invalidInput(
        'command options',
        ['idempotencyKey'],
        `Idempotency key "${idempotency.key}" was already used by another request (${command} on ${record.incident.number})`,
        idempotency.key,
      );
    }
    return record.incident as Incident<C>;
  }

  /** Runs `attempt`; if it lost a race to a request with the same idempotency key, returns that one's result. */
  async function once(
    idempotency: IdempotencyKey | undefined,
    attempt: () => Promise<Incident<C>>,
  ): Promise<Incident<C>> {
    try {
      return await attempt();
    } catch (error) {
      const winner = ConcurrencyError.isInstance(error) ? await replay(idempotency) : null;
      if (winner) return winner;
      throw error;
    }
  }

  /** Why a command was refused, when a guard of the current state says more than the state's name. */
  function refusal(name: CommandName, input: unknown, incident: Incident): string | undefined {
    if (name === 'close' && incident.phase === 'recovered' && incident.major && !incident.review) {
      return 'a major incident needs its review first';
    }
    if (name === 'postUpdate' && (input as CommandInputs['postUpdate']).phase && !isTerminal(incident.status)) {
      return 'a phase can be set only while active';
    }
    return undefined;
  }

  /** A cancelled duplicate must point at another incident that exists. */
  async function checkDuplicateOf(id: string, duplicateOf: string | undefined): Promise<void> {
    if (duplicateOf === undefined) return;
    if (duplicateOf === id) {
      throw invalidInput('cancel input', ['duplicateOf'], 'An incident cannot be a duplicate of itself', duplicateOf);
    }
    if (!(await store.load(duplicateOf))) {
      throw invalidInput('cancel input', ['duplicateOf'], `No incident with id "${duplicateOf}"`, duplicateOf);
    }
  }

  async function command<K extends CommandName>(
    name: K,
    id: string,
    rawInput: unknown,
    rawOptions: CommandOptions | undefined,
  ): Promise<Incident<C>> {
    const opts = parseInput(CommandOptionsSchema, rawOptions, 'command options');
    const input = parseInput(COMMAND_SCHEMAS[name], rawInput, `${name} input`) as CommandInputs[K];
    const idempotency = opts.idempotencyKey
      ? { key: opts.idempotencyKey, fingerprint: requestFingerprint(name, id, input) }
      : undefined;
    const prior = await replay(idempotency);
    if (prior) return prior;
    const incident = await load(id);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== incident.version) {
      throw new ConcurrencyError(id, opts.expectedVersion, incident.version);
    }
    const event = { ...input, type: name } as LifecycleEvent;
    let facts: PriorityFacts = {};
    if (name === 'triage') {
      assertKnownLevels('triage input', input as CommandInputs['triage']);
      facts = await deriveFacts(priority.facts, incident, store, clock.now());
    }
    const ctx = context(toActor(opts.actor), facts);
    const first = decide(incident, event, ctx);
    const decision = first && withFollowUps(incident, first, ctx);
    if (decision === null) {
      throw new TransitionError(name, stateName(incident), allowed(incident), refusal(name, input, incident));
    }
    if (name === 'cancel') await checkDuplicateOf(id, (input as CommandInputs['cancel']).duplicateOf);
    if (decision.entries.length === 0) return incident as Incident<C>;
    return once(idempotency, () => commit(incident, decision, { idempotency }));
  }

  async function report(rawInput: ReportInputOf<S>, rawOptions?: CommandOptions): Promise<Incident<C>> {
    const opts = parseInput(CommandOptionsSchema, rawOptions, 'command options');
    const input = parseInput(ReportInputSchema, rawInput, 'report input');
    assertKnownLevels('report input', input);
    const custom = parseInput(customSchema, input.custom ?? {}, 'custom fields');
    const notJson = findNotJson(custom, 'custom');
    if (notJson) {
      throw invalidInput('custom fields', ['custom'], `Custom fields must be plain JSON data, but ${notJson}`, custom);
    }
    if (!environments.has(input.environment)) {
      const expected = [...environments].join(', ');
      throw invalidInput(
        'report input',
        ['environment'],
        `Unknown environment "${input.environment}"; expected one of ${expected}`,
        input.environment,
      );
    }
    if (opts.expectedVersion !== undefined) {
      throw invalidInput(
        'command options',
        ['expectedVersion'],
        'report() creates an incident: expectedVersion does not apply',
        opts.expectedVersion,
      );
    }
    const idempotency = opts.idempotencyKey
      ? { key: opts.idempotencyKey, fingerprint: requestFingerprint('report', '', { input, custom }) }
      : undefined;
    const prior = await replay(idempotency);
    if (prior) return prior;
    const actor =
      opts.actor === undefined
        ? { id: input.reporter.contact ?? input.reporter.name, name: input.reporter.name }
        : toActor(opts.actor);
    const duplicate: NewTimelineEntry = { type: 'duplicate_reported', reporter: input.reporter, title: input.title };

    const attempt = async (): Promise<Incident<C>> => {
      const open = input.dedupKey ? await store.findOpenByDedupKey(input.dedupKey) : null;
      if (open) {
        // Absorbed by the open incident with the same dedup key.
        return commit(
          open,
          { ...advance(open, open, [duplicate], clock.now(), actor), timers: NO_TIMERS },
          { idempotency },
        );
      }
      const number = formatNumber(numberPrefix, await store.nextNumber());
      const draft = draftIncident(input, { id: ids(), number, at: toIso(clock.now()), custom });
      const reported: NewTimelineEntry = { type: 'reported', reporter: input.reporter, title: input.title };
      // Prioritize at once when the policy can (impact and urgency given, or set by its rules).
      const facts = await deriveFacts(priority.facts, draft, store, clock.now());
      const preview = parseInput(
        PriorityDecisionSchema,
        priority.evaluate(priorityInput(draft, {}, facts)),
        `decision of priority policy "${priority.name}"`,
      );
      // Not prioritized yet: the suggestion, levels and labels rules set (e.g. major-candidate) still apply.
      if (preview.priority === null) applyDecision(draft, preview);
      const next: LifecycleEvent | undefined =
        preview.priority !== null
          ? { type: 'triage' }
          : preview.major === 'automatic'
            ? declareMajorBy(preview.reasons)
            : undefined;
      return commit(null, create(draft, reported, context(actor, facts), next), { idempotency });
    };
    // Losing a race for the dedup key (another report opened or updated that incident first)
    // is retried, so that the report is absorbed by the winner.
    for (let tries = 1; ; tries++) {
      try {
        return await once(idempotency, attempt);
      } catch (error) {
        if (!input.dedupKey || !ConcurrencyError.isInstance(error) || tries >= MAX_DEDUP_ATTEMPTS) throw error;
      }
    }
  }

  /** Fires a due timer through the command path; null when the incident's state no longer takes it. */
  function fire(incident: Incident, timer: TimerRecord): Promise<Incident | null> {
    return step(incident, { type: `timer.${timer.name}` }, SYSTEM_ACTOR, { fired: timer.id });
  }
  const worker = createWorker({ ...config, emit, fire, describeState: stateName });

  const commands = Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      name,
      (id: string, input: unknown, opts?: CommandOptions) => command(name, id, input, opts),
    ]),
  ) as { [K in CommandName]: CommandMethod<K, C> };

  return {
    ...commands,
    report,
    async get(id) {
      return (await load(id)) as Incident<C>;
    },
    async list(query = {}) {
      parseInput(IncidentQuerySchema, query, 'incident query');
      return (await store.query(query)) as Page<Incident<C>>;
    },
    async timeline(id, timelineOptions) {
      const entries = await store.timeline(id, timelineOptions);
      if (entries.length === 0) await load(id);
      return entries;
    },
    async slaStatus(id) {
      const incident = await load(id);
      return config.sla ? slaStatus(incident, config.sla, clock.now()) : [];
    },
    async allowedCommands(id) {
      return allowed(await load(id));
    },
    on(event, listener) {
      emitter.on(event as string, listener as (...args: unknown[]) => void);
      return () => emitter.off(event as string, listener as (...args: unknown[]) => void);
    },
    off(event, listener) {
      emitter.off(event as string, listener as (...args: unknown[]) => void);
    },
    runDue: worker.runDue,
    start: worker.start,
    stop: worker.stop,
    store,
    clock,
  };
}
