import { ChannelError } from '../domain/errors.js';
import { type Clock, systemClock } from '../ports/clock.js';

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

/** The default attempt timeout of HTTP channels. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

const MAX_BODY_IN_ERROR = 200;

/** Headers whose values are not secret (and too common to blank out of a body). */
const PLAIN_HEADERS = new Set(['accept', 'content-type', 'content-length', 'user-agent']);

/** Shortest text worth blanking out: shorter fragments are too common to carry a secret. */
const MIN_SECRET_LENGTH = 6;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Everything secret about a request, longest first: the URL and its parts (path, query, path
 * segments, query values, user info), header values and `extra`. A peer may echo them in an
 * error body (e.g. Express's `Cannot POST /hooks/<token>`).
 */
function secretsOf(request: HttpPost, extra: readonly string[]): string[] {
  const found = new Set<string>([request.url, ...extra]);
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
    if (!PLAIN_HEADERS.has(name.toLowerCase())) found.add(value);
  }
  const all = new Set<string>();
  for (const text of found) {
    for (const variant of [text, decoded(text), encodeURIComponent(text)]) {
      if (variant.length >= MIN_SECRET_LENGTH) all.add(variant);
    }
  }
  return [...all].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (relative to `now`), undefined when absent
 * or unreadable.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Posts `request` and resolves with the response's text on a 2xx. Otherwise throws a
 * `ChannelError` (never naming the URL): network failures, timeouts, 408, 429 and 5xx are
 * retryable (with `Retry-After` honoured); any other status is permanent, 410 with `status: 410`
 * so that the endpoint can be disabled. The peer's answer is quoted in the message with the URL,
 * its parts, header values and `options.redact` blanked out.
 */
export async function post(channel: string, request: HttpPost, options: PostOptions = {}): Promise<string> {
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
    // The driver's message and cause may name the URL: keep only the error code.
    const code = ((error as { cause?: { code?: unknown } })?.cause?.code ?? name ?? 'error') as string;
    throw new ChannelError(channel, `request failed (${String(code)})`);
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return text;
  const status = response.status;
  const clean = text === '' ? '' : redact(text, secretsOf(request, options.redact ?? []));
  const snippet = clean.length > MAX_BODY_IN_ERROR ? `${clean.slice(0, MAX_BODY_IN_ERROR)}...` : clean;
  const detail = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
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
