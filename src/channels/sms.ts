import { z } from 'zod';
import { PhoneSchema } from '../domain/contact.js';
import { ChannelError, ValidationError } from '../domain/errors.js';
import { withRateLimit } from '../notify/rate-limit.js';
import type { Channel, RateLimit, RenderedMessage, SendContext } from '../ports/channel.js';
import type { Clock } from '../ports/clock.js';
import { contactAddresses } from './contacts.js';
import { HTTP_OPTION_FIELDS, httpOptions, post, secretUrlOption } from './http.js';
import { userCodeError } from './user-code.js';

// --- Segments -------------------------------------------------------------------------------

/** GSM 03.38 basic character set (without the escape code), one septet each. */
const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
/** GSM 03.38 extension table: escape + character, two septets each. */
const GSM_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

/** An SMS encoding: GSM-7 when every character is in the GSM 03.38 tables, else UCS-2. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

const LIMITS: Record<SmsEncoding, { single: number; segment: number; ellipsis: string }> = {
  // Septets: 160 in one message, 153 per part of a concatenated one (the header takes 7).
  // '…' is not GSM: a GSM text ends in three dots so that it stays GSM.
  'GSM-7': { single: 160, segment: 153, ellipsis: '...' },
  // UTF-16 code units: 70 in one message, 67 per part.
  'UCS-2': { single: 70, segment: 67, ellipsis: '…' },
};

/** The default `maxSegments` of {@link smsChannel}. */
export const DEFAULT_SMS_MAX_SEGMENTS = 3;

function isGsm(char: string): boolean {
  return GSM_BASIC.has(char) || GSM_EXTENSION.has(char);
}

/** Cost of each code point: septets (GSM-7) or UTF-16 code units (UCS-2). */
function costs(text: string, encoding: SmsEncoding): number[] {
  const out: number[] = [];
  for (const char of text) {
    if (encoding === 'GSM-7') out.push(GSM_EXTENSION.has(char) ? 2 : 1);
    else out.push(char.length);
  }
  return out;
}

/**
 * How many parts `text` takes. Parts are packed greedily and never split a character: neither an
 * escape sequence (GSM-7) nor a surrogate pair (UCS-2).
 */
function segmentCount(text: string, encoding: SmsEncoding): number {
  const units = costs(text, encoding);
  const { single, segment } = LIMITS[encoding];
  const total = units.reduce((sum, unit) => sum + unit, 0);
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const unit of units) {
    if (used + unit > segment) {
      parts++;
      used = unit;
    } else used += unit;
  }
  return parts;
}

/** The encoding a carrier will use for `text`. */
function encodingOf(text: string): SmsEncoding {
  for (const char of text) if (!isGsm(char)) return 'UCS-2';
  return 'GSM-7';
}

function graphemes(text: string): string[] {
  return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
}

/**
 * The longest prefix of `parts` (whole graphemes, trailing space dropped) that fits in
 * `maxSegments` with the ellipsis of `encoding`, or undefined when a part is not encodable.
 */
function longestFit(parts: readonly string[], encoding: SmsEncoding, maxSegments: number): string {
  const { ellipsis } = LIMITS[encoding];
  const candidate = (count: number) => `${parts.slice(0, count).join('').trimEnd()}${ellipsis}`;
  let low = 0;
  let high = parts.length;
  // The largest count whose candidate fits; candidate(0) is the bare ellipsis, which always fits.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (segmentCount(candidate(mid), encoding) <= maxSegments) low = mid;
    else high = mid - 1;
  }
  return candidate(low);
}

/** An SMS body cut to size, as {@link fitSms} returns it. */
export interface FittedSms {
  /** The text to send: the input, or its longest prefix that fits, with an ellipsis. */
  text: string;
  encoding: SmsEncoding;
  /** Parts the carrier sends (and bills). */
  segments: number;
  truncated: boolean;
}

