import { randomBytes } from 'node:crypto';
import { ChannelError, createIncidentKit, type RenderedMessage, ValidationError } from 'incidentkit';
import * as channels from 'incidentkit/channels';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookBody,
  type WebhookChannelOptions,
  WebhookVerificationError,
  webhookChannel,
} from '../../src/channels/webhook.js';
import { TRIAGED_REPORT } from '../support.js';
import { type SinkRequest, sinksPerTest } from './sink.js';

const sink = sinksPerTest();

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The headers of a recorded request, as the oracle takes them. */
function headersOf(request: SinkRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** The signature the oracle computes for a recorded request under `secret`, whatever its age. */
function oracleSignature(secret: string, request: SinkRequest): string {
  const headers = headersOf(request);
  const timestamp = new Date(Number(headers['webhook-timestamp']) * 1000);
  return new Webhook(secret).sign(headers['webhook-id'] ?? '', timestamp, request.body);
}

/** The error `fn` throws; fails the test when it does not. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const INCIDENT = {
  id: 'inc_1',
  number: 'INC-7',
  title: 'Checkout is down',
  status: 'open',
  phase: null,
  priority: 'P1',
  major: false,
  service: 'shop',
  environment: 'production',
  assignment: { team: 'payments', tier: 1, assignee: null },
} as unknown as RenderedMessage['payload']['incident'];

function message(id = 'msg_01'): RenderedMessage {
  return {
    id,
    event: 'incident.acknowledged',
    audience: 'responders',
    subject: '[P1] INC-7 Checkout is down: acknowledged',
    text: '[P1] INC-7 Checkout is down: acknowledged\nService: shop (production)',
    short: 'INC-7 [P1] Checkout is down: acknowledged',
    payload: {
      event: 'incident.acknowledged',
      urgency: 'high',
      incident: INCIDENT,
      entry: {
        type: 'acknowledged',
        incidentId: 'inc_1',
        seq: 3,
        at: '2026-01-05T09:05:00.000Z',
        actor: { id: 'u1', name: 'Ana' },
      } as unknown as RenderedMessage['payload']['entry'],
    },
  };
}

describe('webhookChannel', () => {
  test('POSTs the documented JSON body with Standard Webhooks headers the oracle verifies', async () => {
    const peer = await sink();
    const secret = newSecret();
    const clock = new FakeClock(Date.now());
    const channel = webhookChannel({ url: `${peer.url}/hooks/in`, secret, clock, headers: { 'x-tenant': 'acme' } });
    expect(channel.name).toBe('webhook');
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' });

    expect(peer.requests).toHaveLength(1);
    const [request] = peer.requests as [SinkRequest];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/in');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers['webhook-id']).toBe('msg_01');
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);

    const verified = new Webhook(secret).verify(request.body, headersOf(request)) as WebhookBody;
    const sent = message();
    expect(verified).toEqual({
      type: 'incident.acknowledged',
      timestamp: '2026-01-05T09:05:00.000Z',
      data: {
        id: 'msg_01',
        audience: 'responders',
        subject: sent.subject,
        text: sent.text,
        incident: sent.payload.incident,
        entry: sent.payload.entry,
      },
    } satisfies WebhookBody);
  });

  test('a secret that is not whsec_ base64 of this key does not verify', async () => {
    const peer = await sink();
    const channel = webhookChannel({ url: peer.url, secret: newSecret(), clock: new FakeClock(Date.now()) });
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' });
    const [request] = peer.requests as [SinkRequest];
    expect(() => new Webhook(newSecret()).verify(request.body, headersOf(request))).toThrow(/No matching signature/);
  });

  test('rotation: two secrets give two signatures, and each verifies on its own', async () => {
    const peer = await sink();
    const [oldSecret, newOne] = [newSecret(), newSecret()];
    const channel = webhookChannel({
      name: 'rotating',
      url: peer.url,
      secrets: [oldSecret, newOne],
      clock: new FakeClock(Date.now()),
    });
    expect(channel.name).toBe('rotating');
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' });
    const [request] = peer.requests as [SinkRequest];
    const signatures = String(request.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures).toEqual([oracleSignature(oldSecret, request), oracleSignature(newOne, request)]);
    expect(new Webhook(oldSecret).verify(request.body, headersOf(request))).toMatchObject({ data: { id: 'msg_01' } });
    expect(new Webhook(newOne).verify(request.body, headersOf(request))).toMatchObject({ data: { id: 'msg_01' } });
    expect(verifyWebhook({ secret: newOne, headers: headersOf(request), body: request.body })).toMatchObject({
      type: 'incident.acknowledged',
    });
  });

  test('webhook-id is the idempotency key on every attempt; the body stays the same, the timestamp moves', async () => {
    const peer = await sink({ status: 500 }, { status: 200 });
    const secret = newSecret();
    const clock = new FakeClock();
    const channel = webhookChannel({ url: peer.url, secret, clock });
    const error = await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }).catch((e: unknown) => e);
    expect(ChannelError.isInstance(error) && error.retryable).toBe(true);
    clock.advance('PT5S');
    await channel.send(message(), { attempt: 2, idempotencyKey: 'msg_01' });
    const [first, second] = peer.requests as [SinkRequest, SinkRequest];
    expect([first.headers['webhook-id'], second.headers['webhook-id']]).toEqual(['msg_01', 'msg_01']);
    expect(second.body).toBe(first.body);
    expect(Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(5);
    for (const request of [first, second]) {
      expect(request.headers['webhook-signature']).toBe(oracleSignature(secret, request));
    }
  });

  test('failures are ChannelErrors that name neither the URL nor the secret', async () => {
    const secret = newSecret();
    const peer = await sink({ status: 404, body: 'Cannot POST /hooks/s3cr3t-token' });
    const channel = webhookChannel({ url: `${peer.url}/hooks/s3cr3t-token`, secret });
    const error = await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }).catch((e: unknown) => e);
    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: false, status: 404, channel: 'webhook' });
    const text = `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)}`;
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain(secret.slice(6));
    expect(text).not.toContain(peer.url);
  });

  test('a hanging peer times out as a retryable failure', async () => {
    const peer = await sink({ hang: true });
    const channel = webhookChannel({ url: peer.url, secret: newSecret(), timeoutMs: 200 });
    const error = await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, message: 'Channel "webhook": no answer within 200 ms' });
  });

  describe('bad options are a ValidationError that never shows the URL or the secret', () => {
    const url = 'https://example.com/hooks/s3cr3t-path?token=s3cr3t-query';
    const secret = 'whsec_czNjcjN0LWtleS1ieXRlcw==';
    test.each<[string, unknown, string]>([
      ['no secret', { url }, 'secret'],
      ['both secret and secrets', { url, secret, secrets: [secret] }, 'secret'],
      ['a secret without the prefix', { url, secret: 's3cr3t-no-prefix' }, 'secret'],
      ['a secret that is not base64', { url, secret: 'whsec_s3cr3t!!not*base64' }, 'secret'],
      ['an empty key', { url, secret: 'whsec_' }, 'secret'],
      ['an empty list of secrets', { url, secrets: [] }, 'secrets'],
      ['one bad secret of two', { url, secrets: [secret, 'whsec_s3cr3t%'] }, 'secrets[1]'],
      ['a URL that is not http(s)', { url: 'ftp://s3cr3t@example.com/x', secret }, 'url'],
      ['a URL that is not a URL', { url: 's3cr3t not a url', secret }, 'url'],
      ['a URL with user info', { url: 'https://user:s3cr3t@example.com/hooks', secret }, 'url'],
      ['a URL with a user name', { url: 'https://s3cr3t@example.com/hooks', secret }, 'url'],
      ['a header overriding the signature', { url, secret, headers: { 'Webhook-Signature': 's3cr3t' } }, 'headers'],
      ['a header value with a line break', { url, secret, headers: { 'x-a': 's3cr3t\r\nx-b: 1' } }, 'headers'],
      ['an unknown option', { url, secret, sekret: 's3cr3t' }, '(root)'],
      ['a bad timeout', { url, secret, timeoutMs: 0 }, 'timeoutMs'],
    ])('%s', (_name, options, path) => {
      const error = thrown(() => webhookChannel(options as WebhookChannelOptions));
      expect(ValidationError.isInstance(error)).toBe(true);
      const validation = error as ValidationError;
      expect(validation.message).toContain(path);
      const text = `${validation.message} ${JSON.stringify(validation.issues)} ${String(validation)}`;
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain('czNjcjN0');
      for (const issue of validation.issues) expect(issue).not.toHaveProperty('input');
    });
  });
});

describe('verifyWebhook', () => {
  const secret = newSecret();
  const oracle = new Webhook(secret);
  const clock = new FakeClock('2026-01-05T09:00:00.000Z');
  const body = JSON.stringify({ type: 'incident.resolved', timestamp: clock.iso(), data: { id: 'msg_9' } });

  function signed(options: { at?: number; id?: string; payload?: string } = {}): Record<string, string> {
    const at = options.at ?? clock.now();
    return {
      'webhook-id': options.id ?? 'msg_9',
      'webhook-timestamp': String(Math.floor(at / 1000)),
      'webhook-signature': oracle.sign(options.id ?? 'msg_9', new Date(at), options.payload ?? body),
    };
  }

  /** Overrides of the defaults; `undefined` removes one. */
  type Overrides = { [K in keyof VerifyWebhookOptions]?: VerifyWebhookOptions[K] | undefined };

  function verify(overrides: Overrides) {
    const options: Record<string, unknown> = { secret, headers: signed(), body, clock, ...overrides };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    return verifyWebhook(options as unknown as VerifyWebhookOptions);
  }

  function rejection(options: Overrides): WebhookVerificationError {
    const error = thrown(() => verify(options));
    expect(WebhookVerificationError.isInstance(error)).toBe(true);
    expect(ValidationError.isInstance(error)).toBe(true);
    return error as WebhookVerificationError;
  }

  test('accepts what the oracle signs and returns the parsed body', () => {
    expect(verify({})).toEqual(JSON.parse(body));
  });

  test('accepts a Buffer body, a Headers object and header names in any case', () => {
    const headers = new Headers(signed());
    expect(verify({ headers, body: Buffer.from(body) })).toEqual(JSON.parse(body));
    const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verify({ headers: upper })).toEqual(JSON.parse(body));
  });

  test('accepts a timestamp within the tolerance either way', () => {
    expect(verify({ headers: signed({ at: clock.now() - 299_000 }) })).toBeDefined();
    expect(verify({ headers: signed({ at: clock.now() + 299_000 }) })).toBeDefined();
    expect(verify({ headers: signed({ at: clock.now() - 3_599_000 }), toleranceSeconds: 3_600 })).toBeDefined();
  });

  test('any v1 signature under any of the secrets matches; other versions are ignored', () => {
    const other = newSecret();
    const headers = signed();
    const mixed = {
      ...headers,
      'webhook-signature': `v1a,${'A'.repeat(86)}== v1,bm90LWl0 ${headers['webhook-signature']}`,
    };
    expect(verify({ headers: mixed })).toBeDefined();
    expect(verify({ secret: undefined, secrets: [other, secret], headers })).toBeDefined();
  });

  test('rejects lenient base64 the oracle rejects: junk, URL-safe alphabet, no padding, trailing text, other padding bits', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // An id whose signature has a + or a /, so that the URL-safe variant differs.
    let id = 'msg_9';
    for (let i = 0; i < 200 && !/[+/]/.test(signed({ id })['webhook-signature'] ?? ''); i++) id = `msg_${i}`;
    const headers = signed({ id });
    const good = (headers['webhook-signature'] ?? '').slice(3);
    expect(good).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(good).toMatch(/[+/]/);
    const last = ALPHABET[ALPHABET.indexOf(good[42] ?? 'A') ^ 1] ?? '';
    const variants = [
      `${good}.x`,
      `${good}junk`,
      good.slice(0, -1),
      good.replace(/\+/g, '-').replace(/\//g, '_'),
      `${good.slice(0, 10)}*${good.slice(10)}`,
      `${good.slice(0, 42)}${last}=`,
    ];
    for (const variant of variants) {
      // The same bytes to a lenient decoder: only the text tells them apart.
      expect(Buffer.from(variant, 'base64').equals(Buffer.from(good, 'base64'))).toBe(true);
      const forged = { ...headers, 'webhook-signature': `v1,${variant}` };
      expect(() => oracle.verify(body, forged)).toThrow();
      expect(rejection({ headers: forged }).reason).toBe('no_matching_signature');
    }
    // The oracle's own signature still passes, alone or among the variants.
    expect(verify({ headers })).toEqual(JSON.parse(body));
    const among = { ...headers, 'webhook-signature': `${variants.map((v) => `v1,${v}`).join(' ')} v1,${good}` };
    expect(verify({ headers: among })).toEqual(JSON.parse(body));
  });

  test('rejects a tampered body', () => {
    const error = rejection({ body: body.replace('resolved', 'reopened') });
    expect(error.reason).toBe('no_matching_signature');
    expect(error.issues[0]?.path).toEqual(['webhook-signature']);
  });

  test('rejects a changed id', () => {
    expect(rejection({ headers: { ...signed(), 'webhook-id': 'msg_10' } }).reason).toBe('no_matching_signature');
  });

  test('rejects the wrong secret', () => {
    expect(rejection({ secret: newSecret() }).reason).toBe('no_matching_signature');
    expect(rejection({ secret: undefined, secrets: [newSecret(), newSecret()] }).reason).toBe('no_matching_signature');
  });

  test('rejects an old timestamp (a replay) and one too far in the future', () => {
    expect(rejection({ headers: signed({ at: clock.now() - 301_000 }) }).reason).toBe('timestamp_too_old');
    expect(rejection({ headers: signed({ at: clock.now() + 301_000 }) }).reason).toBe('timestamp_too_new');
  });

  test('a timestamp moved into the window breaks the signature', () => {
    const old = signed({ at: clock.now() - 3_600_000 });
    const moved = { ...old, 'webhook-timestamp': String(Math.floor(clock.now() / 1000)) };
    expect(rejection({ headers: moved }).reason).toBe('no_matching_signature');
  });

  test('rejects missing headers and a timestamp that is not integer seconds', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers: Record<string, string> = { ...signed() };
      delete headers[name];
      const error = rejection({ headers });
      expect(error.reason).toBe('missing_headers');
      expect(error.message).toContain(name);
    }
    const headers = { ...signed(), 'webhook-timestamp': '1767603600.5' };
    expect(rejection({ headers }).reason).toBe('invalid_timestamp');
  });

  test('rejects a signed body that is not JSON', () => {
    const payload = 'not json';
    expect(rejection({ body: payload, headers: signed({ payload }) }).reason).toBe('invalid_body');
  });

  test('bad options are a plain ValidationError that does not show the secret', () => {
    const error = thrown(() => verifyWebhook({ secret: 'whsec_s3cr3t*', headers: signed(), body }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(WebhookVerificationError.isInstance(error)).toBe(false);
    expect(String(error)).not.toContain('s3cr3t');
  });
});

