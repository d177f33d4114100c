import { type Duration, toMs } from '../domain/duration.js';
import { createSequentialIds } from '../domain/ids.js';
import { createIncidentKit, type IncidentKit } from '../kit.js';
import { channelMap } from '../notify/outbox.js';
import type { CustomOf, CustomSchema, IncidentKitOptions } from '../options.js';
import type { RunDueResult } from '../worker.js';
import { FakeClock } from './fake-clock.js';
import { RecordingChannel } from './recording-channel.js';

/** Options of {@link createTestKit}: the kit's options, with a fake clock and recording channel by default. */
export interface TestKitOptions<S extends CustomSchema | undefined = undefined>
  extends Omit<IncidentKitOptions<S>, 'clock'> {
  /** Start instant or an existing fake clock. Default 2026-01-05T09:00:00Z. */
  clock?: FakeClock | number | string;
}

/** What {@link createTestKit} returns. */
export interface TestKit<S extends CustomSchema | undefined = undefined> {
  kit: IncidentKit<CustomOf<S>, S>;
  clock: FakeClock;
  /** Channels by name; by default one `RecordingChannel` named `recording`. */
  channels: Record<string, RecordingChannel>;
  /**
   * Moves the clock forward by `duration` and runs due work until nothing is due, stopping at
   * each timer's due instant on the way, so timers fire in due order with the clock at their
   * instant. Returns the sum of the `runDue()` results.
   */
  advance(duration?: Duration): Promise<RunDueResult>;
}

/**
 * A kit for tests: fake clock, deterministic ids, a recording channel, memory store. Pass any
 * kit option to override (e.g. your own store, to test it).
 */
export function createTestKit<S extends CustomSchema | undefined = undefined>(
  options: TestKitOptions<S> = {},
): TestKit<S> {
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock(options.clock);
  const channels: Record<string, RecordingChannel> = {};
  if (options.channels === undefined) channels.recording = new RecordingChannel('recording');
  else {
    // Keyed as the kit routes them.
    for (const [name, channel] of channelMap(options.channels)) {
      if (channel instanceof RecordingChannel) channels[name] = channel;
    }
  }
  const kit = createIncidentKit<S>({
    ids: createSequentialIds('id_'),
    ...options,
    channels: options.channels ?? channels,
    clock,
    workerId: options.workerId ?? 'test-worker',
  });

  async function advance(duration: Duration = 0): Promise<RunDueResult> {
    const target = clock.now() + toMs(duration);
    const total: RunDueResult = { timersFired: 0, timersSkipped: 0, delivered: 0, failed: 0, dead: 0, deferred: 0 };
    const add = (r: RunDueResult) => {
      for (const key of Object.keys(total) as (keyof RunDueResult)[]) total[key] += r[key];
    };
    for (;;) {
      add(await kit.runDue());
      const next = await nextDue(kit, target);
      if (next === undefined) break;
      clock.set(Math.max(next, clock.now()));
    }
    clock.set(target);
    add(await kit.runDue());
    return total;
  }

  return { kit, clock, channels, advance };
}

/** The earliest timer or outbox instant after now and at or before `limit`. */
async function nextDue(kit: IncidentKit<unknown, unknown>, limit: number): Promise<number | undefined> {
  const next = await kit.store.nextDueAt(kit.clock.now());
  return next !== null && next <= limit ? next : undefined;
}
