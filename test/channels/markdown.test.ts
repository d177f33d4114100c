import fc from 'fast-check';
import { NOTIFYING_ENTRY_TYPES, type RenderedMessage } from 'incidentkit';
import { escapeMarkdown, renderMarkdown } from 'incidentkit/channels';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
// A CommonMark parser (a dev dependency): markdown-it in its strict `commonmark` preset (raw HTML on, no linkify).
import markdownit from 'markdown-it';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';

const commonmark = markdownit('commonmark');

/** Tags a rendering of escaped text may contain: paragraphs and line breaks, nothing else. */
const PLAIN_TAGS = /<\/?p>|<br \/>/g;

/** The text a browser shows for HTML made of paragraphs, breaks and escaped text. */
function shown(html: string): string {
  return html
    .replace(PLAIN_TAGS, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Whitespace as CommonMark leaves it to the eye: runs of it are one space, none at the ends. */
function squeezed(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Every ASCII punctuation character, and what markdown makes of lines: the stuff of attacks. */
const METACHARACTERS = Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...METACHARACTERS, ' ', '    ', '\t', '\n', '\n\n', '\r\n', '\r', '\0') },
  { weight: 2, arbitrary: fc.constantFrom('1.', '2)', '---', '===', '***', '```', '~~~', '> ', '# ', '- ', '+ ') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '[x](javascript:alert(1))',
      '![i](http://e/x.png)',
      '<script>alert(1)</script>',
      '<http://evil.example>',
      '<a@b.c>',
      '&amp;',
      '&#x3C;',
      '[r]: http://e',
      '| a | b |',
      '\\',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);
const hostile = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));

describe('escapeMarkdown', () => {
  test('examples: links, HTML, emphasis, code, headings, lists and quotes show as typed', () => {
    expect(escapeMarkdown('[docs](javascript:alert(1)) **now** <script>')).toBe(
      '\\[docs\\](javascript:alert(1)) \\*\\*now\\*\\* \\<script\\>',
    );
    expect(escapeMarkdown('# Title\n- item\n1. first\n> quote\n    code')).toBe(
      '\\# Title\n\\- item\n1\\. first\n\\> quote\ncode',
    );
    expect(escapeMarkdown('`x` & ~y~ | z \\')).toBe('\\`x\\` \\& \\~y\\~ \\| z \\\\');
    expect(escapeMarkdown('plain text, 3.5 (ok): fine!')).toBe('plain text, 3.5 (ok): fine!');
    expect(escapeMarkdown('a\0b')).toBe('a\uFFFDb');
  });

  test('property: rendered by a CommonMark parser, escaped text is paragraphs of exactly the text given', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const html = commonmark.render(escapeMarkdown(text));
        // No element but paragraphs and line breaks: no link, image, HTML, code, emphasis, heading, list, quote.
        expect(html.replace(PLAIN_TAGS, '')).not.toContain('<');
        expect(squeezed(shown(html))).toBe(squeezed(text.replace(/\0/g, '\uFFFD')));
      }),
      { numRuns: 2_000 },
    );
  });

  test('property: without a parser, no metacharacter is left unescaped', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const escaped = escapeMarkdown(text);
        // Outside backslash pairs, nothing that starts markup is left.
        for (let i = 0; i < escaped.length; i++) {
          if (escaped[i] === '\\') i++;
          else expect('`*_[]<>&|~#').not.toContain(escaped[i]);
        }
        // No line opens a block: no indentation, no list marker, heading underline or ordered list.
        expect(escaped).not.toMatch(/^[ \t]/m);
        expect(escaped).not.toMatch(/^[-+=]/m);
        expect(escaped).not.toMatch(/^\d+[.)]/m);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('renderMarkdown', () => {
  const message = (subject: string, text: string) => ({ subject, text }) as Pick<RenderedMessage, 'subject' | 'text'>;

  test('the subject as a heading, the text as paragraphs with hard line breaks; a first line equal to the subject is left out', () => {
    const markdown = renderMarkdown(
      message(
        'INC-7 [P1] Checkout is down: resolved',
        'INC-7 [P1] Checkout is down: resolved\nFixed.\nStatus: *ok*\n\nBye',
      ),
    );
    expect(markdown).toBe('# INC-7 \\[P1\\] Checkout is down: resolved\n\nFixed.\\\nStatus: \\*ok\\*\n\nBye');
    expect(commonmark.render(markdown)).toBe(
      '<h1>INC-7 [P1] Checkout is down: resolved</h1>\n<p>Fixed.<br />\nStatus: *ok*</p>\n<p>Bye</p>\n',
    );
  });

  test('property: a message renders as one heading with the subject and paragraphs with the text, nothing else', () => {
    fc.assert(
      fc.property(hostile, hostile, (subject, text) => {
        const html = commonmark.render(renderMarkdown(message(subject, text)));
        const heading = /^<h1>(.*?)<\/h1>\n/s.exec(html);
        expect(heading).not.toBeNull();
        const [, title = ''] = heading ?? [];
        expect(squeezed(shown(title))).toBe(squeezed(subject.replace(/\0/g, '\uFFFD')));
        const body = html.slice(heading?.[0].length ?? 0);
        expect(body.replace(PLAIN_TAGS, '')).not.toContain('<');
        const lines = text.split(/\r\n|[\r\n]/);
        if (lines[0]?.trim() === subject.trim()) lines.shift();
        expect(squeezed(shown(body))).toBe(squeezed(lines.join('\n').replace(/\0/g, '\uFFFD')));
      }),
      { numRuns: 1_000 },
    );
  });

  test('XSS payloads in a title and an update stay inert, through the kit, for every audience', async () => {
    const title =
      '<script>alert(1)</script> [x](javascript:alert(1)) ![i](javascript:alert(2)) **b** `c` <img src=x onerror=alert(3)>';
    const update =
      '# Hi\n<a href="javascript:alert(4)">click</a>\n- [link](javascript:alert(5))\n<http://evil.example>';
    const channel = new RecordingChannel('md');
    const { kit, advance } = createTestKit({
      channels: [channel],
      routes: (['responders', 'stakeholders', 'management', 'customers', 'reporter'] as const).map((audience) => ({
        audience,
        channels: ['md'],
        events: [...NOTIFYING_ENTRY_TYPES],
      })),
    });
    const { id } = await kit.report({ ...TRIAGED_REPORT, title });
    await kit.postUpdate(id, { audience: ['customers', 'stakeholders', 'responders'], message: update });
    await advance();
    expect(channel.messages.length).toBeGreaterThanOrEqual(13);
    for (const sent of channel.messages) {
      const html = commonmark.render(renderMarkdown(sent));
      expect(html.replace(/<\/?(h1|p)>|<br \/>/g, ''), `${sent.event} ${sent.audience}`).not.toContain('<');
      expect(html).not.toMatch(/<(script|img|a)[\s>]/);
      expect(shown(html)).toContain('<script>alert(1)</script> [x](javascript:alert(1))');
    }
  });
});
