import { z } from 'zod';
import { ChannelError, parseInput } from '../domain/errors.js';
import { rateLimitOption, withRateLimit } from '../notify/rate-limit.js';
import type { Channel, RateLimit, RenderedMessage } from '../ports/channel.js';
import { contactAddresses } from './contacts.js';
import { renderEmailHtml } from './html.js';
import { functionOption, userCodeError } from './user-code.js';

/**
 * The message {@link emailChannel} hands to its transport: a subset of nodemailer's
 * `sendMail()` options, so that a nodemailer transporter fits as it is. `messageId`,
 * `inReplyTo` and `references` are full ids in angle brackets.
 *
 * Addresses are `{ name, address }` objects, never strings: each is exactly one mailbox that
 * {@link emailChannel} has checked, and nodemailer uses the objects as they are instead of parsing
 * them as address lists (where a `,` or a line break could add recipients). `name` is the display
 * name, without quotes, or `''`.
 *
 * @example
 * ```ts
 * import type { MailMessage } from 'incidentkit/channels';
 *
 * // What a transport receives for the first message of incident 01J...Z:
 * const message: MailMessage = {
 *   from: { name: 'Incidents', address: 'incidents@example.com' },
 *   to: [{ name: '', address: 'oncall@example.com' }],
 *   subject: 'INC-7 [P1] Checkout is down (open): reported by Ana (employee): Checkout is down',
 *   text: '...',
 *   html: '<!DOCTYPE html>...',
 *   messageId: '<01J...A@incidentkit.invalid>',
 *   inReplyTo: '<incident-01J...Z@incidentkit.invalid>',
 *   references: '<incident-01J...Z@incidentkit.invalid>',
 *   headers: { 'Auto-Submitted': 'auto-generated' },
 * };
 * ```
 */
export interface MailMessage {
  from: { name: string; address: string };
  to: { name: string; address: string }[];
  replyTo?: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** `<outbox-id@domain>`: the same on every retry of one message. */
  messageId: string;
  /** `<incident-id@domain>`: the thread root shared by every message of one incident. */
  inReplyTo: string;
  /** The thread root, as `inReplyTo`. */
  references: string;
  /** Extra headers (`Auto-Submitted`, `X-Incidentkit-*`). */
  headers: Record<string, string>;
}

/**
 * Anything that sends a {@link MailMessage}: a nodemailer transporter
 * (`nodemailer.createTransport(...)`) or your own adapter. incidentkit never imports nodemailer,
 * and never reads or prints the transport's settings (credentials stay in the transport).
 * Rejections carrying nodemailer's `responseCode` / `code` are classified (see {@link emailChannel}).
 * The result, when it is an object with nodemailer's `rejected` list of addresses (and `accepted`),
 * says which recipients the server refused; any other result counts as sent to every recipient.
 *
 * @example
 * ```ts
 * import type { MailTransport } from 'incidentkit/channels';
 *
 * // An adapter for an HTTP mail API; reject with { responseCode: 550 } for a permanent failure.
 * const transport: MailTransport = {
 *   async sendMail(message) {
 *     const response = await fetch('https://mail.example.com/send', {
 *       method: 'POST',
 *       headers: { authorization: `Bearer ${process.env.MAIL_TOKEN}`, 'content-type': 'application/json' },
 *       body: JSON.stringify(message),
 *     });
 *     if (!response.ok) throw Object.assign(new Error('send failed'), { responseCode: response.status >= 500 ? 451 : 550 });
 *   },
 * };
 * ```
 */
export interface MailTransport {
  sendMail(message: MailMessage): Promise<unknown>;
}

/**
 * Parts a {@link EmailChannelOptions.render} function may replace; what it leaves out stays the default.
 *
 * @example
 * ```ts
 * import type { EmailContent } from 'incidentkit/channels';
 *
 * const content: EmailContent = { subject: 'Checkout is down', text: 'We are on it.' };
 * ```
 */
export interface EmailContent {
  subject?: string;
  text?: string;
  /** A complete HTML part, used as it is: escape every user string (see `escapeHtml`). */
  html?: string;
}

/**
 * Who receives a message: one address, a list, or (from `recipients`) none to skip it.
 *
 * Each string is exactly one address: `name@example.com` or `Display Name <name@example.com>`
 * (the name may be quoted: `"Doe, Jane" <jane@example.com>`). Lists in one string
 * (`a@example.com, b@example.com`), groups (`team: a@example.com;`), comments, control characters
 * and line or paragraph separators are refused. Quoted local parts (`"a b"@example.com`) and
 * domain literals (`name@[192.0.2.1]`) are refused too.
 *
 * @example
 * ```ts
 * import type { EmailRecipients } from 'incidentkit/channels';
 *
 * const oncall: EmailRecipients = ['oncall@example.com', '"Ops lead" <lead@example.com>'];
 * ```
 */