/**
 * Cuts `text` to at most `maxSegments` SMS parts. GSM-7 texts take 160 septets in one part or
 * 153 per part (characters of the extension table, `^{}\[~]|€`, take two); any other character
 * makes the whole text UCS-2: 70 UTF-16 code units in one part or 67 per part (an emoji takes
 * two). A text too long is cut at a grapheme boundary (never inside a surrogate pair or an emoji
 * sequence) and ends in `...` (GSM-7) or `…` (UCS-2); when the non-GSM characters fall in the
 * part cut off, the rest is sent as GSM-7, which fits more.
 *
 * @example
 * ```ts
 * import { fitSms } from 'incidentkit/channels';
 *
 * fitSms('x'.repeat(200), 1).text; // 157 x and '...': 160 septets, one GSM-7 part
 * fitSms('Down 🔥', 3); // { text: 'Down 🔥', encoding: 'UCS-2', segments: 1, truncated: false }
 * ```
 */
export function fitSms(text: string, maxSegments: number = DEFAULT_SMS_MAX_SEGMENTS): FittedSms {
  if (!Number.isInteger(maxSegments) || maxSegments < 1) {
    throw new RangeError(`maxSegments must be a positive integer, got ${maxSegments}`);
  }
  const encoding = encodingOf(text);
  const segments = segmentCount(text, encoding);
  if (segments <= maxSegments) return { text, encoding, segments, truncated: false };
  const parts = graphemes(text);
  let best = longestFit(parts, 'UCS-2', maxSegments);
  // A GSM-7 cut: only up to the first non-GSM grapheme.
  const firstNonGsm = parts.findIndex((part) => encodingOf(part) === 'UCS-2');
  const gsmParts = firstNonGsm < 0 ? parts : parts.slice(0, firstNonGsm);
  const gsm = longestFit(gsmParts, 'GSM-7', maxSegments);
  if (encoding === 'GSM-7' || gsm.length - 3 > best.length - 1) best = gsm;
  const bestEncoding = encodingOf(best);
  return { text: best, encoding: bestEncoding, segments: segmentCount(best, bestEncoding), truncated: true };
}

// --- Channel -------------------------------------------------------------------------------

const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

const SmsChannelOptionsSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).default('sms'),
    accountSid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Must be 1 to 64 letters, digits, _ or -'),
    authToken: z.string().min(1, 'Must not be empty').max(512, 'Too long'),
    from: z
      .string()
      .trim()
      .min(1, 'Must not be empty')
      .max(64, 'Too long')
      .refine((value) => !/[\r\n\0]/.test(value), 'Must not contain CR, LF or NUL'),
    to: PhoneSchema.optional(),
    recipients: z
      .array(PhoneSchema)
      .min(1)
      .max(100)
      .refine((list) => new Set(list).size === list.length, 'Must not repeat a number')
      .optional(),
    baseUrl: secretUrlOption()
      .default('https://api.twilio.com')
      .transform((url) => url.replace(/\/+$/, '')),
    ...HTTP_OPTION_FIELDS,
    maxSegments: z.number().int().min(1).max(10).default(DEFAULT_SMS_MAX_SEGMENTS),
    render: z
      .custom<(message: RenderedMessage) => string>((value) => typeof value === 'function', 'Must be a function')
      .optional(),
  })
  .refine((value) => value.to === undefined || value.recipients === undefined, {
    message: 'Give at most one of `to` and `recipients`',
    path: ['to'],
  });

/**
 * Options of {@link smsChannel}. Give at most one of `to` and `recipients`; without either, each
 * message goes to the `phone` of the contacts its route names (the route's `recipients`).
 */
