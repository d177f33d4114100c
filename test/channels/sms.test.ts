import fc from 'fast-check';
import { ChannelError, type RenderedMessage, ValidationError } from 'incidentkit';
import * as channels from 'incidentkit/channels';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SMS_MAX_SEGMENTS, fitSms, type SmsChannelOptions, smsChannel } from '../../src/channels/sms.js';
import { failure, type Sink, type SinkRequest, sinksPerTest, startSink } from './sink.js';

const sink = sinksPerTest();

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'tok_s3cr3t_0123456789abcdef';
const FROM = '+14155550100';
const [R1, R2, R3] = ['+14155550101', '+14155550102', '+14155550103'] as const;

/** Options against `peer`: one recipient (`R1`) unless `recipients` is given. */
function options(peer: Sink, extra: Partial<SmsChannelOptions> = {}): SmsChannelOptions {
  const { to, recipients, ...rest } = extra;
  const who = recipients === undefined ? { to: to ?? R1 } : { recipients };
  return { accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: peer.url, ...who, ...rest };
}

/** True when `text` has no lone surrogate. */
function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** A message whose `short` line (what the channel sends by default) is `short`. */
function message(short = 'INC-7 [P1] Checkout is down: acknowledged', id = 'msg_01') {
  return {
    id,
    event: 'incident.acknowledged',
    audience: 'responders',
    subject: 'INC-7 [P1] Checkout is down (active/investigating): acknowledged',
    text: 'INC-7 [P1] Checkout is down (active/investigating): acknowledged\nService: shop (production)',
    short,
    payload: {} as RenderedMessage['payload'],
  } satisfies RenderedMessage;
}

