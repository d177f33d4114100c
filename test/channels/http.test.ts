import { ChannelError as ChannelErrorClass, ValidationError } from 'incidentkit';
import { slackChannel, smsChannel, teamsChannel, webhookChannel } from 'incidentkit/channels';
import { FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { MAX_RETRY_AFTER_MS, post, retryAfterMs } from '../../src/channels/http.js';
import { failure, type SinkReply, sinksPerTest, startSink } from './sink.js';

const sink = sinksPerTest();

function request(url: string) {
  return { url, headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' };
}

/** Every text an error shows: message, String(), stack, JSON and its cause chain. */
function everyText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(String(current));
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '');
      parts.push(JSON.stringify(current, Object.getOwnPropertyNames(current)));
      current = current.cause;
    } else current = undefined;
  }
  return parts.join('\n');
}

describe('post(): the HTTP transport of the channels', () => {
  test('a 2xx resolves (the body is not needed); the sink receives the method, headers and body', async () => {
    const peer = await sink({ status: 202, body: 'accepted' });
    await expect(post('hook', request(`${peer.url}/in`))).resolves.toBeUndefined();
    expect(peer.requests).toHaveLength(1);
    expect(peer.requests[0]).toMatchObject({
      method: 'POST',
      path: '/in',
      body: '{"hello":"world"}',
      headers: { 'content-type': 'application/json' },
    });
  });

  test('500 is retryable, with the status and a short machine code quoted', async () => {
    const peer = await sink({ status: 500, body: 'internal_error\n' });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, status: 500, retryAfterMs: undefined, channel: 'hook' });
    expect(error.message).toBe('Channel "hook": HTTP 500: internal_error');
  });

  test('503 with Retry-After in seconds waits that long', async () => {
    const peer = await sink({ status: 503, headers: { 'retry-after': '7' } });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, status: 503, retryAfterMs: 7_000 });
  });

  test('503 with Retry-After as an HTTP date waits until then, read against the clock option', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const peer = await sink({ status: 503, headers: { 'retry-after': 'Mon, 05 Jan 2026 09:00:30 GMT' } });
    const error = await failure(post('hook', request(peer.url), { clock }));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 30_000 });
  });

  test('a Retry-After over an hour is cut to an hour; a 400-digit one is ignored', async () => {
    const peer = await sink(
      { status: 503, headers: { 'retry-after': '86400' } },
      { status: 503, headers: { 'retry-after': '9'.repeat(400) } },
    );
    expect(await failure(post('hook', request(peer.url)))).toMatchObject({ retryAfterMs: MAX_RETRY_AFTER_MS });
    expect(await failure(post('hook', request(peer.url)))).toMatchObject({ retryable: true, retryAfterMs: undefined });
  });

  test('retryAfterMs(): finite, between 0 and MAX_RETRY_AFTER_MS, or undefined', () => {
    const now = Date.parse('2026-01-05T09:00:00.000Z');
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
    expect(retryAfterMs('3600', now)).toBe(3_600_000);
    expect(retryAfterMs('3601', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(String(Number.MAX_SAFE_INTEGER), now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs('9'.repeat(16), now)).toBeUndefined();
    expect(retryAfterMs('9'.repeat(400), now)).toBeUndefined();
    expect(retryAfterMs('Mon, 05 Jan 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 05 Jan 2026 08:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs('Mon, 05 Jan 2026 09:00:30 GMT', Number.NaN)).toBeUndefined();
    for (const junk of [null, '', '  ', 'soon', '-5', '1.5', 'Infinity', '1e400']) {
      expect(retryAfterMs(junk, now)).toBeUndefined();
    }
  });

  test('an unreadable Retry-After is ignored', async () => {
    const peer = await sink({ status: 503, headers: { 'retry-after': 'soon' } });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: undefined });
  });

  test.each([408, 429, 502, 504])('%i is retryable', async (status) => {
    const peer = await sink({ status });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, status });
  });

  test('429 with Retry-After honours it', async () => {
    const peer = await sink({ status: 429, headers: { 'retry-after': '2' } });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2_000 });
  });

  test.each([400, 401, 403, 404, 422])('%i is permanent, and a Retry-After does not matter', async (status) => {
    const peer = await sink({ status, headers: { 'retry-after': '7' } });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: false, status, retryAfterMs: undefined });
  });

  test('410 is permanent with status 410 and says the endpoint is gone', async () => {
    const peer = await sink({ status: 410 });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: false, status: 410 });
    expect(error.message).toContain('the endpoint is gone');
  });

  test('a long answer is not quoted', async () => {
    const peer = await sink({ status: 500, body: 'x'.repeat(5_000) });
    const error = await failure(post('hook', request(peer.url)));
    expect(error.message).toBe('Channel "hook": HTTP 500');
  });

  test('a redirect is not followed, and fails for good naming no URL', async () => {
    const target = await sink();
    const peer = await sink({ status: 307, headers: { location: `${target.url}/s3cr3t` } });
    const error = await failure(post('hook', request(`${peer.url}/hooks/s3cr3t`)));
    expect(target.requests).toHaveLength(0);
    expect(error).toMatchObject({ retryable: false, status: undefined });
    expect(error.message).toBe('Channel "hook": request failed (unexpected redirect)');
    expect(everyText(error)).not.toContain('s3cr3t');
    expect(everyText(error)).not.toContain('127.0.0.1');
  });

  test('a port fetch refuses (bad port) fails for good naming no URL', async () => {
    const error = await failure(post('hook', request('http://127.0.0.1:6000/hooks/s3cr3t')));
    expect(error).toMatchObject({ retryable: false, status: undefined });
    expect(error.message).toBe('Channel "hook": request failed (bad port)');
    expect(everyText(error)).not.toContain('s3cr3t');
  });

  test('a peer that never answers times out, retryable', async () => {
    const peer = await sink({ hang: true });
    const error = await failure(post('hook', request(peer.url), { timeoutMs: 200 }));
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toBe('Channel "hook": no answer within 200 ms');
    expect(peer.requests).toHaveLength(1);
  });

  test('a peer that is down is retryable: request failed (ECONNREFUSED)', async () => {
    const peer = await startSink();
    await peer.close();
    const error = await failure(post('hook', request(`${peer.url}/hooks/T0/B0/s3cr3t-path?token=s3cr3t-query`)));
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toBe('Channel "hook": request failed (ECONNREFUSED)');
    expect(everyText(error)).not.toContain('s3cr3t');
    expect(everyText(error)).not.toContain('127.0.0.1');
  });

  describe('what is read of an answer is bounded (64 KiB)', () => {
    const BIG = 4 * 1024 * 1024;

    /** A fetch that counts the body bytes the transport pulls from the real response. */
    function countingFetch(): { fetch: typeof fetch; pulled: () => number } {
      let pulled = 0;
      const counting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const counter = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            pulled += chunk.byteLength;
            controller.enqueue(chunk);
          },
        });
        const body = response.body?.pipeThrough(counter) ?? null;
        return new Response(body, { status: response.status, headers: response.headers });
      };
      return { fetch: counting, pulled: () => pulled };
    }

    test('a 2xx of a few MB resolves without reading it all', async () => {
      const peer = await sink({ status: 200, body: 'x'.repeat(BIG) });
      const { fetch: counting, pulled } = countingFetch();
      await expect(post('hook', request(peer.url), { fetch: counting })).resolves.toBeUndefined();
      expect(pulled()).toBeLessThan(BIG / 4);
    });

    test('a 500 of a few MB gives a short error without reading it all', async () => {
      const peer = await sink({ status: 500, body: 'y'.repeat(BIG) });
      const { fetch: counting, pulled } = countingFetch();
      const error = await failure(post('hook', request(peer.url), { fetch: counting }));
      expect(error.message).toBe('Channel "hook": HTTP 500');
      expect(pulled()).toBeLessThan(BIG / 4);
    });

    test('a JSON answer longer than 64 KiB is cut, so even its code is not quoted', async () => {
      const peer = await sink({ status: 400, body: JSON.stringify({ code: 'E1', pad: 'z'.repeat(BIG) }) });
      const error = await failure(post('hook', request(peer.url)));
      expect(error.message).toBe('Channel "hook": HTTP 400');
    });
  });

  test('a custom fetch is used', async () => {
    const peer = await sink();
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(String(init?.method));
      return fetch(input, init);
    };
    await post('hook', request(peer.url), { fetch: counting });
    expect(seen).toEqual(['POST']);
  });

  describe('the URL and secrets never appear in an error', () => {
    const PATH = '/hooks/T0001/B0002/s3cr3tPathToken';
    const QUERY = '?sig=s3cr3tQueryValue&api-version=1';

    test.each<[string, SinkReply]>([
      ['500 echoing the path', { status: 500, body: `Cannot POST ${PATH}${QUERY}` }],
      ['404 echoing the path (as Express does)', { status: 404, body: `<pre>Cannot POST ${PATH}</pre>` }],
      ['400 echoing the URL-encoded query value', { status: 400, body: 'bad sig s3cr3tQueryValue' }],
      ['410', { status: 410, body: 'gone' }],
      ['429', { status: 429, headers: { 'retry-after': '1' } }],
    ])('%s', async (_name, reply) => {
      const peer = await sink(reply);
      const url = `${peer.url}${PATH}${QUERY}`;
      const error = await failure(post('hook', request(url)));
      const text = everyText(error);
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(peer.url);
      expect(error.cause).toBeUndefined();
    });

    const BEARER = 'abc-s3cr3t-123';
    const [USER, PASS] = ['acct_s3cr3t_user', 'Pa55-s3cr3t'];
    const BASIC = Buffer.from(`${USER}:${PASS}`).toString('base64');
    const PHONE = '+14155550101';

    /** Bodies that must never be quoted: echoes of credentials, in any form, and prose. */
    test.each<[string, string]>([
      ['the bearer token', `token Bearer ${BEARER} refused`],
      ['the base64 basic-auth credentials', `Authorization: Basic ${BASIC} refused`],
      ['the upper-cased URL', `CANNOT POST ${PATH.toUpperCase()}${QUERY.toUpperCase()}`],
      ['the lower-cased query value', `bad sig ${'s3cr3tQueryValue'.toLowerCase()}`],
      ['a truncated secret path', `no route /hooks/T0001/B0002/s3cr3tPathTo`],
      ['a phone number', `{"message":"${PHONE} is not a mobile number","code":21614}`.replace('21614', '"x y"')],
      ['a JSON error that is prose', `{"error":"invalid token ${BEARER}"}`],
      ['a JSON code too long', `{"code":"${'s3cr3t'.repeat(6)}"}`],
      ['a JSON array', `["invalid_token","${BEARER}"]`],
      ['HTML', `<h1>Forbidden</h1><p>${PATH}</p>`],
      ['a machine code with capitals', `S3CR3T_TOKEN`],
    ])('a body echoing %s is not quoted: the status only', async (_name, body) => {
      const peer = await sink({ status: 401, body });
      const error = await failure(
        post(
          'sms',
          {
            url: `${peer.url}${PATH}${QUERY}`,
            headers: { authorization: `Bearer ${BEARER}`, 'x-basic': `Basic ${BASIC}` },
            body: '',
          },
          { redact: [PHONE] },
        ),
      );
      expect(error.message).toBe('Channel "sms": HTTP 401');
      const text = everyText(error).toLowerCase();
      for (const secret of ['s3cr3t', BASIC.toLowerCase(), PHONE.slice(1)]) expect(text).not.toContain(secret);
    });

    test.each<[string, string, string]>([
      ['a short machine code', 'channel_is_archived', 'channel_is_archived'],
      ['a JSON numeric code (Twilio)', '{"code":21211,"message":"Invalid To number +14155550101"}', '{"code":21211}'],
      [
        'a JSON string code and error',
        '{"code":"E.RATE-1","error":"rate_limited","detail":"x"}',
        '{"code":"E.RATE-1","error":"rate_limited"}',
      ],
      ['a JSON error code only', ' {"ok":false,"error":"invalid_token"} ', '{"error":"invalid_token"}'],
    ])('%s is quoted', async (_name, body, quoted) => {
      const peer = await sink({ status: 400, body });
      const error = await failure(post('hook', request(peer.url)));
      expect(error.message).toBe(`Channel "hook": HTTP 400: ${quoted}`);
    });

    test('the blank-out pass still runs on what is quoted: Authorization credentials, Basic user and password, any case, explicit entries of any length', async () => {
      const user = 'ops_robot';
      const password = 'Zx9-Qw8';
      const peer = await sink(
        { status: 400, body: `{"code":"${BEARER.toUpperCase()}"}` },
        { status: 400, body: `{"code":"${password.toLowerCase()}","error":"${user}"}` },
        { status: 400, body: '{"code":"AB12","error":"tab_b"}' },
      );
      const bearer = await failure(
        post('hook', { url: peer.url, headers: { authorization: `Bearer ${BEARER}` }, body: '' }),
      );
      expect(bearer.message).toBe('Channel "hook": HTTP 400: {"code":"[redacted]"}');
      const basic = Buffer.from(`${user}:${password}`).toString('base64');
      const decoded = await failure(
        post('hook', { url: peer.url, headers: { authorization: `Basic ${basic}` }, body: '' }),
      );
      expect(decoded.message).toBe('Channel "hook": HTTP 400: {"code":"[redacted]","error":"[redacted]"}');
      const short = await failure(post('hook', request(peer.url), { redact: ['ab'] }));
      expect(short.message).toBe('Channel "hook": HTTP 400: {"code":"[redacted]12","error":"t[redacted]_b"}');
    });

    test('a timeout names no URL', async () => {
      const peer = await sink({ hang: true });
      const error = await failure(post('hook', request(`${peer.url}${PATH}${QUERY}`), { timeoutMs: 100 }));
      expect(everyText(error)).not.toContain('s3cr3t');
    });

    test('a URL fetch refuses names nothing of it', async () => {
      const error = await failure(post('hook', request('http://user:s3cr3tPass@[bad/s3cr3t')));
      expect(error.retryable).toBe(true);
      expect(everyText(error)).not.toContain('s3cr3t');
    });
  });
});

