import { z } from 'zod';
import { ChannelError, ConcurrencyError, parseInput } from './domain/errors.js';
import { type Incident, isTerminal } from './domain/incident.js';
import type { BackgroundStage } from './events.js';
import { type DeliverySettings, deliver } from './notify/dispatcher.js';
import { createPacer } from './notify/rate-limit.js';
import type { MessageTemplates } from './notify/templates.js';
import type { Channel } from './ports/channel.js';
import type { Clock } from './ports/clock.js';
import type { ClaimedTimer, ClaimOptions, IncidentStore, TimerRecord } from './ports/store.js';

/** What one `runDue()` call did. */
export interface RunDueResult {
  /** Timers that fired and changed their incident. */
  timersFired: number;
  /** Timers that were due but no longer applied (state moved on); deleted without effect. */
  timersSkipped: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  failed: number;
  dead: number;
  /**
   * Messages not sent because their channel's rate limit had no token left: back in the outbox,
   * due when their token is, without counting an attempt (and without an event).
   */
  deferred: number;
}

/** What the worker needs from the kit. */
export interface WorkerDeps {
  store: IncidentStore;
  clock: Clock;
  channels: ReadonlyMap<string, Channel>;
  delivery: DeliverySettings;
  /** The kit's message templates, applied when a message is rendered for its channel. */
  templates?: MessageTemplates | undefined;
  workerId: string;
  emit(name: string, payload: unknown): void;
  /** Runs the timer's event through the command path; null when the state does not take it. */
  fire(incident: Incident, timer: TimerRecord): Promise<Incident | null>;
  describeState(incident: Incident): string;
}

/** Options of the worker loop. */
export interface StartOptions {
  /**
   * Wait between runs while there is work, in ms. Default 1000. Wake-ups (the kit's own commits,
   * a store's `onWake`) run the loop when their work is due, without waiting.
   */
  pollMs?: number;
  /** Longest wait while idle: the wait doubles after each idle run up to this. Default 30000. */
  maxIdleMs?: number;
}

const StartOptionsSchema = z
  .strictObject({
    pollMs: z.number().int().min(10).max(3_600_000).default(1_000),
    maxIdleMs: z.number().int().min(10).max(3_600_000).default(30_000),
  })
  .refine((o) => o.maxIdleMs >= o.pollMs, { message: 'maxIdleMs must be at least pollMs', path: ['maxIdleMs'] });

/** A worker: fires due timers, delivers due outbox messages, and loops on a poll interval. */
export interface Worker {
  runDue(): Promise<RunDueResult>;
  /**
   * Runs `runDue()` in a loop: every `pollMs` while there is work; while idle the wait doubles up
   * to `maxIdleMs`, but never past the next due timer or message. A message deferred by its
   * channel's rate limit wakes the loop when its token is due, even sooner than `pollMs`.
   */
  start(options?: StartOptions): void;
  stop(): Promise<void>;
  /**
   * Work becomes due at `at` (ms; null: now): a sleeping loop runs then instead of after its
   * idle wait. The kit calls it after its own commits; stores with `onWake` after other processes'.
   */
  wake(at: number | null): void;
}

const MAX_TIMER_RETRIES = 3;

/** Stands in for a channel whose endpoint is gone: every message goes dead without a request. */
function goneChannel(name: string): Channel {
  return {
    name,
    async send() {
      throw new ChannelError(name, 'disabled: its endpoint answered 410 Gone', { retryable: false, status: 410 });
    },
  };
}