function form(request: SinkRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** Every credential form that must never show. */
const CREDENTIALS = [SID, TOKEN, Buffer.from(`${SID}:${TOKEN}`).toString('base64'), 's3cr3t'];

function expectNoCredentials(error: unknown): void {
  const text = `${String(error)}\n${(error as Error).stack}\n${JSON.stringify(error, Object.getOwnPropertyNames(error))}`;
  for (const credential of CREDENTIALS) expect(text).not.toContain(credential);
}

describe('smsChannel: the request', () => {
  test('a form POST to the Messages resource with basic auth, To, From and the short line as Body', async () => {
    const peer = await sink({ status: 201, body: '{"sid":"SM1"}' });
    const channel = smsChannel(options(peer, { baseUrl: `${peer.url}/` }));
    expect(channel.name).toBe('sms');
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' });

    expect(peer.requests).toHaveLength(1);
    const [request] = peer.requests as [SinkRequest];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(request)).toEqual({
      To: R1,
      From: FROM,
      Body: 'INC-7 [P1] Checkout is down: acknowledged',
    });
  });

  test('a messaging service SID is sent as MessagingServiceSid', async () => {
    const peer = await sink();
    const service = `MG${'a1'.repeat(16)}`;
    await smsChannel(options(peer, { from: service })).send(message(), { attempt: 1, idempotencyKey: 'm' });
    expect(form(peer.requests[0] as SinkRequest)).toMatchObject({ To: R1, MessagingServiceSid: service });
    expect(form(peer.requests[0] as SinkRequest)).not.toHaveProperty('From');
  });

  test('render chooses the text; a blank short line falls back to the subject; the body is trimmed', async () => {
    const peer = await sink();
    const channel = smsChannel(options(peer, { name: 'pager', render: (m) => `  ${m.event} ${m.id}  ` }));
    expect(channel.name).toBe('pager');
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' });
    await smsChannel(options(peer)).send(message('   '), { attempt: 1, idempotencyKey: 'msg_02' });
    expect(peer.requests.map((r) => form(r).Body)).toEqual([
      'incident.acknowledged msg_01',
      'INC-7 [P1] Checkout is down (active/investigating): acknowledged',
    ]);
  });

  test('a render that throws fails the message for good, without a request; its own ChannelError passes', async () => {
    const peer = await sink();
    const boom = smsChannel(
      options(peer, {
        render: () => {
          throw new Error('template broke');
        },
      }),
    );
    const error = await failure(boom.send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expect(error).toMatchObject({ retryable: false, message: 'Channel "sms": render() failed: template broke' });
    expect((error.cause as Error).message).toBe('template broke');

    const own = new ChannelError('sms', 'not now', { retryAfterMs: 5_000 });
    const passing = smsChannel(
      options(peer, {
        render: () => {
          throw own;
        },
      }),
    );
    expect(await failure(passing.send(message(), { attempt: 1, idempotencyKey: 'm' }))).toBe(own);

    const notText = smsChannel(options(peer, { render: (() => undefined) as unknown as () => string }));
    const odd = await failure(notText.send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expect(odd.retryable).toBe(false);
    expect(peer.requests).toHaveLength(0);
  });

  test('through a kit: a render that throws dead-letters the message after one attempt', async () => {
    const peer = await sink();
    const clock = new FakeClock();
    const sms = smsChannel(
      options(peer, {
        clock,
        render: () => {
          throw new TypeError('oops');
        },
      }),
    );
    const { kit, advance } = createTestKit({ channels: [sms], clock });
    const incident = await kit.report({
      title: 'Checkout is down',
      service: 'shop',
      reporter: { name: 'Ana', kind: 'employee' },
    });
    expect(await advance('PT1H')).toMatchObject({ delivered: 0, failed: 0, dead: 1 });
    expect(await kit.store.outbox(incident.id)).toMatchObject([
      { status: 'dead', attempts: 1, lastError: 'Channel "sms": render() failed: oops' },
    ]);
    expect(peer.requests).toHaveLength(0);
  });

  test('a long short line (an update) arrives cut to maxSegments, UTF-8 encoded in the form', async () => {
    const peer = await sink();
    const text = `Checkout 🔥 ${'down '.repeat(100)}`;
    await smsChannel(options(peer, { maxSegments: 2 })).send(message(text), { attempt: 1, idempotencyKey: 'm' });
    const body = form(peer.requests[0] as SinkRequest).Body ?? '';
    expect(body).toBe(fitSms(text.trim(), 2).text);
    expect(body.startsWith('Checkout 🔥 down')).toBe(true);
    expect(body.endsWith('…')).toBe(true);
    expect(body.length).toBeLessThanOrEqual(2 * 67);
  });
});

describe('fitSms: segment-aware limits', () => {
  test('GSM-7: 160 characters in one part, 153 per part beyond', () => {
    expect(fitSms('a'.repeat(160), 1)).toEqual({
      text: 'a'.repeat(160),
      encoding: 'GSM-7',
      segments: 1,
      truncated: false,
    });
    expect(fitSms('a'.repeat(161), 3)).toMatchObject({ segments: 2, truncated: false });
    expect(fitSms('a'.repeat(306), 3)).toMatchObject({ segments: 2, truncated: false });
    expect(fitSms('a'.repeat(459), 3)).toMatchObject({ segments: 3, truncated: false });
    expect(fitSms('a'.repeat(460), 3)).toEqual({
      text: `${'a'.repeat(456)}...`,
      encoding: 'GSM-7',
      segments: 3,
      truncated: true,
    });
    expect(fitSms('a'.repeat(161), 1)).toEqual({
      text: `${'a'.repeat(157)}...`,
      encoding: 'GSM-7',
      segments: 1,
      truncated: true,
    });
  });

  test('the GSM alphabet includes accented letters, Greek capitals and line breaks', () => {
    const text = 'Résumé: Ünìcode? Ø ß ¿¡ ΔΦΓΛΩΠΨΣΘΞ @£$¥ §\n\r';
    expect(fitSms(text).encoding).toBe('GSM-7');
  });

  test('extension characters count twice and are never split across parts', () => {
    expect(fitSms('€'.repeat(80), 1)).toMatchObject({ encoding: 'GSM-7', segments: 1, truncated: false });
    expect(fitSms('€'.repeat(81), 1)).toEqual({
      text: `${'€'.repeat(78)}...`,
      encoding: 'GSM-7',
      segments: 1,
      truncated: true,
    });
    expect(fitSms('{}[]~|^\\'.repeat(10), 1)).toMatchObject({ segments: 1, truncated: false });
    // 152 septets, then an escape pair that does not fit the first part's 153: it starts the second.
    expect(fitSms(`${'a'.repeat(152)}€${'a'.repeat(152)}`, 3)).toMatchObject({ segments: 3 });
    expect(fitSms(`${'a'.repeat(151)}€${'a'.repeat(153)}`, 3)).toMatchObject({ segments: 2 });
  });

  test('one non-GSM character makes it UCS-2: 70 code units in one part, 67 per part', () => {
    expect(fitSms(`${'a'.repeat(69)}ł`, 1)).toMatchObject({ encoding: 'UCS-2', segments: 1, truncated: false });
    expect(fitSms(`${'a'.repeat(70)}ł`, 3)).toMatchObject({ encoding: 'UCS-2', segments: 2, truncated: false });
    expect(fitSms(`${'a'.repeat(200)}ł`, 3)).toMatchObject({ encoding: 'UCS-2', segments: 3, truncated: false });
    expect(fitSms(`ł${'a'.repeat(200)}`, 3)).toMatchObject({ segments: 3, truncated: false });
    expect(fitSms(`ł${'a'.repeat(201)}`, 3)).toEqual({
      text: `ł${'a'.repeat(199)}…`,
      encoding: 'UCS-2',
      segments: 3,
      truncated: true,
    });
    expect(fitSms('Straße “quoted” – dash', 1).encoding).toBe('UCS-2');
    expect(fitSms('naïve', 1).encoding).toBe('UCS-2');
  });

  test('emoji take two code units; a surrogate pair is never split', () => {
    expect(fitSms('🔥'.repeat(35), 1)).toMatchObject({ encoding: 'UCS-2', segments: 1, truncated: false });
    expect(fitSms('🔥'.repeat(36), 1)).toEqual({
      text: `${'🔥'.repeat(34)}…`,
      encoding: 'UCS-2',
      segments: 1,
      truncated: true,
    });
    // 'a' + 35 emoji: 71 units, two parts; the 34th emoji would straddle 67 and moves whole.
    expect(fitSms(`a${'🔥'.repeat(35)}`, 2)).toMatchObject({ segments: 2, truncated: false });
    const cut = fitSms(`a${'🔥'.repeat(100)}`, 1).text;
    expect(cut).toBe(`a${'🔥'.repeat(34)}…`);
    expect(wellFormed(cut)).toBe(true);
  });

  test('an emoji sequence (family, flag, skin tone) is kept whole or dropped whole', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 code units
    const cut = fitSms(family.repeat(10), 1).text;
    expect(cut).toBe(`${family.repeat(6)}…`);
    const flags = fitSms(`${'🇫🇷'.repeat(20)}`, 1).text;
    expect(flags).toBe(`${'🇫🇷'.repeat(17)}…`);
  });

  test('when the non-GSM characters are in the part cut off, the rest goes as GSM-7', () => {
    expect(fitSms(`${'a'.repeat(400)} 🔥`, 1)).toEqual({
      text: `${'a'.repeat(157)}...`,
      encoding: 'GSM-7',
      segments: 1,
      truncated: true,
    });
  });

  test('trailing space before the ellipsis is dropped', () => {
    expect(fitSms(`${'a'.repeat(156)} ${'b'.repeat(50)}`, 1).text).toBe(`${'a'.repeat(156)}...`);
  });

  test('the default is 3 parts; maxSegments must be a positive integer', () => {
    expect(DEFAULT_SMS_MAX_SEGMENTS).toBe(3);
    expect(fitSms('a'.repeat(1000)).segments).toBe(3);
    expect(() => fitSms('a', 0)).toThrow(RangeError);
  });

  test('property: the result fits, is well-formed, and is the input or a prefix of it with an ellipsis', () => {
    const piece = fc.constantFrom('a', 'Z', ' ', '\n', '€', '[', 'é', 'ł', '中', '🔥', '👍🏽', '🇫🇷', '👨‍👩‍👧');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), fc.integer({ min: 1, max: 5 }), (pieces, max) => {
        const text = pieces.join('');
        const fitted = fitSms(text, max);
        expect(fitted.segments).toBeLessThanOrEqual(max);
        expect(wellFormed(fitted.text)).toBe(true);
        if (!fitted.truncated) {
          expect(fitted.text).toBe(text);
          return;
        }
        const ellipsis = fitted.text.endsWith('…') ? '…' : '...';
        expect(fitted.encoding).toBe(ellipsis === '…' ? 'UCS-2' : 'GSM-7');
        const kept = fitted.text.slice(0, -ellipsis.length);
        expect(text.startsWith(kept)).toBe(true);
        // Cut at a grapheme boundary of the input.
        const boundaries = new Set([0]);
        let at = 0;
        for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
          at += segment.length;
          boundaries.add(at);
        }
        expect(boundaries.has(kept.length)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('smsChannel: several recipients', () => {
  test('one request per recipient, in order', async () => {
    const peer = await sink({ status: 201 });
    await smsChannel(options(peer, { recipients: [R1, R2, R3] })).send(message(), {
      attempt: 1,
      idempotencyKey: 'msg_01',
    });
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2, R3]);
    expect(new Set(peer.requests.map((r) => form(r).Body)).size).toBe(1);
  });

  test('a retryable failure stops the attempt; the retry sends only to those not reached', async () => {
    const peer = await sink({ status: 201 }, { status: 503, headers: { 'retry-after': '9' } }, { status: 201 });
    const channel = smsChannel(options(peer, { recipients: [R1, R2, R3] }));
    const error = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }));
    expect(error).toMatchObject({ retryable: true, status: 503, retryAfterMs: 9_000 });
    expect(error.message).toBe('Channel "sms": HTTP 503 (1 of 3 recipients reached; the others are retried)');
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2]);

    await channel.send(message(), { attempt: 2, idempotencyKey: 'msg_01' });
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2, R2, R3]);

    // Another message starts afresh.
    await channel.send(message(), { attempt: 1, idempotencyKey: 'msg_02' });
    expect(peer.requests).toHaveLength(7);
  });

  test('a recipient refused for good does not stop the others; the attempt then fails for good', async () => {
    const peer = await sink(
      { status: 201 },
      { status: 400, body: '{"code":21211,"message":"Invalid To number"}' },
      { status: 201 },
    );
    const channel = smsChannel(options(peer, { recipients: [R1, R2, R3] }));
    const error = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toBe('Channel "sms": 2 of 3 recipients reached; +1******0102: HTTP 400: {"code":21211}');
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2, R3]);
  });

  test('after a refusal and a retryable failure, the retry skips both the reached and the refused', async () => {
    const peer = await sink({ status: 400 }, { status: 201 }, { status: 500 }, { status: 201 });
    const channel = smsChannel(options(peer, { recipients: [R1, R2, R3] }));
    const first = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }));
    expect(first.retryable).toBe(true);
    const second = await failure(channel.send(message(), { attempt: 2, idempotencyKey: 'msg_01' }));
    expect(second).toMatchObject({ retryable: false, status: 400 });
    expect(second.message).toContain('2 of 3 recipients reached');
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2, R3, R3]);
  });

  test('a failure of the account (401) stops at once and is permanent', async () => {
    const peer = await sink({ status: 401, body: '{"code":20003,"message":"Authenticate"}' });
    const channel = smsChannel(options(peer, { recipients: [R1, R2, R3] }));
    const error = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'msg_01' }));
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toContain('0 of 3 recipients reached');
    expect(peer.requests).toHaveLength(1);
  });

  test('through a kit: a 500 for the second recipient, then delivered on the retry without a duplicate', async () => {
    const peer = await sink({ status: 201 }, { status: 500 }, { status: 201 });
    const clock = new FakeClock();
    const sms = smsChannel(options(peer, { recipients: [R1, R2], clock }));
    const { kit, advance } = createTestKit({ channels: [sms], clock });
    const incident = await kit.report({
      title: 'Checkout is down',
      service: 'shop',
      reporter: { name: 'Ana', kind: 'employee' },
    });
    expect(await advance('PT1M')).toMatchObject({ delivered: 1, failed: 1, dead: 0 });
    expect(await kit.store.outbox(incident.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    expect(peer.requests.map((r) => form(r).To)).toEqual([R1, R2, R2]);
    expect(form(peer.requests[0] as SinkRequest).Body).toContain('Checkout is down');
  });
});

