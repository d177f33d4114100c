import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { customIssue, ValidationError } from '../domain/errors.js';
import type { Audience, TimelineEntry } from '../domain/timeline.js';
import { withRateLimit } from '../notify/rate-limit.js';
import type { Channel, RateLimit, RenderedMessage, SendContext } from '../ports/channel.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { IncidentSummary, PublicTimelineEntry } from '../ports/store.js';
import { clockOption, HTTP_OPTION_FIELDS, httpOptions, post, secretUrlOption } from './http.js';

// Standard Webhooks 1.0 (https://www.standardwebhooks.com): the sender signs
// `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 under each `whsec_` secret.

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** A `v1` signature: the padded standard base64 of an HMAC-SHA256 (32 bytes). */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

/** Headers the channel sets itself: options may not override them. */
const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type']);

/** The default `toleranceSeconds` of {@link verifyWebhook}, as Standard Webhooks recommends. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** A `whsec_<base64>` secret. The messages never quote the value. */
const SecretSchema = z
  .string()
  .refine((s) => s.startsWith(SECRET_PREFIX), `Must start with "${SECRET_PREFIX}"`)
  .refine((s) => !s.startsWith(SECRET_PREFIX) || isKey(s.slice(SECRET_PREFIX.length)), {
    message: `Must be "${SECRET_PREFIX}" followed by a non-empty base64 key`,
    abort: true,
  });

function isKey(base64: string): boolean {
  return base64.length > 0 && BASE64.test(base64) && Buffer.from(base64, 'base64').length > 0;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

const SecretsShape = {
  secret: SecretSchema.optional(),
  secrets: z.array(SecretSchema).min(1).max(10).optional(),
};

function exactlyOneSecret(value: { secret?: unknown; secrets?: unknown }): boolean {
  return (value.secret === undefined) !== (value.secrets === undefined);
}

const ONE_SECRET = { message: 'Give either `secret` or `secrets`', path: ['secret'] };

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const WebhookChannelOptionsSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).default('webhook'),
    url: secretUrlOption(),
    ...SecretsShape,
    ...HTTP_OPTION_FIELDS,
    headers: z
      .record(
        z
          .string()
          .regex(HEADER_NAME, 'Must be a header name')
          .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'Is set by the channel'),
        z.string().refine((value) => !/[\r\n\0]/.test(value), 'Must not contain CR, LF or NUL'),
      )
      .optional(),
  })
  .refine(exactlyOneSecret, ONE_SECRET);

const VerifyWebhookOptionsSchema = z
  .strictObject({
    ...SecretsShape,
    headers: z.custom<WebhookHeaders>(
      (value) => typeof value === 'object' && value !== null,
      'Must be the request headers (an object or a Headers)',
    ),
    body: z.union([z.string(), z.instanceof(Uint8Array)]),
    toleranceSeconds: z.number().int().min(0).default(DEFAULT_WEBHOOK_TOLERANCE_SECONDS),
    clock: clockOption.optional(),
  })
  .refine(exactlyOneSecret, ONE_SECRET);

/**
 * Validates options; secrets and URLs must never reach an error, so any `input` zod attaches to
 * an issue is dropped (zod 4 leaves it out by default; this keeps it that way).
 */
function parseOptions<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    what,
    result.error.issues.map((issue) => {
      const { input: _dropped, ...rest } = issue as typeof issue & { input?: unknown };
      return rest as z.core.$ZodIssue;
    }),
  );
}

/** Options of {@link webhookChannel}. Give exactly one of `secret` and `secrets`. */
export interface WebhookChannelOptions {
  /** Channel name, as routes refer to it. Default `webhook`. */
  name?: string;
  /** The receiver's endpoint (http or https). A secret: never in errors. */
  url: string;
  /**
   * The signing secret, `whsec_` followed by the base64 key (Standard Webhooks recommends 24 to
   * 64 random bytes).
   */
  secret?: string;
  /** Several secrets while rotating: each request carries one signature per secret. */
  secrets?: readonly string[];
  /** Abort an attempt after this long (default 10,000 ms); a timeout is retried. */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Extra headers, e.g. `Authorization`. The signature and content headers cannot be overridden. */
  headers?: Record<string, string>;
  /** Source of `webhook-timestamp`. Default the system clock. */
  clock?: Clock;
  /** Paces the channel's messages (see {@link RateLimit}). Default `false`: as fast as the receiver answers. */
  rateLimit?: RateLimit | false;
}