export type EmailRecipients = string | readonly string[];

/**
 * Options of {@link emailChannel}. Give at most one of `to` and `recipients`; without either, each
 * message goes to the `email` of the contacts its route names (the route's `recipients`).
 *
 * @example
 * ```ts
 * import { type EmailChannelOptions, emailChannel } from 'incidentkit/channels';
 *
 * const options: EmailChannelOptions = {
 *   transport,
 *   from: 'incidents@example.com',
 *   recipients: (message) => (message.audience === 'management' ? 'cto@example.com' : 'oncall@example.com'),
 *   replyTo: 'war-room@example.com',
 *   domain: 'incidents.example.com',
 * };
 * const email = emailChannel(options);
 * ```
 */
export interface EmailChannelOptions {
  /** Channel name. Default `email`. */
  name?: string;
  /** Sends the mail, e.g. a nodemailer transporter. */
  transport: MailTransport;
  /** Sender, one address as in {@link EmailRecipients}, e.g. `"Incidents" <incidents@example.com>`. */
  from: string;
  /** Fixed recipients of every message. */
  to?: EmailRecipients;
  /**
   * Recipients per message, e.g. by `message.audience` or a reporter's contact address. An empty
   * list skips the message (it counts as delivered); empty strings in the list are left out. A
   * throw is a permanent failure unless it is a `ChannelError`. The result is user input as far as
   * the channel is concerned: an entry that is not exactly one address (see
   * {@link EmailRecipients}) fails the message permanently, and nothing is sent.
   */
  recipients?: (message: RenderedMessage) => EmailRecipients | Promise<EmailRecipients>;
  /** `Reply-To` of every message, one address, e.g. the incident channel's mailbox. */
  replyTo?: string;
  /** Right-hand side of the `Message-ID`s. Default `incidentkit.invalid`; use a domain you own. */
  domain?: string;
  /**
   * Replaces parts of the default rendering. Without `html`, the HTML part is the default layout
   * of the (possibly replaced) subject and text. A throw is a permanent failure unless it is a
   * `ChannelError`.
   */
  render?: (message: RenderedMessage) => EmailContent | Promise<EmailContent>;
  /**
   * Paces the channel's messages (see {@link RateLimit}), e.g. to stay within a mail API's quota;
   * each message counts once, however many recipients it has. Default `false`: unlimited.
   */
  rateLimit?: RateLimit | false;
}

// ---------------------------------------------------------------------------------------------
// Addresses. nodemailer parses a string recipient as a whole address list (RFC 5322 `address-list`,
// leniently): "a@x, b@y" is two recipients, and "Ana <a@x>\nBcc: c@y" a group whose envelope only
// holds c@y. So every address is checked to be exactly one mailbox here and handed over as a
// `{ name, address }` object, which nodemailer uses as it is.

/** One mailbox: a display name (unquoted, `''` for none) and an addr-spec. */
interface Mailbox {
  name: string;
  address: string;
}

/** ASCII `atext` of RFC 5322, plus letters, marks and digits of any script (RFC 6532). */
const WORD = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\p{L}\\p{M}\\p{N}-]+";
const LABEL = '[A-Za-z0-9\\p{L}\\p{M}\\p{N}](?:[A-Za-z0-9\\p{L}\\p{M}\\p{N}-]*[A-Za-z0-9\\p{L}\\p{M}\\p{N}])?';
/** A dot-atom local part `@` a host name. No quoted local parts, no domain literals. */
const ADDR_SPEC = new RegExp(`^${WORD}(?:\\.${WORD})*@${LABEL}(?:\\.${LABEL})*$`, 'u');
/** C0 and C1 controls (CR, LF, tab, NUL, NEL, ...) and U+2028 / U+2029, which parsers may read as line breaks. */
const BREAKING = /[\p{Cc}\u2028\u2029]/u;
/** An unquoted display name: no RFC 5322 specials except `.` (as in `J. Doe`). */
const PLAIN_NAME = /^[^"(),:;<>@[\]\\]+$/u;
const QUOTED_NAME = /^"((?:[^"\\]|\\.)*)"$/su;

/**
 * Reads `value` as exactly one mailbox: `addr-spec` or `Display Name <addr-spec>`. Returns the
 * mailbox, or the problem (which never quotes the value).
 */