describe('every HTTP channel rejects a URL with user info at construction, without echoing it', () => {
  const SECRET_URL = 'https://hook-user:s3cr3t-pass@example.com/hooks/s3cr3t-path';
  const USER_ONLY = 'https://s3cr3t-user@example.com/hooks/x';
  const secret = `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`;
  const sms = { accountSid: 'AC1', authToken: 'tok', from: '+14155550100', to: '+14155550101' };

  test.each<[string, (url: string) => unknown, string]>([
    ['slackChannel', (url) => slackChannel({ webhookUrl: url }), 'webhookUrl'],
    ['teamsChannel', (url) => teamsChannel({ webhookUrl: url }), 'webhookUrl'],
    ['webhookChannel', (url) => webhookChannel({ url, secret }), 'url'],
    ['smsChannel', (url) => smsChannel({ ...sms, baseUrl: url }), 'baseUrl'],
  ])('%s', (_name, make, field) => {
    for (const url of [SECRET_URL, USER_ONLY]) {
      let error: unknown;
      try {
        make(url);
      } catch (e) {
        error = e;
      }
      expect(ValidationError.isInstance(error)).toBe(true);
      const validation = error as ValidationError;
      expect(validation.message).toContain(field);
      expect(validation.message).toContain('user info');
      expect(`${everyText(validation)} ${JSON.stringify(validation.issues)}`).not.toContain('s3cr3t');
    }
    expect(() => make('https://example.com/hooks/x')).not.toThrow();
  });

  test('a user-info URL given to the transport anyway fails without naming it', async () => {
    const peer = await sink();
    const error = await failure(post('hook', request(peer.url.replace('http://', 'http://u:s3cr3t@'))));
    expect(ChannelErrorClass.isInstance(error)).toBe(true);
    expect(everyText(error)).not.toContain('s3cr3t');
    expect(peer.requests).toHaveLength(0);
  });
});
