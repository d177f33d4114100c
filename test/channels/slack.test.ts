import { inspect } from 'node:util';
import { createIncidentKit, type NotificationEvent, type RenderedMessage, ValidationError } from 'incidentkit';
import { escapeSlackText, fitSlackLimits, type SlackPayload, slackChannel } from 'incidentkit/channels';
import { FakeClock } from 'incidentkit/testing';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';
import { type Sink, startSink } from './sink.js';

const SECRET_PATH = '/services/T000/B000/SECRET';

/** Attack strings a reporter can type into a title or a description. */
const ATTACKS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<!channel>',
  '<!here>',
  '<@U123>',
  '<http://evil.example|click me>',
  '*bold* _it_ ~strike~ `code`',
  '[link](javascript:alert(1))',
  'a & b',
];
const EVIL_TITLE = ATTACKS.slice(0, 4).join(' ').concat(' *bold* [link](javascript:alert(1))');
const EVIL_DESCRIPTION = ATTACKS.join('\n');

let sink: Sink;
beforeEach(async () => {
  sink = await startSink({ status: 200, body: 'ok' });
});
afterEach(async () => {
  await sink.close();
});

function setup(options: { render?: (m: RenderedMessage) => SlackPayload } = {}) {
  const clock = new FakeClock();
  const slack = slackChannel({ webhookUrl: `${sink.url}${SECRET_PATH}`, ...options });
  const kit = createIncidentKit({ channels: [slack], clock });
  const events: { type: string; event: NotificationEvent }[] = [];
  for (const type of ['notification.delivered', 'notification.failed', 'notification.dead'] as const) {
    kit.on(type, (event) => events.push({ type, event }));
  }
  return { kit, clock, events };
}

function payloads(): SlackPayload[] {
  return sink.requests.map((r) => JSON.parse(r.body) as SlackPayload);
}

interface TextObject {
  type: string;
  text: string;
}

/** Every text object of a payload's blocks, with the block type it sits in. */
function textObjects(payload: SlackPayload): { block: string; text: TextObject }[] {
  const out: { block: string; text: TextObject }[] = [];
  for (const block of payload.blocks ?? []) {
    const candidates = [block.text, ...((block.fields as unknown[]) ?? []), ...((block.elements as unknown[]) ?? [])];
    for (const c of candidates) if (c) out.push({ block: block.type, text: c as TextObject });
  }
  return out;
}

/** What Slack displays for escaped text: it decodes exactly `&amp;`, `&lt;` and `&gt;`. */
function shown(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('slackChannel through a kit', () => {
  test('a report reaches the incoming webhook as a Block Kit message with fallback text', async () => {
    const { kit } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    const result = await kit.runDue();

    expect(result.delivered).toBe(2); // reported + triaged, to the responders
    expect(sink.requests).toHaveLength(2);
    for (const request of sink.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(SECRET_PATH);
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const [reported, triaged] = payloads();
    expect(reported!.text).toContain(`${incident.number} [P1] Checkout is down`);
    expect(reported!.blocks!.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    const [header, section, context] = reported!.blocks!;
    expect(header).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: expect.stringMatching(/^INC-\d+ \[P1\] Checkout is down \(open\): reported/),
        emoji: true,
      },
    });
    // The body does not repeat the header line.
    expect((section!.text as TextObject).text).toMatch(/^Service: shop \(production\)\nOwner: /);
    expect((section!.text as TextObject).type).toBe('plain_text');
    expect(context).toEqual({
      type: 'context',
      elements: [
        { type: 'plain_text', text: `${incident.number} · incident.reported · audience: responders`, emoji: true },
      ],
    });
    expect(reported).toMatchObject({ unfurl_links: false, unfurl_media: false });
    expect(triaged!.text).toContain('prioritized P1');
    const outbox = await kit.store.outbox(incident.id);
    expect(outbox.map((m) => m.status)).toEqual(['delivered', 'delivered']);
  });

  test('postUpdate to an audience carries the update text and the audience', async () => {
    const { kit } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    await kit.runDue();
    sink.requests.length = 0;
    await kit.postUpdate(incident.id, { audience: 'stakeholders', message: 'Payments recovered; monitoring.' });
    await kit.runDue();

    const [update] = payloads();
    // Stakeholders get the business wording: the update in the subject and in the body.
    expect(update!.text).toBe(`${incident.number} [P1] Checkout is down: Payments recovered; monitoring.`);
    expect(update!.blocks![1]).toMatchObject({
      type: 'section',
      text: { text: expect.stringContaining('Update: Payments recovered; monitoring.\nStatus: Open') },
    });
    expect(update!.blocks!.at(-1)).toMatchObject({
      elements: [{ text: `${incident.number} · incident.update_posted · audience: stakeholders` }],
    });
  });
});