function parseMailbox(value: string): Mailbox | string {
  if (BREAKING.test(value)) return 'contains a control character or a line or paragraph separator';
  const entry = value.trim();
  if (entry === '') return 'is empty';
  let quoted = false;
  for (let i = 0; i < entry.length; i++) {
    const c = entry[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ',' || c === ';')) return 'holds more than one address (an unquoted "," or ";")';
    else if (!quoted && c === ':') return 'is a group or has an unquoted ":"';
  }
  if (quoted) return 'has an unterminated quoted name';
  const angled = /^([^<>]*?)\s*<([^<>]*)>$/u.exec(entry) ?? /^(".*")\s*<([^<>]*)>$/su.exec(entry);
  let name = '';
  let address = entry;
  if (angled) {
    const display = angled[1] ?? '';
    address = angled[2] ?? '';
    const inQuotes = QUOTED_NAME.exec(display);
    if (inQuotes) name = (inQuotes[1] ?? '').replace(/\\(.)/gsu, '$1');
    else if (display === '' || PLAIN_NAME.test(display)) name = display;
    else return 'has a display name with special characters: quote it ("Name" <name@example.com>)';
    name = name.replace(/\s+/gu, ' ').trim();
  }
  const at = address.lastIndexOf('@');
  if (!ADDR_SPEC.test(address) || address.length > 254 || at > 64) {
    return 'is not one address of the form name@example.com or Display Name <name@example.com>';
  }
  return { name, address };
}

/** `a***@example.com`: the first character of the local part and the domain. */
function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const first = [...address][0] ?? '';
  return at <= 0 ? `${first}***` : `${first}***@${address.slice(at + 1)}`;
}

/**
 * An entry that is not one address, for an error message: the word before every `@` masked
 * (`a***@`), control and separator characters shown as escapes (`\u000A`), at most 100 characters.
 */
function maskEntry(entry: string): string {
  const masked = entry
    .replace(/([^\s\p{Cc}<>"(),:;@]+)([\s\p{Cc}]*)@/gu, (_, local: string, gap: string) => `${[...local][0]}***${gap}@`)
    .replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return masked.length > 100 ? `${masked.slice(0, 100)}...` : masked;
}

const mailbox = z.string().superRefine((value, ctx) => {
  const problem = parseMailbox(value);
  if (typeof problem === 'string') ctx.addIssue({ code: 'custom', message: `The address ${problem}` });
});
const mailboxes = z.union([mailbox, z.array(mailbox).min(1)]);

const EmailChannelOptionsSchema = z
  .object({
    name: z.string().min(1).optional(),
    transport: z.custom<MailTransport>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { sendMail?: unknown }).sendMail === 'function',
      'Expected a transport with a sendMail(message) method',
    ),
    from: mailbox,
    to: mailboxes.optional(),
    recipients: functionOption<(...args: never[]) => unknown>('message => addresses').optional(),
    replyTo: mailbox.optional(),
    domain: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
        message: 'Expected a domain name such as mail.example.com',
      })
      .optional(),
    render: functionOption<(...args: never[]) => unknown>('message => parts').optional(),
    rateLimit: rateLimitOption.optional(),
  })
  .refine((o) => o.to === undefined || o.recipients === undefined, {
    message: 'Give at most one of `to` and `recipients`',
    path: ['to'],
  });

/** Default right-hand side of Message-IDs: a reserved TLD, so that ids never claim a real domain. */
const DEFAULT_DOMAIN = 'incidentkit.invalid';

/** An id as the left part of a Message-ID (RFC 5322 dot-atom-text); other characters are %-encoded. */
function idLeft(id: string): string {
  return id.replace(/[^A-Za-z0-9!#$&'*+\-/=?^_`{|}~.]/g, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * One line, no control characters (nor U+2028 / U+2029): header values are never multi-line.
 * Stricter than the wording's and the markdown `oneLine`s, which only fold line breaks: a tab,
 * NUL or escape character has no place in a header either.
 */
function oneLine(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}

const MAX_RESPONSE_IN_ERROR = 200;

/** nodemailer error codes that no retry can fix (when the server gave no response code). */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'EENVELOPE',
  'EMESSAGE',
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'EREQUIRETLS',
  'EMAXRECIPIENTS',
  'EFILEACCESS',
  'EURLACCESS',
]);

/**
 * A transport rejection as a ChannelError. Only the error's `code`, `responseCode` and the SMTP
 * server's `response` line are kept: never the transport error itself (as message or cause), since
 * a custom transport's error may carry its configuration.
 */
function transportError(channel: string, error: unknown): ChannelError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
    name?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  let response = typeof e.response === 'string' ? oneLine(e.response) : '';
  if (response.length > MAX_RESPONSE_IN_ERROR) response = `${response.slice(0, MAX_RESPONSE_IN_ERROR)}...`;
  const retryable =
    responseCode !== undefined && responseCode >= 400 && responseCode < 600
      ? responseCode < 500
      : !(code !== undefined && PERMANENT_CODES.has(code));
  const what = [code ?? (typeof e.name === 'string' ? e.name : 'error'), responseCode && `SMTP ${responseCode}`]
    .filter(Boolean)
    .join(', ');
  const detail = response && !(responseCode && response === String(responseCode)) ? `: ${response}` : '';
  return new ChannelError(channel, `sendMail failed (${what})${detail}`, { retryable });
}

