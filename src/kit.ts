import { EventEmitter } from 'eventemitter3';
import { initialTransition, transition } from 'xstate';
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
import { ConcurrencyError, NotFoundError, parseInput, TransitionError, ValidationError } from './domain/errors.js';
import { formatNumber } from './domain/ids.js';
import type { Actor, CustomFields, Incident } from './domain/incident.js';
import { IncidentQuerySchema } from './domain/query.js';
import type { NewTimelineEntry, TimelineEntry } from './domain/timeline.js';
import type { IncidentKitEvents } from './events.js';
import { applyEvent } from './lifecycle/apply.js';
import { draftIncident } from './lifecycle/draft.js';
import { type TimerEffects, timerEffects } from './lifecycle/effects.js';
import { incidentMachine, type LifecycleEvent } from './lifecycle/machine.js';
import { snapshotOf, statusOf } from './lifecycle/snapshot.js';
import { outboxMessages } from './notify/outbox.js';
import {
  type CustomOf,
  type CustomSchema,
  type IncidentKitOptions,
  type ReportInputOf,
  resolveOptions,
} from './options.js';
import { type Clock, toIso } from './ports/clock.js';
import type { IncidentQuery, IncidentStore, Page, TimerRecord } from './ports/store.js';
import { createWorker, type RunDueResult } from './worker.js';

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
  /** Commands the incident's current state accepts. */
  allowedCommands(id: string): Promise<CommandName[]>;
  on<E extends keyof IncidentKitEvents<C>>(event: E, listener: IncidentKitEvents<C>[E]): () => void;
  off<E extends keyof IncidentKitEvents<C>>(event: E, listener: IncidentKitEvents<C>[E]): void;
  /** Fires due timers through the command path, then delivers due outbox messages. Never throws for one bad item. */
  runDue(): Promise<RunDueResult>;
  /** Runs `runDue()` every `pollMs` (default 1 s) until `stop()`. */
  start(options?: { pollMs?: number }): void;
  /** Stops the worker loop and waits for the run in flight. */
  stop(): Promise<void>;
  readonly store: IncidentStore;
  readonly clock: Clock;
}

