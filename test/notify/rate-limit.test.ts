import {
  type Channel,
  ChannelError,
  createIncidentKit,
  type NotificationEvent,
  type RateLimit,
  ValidationError,
} from 'incidentkit';
import {
  DEFAULT_SLACK_RATE_LIMIT,
  emailChannel,
  type MailTransport,
  slackChannel,
  smsChannel,
  teamsChannel,
  webhookChannel,
} from 'incidentkit/channels';
import { createTestKit, FakeClock, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';

/** A report that is not triaged: one `reported` message per channel. */
const REPORT = { title: 'Checkout is down', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } } as const;

/** Every delivery as `channel incident-number event +ms since start`, in delivery order. */
function deliveries(kit: ReturnType<typeof createTestKit>['kit'], start: number) {
  const seen: string[] = [];
  kit.on('notification.delivered', ({ message }) => {
    const { incident, event } = message.payload;
    seen.push(`${message.channel} ${incident.number} ${event} +${kit.clock.now() - start}`);
  });
  return seen;
}

describe('a channel with a rate limit', () => {
  test('a burst to a channel limited to 1/s goes out one a second; other channels are not held up', async () => {
    const slow = new RecordingChannel('slow', { rateLimit: { perSecond: 1 } });
    const fast = new RecordingChannel('fast');
    const { kit, clock, advance } = createTestKit({ channels: [slow, fast] });
    const start = clock.now();
    const seen = deliveries(kit, start);
    const failed: NotificationEvent[] = [];
    kit.on('notification.failed', (event) => failed.push(event));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await kit.report(REPORT)).id);

    expect(await kit.runDue()).toEqual({
      timersFired: 0,
      timersSkipped: 0,
      delivered: 11,
      failed: 0,
      dead: 0,
      deferred: 9,
    });
    expect(fast.calls).toHaveLength(10);
    expect(slow.calls).toHaveLength(1);
    // The deferred messages wait in the outbox, each due at its own token, with no attempt counted.
    const waiting = (await Promise.all(ids.map((id) => kit.store.outbox(id))))
      .flat()
      .filter((m) => m.channel === 'slow' && m.status === 'pending');
    expect(waiting.map((m) => ({ due: m.availableAt - start, attempts: m.attempts, error: m.lastError }))).toEqual(
      Array.from({ length: 9 }, (_, i) => ({ due: (i + 1) * 1000, attempts: 0, error: undefined })),
    );

    expect(await advance('PT10S')).toMatchObject({ delivered: 9, failed: 0, dead: 0, deferred: 0 });
    expect(seen.filter((s) => s.startsWith('fast'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `fast INC-${i + 1} incident.reported +0`),
    );
    expect(seen.filter((s) => s.startsWith('slow'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `slow INC-${i + 1} incident.reported +${i * 1000}`),
    );
    // Sent once each, as the first attempt: a deferral is not an attempt, and nothing failed.
    expect(slow.calls.map((c) => c.context.attempt)).toEqual(Array(10).fill(1));
    expect(failed).toEqual([]);
    const outbox = (await Promise.all(ids.map((id) => kit.store.outbox(id)))).flat();
    expect(outbox.every((m) => m.status === 'delivered' && m.attempts === 1)).toBe(true);
  });

  test('the order per incident holds: a deferred message blocks the later ones of its incident and channel', async () => {
    const slow = new RecordingChannel('slow', { rateLimit: { perSecond: 1 } });
    const { kit, clock, advance } = createTestKit({ channels: [slow] });
    const seen = deliveries(kit, clock.now());
    for (let i = 0; i < 3; i++) await kit.report(TRIAGED_REPORT); // reported, then triaged, each
    await advance('PT10S');
    expect(seen).toEqual([
      'slow INC-1 incident.reported +0',
      'slow INC-2 incident.reported +1000',
      'slow INC-3 incident.reported +2000',
      'slow INC-1 incident.triaged +3000',
      'slow INC-2 incident.triaged +4000',
      'slow INC-3 incident.triaged +5000',
    ]);
  });

  test('a burst goes at once, then the rest one per token; an idle bucket fills up again', async () => {
    const paced = new RecordingChannel('paced', { rateLimit: { perSecond: 2, burst: 3 } });
    const { kit, clock, advance } = createTestKit({ channels: [paced] });
    const seen = deliveries(kit, clock.now());
    for (let i = 0; i < 6; i++) await kit.report(REPORT);
    await advance('PT10S');
    expect(seen.map((s) => s.split(' ').at(-1))).toEqual(['+0', '+0', '+0', '+500', '+1000', '+1500']);
    seen.length = 0;
    // 10 s later the bucket is full again: 3 at once.
    for (let i = 0; i < 4; i++) await kit.report(REPORT);
    await advance('PT10S');
    expect(seen.map((s) => s.split(' ').at(-1))).toEqual(['+10000', '+10000', '+10000', '+10500']);
  });

  test('a worker that comes back late sends no more than the burst at once', async () => {
    const slow = new RecordingChannel('slow', { rateLimit: { perSecond: 1 } });
    const { kit, clock } = createTestKit({ channels: [slow] });
    for (let i = 0; i < 5; i++) await kit.report(REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 1, deferred: 4 });
    clock.advance('PT1M'); // every deferred message is long due
    expect(await kit.runDue()).toMatchObject({ delivered: 1, deferred: 3 });
    expect(slow.calls).toHaveLength(2);
  });

  test('a retry takes a token like any send; a failure is not deferred', async () => {
    const slow = new RecordingChannel('slow', { rateLimit: { perSecond: 1 } }).failNext(1);
    const { kit, clock, advance } = createTestKit({
      channels: [slow],
      delivery: { retrySchedule: [1_000], jitter: 0 },
    });
    const seen = deliveries(kit, clock.now());
    await kit.report(REPORT);
    await kit.report(REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 0, failed: 1, deferred: 1 });
    await advance('PT5S');
    // INC-1 failed at +0 and is retried at +1000, INC-2 took the token of +1000: the retry waits for +2000.
    expect(seen).toEqual(['slow INC-2 incident.reported +1000', 'slow INC-1 incident.reported +2000']);
    expect(slow.calls.map((c) => c.context.attempt)).toEqual([1, 1, 2]);
  });

  test('start() wakes for a deferred message when its token is due, not after pollMs', async () => {
    const paced = new RecordingChannel('paced', { rateLimit: { perSecond: 50, burst: 1 } });
    const kit = createIncidentKit({ channels: [paced] }); // the system clock
    const all = new Promise<void>((resolve) => {
      kit.on('notification.delivered', () => {
        if (paced.calls.length === 5) resolve();
      });
    });
    for (let i = 0; i < 5; i++) await kit.report(REPORT);
    // An hour between runs: only the tokens' wake-ups can deliver the four deferred messages.
    kit.start({ pollMs: 3_600_000, maxIdleMs: 3_600_000 });
    await all;
    await kit.stop();
    expect(paced.calls).toHaveLength(5);
  });

  test('a channel that answered 410 Gone never waits for a token: its messages go dead at once', async () => {
    const gone: Channel = {
      name: 'gone',
      rateLimit: { perSecond: 1 },
      send: async () => {
        throw new ChannelError('gone', 'HTTP 410', { retryable: false, status: 410 });
      },
    };
    const { kit } = createTestKit({ channels: [gone] });
    for (let i = 0; i < 3; i++) await kit.report(REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 0, dead: 3, deferred: 0 });
  });

  test('a channel that is not configured never waits for a token: its messages go dead at once', async () => {
    const slow = new RecordingChannel('slow', { rateLimit: { perSecond: 1 } });
    const { kit } = createTestKit({ channels: [slow] });
    for (let i = 0; i < 3; i++) await kit.report(REPORT);
    const other = createTestKit({ channels: [new RecordingChannel('fast')], store: kit.store });
    // The store holds messages for `slow`, which the second kit does not have.
    expect(await other.kit.runDue()).toMatchObject({ delivered: 0, dead: 3, deferred: 0 });
  });
});