/** Mailboxes of options already validated by the schema. */
function checked(value: EmailRecipients): Mailbox[] {
  return (typeof value === 'string' ? [value] : [...value]).map((entry) => parseMailbox(entry) as Mailbox);
}

/**
 * The mailboxes of what `recipients()` returned. Empty strings are left out; any other entry
 * that is not exactly one address fails the message permanently, masked in the error.
 */
function recipientList(channel: string, value: unknown): Mailbox[] {
  const entries: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
  const out: Mailbox[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry === 'string' && entry.trim() === '') continue;
    const at = entries.length === 1 ? '' : ` (entry ${i + 1} of ${entries.length})`;
    if (typeof entry !== 'string') {
      const type = entry === null ? 'null' : Array.isArray(entry) ? 'an array' : typeof entry;
      throw new ChannelError(channel, `recipients() returned ${type}${at}, expected an address`, { retryable: false });
    }
    const parsed = parseMailbox(entry);
    if (typeof parsed === 'string') {
      throw new ChannelError(channel, `recipients() returned an address that ${parsed}${at}: ${maskEntry(entry)}`, {
        retryable: false,
      });
    }
    out.push(parsed);
  }
  return out;
}

const MAX_MASKED_IN_ERROR = 5;

/**
 * The recipients a transport's result says were refused (nodemailer's `info.rejected`), read
 * defensively: the result is whatever the transport resolved with.
 */
function refusedRecipients(channel: string, info: unknown, sent: number): ChannelError | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const { rejected, accepted, rejectedErrors } = info as {
    rejected?: unknown;
    accepted?: unknown;
    rejectedErrors?: unknown;
  };
  if (!Array.isArray(rejected) || rejected.length === 0) return undefined;
  const addressOf = (r: unknown): string | undefined => {
    const a = typeof r === 'object' && r !== null ? (r as { address?: unknown }).address : r;
    return typeof a === 'string' ? a : undefined;
  };
  const total = Array.isArray(accepted) ? accepted.length + rejected.length : Math.max(sent, rejected.length);
  const masked = rejected.slice(0, MAX_MASKED_IN_ERROR).map((r) => maskAddress(oneLine(addressOf(r) ?? '?')));
  if (rejected.length > MAX_MASKED_IN_ERROR) masked.push(`${rejected.length - MAX_MASKED_IN_ERROR} more`);
  const codes = Array.isArray(rejectedErrors)
    ? [
        ...new Set(
          rejectedErrors
            .map((e) =>
              typeof e === 'object' && e !== null ? (e as { responseCode?: unknown }).responseCode : undefined,
            )
            .filter((c): c is number => typeof c === 'number' && Number.isInteger(c)),
        ),
      ]
    : [];
  const smtp = codes.length > 0 ? `; ${codes.map((c) => `SMTP ${c}`).join(', ')}` : '';
  return new ChannelError(
    channel,
    `sendMail: ${rejected.length} of ${total} recipients refused (${masked.join(', ')}${smtp}); not retried, since the others received it`,
    { retryable: false },
  );
}

