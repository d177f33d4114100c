import { inspect } from 'node:util';
import fc from 'fast-check';
import { createIncidentKit, type NotificationEvent, type RenderedMessage, ValidationError } from 'incidentkit';
import {
  type AdaptiveCard,
  escapeCardText,
  renderTeamsCard,
  type TeamsMessage,
  teamsChannel,
} from 'incidentkit/channels';
import { FakeClock } from 'incidentkit/testing';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';
import { type Sink, startSink } from './sink.js';

const SECRET_PATH = '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SECRETSIG';

const ATTACKS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<!channel>',
  '*bold* **strong** _it_ ~~strike~~ `code`',
  '[link](javascript:alert(1))',
  '![pixel](http://evil.example/p.png)',
  '- list item',
  '1. numbered',
  'a & b &lt;',
];
const EVIL_TITLE =
  '<script>alert(1)</script> "><img src=x onerror=alert(1)> <!channel> *bold* [link](javascript:alert(1))';
const EVIL_DESCRIPTION = ATTACKS.join('\n');

let sink: Sink;
beforeEach(async () => {
  // Workflows answer 202 Accepted with an empty body.
  sink = await startSink({ status: 202 });
});
afterEach(async () => {
  await sink.close();
});

type Render = (m: RenderedMessage) => AdaptiveCard | TeamsMessage;

function setup(options: { render?: Render } = {}) {
  const clock = new FakeClock();
  const teams = teamsChannel({ webhookUrl: `${sink.url}${SECRET_PATH}`, ...options });
  const kit = createIncidentKit({ channels: [teams], clock });
  const events: { type: string; event: NotificationEvent }[] = [];
  for (const type of ['notification.delivered', 'notification.failed', 'notification.dead'] as const) {
    kit.on(type, (event) => events.push({ type, event }));
  }
  return { kit, clock, events };
}

function messages(): TeamsMessage[] {
  return sink.requests.map((r) => JSON.parse(r.body) as TeamsMessage);
}

function card(message: TeamsMessage): AdaptiveCard {
  return message.attachments[0]!.content;
}

interface Fact {
  title: string;
  value: string;
}

/** Every markdown string of a card: TextBlock texts and fact values. */
function markdownOf(c: AdaptiveCard): string[] {
  return c.body.flatMap((e) =>
    e.type === 'TextBlock' ? [e.text as string] : e.type === 'FactSet' ? (e.facts as Fact[]).map((f) => f.value) : [],
  );
}

const SPECIAL = new Set(['\\', '`', '*', '_', '~', '[', ']', '(', ')', '#', '|', '<', '>']);

/**
 * Reads markdown the CommonMark way for the characters that matter: a backslash escapes the
 * next character, `&amp;` `&lt;` `&gt;` are entities. Returns the text shown and the special
 * characters left unescaped (which would be markup).
 */
function readMarkdown(markdown: string): { shown: string; unescaped: string[] } {
  let shown = '';
  const unescaped: string[] = [];
  for (let i = 0; i < markdown.length; i++) {
    const ch = markdown[i]!;
    if (ch === '\\' && i + 1 < markdown.length && SPECIAL.has(markdown[i + 1]!)) {
      shown += markdown[++i];
    } else if (ch === '\\' && i + 1 < markdown.length && /[-+=.]/.test(markdown[i + 1]!)) {
      shown += markdown[++i];
    } else if (ch === '&') {
      const entity = /^&(amp|lt|gt);/.exec(markdown.slice(i));
      if (!entity) unescaped.push('&');
      shown += { amp: '&', lt: '<', gt: '>' }[entity?.[1] as 'amp' | 'lt' | 'gt'] ?? '&';
      i += entity ? entity[0].length - 1 : 0;
    } else {
      if (SPECIAL.has(ch)) unescaped.push(ch);
      shown += ch;
    }
  }
  return { shown, unescaped };
}