describe('through a kit', () => {
  const REPORT = { title: 'Checkout is down', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } } as const;

  test('a reported incident reaches the receiver as signed requests', async () => {
    const peer = await sink();
    const secret = newSecret();
    const clock = new FakeClock();
    const kit = createIncidentKit({ channels: [webhookChannel({ url: peer.url, secret, clock })], clock });
    const incident = await kit.report(TRIAGED_REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 2, failed: 0, dead: 0 });

    const outbox = await kit.store.outbox(incident.id);
    expect(peer.requests.map((r) => r.headers['webhook-id'])).toEqual(outbox.map((m) => m.id));
    for (const request of peer.requests) {
      expect(request.headers['webhook-signature']).toBe(oracleSignature(secret, request));
      const event = verifyWebhook({ secret, headers: request.headers, body: request.body, clock });
      expect(event.data.incident.id).toBe(incident.id);
    }
    expect(peer.requests.map((r) => (JSON.parse(r.body) as WebhookBody).type)).toEqual([
      'incident.reported',
      'incident.triaged',
    ]);
  });

  test('a peer answering 500 three times then 200: one delivered message, four attempts on record', async () => {
    const peer = await sink({ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 });
    const secret = newSecret();
    const clock = new FakeClock();
    const { kit, advance } = createTestKit({
      channels: [webhookChannel({ url: peer.url, secret, clock })],
      clock,
      delivery: { jitter: 0 },
    });
    const failed: number[] = [];
    kit.on('notification.failed', () => failed.push(clock.now()));
    const incident = await kit.report(REPORT);
    const start = clock.now();

    const totals = await advance('PT1H');
    expect(totals).toMatchObject({ delivered: 1, failed: 3, dead: 0 });
    // Standard Webhooks' schedule, without jitter: 5 s, then 5 min, then 30 min.
    expect(failed.map((at) => at - start)).toEqual([0, 5_000, 305_000]);

    const [record, ...others] = await kit.store.outbox(incident.id);
    expect(others).toHaveLength(0);
    expect(record).toMatchObject({ status: 'delivered', attempts: 4, deliveredAt: start + 2_105_000 });
    expect(peer.requests).toHaveLength(4);
    expect(new Set(peer.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([record?.id]));
    expect(new Set(peer.requests.map((r) => r.body)).size).toBe(1);
    for (const request of peer.requests) {
      expect(request.headers['webhook-signature']).toBe(oracleSignature(secret, request));
    }
    // Signed at each attempt's instant.
    expect(peer.requests.map((r) => Number(r.headers['webhook-timestamp']) - start / 1000)).toEqual([0, 5, 305, 2_105]);
  });

  test('a peer that answers 400 gets the message dead-lettered after one attempt, its prose not quoted', async () => {
    const peer = await sink({ status: 400, body: 'bad request' });
    const clock = new FakeClock();
    const { kit, advance } = createTestKit({
      channels: [webhookChannel({ url: peer.url, secret: newSecret(), clock })],
      clock,
    });
    const incident = await kit.report(REPORT);
    expect(await advance('PT1H')).toMatchObject({ delivered: 0, dead: 1 });
    const [record] = await kit.store.outbox(incident.id);
    expect(record).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: 'Channel "webhook": HTTP 400',
    });
    expect(peer.requests).toHaveLength(1);
  });
});

