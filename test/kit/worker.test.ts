import { ChannelError, createIncidentKit, type IncidentStore, memoryStore, StoreError } from 'incidentkit';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test, vi } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

/** Resolves with the first payload of `event`. */
function next<T>(on: (listener: (payload: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = on((payload) => {
      off();
      resolve(payload);
    });
  });
}

describe('worker loop', () => {
  test('start() fires due timers and delivers messages in the background; stop() waits and ends it', async () => {
    const clock = new FakeClock();
    const channel = new RecordingChannel();
    const kit = createIncidentKit({ clock, channels: [channel], lifecycle: { autoCloseAfter: 'P1D' } });
    const { id } = await kit.report(REPORT);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    clock.advance('P1D');

    const fired = next<{ incident: { status: string } }>((l) => kit.on('timer.fired', l));
    kit.start({ pollMs: 10 });
    kit.start({ pollMs: 10 }); // a second start is a no-op
    expect((await fired).incident.status).toBe('closed');
    await kit.stop();

    const delivered = channel.calls.length;
    expect(delivered).toBeGreaterThan(0);
    // Stopped: new work waits for the next runDue().
    const other = await kit.report(REPORT);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(channel.calls.length).toBe(delivered);
    expect((await kit.runDue()).delivered).toBeGreaterThan(0);
    expect(channel.messages.at(-1)?.payload.incident.id).toBe(other.id);
  });

  test('a failing store is reported as an error event, never thrown, and the loop goes on', async () => {
    const inner = memoryStore();
    let failures = 2;
    const store: IncidentStore = {
      ...inner,
      contract: inner.contract,
      async claimTimers(now, opts) {
        if (failures-- > 0) throw new StoreError('database is down');
        return inner.claimTimers(now, opts);
      },
    };
    const kit = createIncidentKit({ store, clock: new FakeClock() });
    const errors: { stage: string; error: unknown }[] = [];
    kit.on('error', (e) => errors.push(e));
    const recovered = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (failures < 0) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    kit.start({ pollMs: 10 });
    await recovered;
    await kit.stop();
    expect(errors.length).toBe(2);
    expect(errors.every((e) => e.stage === 'worker' && StoreError.isInstance(e.error))).toBe(true);
  });

  test('a bad poll interval is a ValidationError', () => {
    const kit = createIncidentKit({ clock: new FakeClock() });
    expect(() => kit.start({ pollMs: 0 })).toThrow(/pollMs/);
  });

  test('stop() before start() resolves at once', async () => {
    const kit = createIncidentKit({ clock: new FakeClock() });
    await expect(kit.stop()).resolves.toBeUndefined();
  });

  test('while idle the loop backs off, doubling its wait up to maxIdleMs', async () => {
    vi.useFakeTimers();
    try {
      const inner = memoryStore();
      let runs = 0;
      const store: IncidentStore = {
        ...inner,
        contract: inner.contract,
        claimTimers(now, opts) {
          runs++;
          return inner.claimTimers(now, opts);
        },
      };
      const kit = createIncidentKit({ store, clock: new FakeClock() });
      kit.start({ pollMs: 100, maxIdleMs: 800 });
      await vi.advanceTimersByTimeAsync(2_900);
      // Runs at 0, 200, 600, 1400, 2200 (waits 200, 400, 800, 800): not 30 runs at a 100 ms pace.
      expect(runs).toBe(5);
      await kit.stop();
      expect(() => kit.start({ pollMs: 500, maxIdleMs: 100 })).toThrow(/maxIdleMs/);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a command wakes the sleeping loop: its message goes out now, not after the idle wait', async () => {
    vi.useFakeTimers();
    try {
      const channel = new RecordingChannel();
      const kit = createIncidentKit({ clock: new FakeClock(), channels: [channel] });
      kit.start({ pollMs: 100, maxIdleMs: 60_000 });
      await vi.advanceTimersByTimeAsync(10_000); // idle: the loop now sleeps for a long while
      await kit.report(REPORT);
      await vi.advanceTimersByTimeAsync(0);
      expect(channel.calls.length).toBeGreaterThan(0);
      await kit.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  test('a store with onWake wakes the loop for work another process committed, and is unsubscribed on stop()', async () => {
    vi.useFakeTimers();
    try {
      const inner = memoryStore();
      let listener: ((at: number | null) => void) | undefined;
      let unsubscribed = 0;
      const store: IncidentStore = {
        ...inner,
        contract: inner.contract,
        async onWake(l) {
          listener = l;
          return async () => {
            unsubscribed++;
          };
        },
      };
      const clock = new FakeClock();
      const channel = new RecordingChannel();
      const kit = createIncidentKit({ store, clock, channels: [channel] });
      // Another process writes through its own kit on the same store; this one only runs the loop.
      const other = createIncidentKit({ store: inner, clock, channels: [new RecordingChannel('recording')] });
      kit.start({ pollMs: 100, maxIdleMs: 60_000 });
      await vi.advanceTimersByTimeAsync(10_000);
      await other.report(REPORT);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(channel.calls).toHaveLength(0); // asleep: polling would find it only later

      listener?.(null);
      await vi.advanceTimersByTimeAsync(0);
      expect(channel.calls.length).toBeGreaterThan(0);
      await kit.stop();
      expect(unsubscribed).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a failed onWake subscription is reported and tried again on the next run', async () => {
    vi.useFakeTimers();
    try {
      const inner = memoryStore();
      let calls = 0;
      const store: IncidentStore = {
        ...inner,
        contract: inner.contract,
        async onWake() {
          calls++;
          if (calls === 1) throw new StoreError('LISTEN failed');
          return async () => {};
        },
      };
      const kit = createIncidentKit({ store, clock: new FakeClock() });
      const errors: unknown[] = [];
      kit.on('error', ({ error }) => errors.push(error));
      kit.start({ pollMs: 100, maxIdleMs: 100 });
      await vi.advanceTimersByTimeAsync(350);
      expect(calls).toBe(2);
      expect(errors).toHaveLength(1);
      await kit.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  test('an endpoint that answers 410 Gone disables its channel: its messages go dead without requests', async () => {
    let sends = 0;
    const gone = {
      name: 'gone',
      async send() {
        sends++;
        throw new ChannelError('gone', 'HTTP 410 (the endpoint is gone)', { retryable: false, status: 410 });
      },
    };
    const kit = createIncidentKit({ clock: new FakeClock(), channels: [gone] });
    const disabled: string[] = [];
    kit.on('channel.disabled', ({ channel }) => disabled.push(channel));
    const first = await kit.report(REPORT);
    const run = await kit.runDue();
    expect(sends).toBe(1);
    expect(disabled).toEqual(['gone']);
    const second = await kit.report(REPORT);
    const again = await kit.runDue();
    expect(sends).toBe(1);
    expect(disabled).toEqual(['gone']);
    expect(run.dead + again.dead).toBe(
      (await kit.store.outbox(first.id)).length + (await kit.store.outbox(second.id)).length,
    );
    for (const m of await kit.store.outbox(second.id))
      expect(m).toMatchObject({ status: 'dead', lastError: expect.stringMatching(/410 Gone/) });
  });
});