describe('teamsChannel through a kit', () => {
  test('a report reaches the Workflows webhook as an Adaptive Card in the message envelope', async () => {
    const { kit } = setup();
    const incident = await kit.report({ ...TRIAGED_REPORT, tenant: 'acme' });
    const result = await kit.runDue();

    expect(result.delivered).toBe(2);
    expect(sink.requests).toHaveLength(2);
    for (const request of sink.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(SECRET_PATH);
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const [reported] = messages();
    expect(reported).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              {
                type: 'TextBlock',
                text: `${incident.number} \\[P1\\] Checkout is down \\(open\\): reported by Ana \\(employee\\): Checkout is down`,
                weight: 'Bolder',
                size: 'Medium',
                wrap: true,
              },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Priority', value: 'P1' },
                  { title: 'Status', value: 'open' },
                  { title: 'Service', value: 'shop \\(production\\), tenant acme' },
                  { title: 'Incident', value: incident.number },
                ],
              },
              {
                type: 'TextBlock',
                text: expect.stringMatching(/^Service: shop \\\(production\\\), tenant acme\n\nOwner: /),
                wrap: true,
              },
              {
                type: 'TextBlock',
                text: 'incident.reported · audience: responders',
                isSubtle: true,
                size: 'Small',
                wrap: true,
              },
            ],
          },
        },
      ],
    });
    expect((await kit.store.outbox(incident.id)).map((m) => m.status)).toEqual(['delivered', 'delivered']);
  });

  test('status and major show in the facts after the incident moves on', async () => {
    const { kit } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(incident.id);
    await kit.declareMajor(incident.id, { reason: 'Revenue impact' });
    await kit.runDue();

    const facts = messages().map((m) => (card(m).body[1]!.facts as Fact[]).map((f) => f.value));
    expect(facts.at(-1)).toEqual(['P1, major', 'active/investigating', 'shop \\(production\\)', incident.number]);
  });
});

/**
 * What a client that does not honour backslash escapes reads: entities decoded first, then every
 * backslash escape dropped, its character left active.
 */