describe('Retry-After and retryAfterMs stay finite through a kit', () => {
  const REPORT = { title: 'Checkout is down', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } } as const;

  test.each<[string, string, number]>([
    ['a 400-digit Retry-After is ignored: the schedule applies', '9'.repeat(400), 5_000],
    ['a Retry-After of a day is cut to an hour', '86400', 3_600_000],
  ])('%s', async (_name, retryAfter, wait) => {
    const peer = await sink({ status: 503, headers: { 'retry-after': retryAfter } }, { status: 200 });
    const clock = new FakeClock();
    const { kit, advance } = createTestKit({
      channels: [webhookChannel({ url: peer.url, secret: newSecret(), clock })],
      clock,
      delivery: { jitter: 0 },
    });
    const retries: Array<number | undefined> = [];
    kit.on('notification.failed', ({ retryAt }) => retries.push(retryAt));
    const incident = await kit.report(REPORT);
    const start = clock.now();
    expect(await advance('PT2H')).toMatchObject({ delivered: 1, failed: 1, dead: 0 });
    expect(retries).toEqual([start + wait]);
    expect(await kit.store.outbox(incident.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
  });

  test.each([Number.POSITIVE_INFINITY, Number.MAX_VALUE, Number.NaN, -5])(
    'a channel failing with retryAfterMs %d is settled at a finite instant',
    async (retryAfterMs) => {
      const clock = new FakeClock();
      let calls = 0;
      const flaky = {
        name: 'flaky',
        async send() {
          calls++;
          if (calls === 1) throw new ChannelError('flaky', 'slow down', { retryAfterMs });
        },
      };
      const { kit, advance } = createTestKit({ channels: [flaky], clock });
      const retries: Array<number | undefined> = [];
      kit.on('notification.failed', ({ retryAt }) => retries.push(retryAt));
      const incident = await kit.report(REPORT);
      const start = clock.now();
      await advance('PT1S');
      expect(retries).toHaveLength(1);
      const [retryAt = Number.NaN] = retries;
      expect(Number.isFinite(retryAt)).toBe(true);
      expect(retryAt - start).toBeGreaterThanOrEqual(5_000);
      expect(retryAt - start).toBeLessThanOrEqual(86_400_000);
      const [record] = await kit.store.outbox(incident.id);
      expect(record).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await advance('P2D')).toMatchObject({ delivered: 1 });
      expect(await kit.store.outbox(incident.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    },
  );
});

test('incidentkit/channels exports webhookChannel, verifyWebhook and WebhookVerificationError', () => {
  expect(channels.webhookChannel).toBe(webhookChannel);
  expect(channels.verifyWebhook).toBe(verifyWebhook);
  expect(channels.WebhookVerificationError).toBe(WebhookVerificationError);
});