/**
 * The JSON body {@link webhookChannel} posts: Standard Webhooks' `{ type, timestamp, data }`.
 * The body is the same on every attempt of a message (only `webhook-timestamp` and the
 * signatures change), so receivers can deduplicate on `webhook-id` (= `data.id`).
 */
export interface WebhookBody {
  /** The domain event, e.g. `incident.acknowledged`. */
  type: string;
  /** When the event happened (the timeline entry's `at`), ISO 8601 UTC. */
  timestamp: string;
  data: {
    /** The outbox message id, also sent as `webhook-id`. */
    id: string;
    audience: Audience;
    /** One line, e.g. `[P1] INC-7 Checkout is down: acknowledged`. */
    subject: string;
    /** The plain-text rendering. */
    text: string;
    /** The incident as it was when the event was committed. */
    incident: IncidentSummary;
    /**
     * The timeline entry that caused the message: the whole entry for the internal audiences, the
     * public view (type, place, time and an update's message) for `customers` and `reporter`.
     */
    entry: TimelineEntry | PublicTimelineEntry;
  };
}

/** The body of a message, exactly as {@link webhookChannel} sends it. */
function bodyOf(message: RenderedMessage): WebhookBody {
  return {
    type: message.event,
    timestamp: message.payload.entry.at,
    data: {
      id: message.id,
      audience: message.audience,
      subject: message.subject,
      text: message.text,
      incident: message.payload.incident,
      entry: message.payload.entry,
    },
  };
}

function signature(key: Buffer, id: string, timestamp: number | string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/**
 * A channel that POSTs each message as JSON ({@link WebhookBody}) signed per Standard Webhooks
 * 1.0: `webhook-id` is the outbox message id (the same on every retry: deduplicate on it),
 * `webhook-timestamp` the attempt's time in seconds, and `webhook-signature` one `v1,<base64>`
 * HMAC-SHA256 per secret, space-separated. Failures follow the HTTP transport: timeouts, network
 * errors, 408, 429 and 5xx are retried (`Retry-After` honoured), other statuses are permanent,
 * 410 with `status: 410`. The URL and secrets never appear in errors.
 *
 * @throws ValidationError for bad options (the message names the field, never its value).
 * @example
 * ```ts
 * import { createIncidentKit } from 'incidentkit';
 * import { webhookChannel } from 'incidentkit/channels';
 *
 * const kit = createIncidentKit({
 *   channels: [webhookChannel({ url: 'https://example.com/hooks/incidents', secret: process.env.WEBHOOK_SECRET! })],
 * });
 * ```
 */
export function webhookChannel(options: WebhookChannelOptions): Channel {
  const opts = parseOptions(WebhookChannelOptionsSchema, options, 'webhookChannel options');
  const keys = (opts.secrets ?? [opts.secret as string]).map(keyOf);
  const clock = opts.clock ?? systemClock();
  const { name, url } = opts;
  const transport = { ...httpOptions(opts), clock };
  return {
    name,
    ...withRateLimit(opts.rateLimit),
    async send(message: RenderedMessage, ctx: SendContext) {
      const id = ctx.idempotencyKey;
      const body = JSON.stringify(bodyOf(message));
      const timestamp = Math.floor(clock.now() / 1000);
      const signatures = keys.map((key) => `v1,${signature(key, id, timestamp, body).toString('base64')}`);
      await post(
        name,
        {
          url,
          headers: {
            ...opts.headers,
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatures.join(' '),
          },
          body,
        },
        transport,
      );
    },
  };
}

/** Request headers as a server framework hands them over: a `Headers` or a plain object. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

/** Options of {@link verifyWebhook}. Give exactly one of `secret` and `secrets`. */
export interface VerifyWebhookOptions {
  /** The endpoint's `whsec_` secret. */
  secret?: string;
  /** Several secrets while rotating: a signature under any of them is accepted. */
  secrets?: readonly string[];
  /** The request's headers (names in any case). */
  headers: WebhookHeaders;
  /** The raw request body, exactly as received: not re-serialized JSON. */
  body: string | Uint8Array;
  /** How far `webhook-timestamp` may be from now, either way. Default 300 s. */
  toleranceSeconds?: number;
  /** Source of time. Default the system clock. */
  clock?: Clock;
}

/** Why {@link verifyWebhook} rejected a request. */
export type WebhookVerificationReason =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_body';

const VERIFICATION_BRAND = Symbol.for('incidentkit.webhookVerificationError');

/**
 * A webhook request failed verification: answer it with 400 or 401 and do not act on it. A
 * `ValidationError` (code `VALIDATION`) with one issue naming the header at fault, and a
 * `reason`.
 *
 * @example
 * ```ts
 * try {
 *   verifyWebhook({ secret, headers: req.headers, body: rawBody });
 * } catch (error) {
 *   if (WebhookVerificationError.isInstance(error)) res.statusCode = 401;
 *   else throw error;
 * }
 * ```
 */
export class WebhookVerificationError extends ValidationError {
  readonly reason: WebhookVerificationReason;
  readonly [VERIFICATION_BRAND] = true;

  constructor(reason: WebhookVerificationReason, field: string, message: string) {
    super('webhook', [customIssue([field], message)]);
    this.reason = reason;
  }

  /** True when `value` is a `WebhookVerificationError`, whichever copy of the package made it. */
  static override isInstance(value: unknown): value is WebhookVerificationError {
    return (
      ValidationError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[VERIFICATION_BRAND] === true
    );
  }
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.join(' ');
  }
  return undefined;
}

