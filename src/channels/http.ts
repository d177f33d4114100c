import { z } from 'zod';
import { ChannelError } from '../domain/errors.js';
import { rateLimitOption } from '../notify/rate-limit.js';
import { type Clock, systemClock } from '../ports/clock.js';
import { functionOption } from './user-code.js';

// The HTTP transport of the built-in channels: one POST, classified into success or a
// ChannelError the dispatcher understands. Endpoints carry secrets (Slack and Teams webhook
// URLs, SMS credentials): no error message, cause or event ever includes the URL or a header.

/** What a channel posts. */
export interface HttpPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Transport options every HTTP channel accepts. */
export interface HttpOptions {
  /** Abort an attempt after this long (default 10,000 ms); a timeout is retried. */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one), e.g. to add a proxy or for tests. */
  fetch?: typeof fetch;
  /** Reads `Retry-After` dates against this clock (default the system clock). */
  clock?: Clock;
}

/** Per-request transport settings a channel adds to {@link HttpOptions}. */
export interface PostOptions extends HttpOptions {
  /** More secrets (tokens, account ids) to blank out of error messages, besides the URL and headers. */
  redact?: readonly string[];
}

/**
 * False for a URL with user info (`user:password@`), which fetch refuses: the options schemas
 * of the HTTP channels reject it at construction rather than retrying it. True for text that is
 * not a URL (the URL check reports that).
 */
export function withoutUserInfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}

/** A secret http(s) URL option: checked, never echoed, without user info. */
export function secretUrlOption() {
  return z
    .url({ protocol: /^https?$/, error: 'Must be an http(s) URL' })
    .refine(withoutUserInfo, 'Must not contain user info (user:password@)');
}

/** A `Clock` option: an object with `now()`. */
export const clockOption = z.custom<Clock>(
  (value) => typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function',
  'Must be a clock: an object with `now()`',
);

/**
 * The zod fields every HTTP channel's options include: those of {@link HttpOptions}, and the
 * channel's `rateLimit`.
 */
export const HTTP_OPTION_FIELDS = {
  /** Abort an attempt after this many ms (default 10,000); a timeout is retried. */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  /** The `fetch` to use (default the global one), e.g. to go through a proxy. */
  fetch: functionOption<typeof fetch>('a fetch implementation').optional(),
  /** The clock of timestamps and `Retry-After` dates (default the system clock). */
  clock: clockOption.optional(),
  /** Paces the channel's messages (a token bucket in the worker); `false` or absent: unlimited. */
  rateLimit: rateLimitOption.optional(),
};

/** The {@link HttpOptions} of parsed channel options (absent fields left out). */
export function httpOptions(opts: {
  timeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
  clock?: Clock | undefined;
}): HttpOptions {
  return {
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  };
}

/** The default attempt timeout of HTTP channels. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** The longest `Retry-After` honoured: one hour. A peer asking for more gets this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Bytes of a response body read at most; the rest is cancelled unread. */
const MAX_BODY_BYTES = 64 * 1024;

/** A body quoted as is: a short machine code such as Slack's `channel_is_archived`. */
const SHORT_CODE = /^[a-z_]{1,64}$/;

/** A JSON body's `code` string quoted, e.g. `E_RATE` or `21211`. */
const JSON_CODE = /^[A-Za-z0-9_.-]{1,32}$/;

/** Headers whose values are not secret (and too common to blank out of a body). */
const PLAIN_HEADERS = new Set(['accept', 'content-type', 'content-length', 'user-agent']);