const SYSTEM: Actor = { id: 'system', name: 'incidentkit' };
const UNKNOWN: Actor = { id: 'unknown' };
const _MAX_TIMER_RETRIES = 3;

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
  const channelNames = [...channels.keys()];
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

  function stamp(incident: Incident, entries: NewTimelineEntry[], at: string, actor: Actor): TimelineEntry[] {
    return entries.map((entry, i) => ({
      ...entry,
      incidentId: incident.id,
      seq: incident.lastSeq + 1 + i,
      at,
      actor,
    })) as TimelineEntry[];
  }

  async function write(
    before: Incident | null,
    after: Incident,
    entries: TimelineEntry[],
    timers: TimerEffects,
    now: number,
    extra: { idempotencyKey?: string | undefined; fired?: string },
  ): Promise<Incident<C>> {
    const outbox = outboxMessages(after, entries, channelNames, ids, now);
    await store.commit({
      incident: after,
      expectedVersion: before?.version ?? 0,
      entries,
      timers: { set: timers.set, cancel: timers.cancel, ...(extra.fired ? { fired: extra.fired } : {}) },
      outbox,
      ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
    });
    for (const entry of entries) emit(`incident.${entry.type}`, { incident: after, entry });
    return after as Incident<C>;
  }

  /** Runs one event through the machine and the reducers and commits it; null if the state does not take it. */
  async function step(
    incident: Incident,
    event: LifecycleEvent,
    actor: Actor,
    extra: { idempotencyKey?: string | undefined; fired?: string } = {},
  ): Promise<Incident<C> | null> {
    const now = clock.now();
    const snapshot = snapshotOf(incident, settings, now);
    if (!snapshot.can(event)) return null;
    const [next, actions] = transition(incidentMachine, snapshot, event);
    const at = toIso(now);
    const applied = applyEvent(incident, event, {
      at,
      actor,
      priority,
      communicationCadenceMs: settings.communicationCadenceMs,
    });
    const { status, phase } = statusOf(next.value);
    if (applied.entries.length === 0 && status === incident.status && phase === incident.phase) {
      return incident as Incident<C>; // nothing to record: e.g. declaring an already major incident major
    }
    const after: Incident = {
      ...applied.incident,
      status,
      phase,
      version: incident.version + 1,
      lastSeq: incident.lastSeq + applied.entries.length,
      updatedAt: at,
    };
    const entries = stamp(incident, applied.entries, at, actor);
    return write(incident, after, entries, timerEffects(actions, incident.id, now), now, extra);
  }

  async function load(id: string): Promise<Incident> {
    const incident = await store.load(id);
    if (!incident) throw new NotFoundError(id);
    return incident;
  }

  function allowed(incident: Incident): CommandName[] {
    const snapshot = snapshotOf(incident, settings, clock.now());
    return COMMAND_NAMES.filter((name) => snapshot.can({ type: name } as LifecycleEvent));
  }

  function stateName(incident: Incident): string {
    return incident.phase ? `${incident.status}.${incident.phase}` : incident.status;
  }

  /**
   * The result recorded with `key`, if any. A key belongs to the incident it was first used on:
   * reusing it for another incident is a caller bug, not a repeat.
   */
  async function replay(key: string | undefined, id?: string): Promise<Incident<C> | null> {
    if (!key) return null;
    const prior = await store.idempotent(key);
    if (prior && id !== undefined && prior.id !== id) {
      throw new ValidationError('command options', [
        {
          code: 'custom',
          path: ['idempotencyKey'],
          message: `Idempotency key "${key}" was already used for incident ${prior.number}`,
          input: key,
        },
      ]);
    }
    return prior as Incident<C> | null;
  }

  /** Why a command the state knows was refused, where a guard says more than the state. */
  function refusal(name: CommandName, input: unknown, incident: Incident): string | undefined {
    if (name === 'close' && incident.major && !incident.review) return 'a major incident needs its review first';
    if (name === 'postUpdate' && (input as CommandInputs['postUpdate']).phase)
      return 'a phase can be set only while active';
    return undefined;
  }

  /** A cancelled duplicate must point at another incident that exists. */
  async function checkDuplicateOf(id: string, duplicateOf: string | undefined): Promise<void> {
    if (duplicateOf === undefined) return;
    const message =
      duplicateOf === id
        ? 'An incident cannot be a duplicate of itself'
        : (await store.load(duplicateOf))
          ? null
          : `No incident with id "${duplicateOf}"`;
    if (message) {
      throw new ValidationError('cancel input', [
        { code: 'custom', path: ['duplicateOf'], message, input: duplicateOf },
      ]);
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
    const prior = await replay(opts.idempotencyKey, id);
    if (prior) return prior;
    const incident = await load(id);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== incident.version) {
      throw new ConcurrencyError(id, opts.expectedVersion, incident.version);
    }
    if (name === 'cancel') await checkDuplicateOf(id, (input as CommandInputs['cancel']).duplicateOf);
    const event = { ...input, type: name } as LifecycleEvent;
    try {
      const result = await step(incident, event, toActor(opts.actor), { idempotencyKey: opts.idempotencyKey });
      if (result === null) {
        throw new TransitionError(name, stateName(incident), allowed(incident), refusal(name, input, incident));
      }
      return result;
    } catch (error) {
      // A concurrent command with the same idempotency key won the race: return its result.
      const winner = ConcurrencyError.isInstance(error) ? await replay(opts.idempotencyKey, id) : null;
      if (winner) return winner;
      throw error;
    }
  }

  async function report(rawInput: ReportInputOf<S>, rawOptions?: CommandOptions): Promise<Incident<C>> {
    const opts = parseInput(CommandOptionsSchema, rawOptions, 'command options');
    const input = parseInput(ReportInputSchema, rawInput, 'report input');
    const custom = parseInput(customSchema, input.custom ?? {}, 'custom fields');
    if (!environments.has(input.environment)) {
      throw new ValidationError('report input', [
        {
          code: 'invalid_value',
          path: ['environment'],
          values: [...environments],
          message: `Unknown environment "${input.environment}"; expected one of ${[...environments].join(', ')}`,
          input: input.environment,
        },
      ]);
    }
    if (opts.expectedVersion !== undefined) {
      throw new ValidationError('command options', [
        {
          code: 'custom',
          path: ['expectedVersion'],
          message: 'report() creates an incident: expectedVersion does not apply',
          input: opts.expectedVersion,
        },
      ]);
    }
    const prior = await replay(opts.idempotencyKey);
    if (prior) return prior;
    const actor =
      opts.actor === undefined
        ? { id: input.reporter.contact ?? input.reporter.name, name: input.reporter.name }
        : toActor(opts.actor);
    if (input.dedupKey) {
      const open = await store.findOpenByDedupKey(input.dedupKey);
      if (open) return absorbDuplicate(open, input.reporter, input.title, actor, opts.idempotencyKey);
    }
    const now = clock.now();
    const at = toIso(now);
    const id = ids();
    const number = formatNumber(numberPrefix, await store.nextNumber());
    const draft = draftIncident(input, { id, number, at, custom });
    const [initial, initialActions] = initialTransition(incidentMachine, snapshotOf(draft, settings, now).context);
    let incident = draft;
    let actions = initialActions;
    const reported: NewTimelineEntry = { type: 'reported', reporter: input.reporter, title: input.title };
    let entries = stamp({ ...draft, lastSeq: 0 }, [reported], at, actor);
    if (input.impact && input.urgency) {
      const event: LifecycleEvent = { type: 'triage', impact: input.impact, urgency: input.urgency };
      const [next, triageActions] = transition(incidentMachine, initial, event);
      const applied = applyEvent(draft, event, { at, actor: SYSTEM, priority, communicationCadenceMs: undefined });
      const { status, phase } = statusOf(next.value);
      incident = { ...applied.incident, status, phase, lastSeq: 1 + applied.entries.length };
      entries = [...entries, ...stamp(draft, applied.entries, at, SYSTEM)];
      actions = [...actions, ...triageActions];
    }
    try {
      return await write(null, incident, entries, timerEffects(actions, id, now), now, {
        idempotencyKey: opts.idempotencyKey,
      });
    } catch (error) {
      // A concurrent report with the same idempotency key won the race: return its incident.
      const winner = ConcurrencyError.isInstance(error) ? await replay(opts.idempotencyKey) : null;
      if (winner) return winner;
      throw error;
    }
  }

  async function absorbDuplicate(
    open: Incident,
    reporter: Incident['reporter'],
    title: string,
    actor: Actor,
    idempotencyKey: string | undefined,
  ): Promise<Incident<C>> {
    const at = toIso(clock.now());
    const after: Incident = { ...open, version: open.version + 1, lastSeq: open.lastSeq + 1, updatedAt: at };
    const entries = stamp(open, [{ type: 'duplicate_reported', reporter, title }], at, actor);
    return write(open, after, entries, { set: [], cancel: [] }, clock.now(), { idempotencyKey });
  }

  /** Fires a due timer through the command path; null when the incident's state no longer takes it. */
  function fire(incident: Incident, timer: TimerRecord): Promise<Incident | null> {
    return step(incident, { type: `timer.${timer.name}` }, SYSTEM, { fired: timer.id });
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