/**
 * A channel that sends each message as an email with a text and an HTML part through any
 * transport with nodemailer's `sendMail(message)` shape.
 *
 * - `Message-ID` is `<outbox-id@domain>`, so a retry resends the same id and receivers (and your
 *   mail archive) can drop duplicates.
 * - Threading: `In-Reply-To` and `References` point at `<incident-<incident id>@domain>`, one
 *   stable root per incident, so every message of an incident lands in one thread in clients that
 *   thread by references (Gmail also needs matching subjects).
 * - `Auto-Submitted: auto-generated` and `X-Auto-Response-Suppress` keep vacation replies away;
 *   `X-Incidentkit-Event`, `-Audience` and `-Incident` help mail filters.
 * - Addresses: `from`, `to`, `replyTo` and every entry `recipients()` returns must each be exactly
 *   one address (see {@link EmailRecipients}), and reach the transport as `{ name, address }`
 *   objects, so that no input can add a recipient, a group or a header.
 * - Failures: SMTP 5xx and nodemailer's envelope, message, auth and config errors are permanent
 *   (`retryable: false`); 4xx, connection errors, timeouts and anything else are retried. The
 *   error keeps the server's response line, never the transport's settings.
 * - An entry from `recipients()` that is not one address fails the message permanently before
 *   anything is sent; the error names the problem and shows the entry with its local parts
 *   masked (`a***@example.com`).
 * - Partly refused: when the transport's result lists refused recipients (nodemailer's
 *   `info.rejected`, e.g. an SMTP 550 to one `RCPT TO`), the message fails permanently with the
 *   counts and the masked addresses (`1 of 2 recipients refused (b***@example.com; SMTP 550)`).
 *   The other recipients did receive it: it is not retried, so that they get no duplicate. (When
 *   every recipient is refused, nodemailer rejects with `EENVELOPE`, also permanent.)
 *
 * Throws `ValidationError` for bad options (no transport, both or neither of `to` and
 * `recipients`, a `from`, `to` or `replyTo` that is not exactly one address, a bad `domain`); the
 * error names the problem, never the value.
 *
 * @example
 * ```ts
 * import nodemailer from 'nodemailer';
 * import { createIncidentKit } from 'incidentkit';
 * import { emailChannel } from 'incidentkit/channels';
 *
 * const transport = nodemailer.createTransport({
 *   host: 'smtp.example.com',
 *   port: 587,
 *   auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS },
 * });
 * const kit = createIncidentKit({
 *   channels: [
 *     emailChannel({
 *       transport,
 *       from: '"Incidents" <incidents@example.com>',
 *       recipients: (message) => (message.audience === 'customers' ? [] : ['oncall@example.com']),
 *       domain: 'incidents.example.com',
 *     }),
 *   ],
 * });
 * ```
 */
export function emailChannel(options: EmailChannelOptions): Channel {
  parseInput(EmailChannelOptionsSchema, options, 'emailChannel options');
  const name = options.name ?? 'email';
  const domain = options.domain ?? DEFAULT_DOMAIN;
  const { transport, render, recipients } = options;
  const from = checked(options.from)[0]!;
  const replyTo = options.replyTo === undefined ? undefined : checked(options.replyTo)[0]!;
  const fixedTo = options.to === undefined ? undefined : checked(options.to);

  return {
    name,
    ...withRateLimit(options.rateLimit),
    // Without recipients of its own, it reaches the contacts a route names.
    ...(fixedTo || recipients ? {} : { contacts: 'email' as const }),
    async send(message: RenderedMessage) {
      let returned: unknown;
      let content: EmailContent = {};
      if (!fixedTo && recipients) {
        try {
          returned = await recipients(message);
        } catch (error) {
          throw userCodeError(name, 'recipients()', error);
        }
      } else if (!fixedTo) {
        returned = contactAddresses(name, message, 'email');
      }
      const to = fixedTo ?? recipientList(name, returned);
      if (to.length === 0) return;
      try {
        if (render) content = (await render(message)) ?? {};
      } catch (error) {
        throw userCodeError(name, 'render()', error);
      }
      const subject = oneLine(content.subject ?? message.subject);
      const text = content.text ?? message.text;
      const html = content.html ?? renderEmailHtml(message, { subject, text });
      const incident = message.payload.incident;
      const root = `<incident-${idLeft(incident.id)}@${domain}>`;
      const mail: MailMessage = {
        from: { ...from },
        to: to.map((m) => ({ ...m })),
        ...(replyTo === undefined ? {} : { replyTo: { ...replyTo } }),
        subject,
        text,
        html,
        messageId: `<${idLeft(message.id)}@${domain}>`,
        inReplyTo: root,
        references: root,
        headers: {
          'Auto-Submitted': 'auto-generated',
          'X-Auto-Response-Suppress': 'OOF, AutoReply',
          'X-Incidentkit-Event': oneLine(message.event),
          'X-Incidentkit-Audience': message.audience,
          'X-Incidentkit-Incident': oneLine(incident.number),
        },
      };
      let info: unknown;
      try {
        info = await transport.sendMail(mail);
      } catch (error) {
        throw transportError(name, error);
      }
      const refused = refusedRecipients(name, info, to.length);
      if (refused) throw refused;
    },
  };
}
