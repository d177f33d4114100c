// Escaping for the chat channels. Incident titles, descriptions, notes and service names are
// user input: in Slack and Teams they must render as the text they are, never as markup,
// mentions or links.

/**
 * Escapes text for a Slack text object (`mrkdwn` or `plain_text`) or the top-level `text` of a
 * message: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, the only three characters Slack
 * decodes. That is what neutralizes injected mentions (`<!channel>`, `<!here>`, `<@U123>`) and
 * links (`<http://x|y>`): without their angle brackets Slack shows them as typed.
 *
 * `mrkdwn` emphasis (`*bold*`, `_italic_`) has no escape in Slack; the default Slack rendering
 * therefore puts user text in `plain_text` objects, where nothing is formatted.
 *
 * @example
 * ```ts
 * import { escapeSlackText } from 'incidentkit/channels';
 *
 * escapeSlackText('<!channel> db & cache <http://x|y>');
 * // '&lt;!channel&gt; db &amp; cache &lt;http://x|y&gt;'
 * ```
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** U+200B ZERO WIDTH SPACE: invisible, and breaks markup that needs two characters to touch. */
const ZWSP = '\u200B';

/**
 * Escapes text for an Adaptive Card `TextBlock` or `FactSet` value, which Teams renders as a
 * markdown subset: `&`, `<` and `>` become entities (no raw HTML ever reaches the card), and the
 * characters of markdown syntax (`\`, `*`, `_`, `` ` ``, `~`, `[`, `]`, `(`, `)`, `#`, `|`, and
 * list markers and heading underlines at the start of a line) are escaped with a backslash, so
 * that `[x](javascript:...)`, `**bold**` or `- item` show as typed.
 *
 * Not every Teams client honours backslash escapes (microsoft/AdaptiveCards#5590, #5758), so
 * links do not depend on them: an invisible U+200B (zero-width space) is put between `]` and `(`,
 * so `[x](url)` is no link even where the backslashes are ignored, and after a `<` directly
 * followed by a character that can start an autolink (a letter or digit, or another character an
 * email address may start with), so `<http://...>` is no autolink even for a client that decoded
 * `&lt;` before reading markdown. Apart from these invisible characters, each line of the
 * result reads, in CommonMark, as the text given.
 *
 * @example
 * ```ts
 * import { escapeCardText } from 'incidentkit/channels';
 *
 * escapeCardText('[docs](javascript:alert(1)) *now*');
 * // '\\[docs\\]\u200B\\(javascript:alert\\(1\\)\\) \\*now\\*'
 * ```
 */
export function escapeCardText(text: string): string {
  // Links without backslashes: a markdown link needs `]` and `(` to touch, and an autolink needs
  // its scheme (or the local part of an email) right after `<`; U+200B in between breaks both.
  // The `<` is an entity already, which is enough for a client that reads markdown as CommonMark
  // does; the U+200B covers one that would decode entities first. Bare text such as
  // `javascript:alert(1)` is left as it is: no markdown makes it a link (CommonMark has no bare
  // autolinks, and GFM-style linkifiers take web and mail addresses, `www.`, `http(s)://`,
  // `mailto:` and `name@host`, never `javascript:`), and a bare `https://...` that a client does
  // linkify shows its own target, unlike `[text](url)`.
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/&lt;(?=[\p{L}\p{N}.!#$%'*+/=?^_`{|}~-])/gu, `&lt;${ZWSP}`)
    .replace(/\](?=\()/g, `]${ZWSP}`)
    .replace(/[\\`*_~[\]()#|]/g, '\\$&')
    .replace(/^([ \t]*)([-+=])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])(?=[ \t]|$)/gm, '$1\\$2');
}

/**
 * The ellipsis that marks truncated text.
 *
 * @example
 * ```ts
 * truncateEscaped('abcdef', 4) === `abc${ELLIPSIS}`;
 * ```
 */
export const ELLIPSIS = '…';

/**
 * Cuts already escaped `text` to at most `max` UTF-16 code units, ending with an ellipsis when
 * it was longer. Never splits a surrogate pair, an entity (`&amp;`) or a backslash escape.
 *
 * @example
 * ```ts
 * truncateEscaped('a &amp; b', 5); // 'a …' (not 'a &a…')
 * ```
 */
export function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = text.slice(0, Math.max(0, max - ELLIPSIS.length));
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  head = head.replace(/&[#a-zA-Z0-9]*$/, '');
  const slashes = /\\+$/.exec(head)?.[0].length ?? 0;
  if (slashes % 2 === 1) head = head.slice(0, -1);
  return `${head}${ELLIPSIS}`;
}

/**
 * Splits a message for a chat card: the title is the subject's first line, and the body is the
 * text without its first line when that line is the subject (the default rendering starts the
 * text with it). When the title does not `fit` (it will be cut) or the subject has more lines
 * (an update's message), the body keeps the whole text.
 *
 * @example
 * ```ts
 * titleAndBody('INC-7 [P1] Down (open): acknowledged', 'INC-7 [P1] Down (open): acknowledged\nService: shop', () => true);
 * // { title: 'INC-7 [P1] Down (open): acknowledged', body: 'Service: shop' }
 * ```
 */
export function titleAndBody(
  subject: string,
  text: string,
  fits: (title: string) => boolean,
): { title: string; body: string } {
  const title = subject.split(/\r?\n/, 1)[0] ?? '';
  if (title !== subject || !fits(title)) return { title, body: text };
  if (text === subject) return { title, body: '' };
  return { title, body: text.startsWith(`${subject}\n`) ? text.slice(subject.length + 1) : text };
}