describe('smsChannel: credentials never appear in errors', () => {
  test('a peer echoing the path, the account and the token', async () => {
    const peer = await sink({
      status: 404,
      body: `{"message":"The requested resource /2010-04-01/Accounts/${SID}/Messages.json was not found (token ${TOKEN})"}`,
    });
    const error = await failure(smsChannel(options(peer)).send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expect(error).toMatchObject({ retryable: false, status: 404 });
    expectNoCredentials(error);
  });

  test('several recipients, each refused with an echo', async () => {
    const peer = await sink({ status: 400, body: `bad request for ${SID}` });
    const channel = smsChannel(options(peer, { recipients: [R1, R2] }));
    const error = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expectNoCredentials(error);
    expect(error.message).not.toContain(R1);
  });

  test("a peer echoing the recipient's number: only quoted codes are shown, and the number is blanked out of them", async () => {
    const peer = await sink(
      { status: 400, body: `{"code":21211,"message":"The 'To' number ${R1} is not a valid phone number."}` },
      { status: 400, body: `{"code":"${R2.slice(1)}"}` },
      { status: 400, body: `Invalid number ${R3}` },
    );
    const channel = smsChannel(options(peer, { recipients: [R1, R2, R3] }));
    const error = await failure(channel.send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expect(error.message).toBe(
      'Channel "sms": 0 of 3 recipients reached; +1******0101: HTTP 400: {"code":21211}; ' +
        '+1******0102: HTTP 400: {"code":"[redacted]"}; +1******0103: HTTP 400',
    );
    for (const number of [R1, R2, R3]) expect(error.message).not.toContain(number.slice(1));
    expectNoCredentials(error);
  });

  test('a peer echoing the basic-auth header, the token in upper case or the account in a JSON code', async () => {
    const basic = Buffer.from(`${SID}:${TOKEN}`).toString('base64');
    const peer = await sink(
      { status: 401, body: `Authorization: Basic ${basic}` },
      { status: 401, body: TOKEN.toUpperCase() },
      { status: 401, body: `{"code":"${SID.slice(0, 32)}","error":"${TOKEN.replace(/[^a-z_]/g, '')}"}` },
      { status: 401, body: `{"code":"${SID.toUpperCase().slice(0, 32)}"}` },
    );
    for (let i = 0; i < 4; i++) {
      const error = await failure(smsChannel(options(peer)).send(message(), { attempt: 1, idempotencyKey: `m${i}` }));
      expect(error).toMatchObject({ retryable: false, status: 401 });
      expectNoCredentials(error);
      expect(error.message.toLowerCase()).not.toContain(SID.slice(0, 32).toLowerCase());
      expect(error.message.toLowerCase()).not.toContain(TOKEN.toLowerCase());
    }
  });

  test('a timeout and a peer that is down', async () => {
    const hanging = await sink({ hang: true });
    const timeout = await failure(
      smsChannel(options(hanging, { timeoutMs: 150 })).send(message(), { attempt: 1, idempotencyKey: 'm' }),
    );
    expect(timeout.retryable).toBe(true);
    expectNoCredentials(timeout);

    const down = await startSink();
    await down.close();
    const refused = await failure(smsChannel(options(down)).send(message(), { attempt: 1, idempotencyKey: 'm' }));
    expect(refused).toMatchObject({ retryable: true, message: 'Channel "sms": request failed (ECONNREFUSED)' });
    expectNoCredentials(refused);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['both to and recipients', { recipients: [R2] }, 'to'],
    ['a recipient that is not E.164', { to: '0155 s3cr3t' }, 'to'],
    ['a repeated recipient', { recipients: [R1, R1] }, 'recipients'],
    ['an account SID that is not path-safe', { accountSid: `${SID}/../s3cr3t` }, 'accountSid'],
    ['an empty token', { authToken: '' }, 'authToken'],
    ['a base URL that is not http(s)', { baseUrl: `ftp://${SID}:${TOKEN}@example.com` }, 'baseUrl'],
    ['a base URL with user info', { baseUrl: `https://${SID}:${TOKEN}@api.example.com` }, 'baseUrl'],
    ['a base URL with a user name only', { baseUrl: `https://${SID}@api.example.com` }, 'baseUrl'],
    ['too many segments', { maxSegments: 11 }, 'maxSegments'],
    ['an unknown option', { password: TOKEN }, '(root)'],
  ])('bad options: %s is a ValidationError without credentials', (_name, extra, path) => {
    let error: unknown;
    try {
      smsChannel({ accountSid: SID, authToken: TOKEN, from: FROM, to: R1, ...extra } as SmsChannelOptions);
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    const validation = error as ValidationError;
    expect(validation.message).toContain(path);
    expectNoCredentials(validation);
    expect(JSON.stringify(validation.issues)).not.toContain(TOKEN);
    for (const issue of validation.issues) expect(issue).not.toHaveProperty('input');
  });
});

test('incidentkit/channels exports smsChannel and fitSms', () => {
  expect(channels.smsChannel).toBe(smsChannel);
  expect(channels.fitSms).toBe(fitSms);
});