/** Shortest derived text worth blanking out: shorter fragments are too common to carry a secret. */
const MIN_SECRET_LENGTH = 6;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The credential of an `Authorization` value, and for `Basic` the decoded `user:password`, user and password. */
function credentialParts(value: string): string[] {
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(value);
  if (!match) return [];
  const [, scheme = '', credential = ''] = match;
  const parts = [credential];
  if (scheme.toLowerCase() === 'basic') {
    const pair = Buffer.from(credential, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    parts.push(pair);
    if (colon >= 0) parts.push(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return parts;
}

/**
 * Everything secret about a request, longest first: the URL and its parts (path, query, path
 * segments, query values, user info), header values (and an `Authorization` credential, decoded
 * for Basic) and `extra`. Derived parts shorter than 6 characters are left out (too common);
 * `extra` entries are kept whatever their length.
 */
function secretsOf(request: HttpPost, extra: readonly string[]): string[] {
  const found = new Set<string>([request.url]);
  try {
    const url = new URL(request.url);
    found.add(url.href);
    found.add(`${url.pathname}${url.search}`);
    found.add(url.pathname);
    found.add(url.search);
    found.add(url.username);
    found.add(url.password);
    for (const segment of url.pathname.split('/')) found.add(segment);
    for (const [key, value] of url.searchParams) {
      found.add(value);
      found.add(`${key}=${value}`);
    }
  } catch {
    // Not a URL: fetch fails before sending, and the whole text is blanked out anyway.
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (PLAIN_HEADERS.has(name.toLowerCase())) continue;
    found.add(value);
    if (name.toLowerCase() === 'authorization' || name.toLowerCase() === 'proxy-authorization') {
      for (const part of credentialParts(value)) found.add(part);
    }
  }
  const all = new Set<string>();
  const add = (text: string, minLength: number) => {
    for (const variant of [text, decoded(text), encodeURIComponent(text)]) {
      if (variant.length >= minLength && variant.length > 0) all.add(variant);
    }
  };
  for (const text of found) add(text, MIN_SECRET_LENGTH);
  for (const text of extra) add(text, 1);
  return [...all].sort((a, b) => b.length - a.length);
}

/** {@link secretsOf}, worked out on first use and then remembered. */
function secretsOnce(request: HttpPost, extra: readonly string[]): () => readonly string[] {
  let secrets: readonly string[] | undefined;
  return () => {
    secrets ??= secretsOf(request, extra);
    return secrets;
  };
}

/** `text` with every secret blanked out, matched case-insensitively. */
function redact(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return text;
  const pattern = new RegExp(secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  return text.replace(pattern, '[redacted]');
}

/**
 * A quoted value with secrets blanked out: wholly when it is a piece of a secret (a peer may
 * echo a secret truncated), else each secret in it.
 */
function scrub(value: string, secrets: readonly string[]): string {
  const lower = value.toLowerCase();
  if (value.length >= MIN_SECRET_LENGTH && secrets.some((secret) => secret.toLowerCase().includes(lower))) {
    return '[redacted]';
  }
  return redact(value, secrets);
}

/**
 * What of a peer's error body may be quoted: a short machine code as is (`invalid_token`), or
 * from a JSON object only a `code` (a safe integer, or a string of up to 32 letters, digits,
 * `_`, `.`, `-`) and an `error` that is a short machine code. Anything else (prose, HTML, echoed
 * requests) is never quoted: a peer may echo credentials, URLs or phone numbers in any form.
 * What is quoted still has the request's secrets blanked out.
 */
function quotable(body: string, secrets: () => readonly string[]): string | undefined {
  const text = body.trim();
  if (SHORT_CODE.test(text)) return scrub(text, secrets());
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { code, error } = parsed as { code?: unknown; error?: unknown };
  const picked: { code?: number | string; error?: string } = {};
  if ((typeof code === 'number' && Number.isSafeInteger(code)) || (typeof code === 'string' && JSON_CODE.test(code))) {
    const clean = scrub(String(code), secrets());
    picked.code = typeof code === 'number' && clean === String(code) ? code : clean;
  }
  if (typeof error === 'string' && SHORT_CODE.test(error)) picked.error = scrub(error, secrets());
  return Object.keys(picked).length > 0 ? JSON.stringify(picked) : undefined;
}

/**
 * Reads at most {@link MAX_BODY_BYTES} of `response`'s body, then cancels the rest. With `keep`
 * false the bytes are only drained (so a small body leaves the connection reusable), not kept.
 */
async function readBounded(response: Response, keep: boolean): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (keep) chunks.push(value);
    }
  } catch {
    // A body cut off mid-way: what arrived is enough for an error.
  } finally {
    reader.cancel().catch(() => {});
  }
  if (!keep) return '';
  const bytes = Buffer.concat(chunks);
  return bytes.subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (relative to `now`), at most
 * {@link MAX_RETRY_AFTER_MS}. Undefined when absent, unreadable or absurd (more digits than a
 * safe integer, e.g. a 400-digit value).
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    if (!Number.isSafeInteger(seconds)) return undefined;
    ms = seconds * 1000;
  } else {
    // An HTTP date (IMF-fixdate, RFC 850 or asctime) starts with the day's name; Date.parse
    // alone would read '1.5' or '-5' as dates.
    if (!/^[A-Za-z]{3,9},?\s/.test(text)) return undefined;
    const at = Date.parse(text);
    if (!Number.isFinite(at) || !Number.isFinite(now)) return undefined;
    ms = at - now;
  }
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Fetch failures that a retry cannot fix: the request or endpoint is misconfigured. */
function permanentCause(error: unknown): string | undefined {
  const message = (error as { cause?: { message?: unknown } })?.cause?.message;
  if (typeof message !== 'string') return undefined;
  if (message === 'unexpected redirect') return 'unexpected redirect';
  if (message.includes('bad port')) return 'bad port';
  return undefined;
}

/**
 * Posts `request` and resolves on a 2xx (the body is not used: at most 64 KiB of it is read).
 * Otherwise throws a `ChannelError` (never naming the URL): network failures, timeouts, 408, 429
 * and 5xx are retryable (with `Retry-After` honoured, up to an hour); a redirect, a port fetch
 * refuses and any other status are permanent, 410 with `status: 410` so that the endpoint can be
 * disabled. Of the peer's answer (at most 64 KiB is read) only a short machine code is quoted
 * (see `quotable`), with the URL, its parts, header values and `options.redact` blanked out.
 */
export async function post(channel: string, request: HttpPost, options: PostOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ChannelError(channel, `no answer within ${timeoutMs} ms`);
    }
    const permanent = permanentCause(error);
    if (permanent !== undefined) throw new ChannelError(channel, `request failed (${permanent})`, { retryable: false });
    // The driver's message and cause may name the URL: keep only the error code.
    const code = ((error as { cause?: { code?: unknown } })?.cause?.code ?? name ?? 'error') as string;
    throw new ChannelError(channel, `request failed (${String(code)})`);
  }
  if (response.ok) {
    await readBounded(response, false);
    return;
  }
  const status = response.status;
  const quoted = quotable(await readBounded(response, true), secretsOnce(request, options.redact ?? []));
  const detail = `HTTP ${status}${quoted ? `: ${quoted}` : ''}`;
  const retryable = status === 408 || status === 429 || status >= 500;
  const wait = retryable
    ? retryAfterMs(response.headers.get('retry-after'), (options.clock ?? systemClock()).now())
    : undefined;
  throw new ChannelError(channel, status === 410 ? `${detail} (the endpoint is gone)` : detail, {
    retryable,
    status,
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  });
}
