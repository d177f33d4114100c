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

/** The default attempt timeout of HTTP channels. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

const MAX_BODY_IN_ERROR = 200;

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
 * so that the endpoint can be disabled.
 */
export async function post(channel: string, request: HttpPost, options: HttpOptions = {}): Promise<string> {
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
  const snippet = text.length > MAX_BODY_IN_ERROR ? `${text.slice(0, MAX_BODY_IN_ERROR)}...` : text;
  const detail = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  const retryable = status === 408 || status === 429 || status >= 500;
  const wait = retryable ? retryAfterMs(response.headers.get('retry-after'), (options.clock ?? systemClock()).now()) : undefined;
  throw new ChannelError(channel, status === 410 ? `${detail} (the endpoint is gone)` : detail, {
    retryable,
    status,
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  });
}