export interface SmsChannelOptions {
  /** Channel name, as routes refer to it. Default `sms`. */
  name?: string;
  /** Account SID (in the URL path and the basic-auth user). A secret: never in errors. */
  accountSid: string;
  /** Auth token (the basic-auth password). A secret: never in errors. */
  authToken: string;
  /**
   * Sender: an E.164 number, a short code or an alphanumeric sender id; a Twilio messaging
   * service SID (`MG` + 32 hex digits) is sent as `MessagingServiceSid` instead of `From`.
   */
  from: string;
  /** One recipient, E.164 (`+14155550100`). */
  to?: string;
  /** Several recipients, E.164: one request each. */
  recipients?: readonly string[];
  /** The API's origin. Default `https://api.twilio.com`; any Twilio-compatible API works. */
  baseUrl?: string;
  /** Abort a request after this long (default 10,000 ms); a timeout is retried. */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Cut the text to this many SMS parts (1 to 10). Default 3. See {@link fitSms}. */
  maxSegments?: number;
  /**
   * The text to send for a message. Default its `short` line (for an update: the reference and
   * the whole update), nothing more even when `maxSegments` would leave room: an SMS pages, the
   * details are in the other channels. Return `message.text` to send the whole plain-text body.
   * A render that throws (or returns something other than a string) fails the message for good;
   * a `ChannelError` it throws is passed on as is.
   */
  render?: (message: RenderedMessage) => string;
  /** Source of time for `Retry-After` dates. Default the system clock. */
  clock?: Clock;
  /**
   * Paces the channel's messages (see {@link RateLimit}); each message counts once, however many
   * recipients it has. Default `false`: as fast as the API answers.
   */
  rateLimit?: RateLimit | false;
}

/** Delivery state of a message with several recipients, kept between attempts in this process. */
interface Progress {
  sent: Set<string>;
  /** Recipients that failed permanently, with what went wrong. */
  refused: Map<string, { detail: string; status: number | undefined }>;
}

/** Messages whose progress is remembered at most; the oldest are forgotten first. */
const MAX_TRACKED = 1_000;

/** Statuses that concern the account or endpoint rather than one recipient: stop at once. */
const ENDPOINT_WIDE = new Set([401, 403, 404, 410]);

function masked(phone: string): string {
  return `${phone.slice(0, 2)}${'*'.repeat(Math.max(0, phone.length - 6))}${phone.slice(-4)}`;
}

