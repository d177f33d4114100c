import type { RenderedMessage } from '../ports/channel.js';

// Markdown (CommonMark) for channels of your own: Mattermost, Discord, GitHub or GitLab issues,
// a status page that takes markdown. Incident titles, updates and service names are user
// input: in markdown they must show as the text they are, never as links, images, HTML or
// formatting.

/**
 * Escapes text for CommonMark so that it renders as typed. A backslash goes before every
 * character that can start inline markup or HTML (`` \ ` * _ [ ] < > # & | ~ ``, so no link,
 * image, autolink, raw HTML, entity, code span or emphasis can start), and before the characters
 * that start a block at the beginning of a line (`-`, `+` and `=` for lists, thematic breaks and
 * heading underlines; the `.` or `)` of an ordered list marker such as `1.`). Spaces and tabs at
 * the start of a line are dropped (CommonMark drops them from a paragraph anyway; four of them
 * would start a code block), and U+0000 becomes U+FFFD, as CommonMark requires.
 *
 * Line breaks stay; a blank line still separates paragraphs. The tables (`|`) and strikethrough
 * (`~`) of GitHub-flavoured markdown are escaped too. Bare URLs are left alone: CommonMark does
 * not make links of them, and a renderer that does shows their own target.
 *
 * @example
 * ```ts
 * import { escapeMarkdown } from 'incidentkit/channels';
 *
 * escapeMarkdown('[docs](javascript:alert(1)) **now** <script>');
 * // '\\[docs\\](javascript:alert(1)) \\*\\*now\\*\\* \\<script\\>'
 * ```
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\0/g, '\uFFFD')
    .replace(/^[ \t]+/gm, '')
    .replace(/[\\`*_[\]<>#&|~]/g, '\\$&')
    .replace(/^([-+=])/gm, '\\$1')
    .replace(/^(\d+)([.)])/gm, '$1\\$2');
}

/**
 * Each line break (and the spaces and tabs around it) as one space. Only CommonMark's line
 * endings (`\r\n`, `\r`, `\n`) would end the heading, so nothing else is touched: the subject
 * renders as typed. (notify/wording-text.ts's `oneLine`, for the default wording, folds more.)
 */
function oneLine(text: string): string {
  return text.replace(/[ \t]*(?:\r\n|[\r\n])[ \t]*/g, ' ');
}

/**
 * A message as CommonMark: the subject as a level-1 heading, then the text as paragraphs (a
 * first line equal to the subject is left out; blank lines separate paragraphs, the lines of a
 * paragraph are kept apart by hard line breaks). Every string goes through
 * {@link escapeMarkdown}, so a title such as `[x](javascript:...)` or `<script>` renders as
 * typed. No channel sends it by default: use it in a channel of your own, or in a `render`.
 *
 * @example
 * ```ts
 * import type { Channel } from 'incidentkit';
 * import { renderMarkdown } from 'incidentkit/channels';
 *
 * const mattermost: Channel = {
 *   name: 'mattermost',
 *   async send(message) {
 *     await fetch(process.env.MATTERMOST_WEBHOOK_URL!, {
 *       method: 'POST',
 *       headers: { 'content-type': 'application/json' },
 *       body: JSON.stringify({ text: renderMarkdown(message) }),
 *     });
 *   },
 * };
 * ```
 */
export function renderMarkdown(message: Pick<RenderedMessage, 'subject' | 'text'>): string {
  const heading = `# ${escapeMarkdown(oneLine(message.subject).trim())}`.trimEnd();
  const lines = message.text.split(/\r\n|[\r\n]/);
  if (lines[0]?.trim() === message.subject.trim()) lines.shift();
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') blocks.push([]);
    else blocks.at(-1)?.push(escapeMarkdown(line.trim()));
  }
  const paragraphs = blocks.filter((block) => block.length > 0).map((block) => block.join('\\\n'));
  return [heading, ...paragraphs].join('\n\n');
}
