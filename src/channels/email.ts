import { z } from 'zod';
import { ChannelError, parseInput } from '../domain/errors.js';
import type { Channel, RenderedMessage } from '../ports/channel.js';
import { renderEmailHtml } from './html.js';

/**
 * The message {@link emailChannel} hands to its transport: a subset of nodemailer's
 * `sendMail()` options, so that a nodemailer transporter fits as it is. `messageId`,
 * `inReplyTo` and `references` are full ids in angle brackets.
 *
 * @example
 * ```ts
 * import type { MailMessage } from 'incidentkit/channels';
 *
 * // What a transport receives for the first message of incident 01J...Z:
 * const message: MailMessage = {
 *   from: 'incidents@example.com',
 *   to: ['oncall@example.com'],
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
  from: string;
  to: string[];
  replyTo?: string;
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
 * @example
 * ```ts
 * import type { EmailRecipients } from 'incidentkit/channels';
 *
 * const oncall: EmailRecipients = ['oncall@example.com', '"Ops lead" <lead@example.com>'];
 * ```
 */
export type EmailRecipients = string | readonly string[];

/**
 * Options of {@link emailChannel}. Give exactly one of `to` and `recipients`.
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
  /** Sender, e.g. `incidents@example.com` or `"Incidents" <incidents@example.com>`. */
  from: string;
  /** Fixed recipients of every message. */
  to?: EmailRecipients;
  /**
   * Recipients per message, e.g. by `message.audience`. An empty list skips the message (it
   * counts as delivered). A throw is a permanent failure unless it is a `ChannelError`.
   */
  recipients?: (message: RenderedMessage) => EmailRecipients | Promise<EmailRecipients>;
  /** `Reply-To` of every message, e.g. the incident channel's mailbox. */
  replyTo?: string;
  /** Right-hand side of the `Message-ID`s. Default `incidentkit.invalid`; use a domain you own. */
  domain?: string;
  /**
   * Replaces parts of the default rendering. Without `html`, the HTML part is the default layout
   * of the (possibly replaced) subject and text. A throw is a permanent failure unless it is a
   * `ChannelError`.
   */
  render?: (message: RenderedMessage) => EmailContent | Promise<EmailContent>;
}

const NO_LINE_BREAKS = /^[^\r\n]*$/;
const address = z.string().trim().min(1).regex(NO_LINE_BREAKS, 'Must not contain line breaks');
const addresses = z.union([address, z.array(address).min(1)]);
const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `Expected ${what}`);

const EmailChannelOptionsSchema = z
  .object({
    name: z.string().min(1).optional(),
    transport: z.custom<MailTransport>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { sendMail?: unknown }).sendMail === 'function',
      'Expected a transport with a sendMail(message) method',
    ),
    from: address,
    to: addresses.optional(),
    recipients: fn('a function').optional(),
    replyTo: address.optional(),
    domain: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
        message: 'Expected a domain name such as mail.example.com',
      })
      .optional(),
    render: fn('a function').optional(),
  })
  .refine((o) => (o.to === undefined) !== (o.recipients === undefined), {
    message: 'Give exactly one of `to` and `recipients`',
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

/** One line, no control characters: header values are never multi-line. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
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

/** A throw from user code (render, recipients): permanent unless the user says otherwise. */
function userCodeError(channel: string, what: string, error: unknown): ChannelError {
  if (ChannelError.isInstance(error)) return error as ChannelError;
  const message = error instanceof Error ? error.message : String(error);
  return new ChannelError(channel, `${what} failed: ${message}`, { retryable: false, cause: error });
}

function list(recipients: EmailRecipients): string[] {
  return (typeof recipients === 'string' ? [recipients] : [...recipients]).map((r) => oneLine(r)).filter(Boolean);
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
 * - Failures: SMTP 5xx and nodemailer's envelope, message, auth and config errors are permanent
 *   (`retryable: false`); 4xx, connection errors, timeouts and anything else are retried. The
 *   error keeps the server's response line, never the transport's settings.
 *
 * Throws `ValidationError` for bad options (no transport, both or neither of `to` and
 * `recipients`, a line break in an address, a bad `domain`).
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
  const { transport, render, recipients, replyTo } = options;
  const from = oneLine(options.from);
  const fixedTo = options.to === undefined ? undefined : list(options.to);

  return {
    name,
    async send(message: RenderedMessage) {
      let to: string[];
      let content: EmailContent = {};
      try {
        to = fixedTo ?? list(await recipients!(message));
      } catch (error) {
        throw userCodeError(name, 'recipients()', error);
      }
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
        from,
        to,
        ...(replyTo === undefined ? {} : { replyTo: oneLine(replyTo) }),
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
      try {
        await transport.sendMail(mail);
      } catch (error) {
        throw transportError(name, error);
      }
    },
  };
}