/**
 * Verifies a Standard Webhooks request, as a receiver: the `webhook-timestamp` must be within
 * `toleranceSeconds` of now (either way, against replays), and one of the `v1,` signatures in
 * `webhook-signature` must match the body under one of the secrets (compared in constant time).
 * Returns the parsed JSON body (an empty body gives `undefined`). The signature proves the
 * sender holds the secret; the body's shape is not checked. Deduplicate on `webhook-id`.
 *
 * @typeParam T - The body's type; {@link WebhookBody} for {@link webhookChannel}'s requests.
 * @throws WebhookVerificationError when the request does not verify; ValidationError for bad options.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { verifyWebhook, WebhookVerificationError } from 'incidentkit/channels';
 *
 * createServer(async (req, res) => {
 *   const chunks: Buffer[] = [];
 *   for await (const chunk of req) chunks.push(chunk);
 *   try {
 *     const event = verifyWebhook({ secret: process.env.WEBHOOK_SECRET!, headers: req.headers, body: Buffer.concat(chunks) });
 *     console.log(event.type, event.data.subject);
 *     res.statusCode = 204;
 *   } catch (error) {
 *     res.statusCode = WebhookVerificationError.isInstance(error) ? 401 : 500;
 *   }
 *   res.end();
 * }).listen(8080);
 * ```
 */
export function verifyWebhook<T = WebhookBody>(options: VerifyWebhookOptions): T {
  const opts = parseOptions(VerifyWebhookOptionsSchema, options, 'verifyWebhook options');
  const keys = (opts.secrets ?? [opts.secret as string]).map(keyOf);
  const id = header(opts.headers, 'webhook-id');
  const timestampText = header(opts.headers, 'webhook-timestamp');
  const signatures = header(opts.headers, 'webhook-signature');
  if (!id) throw new WebhookVerificationError('missing_headers', 'webhook-id', 'Missing');
  if (!timestampText) throw new WebhookVerificationError('missing_headers', 'webhook-timestamp', 'Missing');
  if (!signatures) throw new WebhookVerificationError('missing_headers', 'webhook-signature', 'Missing');
  if (!/^\d{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp', 'Must be integer seconds');
  }
  const timestamp = Number(timestampText);
  const now = Math.floor((opts.clock ?? systemClock()).now() / 1000);
  if (now - timestamp > opts.toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_old', 'webhook-timestamp', 'Too old');
  }
  if (timestamp - now > opts.toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_new', 'webhook-timestamp', 'Too far in the future');
  }
  // The signed content carries the header's text as sent.
  // Compared as encoded text, as the standardwebhooks package does: Buffer.from(x, 'base64') is
  // lenient (junk, the URL-safe alphabet, missing padding, trailing text, other padding bits),
  // so only the exact padded base64 of the expected HMAC-SHA256 matches.
  const expected = keys.map((key) => Buffer.from(signature(key, id, timestampText, opts.body).toString('base64')));
  let matched = false;
  for (const candidate of signatures.split(' ')) {
    const comma = candidate.indexOf(',');
    if (comma < 0 || candidate.slice(0, comma) !== 'v1') continue;
    const encoded = candidate.slice(comma + 1);
    if (!SIGNATURE.test(encoded)) continue;
    const given = Buffer.from(encoded);
    for (const want of expected) {
      if (given.length === want.length && timingSafeEqual(given, want)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookVerificationError('no_matching_signature', 'webhook-signature', 'No matching signature');
  }
  const text = typeof opts.body === 'string' ? opts.body : Buffer.from(opts.body).toString('utf8');
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new WebhookVerificationError('invalid_body', 'body', 'Not JSON');
  }
}