/** The kit's background side. Nothing here throws into callers: failures are emitted as `error`. */
export function createWorker(deps: WorkerDeps): Worker {
  const { store, clock, delivery } = deps;

  async function fireTimer(timer: ClaimedTimer): Promise<'fired' | 'skipped'> {
    for (let attempt = 1; ; attempt++) {
      const incident = await store.load(timer.incidentId);
      const current = incident ? (await store.timers(timer.incidentId)).find((t) => t.id === timer.id) : undefined;
      // Re-armed or cancelled since the claim: not ours to fire (and never early).
      if (!incident || !current || current.dueAt !== timer.dueAt) {
        if (!current) await store.completeTimer(timer.id, timer.owner);
        deps.emit('timer.skipped', { timer, reason: 'timer was cancelled or re-armed' });
        return 'skipped';
      }
      try {
        const result = isTerminal(incident.status) ? null : await deps.fire(incident, timer);
        // Not taken by the state, or nothing to record (e.g. every clock it was for is paused): done.
        if (result === null || result === incident) {
          await store.completeTimer(timer.id, timer.owner);
          deps.emit('timer.skipped', { timer, reason: `not applicable in state ${deps.describeState(incident)}` });
          return 'skipped';
        }
        deps.emit('timer.fired', { timer, incident: result });
        return 'fired';
      } catch (error) {
        if (!ConcurrencyError.isInstance(error) || attempt >= MAX_TIMER_RETRIES) throw error;
      }
    }
  }

  /**
   * Claims batches with `claim` and handles each item until nothing is left to claim (at most
   * 1,000 batches a call). A failing item is emitted as an `error` and never stops the others.
   */
  async function drain<T extends { incidentId: string }>(
    claim: (now: number, opts: ClaimOptions) => Promise<T[]>,
    handle: (item: T) => Promise<void>,
    stage: BackgroundStage,
  ): Promise<void> {
    const opts: ClaimOptions = { limit: delivery.batchSize, leaseMs: delivery.leaseMs, owner: deps.workerId };
    for (let batch = 0; batch < 1_000; batch++) {
      const claimed = await claim(clock.now(), opts);
      if (claimed.length === 0) return;
      for (const item of claimed) {
        try {
          await handle(item);
        } catch (error) {
          deps.emit('error', { error, stage, incidentId: item.incidentId });
        }
      }
    }
  }

  /** Channels whose endpoint answered 410 Gone, replaced by one that fails at once. */
  const disabled = new Map<string, Channel>();
  /** The token buckets of rate-limited channels. */
  const pacer = createPacer(deps.channels);

  async function runDue(): Promise<RunDueResult> {
    const result: RunDueResult = { timersFired: 0, timersSkipped: 0, delivered: 0, failed: 0, dead: 0, deferred: 0 };
    // Timers first: firing one may enqueue messages (and, with zero delays, more due timers).
    await drain(
      (now, opts) => store.claimTimers(now, opts),
      async (timer) => {
        if ((await fireTimer(timer)) === 'fired') result.timersFired++;
        else result.timersSkipped++;
      },
      'timer',
    );
    await drain(
      (now, opts) => store.claimOutbox(now, opts),
      async (message) => {
        const gone = disabled.get(message.channel);
        const channel = gone === undefined ? deps.channels.get(message.channel) : gone;
        // A disabled or unknown channel sends nothing: no token needed to go dead.
        if (gone === undefined && channel !== undefined) {
          const at = pacer.admit(message.channel, message.id, clock.now());
          if (at !== null) {
            await store.settleOutbox(message.id, message.owner, { type: 'deferred', at });
            result.deferred++;
            return;
          }
        }
        const outcome = await deliver(message, channel, store, delivery, () => clock.now(), deps.templates);
        const { type, ...event } = outcome;
        result[type]++;
        deps.emit(`notification.${type}`, event);
        const error = outcome.type === 'dead' ? outcome.error : undefined;
        if (gone === undefined && ChannelError.isInstance(error) && error.status === 410) {
          disabled.set(message.channel, goneChannel(message.channel));
          deps.emit('channel.disabled', { channel: message.channel, error });
        }
      },
      'delivery',
    );
    return result;
  }

  interface Loop {
    timer: ReturnType<typeof setTimeout> | undefined;
    /** Wall-clock instant (`Date.now()`, as the timer counts) the sleeping loop wakes at. */
    wakeAt: number;
    running: Promise<unknown> | undefined;
    /** Earliest instant a wake-up announced while `runDue()` ran (null: now). */
    woken: number | null | undefined;
    stopped: boolean;
    /** The store's wake-up subscription: pending, held, or absent (none, or failed: retried). */
    subscription: Promise<(() => Promise<void>) | undefined> | undefined;
    tick: () => void;
  }
  let loop: Loop | undefined;

  function sleep(state: Loop, delay: number): void {
    if (state.timer) clearTimeout(state.timer);
    state.wakeAt = Date.now() + delay;
    state.timer = setTimeout(state.tick, delay);
  }

  /**
   * Subscribes the loop to the store's wake-ups (PostgreSQL LISTEN/NOTIFY), each loop with its
   * own listener. A failed subscription is emitted and tried again on the next run.
   */
  function subscribe(state: Loop): void {
    const onWake = store.onWake;
    if (!onWake || state.subscription !== undefined) return;
    const listener = (at: number | null) => {
      if (loop === state) wake(at);
    };
    state.subscription = onWake.call(store, listener).catch((error: unknown) => {
      deps.emit('error', { error, stage: 'worker' });
      if (loop === state) state.subscription = undefined;
      return undefined;
    });
  }

  function wake(at: number | null): void {
    const state = loop;
    if (!state || state.stopped) return;
    if (state.running) {
      state.woken =
        state.woken === undefined || at === null || (state.woken !== null && at < state.woken) ? at : state.woken;
      return;
    }
    const delay = at === null ? 0 : Math.max(0, at - clock.now());
    if (Date.now() + delay < state.wakeAt) sleep(state, delay);
  }

  function start(startOptions: StartOptions = {}): void {
    const { pollMs, maxIdleMs } = parseInput(StartOptionsSchema, startOptions, 'start options');
    if (loop && !loop.stopped) return;
    const state: Loop = {
      timer: undefined,
      wakeAt: Number.POSITIVE_INFINITY,
      running: undefined,
      woken: undefined,
      stopped: false,
      subscription: undefined,
      tick: () => {},
    };
    loop = state;
    let idleMs = pollMs;
    state.tick = () => {
      subscribe(state);
      state.timer = undefined;
      state.wakeAt = Number.POSITIVE_INFINITY;
      state.woken = undefined;
      state.running = runDue()
        .then(async (result) => {
          // Deferrals are no work done: a run of only those backs off, woken by the tokens instead.
          const busy = result.timersFired + result.timersSkipped + result.delivered + result.failed + result.dead > 0;
          // Idle: back off (doubling up to maxIdleMs), but never sleep past the next due instant.
          idleMs = busy ? pollMs : Math.min(idleMs * 2, maxIdleMs);
          const now = clock.now();
          const next = await store.nextDueAt(now);
          const untilDue = next === null ? Number.POSITIVE_INFINITY : Math.max(pollMs, next - now);
          // A message deferred by a rate limit is due at its token: be there then, even within pollMs.
          const reserved = pacer.nextReserved(now);
          const untilToken = reserved === null ? Number.POSITIVE_INFINITY : reserved - now;
          return Math.min(idleMs, untilDue, untilToken);
        })
        .catch((error) => {
          deps.emit('error', { error, stage: 'worker' });
          return pollMs;
        })
        .then((delay) => {
          state.running = undefined;
          if (state.stopped) return;
          // Work announced while running: go again when it is due.
          const woken = state.woken;
          const early = woken === undefined ? delay : woken === null ? 0 : Math.max(0, woken - clock.now());
          sleep(state, Math.min(delay, early));
        });
    };
    state.tick();
  }

  async function stop(): Promise<void> {
    if (!loop) return;
    const state = loop;
    state.stopped = true;
    if (state.timer) clearTimeout(state.timer);
    await state.running;
    const unsubscribe = await state.subscription;
    state.subscription = undefined;
    await unsubscribe?.();
  }

  return { runDue, start, stop, wake };
}
