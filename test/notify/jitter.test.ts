import fc from 'fast-check';
import {
  createIncidentKit,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_SCHEDULE_MS,
  type NotificationEvent,
  ValidationError,
} from 'incidentkit';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';

const REPORT = { title: 'Checkout is down', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } } as const;

/** A day: the dispatcher takes no longer a `retryAfterMs` than this. */
const DAY = 86_400_000;

/** Each failed attempt as the instant it failed at and the `retryAt` it was given. */
function failures(kit: { on: ReturnType<typeof createTestKit>['kit']['on']; clock: { now(): number } }) {
  const seen: { at: number; retryAt: number; attempts: number }[] = [];
  kit.on('notification.failed', (event: NotificationEvent) => {
    seen.push({ at: kit.clock.now(), retryAt: event.retryAt ?? Number.NaN, attempts: event.message.attempts });
  });
  return seen;
}

describe('jitter on retries', () => {
  test('every jittered wait lies in [max(wait, Retry-After), max(wait * (1 + jitter), Retry-After)]', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_000, max: 100_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 0.5, max: 2 * DAY, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 1, max: 6 }),
        async (wait, jitter, retryAfterMs, incidents) => {
          const channel = new RecordingChannel('recording').failNext(
            incidents,
            retryAfterMs === undefined ? {} : { retryAfterMs },
          );
          const { kit } = createTestKit({ channels: [channel], delivery: { retrySchedule: [wait], jitter } });
          const seen = failures(kit);
          for (let i = 0; i < incidents; i++) await kit.report(REPORT);
          await kit.runDue();
          expect(seen).toHaveLength(incidents);
          const floor = Math.max(wait, retryAfterMs === undefined ? 0 : Math.min(Math.ceil(retryAfterMs), DAY));
          for (const { at, retryAt } of seen) {
            const waited = retryAt - at;
            expect(Number.isInteger(waited)).toBe(true);
            expect(waited).toBeGreaterThanOrEqual(floor);
            expect(waited).toBeLessThanOrEqual(Math.max(wait * (1 + jitter), floor));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('jitter 0 keeps the default schedule to the millisecond, up to the dead letter', async () => {
    const channel = new RecordingChannel('recording').failNext(100);
    const { kit, advance } = createTestKit({ channels: [channel], delivery: { jitter: 0 } });
    const seen = failures(kit);
    const dead: NotificationEvent[] = [];
    kit.on('notification.dead', (event) => dead.push(event));
    await kit.report(REPORT);
    await advance('P3D');
    expect(seen.map(({ at, retryAt }) => retryAt - at)).toEqual([...DEFAULT_RETRY_SCHEDULE_MS]);
    // Each attempt happened exactly when the previous one asked for.
    expect(seen.slice(1).map((s) => s.at)).toEqual(seen.slice(0, -1).map((s) => s.retryAt));
    expect(dead).toHaveLength(1);
    expect(dead[0]!.message.attempts).toBe(DEFAULT_RETRY_SCHEDULE_MS.length + 1);
  });

  test('by default each retry waits up to 20% longer than the schedule, spread across messages', async () => {
    expect(DEFAULT_RETRY_JITTER).toBe(0.2);
    const incidents = 20;
    const channel = new RecordingChannel('recording').failNext(incidents);
    const { kit } = createTestKit({ channels: [channel] });
    const seen = failures(kit);
    for (let i = 0; i < incidents; i++) await kit.report(REPORT);
    await kit.runDue();
    const waits = seen.map(({ at, retryAt }) => retryAt - at);
    expect(waits).toHaveLength(incidents);
    for (const waited of waits) {
      expect(waited).toBeGreaterThanOrEqual(5_000);
      expect(waited).toBeLessThanOrEqual(6_000);
    }
    expect(new Set(waits).size).toBeGreaterThan(incidents / 2); // different messages, different waits
  });

  test('the jitter of a message is the same on every run: derived from its id and attempt, not random', async () => {
    async function run() {
      const channel = new RecordingChannel('recording').failNext(3);
      const { kit, advance } = createTestKit({ channels: [channel] });
      const seen = failures(kit);
      await kit.report(REPORT);
      await advance('PT2H');
      return seen.map(({ at, retryAt, attempts }) => ({ wait: retryAt - at, attempts }));
    }
    const first = await run();
    expect(first.map((s) => s.attempts)).toEqual([1, 2, 3]);
    expect(await run()).toEqual(first);
    // Attempts of one message get their own jitter too: not the same fraction of each wait.
    const fractions = first.map(({ wait }, i) => wait / DEFAULT_RETRY_SCHEDULE_MS[i]! - 1);
    expect(new Set(fractions).size).toBe(3);
  });

  test('a Retry-After longer than the jittered wait is the wait, exactly', async () => {
    const channel = new RecordingChannel('recording').failNext(1, { retryAfterMs: 90_000 });
    const { kit, advance } = createTestKit({ channels: [channel], delivery: { retrySchedule: ['PT1M'], jitter: 0.2 } });
    const seen = failures(kit);
    await kit.report(REPORT);
    await advance('PT89S');
    expect(channel.calls).toHaveLength(1);
    expect(seen.map(({ at, retryAt }) => retryAt - at)).toEqual([90_000]);
    await advance('PT1S');
    expect(channel.calls).toHaveLength(2);
  });

  test.each<[string, unknown]>([
    ['negative', -0.1],
    ['above 1', 1.5],
    ['NaN', Number.NaN],
    ['a string', '0.2'],
  ])('a jitter that is %s is a ValidationError naming delivery.jitter', (_, jitter) => {
    let error: unknown;
    try {
      createIncidentKit({ delivery: { jitter: jitter as number } });
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['jitter']]);
    expect(String(error)).toMatch(/^ValidationError: Invalid delivery options: jitter: /);
  });
});