function detailOf(error: unknown, channel: string): string {
  if (!ChannelError.isInstance(error)) return 'request failed';
  const prefix = `Channel "${channel}": `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/**
 * A channel that sends each message as an SMS through a Twilio-compatible API: a form POST
 * (`To`, `From`, `Body`) to `{baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json` with
 * basic auth. The body is the message's `short` line (or your `render`'s text; the subject when
 * it is blank), trimmed and cut to `maxSegments` parts (see {@link fitSms}).
 *
 * Several recipients get one request each, in order. When some fail, the attempt fails after
 * the others were tried: with a retryable `ChannelError` if any failure is retryable (timeouts,
 * network errors, 408, 429, 5xx), else a permanent one naming how many recipients were reached.
 * The channel remembers, per message id and in this process, who already got the message, so a
 * retry sends only to the rest; after a restart a retry sends to every recipient again (SMS APIs
 * offer no idempotency key). A 401, 403, 404 or 410 (a problem of the account or endpoint),
 * a 429 or any retryable failure stops the attempt at once. The account SID, the auth token and
 * the URL never appear in errors; recipients appear masked (`+1******0100`).
 *
 * @throws ValidationError for bad options (the message names the field, never its value).
 * @example
 * ```ts
 * import { createIncidentKit } from 'incidentkit';
 * import { smsChannel } from 'incidentkit/channels';
 *
 * const kit = createIncidentKit({
 *   channels: [
 *     smsChannel({
 *       accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *       authToken: process.env.TWILIO_AUTH_TOKEN!,
 *       from: '+14155550100',
 *       recipients: ['+14155550101', '+14155550102'],
 *     }),
 *   ],
 * });
 * ```
 */
export function smsChannel(options: SmsChannelOptions): Channel {
  const parsed = SmsChannelOptionsSchema.safeParse(options);
  if (!parsed.success) {
    // zod 4 leaves `input` out of issues; drop it anyway, credentials must never reach an error.
    throw new ValidationError(
      'smsChannel options',
      parsed.error.issues.map((issue) => {
        const { input: _dropped, ...rest } = issue as typeof issue & { input?: unknown };
        return rest as z.core.$ZodIssue;
      }),
    );
  }
  const opts = parsed.data;
  const { name, accountSid, authToken, from, maxSegments } = opts;
  const fixed: readonly string[] | undefined = opts.recipients ?? (opts.to === undefined ? undefined : [opts.to]);
  const url = `${opts.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const redact = [accountSid, authToken];
  const transport = httpOptions(opts);
  const sender = MESSAGING_SERVICE_SID.test(from) ? 'MessagingServiceSid' : 'From';
  const progress = new Map<string, Progress>();

  function track(id: string): Progress {
    let state = progress.get(id);
    if (!state) {
      state = { sent: new Set(), refused: new Map() };
      progress.set(id, state);
      if (progress.size > MAX_TRACKED) progress.delete(progress.keys().next().value as string);
    }
    return state;
  }

  async function sendTo(recipient: string, text: string): Promise<void> {
    const form = new URLSearchParams({ To: recipient, [sender]: from, Body: text });
    // The number too: a peer may echo it (with or without the `+`), and errors only show it masked.
    await post(
      name,
      { url, headers, body: form.toString() },
      { ...transport, redact: [...redact, recipient, recipient.slice(1)] },
    );
  }

  return {
    name,
    ...withRateLimit(opts.rateLimit),
    // Without recipients of its own, it reaches the contacts a route names.
    ...(fixed ? {} : { contacts: 'phone' as const }),
    async send(message: RenderedMessage, ctx: SendContext) {
      let rendered: string;
      try {
        rendered = opts.render ? opts.render(message) : message.short;
      } catch (error) {
        throw userCodeError(name, 'render()', error);
      }
      if (typeof rendered !== 'string') {
        throw new ChannelError(name, 'render() returned something other than a string', { retryable: false });
      }
      const recipients = fixed ?? contactAddresses(name, message, 'phone');
      const raw = rendered.trim() || message.subject.trim();
      const { text } = fitSms(raw, maxSegments);
      const [only] = recipients;
      if (recipients.length === 1 && only !== undefined) return sendTo(only, text);
      const state = track(ctx.idempotencyKey);
      let stop: ChannelError | undefined;
      for (const recipient of recipients) {
        if (state.sent.has(recipient) || state.refused.has(recipient)) continue;
        try {
          await sendTo(recipient, text);
          state.sent.add(recipient);
        } catch (error) {
          const failure = ChannelError.isInstance(error) ? error : new ChannelError(name, 'request failed');
          if (!failure.retryable)
            state.refused.set(recipient, { detail: detailOf(failure, name), status: failure.status });
          if (failure.retryable || (failure.status !== undefined && ENDPOINT_WIDE.has(failure.status))) {
            stop = failure;
            break;
          }
        }
      }
      const reached = `${state.sent.size} of ${recipients.length} recipients reached`;
      if (stop?.retryable) {
        throw new ChannelError(name, `${detailOf(stop, name)} (${reached}; the others are retried)`, {
          retryable: true,
          ...(stop.status === undefined ? {} : { status: stop.status }),
          ...(stop.retryAfterMs === undefined ? {} : { retryAfterMs: stop.retryAfterMs }),
        });
      }
      progress.delete(ctx.idempotencyKey);
      if (stop) {
        throw new ChannelError(name, `${detailOf(stop, name)} (${reached})`, {
          retryable: false,
          ...(stop.status === undefined ? {} : { status: stop.status }),
        });
      }
      if (state.refused.size > 0) {
        const refused = [...state.refused];
        const statuses = new Set(refused.map(([, failure]) => failure.status));
        const [status] = statuses;
        const failures = refused.map(([recipient, failure]) => `${masked(recipient)}: ${failure.detail}`);
        throw new ChannelError(name, `${reached}; ${failures.join('; ')}`, {
          retryable: false,
          ...(statuses.size === 1 && status !== undefined ? { status } : {}),
        });
      }
    },
  };
}