function withoutEscapes(markdown: string): string {
  return markdown
    .replace(/&(amp|lt|gt);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>' })[e] ?? '')
    .replace(/\\([\s\S])/g, '$1');
}

/** The start of a markdown link (`](`) or of an autolink (`<` and a scheme or an email address). */
const LINK_START = /\]\(|<[\p{L}\p{N}.!#$%'*+/=?^_`{|}~-]/u;

/** Text as a reader sees it: without the zero-width spaces escapeCardText inserts. */
function visible(text: string): string {
  return text.replace(/\u200B/g, '');
}

describe('escaping (XSS acceptance)', () => {
  test('a hostile title and description render inert: no HTML, no markdown link or emphasis', async () => {
    const { kit } = setup();
    const incident = await kit.report({ ...TRIAGED_REPORT, title: EVIL_TITLE, description: EVIL_DESCRIPTION });
    await kit.postUpdate(incident.id, { audience: 'responders', message: EVIL_DESCRIPTION });
    await kit.runDue();

    expect(sink.requests).toHaveLength(3);
    for (const { body } of sink.requests) {
      for (const bad of ['<script', '<img', '<!channel>', '](javascript', '](http']) expect(body).not.toContain(bad);
    }
    for (const message of messages()) {
      const strings = markdownOf(card(message));
      for (const markdown of strings) {
        const { unescaped } = readMarkdown(markdown);
        // Every markdown-significant character is escaped: no link, emphasis, code or raw HTML.
        expect(unescaped, markdown).toEqual([]);
        // A client that ignores backslash escapes (or decodes entities first) finds no link either.
        expect(withoutEscapes(markdown)).not.toMatch(LINK_START);
      }
      // What the card shows is the title as typed, apart from invisible zero-width spaces.
      expect(visible(readMarkdown(strings[0]!).shown)).toContain(EVIL_TITLE);
    }
    const update = card(messages()[2]!);
    const paragraphs = visible(readMarkdown(update.body[2]!.text as string).shown).split('\n\n');
    // The update is shown as typed, one paragraph per line; list markers and numbering at the
    // start of a paragraph are escaped too.
    expect(paragraphs[0]).toMatch(/: update to responders: <script>alert\(1\)<\/script>$/);
    for (const attack of ATTACKS.slice(1)) expect(paragraphs).toContain(attack);
    expect(update.body[2]!.text).toContain('\n\n\\- list item\n\n1\\. numbered\n\n');
  });

  test('escapeCardText', () => {
    expect(escapeCardText('[x](javascript:alert(1)) **b** <b>&amp;</b>')).toBe(
      '\\[x\\]\u200B\\(javascript:alert\\(1\\)\\) \\*\\*b\\*\\* &lt;\u200Bb&gt;&amp;amp;&lt;\u200B/b&gt;',
    );
    expect(escapeCardText('- a\n  + b\n3. c\n===\nC++ -1 3.5')).toBe('\\- a\n  \\+ b\n3\\. c\n\\===\nC++ -1 3.5');
  });

  test('escapeCardText breaks links without relying on backslashes: U+200B between ] and (, after < of an autolink', () => {
    expect(escapeCardText('[a](http://evil.example) ![p](x.png) [b]\n(c)')).toBe(
      '\\[a\\]\u200B\\(http://evil.example\\) !\\[p\\]\u200B\\(x.png\\) \\[b\\]\n\\(c\\)',
    );
    expect(escapeCardText('<http://evil.example> <JavaScript:alert(1)> <ops@example.com> a < b <3 </x>')).toBe(
      '&lt;\u200Bhttp://evil.example&gt; &lt;\u200BJavaScript:alert\\(1\\)&gt; &lt;\u200Bops@example.com&gt; a &lt; b &lt;\u200B3 &lt;\u200B/x&gt;',
    );
    // Bare URLs are left alone: no markdown links them, or a linkifier shows their own target.
    expect(escapeCardText('see https://status.example.com or javascript:alert(1)')).toBe(
      'see https://status.example.com or javascript:alert\\(1\\)',
    );
    for (const attack of [...ATTACKS, EVIL_TITLE, '[[x]](y)', '[x]]((y)', ']('.repeat(5), '<<http://x>>', '<_a@b.c>']) {
      expect(withoutEscapes(escapeCardText(attack))).not.toMatch(LINK_START);
      expect(visible(readMarkdown(escapeCardText(attack)).shown)).toBe(attack);
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'[]()<>\\&lt;:@_a1 \n!'.split('')) }), (text) => {
        const escaped = escapeCardText(text);
        expect(withoutEscapes(escaped)).not.toMatch(LINK_START);
        expect(visible(readMarkdown(escaped).shown)).toBe(text);
      }),
    );
  });
});

describe('limits', () => {
  test('a very long update is cut with an ellipsis, never inside an escape', async () => {
    const { kit } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    await kit.postUpdate(incident.id, { audience: 'responders', message: '*'.repeat(10_000) });
    await kit.runDue();

    const [title, , body] = card(messages()[2]!).body;
    expect((title!.text as string).length).toBeLessThanOrEqual(500);
    expect(title!.text).toMatch(/^INC-\d+ \\\[P1\\\] Checkout is down \\\(open\\\): update to responders: (\\\*)+…$/);
    // The cut title leaves the whole update to the body, itself cut.
    const text = body!.text as string;
    expect(text.length).toBeLessThanOrEqual(8000);
    expect(text).toMatch(/^INC-\d+ .*: update to responders: (\\\*)+…$/);
    expect(sink.requests[2]!.body.length).toBeLessThan(28_000);
  });
});

