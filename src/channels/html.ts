import type { RenderedMessage } from '../ports/channel.js';

// HTML for email: escaping, safe links and the default rendering of a message. Every string that
// reaches markup goes through escapeHtml(); attribute values are always double-quoted and escaped;
// the default rendering has no links, scripts, images or event handlers at all.

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `& < > " '` so that `value` is inert text both between tags and inside a
 * double- or single-quoted attribute value.
 *
 * @example
 * ```ts
 * import { escapeHtml } from 'incidentkit/channels';
 *
 * escapeHtml('<script>alert(1)</script>'); // '&lt;script&gt;alert(1)&lt;/script&gt;'
 * const cell = `<td title="${escapeHtml(incident.title)}">${escapeHtml(incident.title)}</td>`;
 * ```
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

const SAFE_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

/**
 * An `href` value that is safe to put between double quotes: the URL, normalized and escaped,
 * when it is absolute and its scheme is `http:`, `https:` or `mailto:`; otherwise `undefined`
 * (so `javascript:`, `data:`, `vbscript:`, relative and unparsable URLs never become links,
 * however they are spelled or padded).
 *
 * @example
 * ```ts
 * import { escapeHtml, safeHref } from 'incidentkit/channels';
 *
 * const href = safeHref(runbookUrl);
 * const link = href ? `<a href="${href}">Runbook</a>` : escapeHtml(runbookUrl);
 * safeHref('javascript:alert(1)'); // undefined
 * ```
 */
export function safeHref(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  return SAFE_SCHEMES.has(parsed.protocol) ? escapeHtml(parsed.href) : undefined;
}

/**
 * The parts {@link renderEmailHtml} uses instead of the message's own subject and text.
 *
 * @example
 * ```ts
 * import { renderEmailHtml } from 'incidentkit/channels';
 *
 * const html = renderEmailHtml(message, { subject: 'Checkout is down', text: 'We are on it.' });
 * ```
 */
export interface EmailHtmlParts {
  /** Heading; default `message.subject`. */
  subject?: string;
  /** Body; default `message.text`. */
  text?: string;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";
const STYLE = {
  body: `margin:0;padding:16px;background-color:#f6f8fa;color:#1f2328;font-family:${FONT};`,
  card: 'max-width:640px;margin:0 auto;padding:20px 24px;background-color:#ffffff;border:1px solid #d0d7de;border-radius:6px;',
  h1: 'margin:0 0 16px;font-size:18px;line-height:1.4;font-weight:600;',
  p: 'margin:0 0 12px;font-size:14px;line-height:1.5;',
  table: 'margin:8px 0 0;border-collapse:collapse;font-size:14px;line-height:1.5;',
  th: 'padding:4px 16px 4px 0;text-align:left;vertical-align:top;font-weight:600;color:#59636e;',
  td: 'padding:4px 0;text-align:left;vertical-align:top;',
} as const;

function paragraphs(text: string, subject: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // The default text starts with the subject, which is already the heading.
  if (lines[0]?.trim() === subject.trim()) lines.shift();
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') blocks.push([]);
    else blocks.at(-1)?.push(escapeHtml(line));
  }
  return blocks.filter((block) => block.length > 0).map((block) => `<p style="${STYLE.p}">${block.join('<br>')}</p>`);
}

function facts(message: RenderedMessage): string {
  const incident = message.payload.incident;
  const priority = `${incident.priority ?? 'untriaged'}${incident.major ? ' (major)' : ''}`;
  const status = incident.phase ? `${incident.status} / ${incident.phase}` : incident.status;
  const service = `${incident.service} (${incident.environment})`;
  const rows: [string, string][] = [
    ['Incident', incident.number],
    ['Priority', priority],
    ['Status', status],
    ['Service', service],
  ];
  const cells = rows
    .map(
      ([name, value]) =>
        `<tr><th style="${STYLE.th}">${name}</th><td style="${STYLE.td}">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  return `<table style="${STYLE.table}">${cells}</table>`;
}

/**
 * The default HTML part of an email: a small, self-contained document with inline styles (mail
 * clients drop `<style>` blocks and external CSS), the subject as heading, the text as
 * paragraphs (a first line equal to the subject is left out; blank lines separate paragraphs),
 * and a facts table of the incident's number, priority, status and service. Every string from
 * the message is escaped with {@link escapeHtml}; there are no links, images or scripts.
 *
 * @example
 * ```ts
 * import { emailChannel, renderEmailHtml } from 'incidentkit/channels';
 *
 * // Keep the default layout, change the words:
 * const email = emailChannel({
 *   transport,
 *   from: 'incidents@example.com',
 *   to: 'oncall@example.com',
 *   render: (message) => {
 *     const text = `${message.text}\n\nReply to this thread to reach the incident commander.`;
 *     return { text, html: renderEmailHtml(message, { text }) };
 *   },
 * });
 * ```
 */
export function renderEmailHtml(message: RenderedMessage, parts: EmailHtmlParts = {}): string {
  const subject = parts.subject ?? message.subject;
  const text = parts.text ?? message.text;
  const title = escapeHtml(subject);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title></head>`,
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.card}">`,
    `<h1 style="${STYLE.h1}">${title}</h1>`,
    ...paragraphs(text, subject),
    facts(message),
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
}