describe('escaping (XSS acceptance)', () => {
  test('a hostile title and description come out escaped and inert', async () => {
    const { kit } = setup();
    const incident = await kit.report({ ...TRIAGED_REPORT, title: EVIL_TITLE, description: EVIL_DESCRIPTION });
    await kit.postUpdate(incident.id, { audience: 'responders', message: EVIL_DESCRIPTION });
    await kit.runDue();

    expect(sink.requests).toHaveLength(3);
    for (const { body } of sink.requests) {
      for (const bad of ['<script', '<img', '<!channel>', '<!here>', '<@U123>', '<http']) {
        expect(body).not.toContain(bad);
      }
    }
    for (const payload of payloads()) {
      const texts = [payload.text, ...textObjects(payload).map((t) => t.text.text)];
      for (const text of texts) {
        // No control character of Slack's special parsing survives, and every `&` starts an entity.
        expect(text).not.toMatch(/[<>]/);
        expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
      // User text sits in plain_text objects: no mrkdwn emphasis, links or mentions.
      expect(textObjects(payload).every((t) => t.text.type === 'plain_text')).toBe(true);
      // What Slack shows is the title as typed.
      expect(shown(payload.text)).toContain(EVIL_TITLE);
    }
    const update = payloads()[2]!;
    const section = update.blocks!.find((b) => b.type === 'section')!.text as TextObject;
    expect(shown(section.text)).toContain(EVIL_DESCRIPTION);
  });

  test('escapeSlackText escapes exactly &, < and >', () => {
    expect(escapeSlackText('<!channel> & <@U1> <http://x|y> *b* "q" \'s\'')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt; *b* "q" \'s\'',
    );
    expect(escapeSlackText('&lt;')).toBe('&amp;lt;');
  });
});

describe("Slack's limits", () => {
  test('header at most 150 characters, section at most 3,000, cut with an ellipsis; the full subject stays in the body', async () => {
    const { kit } = setup();
    const title = `${'Long title '.repeat(27)}END`; // 300 characters, the maximum
    const incident = await kit.report({ ...TRIAGED_REPORT, title });
    await kit.postUpdate(incident.id, { audience: 'responders', message: `${'x'.repeat(9_990)} THE END` });
    await kit.runDue();

    for (const payload of payloads()) {
      const header = payload.blocks![0]!.text as TextObject;
      expect(header.text.length).toBeLessThanOrEqual(150);
      expect(header.text.endsWith('…')).toBe(true);
      const section = payload.blocks![1]!.text as TextObject;
      expect(section.text.length).toBeLessThanOrEqual(3000);
      expect(payload.text.length).toBeLessThanOrEqual(3000);
    }
    const [reported, , update] = payloads();
    // The cut header leaves the whole subject line to the section.
    expect((reported!.blocks![1]!.text as TextObject).text).toContain(`${title} (open): reported`);
    const updateSection = (update!.blocks![1]!.text as TextObject).text;
    expect(updateSection).toHaveLength(3000);
    expect(updateSection.endsWith('x…')).toBe(true);
  });

  test('a cut never splits an entity', async () => {
    const { kit } = setup();
    await kit.report({ ...TRIAGED_REPORT, title: '&'.repeat(300) });
    await kit.runDue();

    const header = (payloads()[0]!.blocks![0]!.text as TextObject).text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header).toMatch(/^INC-\d+ \[P1\] (&amp;)+…$/);
  });

  test('fitSlackLimits applies the limits to any payload: 50 blocks, 10 fields of 2,000', () => {
    const long = 'y'.repeat(5000);
    const fitted = fitSlackLimits({
      text: long,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: long } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: long },
          fields: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: long })),
        },
        ...Array.from({ length: 60 }, () => ({ type: 'divider' })),
      ],
    });
    expect(fitted.text).toHaveLength(3000);
    expect(fitted.blocks).toHaveLength(50);
    const [header, section] = fitted.blocks!;
    expect((header!.text as TextObject).text).toBe(`${'y'.repeat(149)}…`);
    expect((section!.text as TextObject).text).toHaveLength(3000);
    const fields = section!.fields as TextObject[];
    expect(fields).toHaveLength(10);
    expect(fields.every((f) => f.text.length === 2000 && f.text.endsWith('…'))).toBe(true);
  });
});