describe('Slack is paced by default', () => {
  function slackKit(rateLimit?: RateLimit | false) {
    const clock = new FakeClock();
    const sent: number[] = [];
    const fetch = async () => {
      sent.push(clock.now());
      return new Response('ok', { status: 200 });
    };
    const slack = slackChannel({
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/X',
      fetch,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    });
    const { kit, advance } = createTestKit({ channels: [slack], clock });
    return { slack, kit, advance, since: () => sent.map((at) => at - sent[0]!) };
  }

  test('one message a second, in bursts of 3', async () => {
    const { slack, kit, advance, since } = slackKit();
    expect(slack.rateLimit).toEqual({ perSecond: 1, burst: 3 });
    expect(DEFAULT_SLACK_RATE_LIMIT).toEqual({ perSecond: 1, burst: 3 });
    for (let i = 0; i < 10; i++) await kit.report(REPORT);
    await advance('PT1M');
    expect(since()).toEqual([0, 0, 0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
  });

  test('rateLimit: false sends as fast as Slack answers; a rateLimit of your own replaces the default', async () => {
    const unlimited = slackKit(false);
    expect(unlimited.slack.rateLimit).toBeUndefined();
    for (let i = 0; i < 10; i++) await unlimited.kit.report(REPORT);
    expect(await unlimited.kit.runDue()).toMatchObject({ delivered: 10, deferred: 0 });

    const own = slackKit({ perSecond: 0.5 });
    expect(own.slack.rateLimit).toEqual({ perSecond: 0.5 });
    for (let i = 0; i < 3; i++) await own.kit.report(REPORT);
    await own.advance('PT1M');
    expect(own.since()).toEqual([0, 2000, 4000]);
  });
});

describe('rateLimit options', () => {
  const transport: MailTransport = { sendMail: async () => ({}) };
  const factories: [string, (rateLimit: unknown) => Channel][] = [
    [
      'webhookChannel',
      (rateLimit) => webhookChannel({ url: 'https://example.com/h', secret: SECRET, rateLimit } as never),
    ],
    ['slackChannel', (rateLimit) => slackChannel({ webhookUrl: 'https://hooks.slack.com/x', rateLimit } as never)],
    ['teamsChannel', (rateLimit) => teamsChannel({ webhookUrl: 'https://example.com/flow', rateLimit } as never)],
    [
      'smsChannel',
      (rateLimit) =>
        smsChannel({
          accountSid: 'AC1',
          authToken: 'token',
          from: '+14155550100',
          to: '+14155550101',
          rateLimit,
        } as never),
    ],
    [
      'emailChannel',
      (rateLimit) => emailChannel({ transport, from: 'a@example.com', to: 'b@example.com', rateLimit } as never),
    ],
  ];

  test.each(factories)('%s takes a rateLimit, or none', (_, make) => {
    expect(make({ perSecond: 5 }).rateLimit).toEqual({ perSecond: 5 });
    expect(make({ perSecond: 0.25, burst: 2 }).rateLimit).toEqual({ perSecond: 0.25, burst: 2 });
    expect(make(false).rateLimit).toBeUndefined();
  });

  test.each(factories.filter(([name]) => name !== 'slackChannel'))('%s is unlimited by default', (_, make) => {
    expect(make(undefined).rateLimit).toBeUndefined();
  });

  const BAD: [string, unknown][] = [
    ['perSecond 0', { perSecond: 0 }],
    ['a negative perSecond', { perSecond: -1 }],
    ['perSecond slower than one an hour', { perSecond: 1 / 7200 }],
    ['perSecond above 10,000', { perSecond: 20_000 }],
    ['perSecond NaN', { perSecond: Number.NaN }],
    ['no perSecond', { burst: 2 }],
    ['burst 0', { perSecond: 1, burst: 0 }],
    ['a fractional burst', { perSecond: 1, burst: 1.5 }],
    ['an unknown field', { perSecond: 1, perMinute: 60 }],
    ['true', true],
    ['a number', 5],
  ];
  test.each(factories)('%s refuses a bad rateLimit with a ValidationError naming rateLimit', (name, make) => {
    for (const [what, rateLimit] of BAD) {
      let error: unknown;
      try {
        make(rateLimit);
      } catch (e) {
        error = e;
      }
      expect(ValidationError.isInstance(error), `${name}: ${what}`).toBe(true);
      const issues = (error as ValidationError).issues;
      expect(
        issues.some((i) => i.path[0] === 'rateLimit'),
        `${name}: ${what}: ${String(error)}`,
      ).toBe(true);
      expect(String(error)).toContain('rateLimit');
    }
  });

  test('a channel of your own with a bad rateLimit fails createIncidentKit, naming the channel', () => {
    const own: Channel = { name: 'pager', rateLimit: { perSecond: 0 }, send: async () => {} };
    let error: unknown;
    try {
      createIncidentKit({ channels: [own] });
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/^ValidationError: Invalid rateLimit of channel "pager": perSecond: /);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['perSecond']]);
  });
});

const SECRET = `whsec_${Buffer.from('incidentkit-rate-limit-test-secret!').toString('base64')}`;