describe('render option', () => {
  test('an Adaptive Card is wrapped in the message envelope', async () => {
    const { kit } = setup({
      render: (message) => ({
        ...renderTeamsCard(message),
        msteams: { width: 'Full' },
      }),
    });
    await kit.report(TRIAGED_REPORT);
    await kit.runDue();

    const [first] = messages();
    expect(first!.type).toBe('message');
    expect(first!.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { type: 'AdaptiveCard', msteams: { width: 'Full' } },
    });
  });

  test('a whole Teams message is sent as returned', async () => {
    const custom: TeamsMessage = {
      type: 'message',
      summary: 'custom',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'hi' }] },
        },
      ],
    };
    const { kit } = setup({ render: () => custom });
    await kit.report(TRIAGED_REPORT);
    await kit.runDue();

    expect(messages()[0]).toEqual(custom);
  });

  test('a render returning something else fails the message for good', async () => {
    const { kit, events } = setup({ render: () => ({ type: 'Card' }) as unknown as AdaptiveCard });
    await kit.report(TRIAGED_REPORT);
    const result = await kit.runDue();

    expect(result.dead).toBe(2);
    expect(sink.requests).toHaveLength(0);
    expect(String(events[0]!.event.error)).toMatch(
      /^ChannelError: Channel "teams": render returned neither an Adaptive Card nor a Teams message/,
    );
  });
});

describe('failures', () => {
  test('429 with Retry-After: the retry is scheduled at least that far', async () => {
    sink.reply({ status: 429, headers: { 'retry-after': '600' } }, { status: 202 });
    const { kit, clock, events } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    const start = clock.now();
    await kit.runDue();

    const [retrying] = (await kit.store.outbox(incident.id)).filter((m) => m.attempts === 1);
    expect(retrying!.status).toBe('pending');
    expect(retrying!.availableAt).toBeGreaterThanOrEqual(start + 600_000);
    expect(events.find((e) => e.type === 'notification.failed')!.event.retryAt).toBeGreaterThanOrEqual(start + 600_000);

    clock.advance('PT10M');
    await kit.runDue();
    expect((await kit.store.outbox(incident.id)).every((m) => m.status === 'delivered')).toBe(true);
  });

  test('the secret URL (path and signature) appears in no error, event or outbox record', async () => {
    const { kit, clock, events } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    sink.reply(
      { status: 502, body: `upstream failed for ${SECRET_PATH}` },
      { status: 400, body: `{"error":{"code":"InvalidRequestContent","message":"bad sig=SECRETSIG"}}` },
    );
    for (let round = 0; round < 3; round++) {
      await kit.runDue();
      clock.advance('PT3H');
    }
    await sink.close();
    await kit.report({ ...TRIAGED_REPORT, title: 'Second' });
    await kit.runDue();
    sink = await startSink(); // afterEach closes it

    const failures = events.filter((e) => e.type !== 'notification.delivered');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    const text = [
      ...failures.map((e) => inspect(e.event, { depth: 20 })),
      ...failures.map((e) => JSON.stringify(e.event)),
      JSON.stringify(await kit.store.outbox(incident.id)),
    ].join('\n');
    expect(text).not.toContain('SECRETSIG');
    expect(text).not.toContain('/workflows/abc');
    expect(text).toContain('HTTP 502');
    expect(text).toContain('HTTP 400');
    expect(text).toContain('request failed');
  });
});

describe('options', () => {
  test.each([
    { label: 'not a URL', options: { webhookUrl: 'SECRETSIG' } },
    { label: 'not http(s)', options: { webhookUrl: 'file:///SECRETSIG' } },
    { label: 'bad fetch', options: { webhookUrl: 'https://x.example/?sig=SECRETSIG', fetch: 'SECRETSIG' } },
  ])('$label: ValidationError that does not echo the URL', ({ options }) => {
    let error: unknown;
    try {
      teamsChannel(options as never);
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    const v = error as ValidationError;
    expect(v.message).toMatch(/^Invalid teamsChannel options: /);
    expect(`${v.message} ${JSON.stringify(v.issues)} ${inspect(v, { depth: 20 })}`).not.toContain('SECRETSIG');
  });

  test('name defaults to teams and can be set', () => {
    expect(teamsChannel({ webhookUrl: 'https://prod.example/workflows/x' }).name).toBe('teams');
    expect(teamsChannel({ name: 'war-room', webhookUrl: 'https://prod.example/workflows/x' }).name).toBe('war-room');
  });
});