describe('render option', () => {
  test('a custom render replaces the payload, within the limits', async () => {
    const { kit } = setup({
      render: (message) => ({
        text: `custom: ${escapeSlackText(message.subject)}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlackText(message.payload.incident.title)}*` } },
          ...Array.from({ length: 55 }, () => ({ type: 'divider' })),
        ],
      }),
    });
    await kit.report(TRIAGED_REPORT);
    await kit.runDue();

    const [first] = payloads();
    expect(first!.text).toMatch(/^custom: INC-\d+/);
    expect(first!.blocks![0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Checkout is down*' } });
    expect(first!.blocks).toHaveLength(50);
  });

  test('a render that throws, or returns no payload, fails the message for good', async () => {
    const { kit, events } = setup({
      render: (message) => {
        if (message.event === 'incident.reported') throw new Error('template bug');
        return { blocks: [] } as unknown as SlackPayload;
      },
    });
    const incident = await kit.report(TRIAGED_REPORT);
    const result = await kit.runDue();

    expect(result.dead).toBe(2);
    expect(sink.requests).toHaveLength(0);
    const errors = events.filter((e) => e.type === 'notification.dead').map((e) => String(e.event.error));
    expect(errors).toEqual([
      'ChannelError: Channel "slack": render() failed: template bug',
      expect.stringMatching(/^ChannelError: Channel "slack": render returned an invalid Slack payload \(text: /),
    ]);
    expect((await kit.store.outbox(incident.id)).map((m) => m.status)).toEqual(['dead', 'dead']);
  });
});

