import { ChannelError } from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { post } from '../../src/channels/http.js';
import { type Sink, type SinkReply, startSink } from './sink.js';

const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

async function sink(...replies: SinkReply[]): Promise<Sink> {
  const started = await startSink(...replies);
  sinks.push(started);
  return started;
}

function request(url: string) {
  return { url, headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' };
}

/** The ChannelError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(ChannelError.isInstance(error)).toBe(true);
  return error as ChannelError;
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
  test('a 2xx resolves with the body; the sink receives the method, headers and body', async () => {
    const peer = await sink({ status: 202, body: 'accepted' });
    await expect(post('hook', request(`${peer.url}/in`))).resolves.toBe('accepted');
    expect(peer.requests).toHaveLength(1);
    expect(peer.requests[0]).toMatchObject({
      method: 'POST',
      path: '/in',
      body: '{"hello":"world"}',
      headers: { 'content-type': 'application/json' },
    });
  });

  test('500 is retryable, with the status and the answer quoted', async () => {
    const peer = await sink({ status: 500, body: 'boom' });
    const error = await failure(post('hook', request(peer.url)));
    expect(error).toMatchObject({ retryable: true, status: 500, retryAfterMs: undefined, channel: 'hook' });
    expect(error.message).toBe('Channel "hook": HTTP 500: boom');
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

  test('a long answer is cut in the message', async () => {
    const peer = await sink({ status: 500, body: 'x'.repeat(5_000) });
    const error = await failure(post('hook', request(peer.url)));
    expect(error.message.length).toBeLessThan(300);
    expect(error.message.endsWith('...')).toBe(true);
  });

  test('a redirect is not followed', async () => {
    const target = await sink();
    const peer = await sink({ status: 307, headers: { location: target.url } });
    await failure(post('hook', request(peer.url)));
    expect(target.requests).toHaveLength(0);
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

    test('a peer echoing a header value or an extra secret sees them blanked out', async () => {
      const peer = await sink({ status: 401, body: 'token Bearer abc-s3cr3t-123 for account AC-s3cr3t-sid refused' });
      const error = await failure(
        post(
          'sms',
          { url: peer.url, headers: { authorization: 'Bearer abc-s3cr3t-123' }, body: '' },
          { redact: ['AC-s3cr3t-sid'] },
        ),
      );
      expect(everyText(error)).not.toContain('s3cr3t');
      expect(error.message).toBe('Channel "sms": HTTP 401: token [redacted] for account [redacted] refused');
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