describe('failures', () => {
  test('429 with Retry-After: the retry is scheduled at least that far, then delivered', async () => {
    sink.reply({ status: 429, headers: { 'retry-after': '120' }, body: 'rate_limited' }, { status: 200, body: 'ok' });
    const { kit, clock, events } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    const start = clock.now();
    const first = await kit.runDue();

    expect(first.failed).toBeGreaterThanOrEqual(1);
    const [retrying] = (await kit.store.outbox(incident.id)).filter((m) => m.status === 'pending');
    expect(retrying!.availableAt).toBeGreaterThanOrEqual(start + 120_000);
    expect(retrying!.attempts).toBe(1);
    expect(retrying!.lastError).toContain('HTTP 429: rate_limited');
    const failed = events.find((e) => e.type === 'notification.failed')!;
    expect(failed.event.retryAt).toBeGreaterThanOrEqual(start + 120_000);

    clock.advance(119_000);
    const early = sink.requests.length;
    await kit.runDue();
    expect(sink.requests.length).toBe(early); // not before Retry-After

    clock.advance(1_000);
    await kit.runDue();
    expect((await kit.store.outbox(incident.id)).every((m) => m.status === 'delivered')).toBe(true);
  });

  test.each([
    { status: 400, body: 'invalid_payload' },
    { status: 403, body: 'invalid_token' },
    { status: 404, body: 'no_service' },
  ])('$status $body is permanent: dead after one attempt', async ({ status, body }) => {
    sink.reply({ status, body });
    const { kit, events } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    const result = await kit.runDue();

    expect(result.dead).toBe(2);
    expect(sink.requests).toHaveLength(2);
    const dead = events.filter((e) => e.type === 'notification.dead');
    expect(dead).toHaveLength(2);
    expect(dead[0]!.event.error).toMatchObject({ code: 'CHANNEL', channel: 'slack', retryable: false, status });
    expect(String(dead[0]!.event.error)).toContain(`HTTP ${status}: ${body}`);
    expect((await kit.store.outbox(incident.id)).map((m) => m.attempts)).toEqual([1, 1]);
  });

  test('410 channel_is_archived disables the channel: later messages go dead without a request', async () => {
    sink.reply({ status: 410, body: 'channel_is_archived' });
    const { kit, events } = setup();
    const disabled: unknown[] = [];
    kit.on('channel.disabled', (event) => disabled.push(event));
    await kit.report(TRIAGED_REPORT);
    const result = await kit.runDue();

    expect(result.dead).toBe(2);
    expect(sink.requests).toHaveLength(1);
    const [first] = events.filter((e) => e.type === 'notification.dead');
    expect(first!.event.error).toMatchObject({ channel: 'slack', retryable: false, status: 410 });
    expect(String(first!.event.error)).toContain('HTTP 410: channel_is_archived');
    expect(disabled).toHaveLength(1);
    expect(inspect(disabled, { depth: 20 })).not.toContain('SECRET');
  });

  test('the secret webhook path appears in no error, event or outbox record', async () => {
    const { kit, clock, events } = setup();
    const incident = await kit.report(TRIAGED_REPORT);
    // A 500 that echoes the request line, a 429, then a 404 echoing the URL, then the peer is down.
    sink.reply(
      { status: 500, body: `Cannot POST ${SECRET_PATH}` },
      { status: 429, headers: { 'retry-after': '1' }, body: `slow down ${sink.url}${SECRET_PATH}` },
      { status: 404, body: `no_service for ${SECRET_PATH}` },
    );
    // Messages of one incident go out in order: the first takes the 500, the 429, the 404.
    for (let round = 0; round < 4; round++) {
      await kit.runDue();
      clock.advance('PT3H');
    }
    await sink.close();
    await kit.report({ ...TRIAGED_REPORT, title: 'Second' });
    await kit.runDue();
    sink = await startSink(); // afterEach closes it

    const failures = events.filter((e) => e.type !== 'notification.delivered');
    expect(failures.length).toBeGreaterThanOrEqual(4);
    const text = [
      ...failures.map((e) => inspect(e.event, { depth: 20 })),
      ...failures.map((e) => JSON.stringify(e.event)),
      ...failures.map((e) => String(e.event.error)),
      JSON.stringify(await kit.store.outbox(incident.id)),
    ].join('\n');
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('B000');
    expect(text).toContain('HTTP 500');
    expect(text).toContain('HTTP 404');
    expect(text).toContain('request failed');
  });
});

describe('options', () => {
  test.each([
    { label: 'not a URL', options: { webhookUrl: 'hooks SECRET' } },
    { label: 'not http(s)', options: { webhookUrl: 'ftp://hooks.example/services/SECRET' } },
    { label: 'bad timeout', options: { webhookUrl: 'https://hooks.example/SECRET', timeoutMs: -1 } },
    { label: 'unknown key', options: { webhookUrl: 'https://hooks.example/SECRET', webhookURL: 'x' } },
    { label: 'render not a function', options: { webhookUrl: 'https://hooks.example/SECRET', render: 'SECRET' } },
  ])('$label: ValidationError that does not echo the URL', ({ options }) => {
    let error: unknown;
    try {
      slackChannel(options as never);
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    const v = error as ValidationError;
    expect(v.message).toMatch(/^Invalid slackChannel options: /);
    expect(`${v.message} ${JSON.stringify(v.issues)} ${inspect(v, { depth: 20 })}`).not.toContain('SECRET');
  });

  test('name defaults to slack and can be set', () => {
    expect(slackChannel({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' }).name).toBe('slack');
    expect(slackChannel({ name: 'ops', webhookUrl: 'https://hooks.slack.com/services/T/B/X' }).name).toBe('ops');
  });
});
