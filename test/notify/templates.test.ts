import {
  type Audience,
  ChannelError,
  describeEntry,
  describeIncident,
  type MessageTemplate,
  type MessageTemplates,
  NOTIFYING_ENTRY_TYPES,
  type NotificationEvent,
  type RenderedMessage,
  type RouteInput,
  type TimelineEntry,
  ValidationError,
} from 'incidentkit';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { rejection, TRIAGED_REPORT } from '../support.js';
import {
  AUDIENCES,
  CANARY,
  everyEventRoutes,
  everyNotifyingEntry,
  notifying,
  PUBLIC,
  SCENARIO_OPTIONS,
  TEAM,
} from './scenario.js';

/** A kit with one recording channel per audience, every audience subscribed to every event. */
function perAudience(templates?: MessageTemplates, routes: RouteInput[] = everyEventRoutes()) {
  const channels = AUDIENCES.map((audience) => new RecordingChannel(audience));
  const testKit = createTestKit({
    channels,
    routes,
    ...(templates === undefined ? {} : { templates }),
    clock: '2026-03-02T09:00:00Z',
  });
  const to = (audience: Audience) => channels.find((c) => c.name === audience)!;
  return { ...testKit, to };
}

/** The content of a message, the way every channel renders it. */
const content = (m: RenderedMessage) => `${m.subject}\n${m.text}\n${m.short}`;

describe('default wording: every notifying entry type x every audience', () => {
  const messages: RenderedMessage[] = [];
  let written = new Set<string>();
  let expected = 0;

  beforeAll(async () => {
    const channels = AUDIENCES.map((audience) => new RecordingChannel(audience));
    const { kit, advance } = createTestKit({ ...SCENARIO_OPTIONS, channels, routes: everyEventRoutes() });
    const entries = await everyNotifyingEntry(kit, advance);
    written = new Set(entries.map((entry) => entry.type));
    expected = notifying(entries);
    for (const channel of channels) messages.push(...channel.messages);
  });

  test('the scenario writes every notifying entry type, and each reaches every audience once', () => {
    expect(NOTIFYING_ENTRY_TYPES.filter((type) => !written.has(type))).toEqual([]);
    for (const audience of AUDIENCES) {
      expect(
        messages.filter((m) => m.audience === audience),
        audience,
      ).toHaveLength(expected);
    }
  });

  describe.each(NOTIFYING_ENTRY_TYPES)('%s', (type) => {
    const cell = (audience: Audience) =>
      messages.filter((m) => m.payload.entry.type === type && m.audience === audience);

    test.each(PUBLIC)('to %s: no private detail and no team anywhere in the message, payload included', (audience) => {
      const sent = cell(audience);
      expect(sent.length).toBeGreaterThan(0);
      for (const message of sent) {
        const whole = JSON.stringify(message);
        expect(whole).not.toContain(CANARY);
        expect(whole).not.toContain(TEAM);
        expect(message.payload.entry.actor).toEqual({ id: 'support' });
        expect(message.payload.incident.assignment).toBeUndefined();
        const fields = type === 'update_posted' ? ['audiences', 'message', 'phase'] : [];
        expect(Object.keys(message.payload.entry).sort()).toEqual(
          ['actor', 'at', 'incidentId', 'seq', 'type', ...fields].sort(),
        );
        expect(message.subject).not.toMatch(/\n/);
        expect(message.short).not.toMatch(/\n/);
        expect(message.text.startsWith(`${message.subject}\n`)).toBe(true);
        expect(message.text).toContain('Status: ');
      }
    });

    test.each(['stakeholders', 'management'] as const)(
      'to %s: a business summary, without notes, reasons, summaries or names',
      (audience) => {
        const sent = cell(audience);
        expect(sent.length).toBeGreaterThan(0);
        for (const message of sent) {
          expect(content(message)).not.toContain(CANARY);
          expect(message.text).toContain('Status: ');
          expect(message.text).toContain('Priority: ');
          expect(message.short).not.toMatch(/\n/);
        }
      },
    );

    test('to responders: the operational detail, as describeEntry says it', () => {
      const sent = cell('responders');
      expect(sent.length).toBeGreaterThan(0);
      for (const message of sent) {
        const entry = message.payload.entry as TimelineEntry;
        expect(message.subject).toBe(`${describeIncident(message.payload.incident)}: ${describeEntry(entry)}`);
        expect(message.text).toContain(`At: ${entry.at} by ${entry.actor.name ?? entry.actor.id}`);
      }
    });
  });

  test('the canary does reach responders, so the checks above would catch a leak', () => {
    const responders = messages.filter((m) => m.audience === 'responders').map(content);
    for (const needle of [
      `${CANARY} Actor`,
      `${CANARY}-assignee`,
      `${CANARY} ack note`,
      `${CANARY} why`,
      `${CANARY} hold detail`,
      `${CANARY} resolution summary`,
      `${CANARY}-rule-label`,
    ]) {
      expect(
        responders.some((text) => text.includes(needle)),
        needle,
      ).toBe(true);
    }
    const business = messages.filter((m) => m.audience === 'management').map(content);
    expect(business.some((text) => text.includes(`${TEAM}-one`))).toBe(true); // the owning team is named
  });
});

describe('default wording, word for word', () => {
  test('customers: plain language from public fields; the reporter gets the same', async () => {
    const { kit, advance, to } = perAudience();
    const { id } = await kit.report({ ...TRIAGED_REPORT, service: 'checkout' });
    await kit.acknowledge(id, { note: 'db is on fire' }, { actor: 'ana' });
    await kit.postUpdate(id, { audience: 'customers', message: 'Some payments fail.\nNext update at 10:00.' });
    await kit.resolve(id, { summary: 'Rolled back release 42' }, { actor: 'ana' });
    await advance();
    const customers = to('customers').messages;
    expect(customers.map((m) => [m.event, m.subject, m.short])).toEqual([
      ['incident.reported', 'INC-1 Checkout is down: investigating', 'INC-1 Checkout is down: investigating'],
      ['incident.triaged', 'INC-1 Checkout is down: investigating', 'INC-1 Checkout is down: investigating'],
      ['incident.acknowledged', 'INC-1 Checkout is down: investigating', 'INC-1 Checkout is down: investigating'],
      [
        'incident.update_posted',
        'INC-1 Checkout is down: Some payments fail. Next update at 10:00.',
        'INC-1 Checkout is down: Some payments fail. Next update at 10:00.',
      ],
      ['incident.resolved', 'INC-1 Checkout is down: resolved', 'INC-1 Checkout is down: resolved'],
    ]);
    expect(customers[0]?.text).toBe(
      [
        'INC-1 Checkout is down: investigating',
        'We are investigating a problem with checkout.',
        'Status: Investigating',
        'Service: checkout',
        'Updated: 2026-03-02 09:00 UTC',
      ].join('\n'),
    );
    expect(customers[3]?.text).toContain('\nSome payments fail.\nNext update at 10:00.\nStatus: Investigating\n');
    expect(customers[4]?.text.split('\n')[1]).toBe('The problem with checkout has been fixed.');
    expect(to('reporter').messages.map((m) => m.text)).toEqual(
      customers.filter((m) => m.event !== 'incident.update_posted').map((m) => m.text),
    );
  });

  test('stakeholders and management: status, priority, service, owning team and what changed', async () => {
    const { kit, advance, to } = perAudience();
    const { id } = await kit.report({ ...TRIAGED_REPORT, service: 'checkout', tenant: 'acme' });
    await kit.assign(id, { team: 'payments', assignee: 'bob' });
    await kit.acknowledge(id, {}, { actor: 'ana' });
    await kit.escalate(id, { kind: 'vertical', reason: 'Needs a database expert' }, { actor: 'ana' });
    await kit.declareMajor(id, { reason: 'The press is asking' });
    await advance();
    const management = to('management').messages;
    expect(management.map((m) => m.short)).toEqual([
      'INC-1 [P1] Checkout is down: reported',
      'INC-1 [P1] Checkout is down: prioritized P1',
      'INC-1 [P1] Checkout is down: assigned',
      'INC-1 [P1] Checkout is down: acknowledged',
      'INC-1 [P1] Checkout is down: escalated',
      'INC-1 [P1, major] Checkout is down: declared major',
    ]);
    expect(management[4]?.text).toBe(
      [
        'INC-1 [P1] Checkout is down: escalated',
        'Escalated to payments, tier 2 (escalation level 1).',
        'Status: Being investigated',
        'Priority: P1',
        'Service: checkout (production), tenant acme',
        'Owning team: payments',
        'Updated: 2026-03-02 09:00 UTC',
      ].join('\n'),
    );
    expect(management.map((m) => m.text).join('\n')).not.toMatch(/bob|ana|database expert|press/);
    expect(to('stakeholders').messages.map((m) => m.text)).toEqual(management.map((m) => m.text));
  });

  test('responders: the operational detail, as before templates', async () => {
    const { kit, advance, to } = perAudience();
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.assign(id, { team: 'payments', assignee: 'bob' });
    await kit.acknowledge(id, { note: 'on it' }, { actor: { id: 'ana', name: 'Ana' } });
    await advance();
    const acknowledged = to('responders').messages.at(-1)!;
    expect(acknowledged.subject).toBe('INC-1 [P1] Checkout is down (active/investigating): acknowledged: on it');
    expect(acknowledged.text).toBe(
      [
        'INC-1 [P1] Checkout is down (active/investigating): acknowledged: on it',
        'Service: shop (production)',
        'Owner: payments / bob',
        'At: 2026-03-02T09:00:00.000Z by Ana',
      ].join('\n'),
    );
    expect(acknowledged.short).toBe('INC-1 [P1] Checkout is down: acknowledged');
  });

  test('the short line keeps its end: a long title is cut, never the event', async () => {
    const { kit, advance, to } = perAudience();
    const title = `Checkout ${'is very '.repeat(30)}down`;
    await kit.report({ ...TRIAGED_REPORT, title });
    await advance();
    for (const audience of AUDIENCES) {
      const short = to(audience).messages[0]!.short;
      expect(short.length, audience).toBeLessThanOrEqual(160); // one SMS
      expect(short).toMatch(/\.\.\.: (reported|investigating)$/);
    }
  });
});

describe('templates: your wording', () => {
  /** A template that prefixes the default subject with `name`. */
  const tag =
    (name: string): MessageTemplate =>
    (_message, defaults) => ({ subject: `<${name}> ${defaults.subject}` });

  test('precedence: event+audience, then event+*, then *+audience, then *+*, then the default', async () => {
    const { kit, advance, to } = perAudience({
      'incident.update_posted': { customers: tag('update/customers'), '*': tag('update/*') },
      '*': { customers: tag('*/customers'), management: tag('*/management') },
      'incident.resolved': { '*': tag('resolved/*') },
    });
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.postUpdate(id, { audience: ['customers', 'stakeholders', 'management'], message: 'On it' });
    await advance();
    const subject = (audience: Audience, event: string) =>
      to(audience)
        .messages.find((m) => m.event === event)
        ?.subject.split(' ')[0];
    expect(subject('customers', 'incident.update_posted')).toBe('<update/customers>');
    expect(subject('stakeholders', 'incident.update_posted')).toBe('<update/*>');
    expect(subject('management', 'incident.update_posted')).toBe('<update/*>'); // event+* beats *+audience
    expect(subject('customers', 'incident.reported')).toBe('<*/customers>');
    expect(subject('management', 'incident.reported')).toBe('<*/management>');
    expect(subject('responders', 'incident.reported')).toBe('INC-1'); // no template: the default
    expect(subject('stakeholders', 'incident.reported')).toBe('INC-1');

    const all = perAudience({ '*': { '*': tag('*/*'), reporter: tag('*/reporter') }, 'incident.resolved': {} });
    const other = await all.kit.report(TRIAGED_REPORT);
    await all.kit.acknowledge(other.id);
    await all.kit.resolve(other.id, { summary: 'Fixed' });
    await all.advance();
    for (const audience of AUDIENCES) {
      const expected = audience === 'reporter' ? '<*/reporter>' : '<*/*>';
      for (const m of all.to(audience).messages)
        expect(m.subject.split(' ')[0], `${audience} ${m.event}`).toBe(expected);
    }
  });

  test('a template returns a part, the rest stays the default; async templates work', async () => {
    const { kit, advance, to } = perAudience({
      'incident.resolved': {
        customers: (_message, defaults) => ({ text: `${defaults.text}\nSorry for the trouble.` }),
        management: async (message) => ({ short: `${message.payload.incident.number} is fixed` }),
        stakeholders: () => undefined,
      },
    });
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    await advance();
    const resolved = (audience: Audience) => to(audience).messages.find((m) => m.event === 'incident.resolved')!;
    expect(resolved('customers').subject).toBe('INC-1 Checkout is down: resolved');
    expect(resolved('customers').text.endsWith('Updated: 2026-03-02 09:00 UTC\nSorry for the trouble.')).toBe(true);
    expect(resolved('management')).toMatchObject({
      subject: 'INC-1 [P1] Checkout is down: resolved',
      short: 'INC-1 is fixed',
    });
    expect(resolved('stakeholders').short).toBe('INC-1 [P1] Checkout is down: resolved');
  });

  test('a template sees a frozen copy of the message: the public view for public audiences', async () => {
    const seen: { audience: string; entry: object; channel: string }[] = [];
    const { kit, advance, to } = perAudience({
      'incident.resolved': {
        '*': (message) => {
          seen.push({ audience: message.audience, entry: message.payload.entry, channel: message.channel });
          return undefined;
        },
        responders: (message) => {
          (message.payload.incident as { title: string }).title = 'changed';
          return undefined;
        },
      },
    });
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Rolled back' });
    expect((await advance()).dead).toBe(1);
    expect(seen.find((s) => s.audience === 'customers')).toEqual({
      audience: 'customers',
      channel: 'customers',
      entry: {
        type: 'resolved',
        incidentId: id,
        seq: expect.any(Number),
        at: expect.any(String),
        actor: { id: 'support' },
      },
    });
    expect(seen.find((s) => s.audience === 'management')?.entry).toMatchObject({
      resolution: { summary: 'Rolled back' },
    });
    // Changing the copy throws: that message is dead; the stored payload is untouched.
    const outbox = await kit.store.outbox(id);
    const dead = outbox.find((m) => m.status === 'dead')!;
    expect(dead.lastError).toMatch(
      /^Channel "responders": templates\["incident\.resolved"\]\.responders failed: .*read.only/,
    );
    expect(dead.payload.incident.title).toBe('Checkout is down');
    expect(to('responders').messages.map((m) => m.event)).not.toContain('incident.resolved');
  });

  test('a template that throws: that message is dead with the template named, the others are delivered', async () => {
    const { kit, advance, to } = perAudience({
      'incident.resolved': {
        customers: () => {
          throw new Error('no wording for resolved');
        },
      },
    });
    const dead: NotificationEvent[] = [];
    kit.on('notification.dead', (event) => dead.push(event));
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    await kit.postUpdate(id, { audience: 'customers', message: 'All good now.' });
    const result = await advance();

    expect(result.dead).toBe(1);
    expect(dead).toHaveLength(1);
    const error = dead[0]?.error as ChannelError;
    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'Channel "customers": templates["incident.resolved"].customers failed: no wording for resolved',
    );
    expect((error.cause as Error).message).toBe('no wording for resolved');
    const stored = (await kit.store.outbox(id)).find((m) => m.status === 'dead');
    expect(stored).toMatchObject({ audience: 'customers', attempts: 1, lastError: error.message });
    // Nothing reached the customers' channel for it; the update behind it and every other audience went out.
    expect(to('customers').messages.map((m) => m.event)).toEqual([
      'incident.reported',
      'incident.triaged',
      'incident.acknowledged',
      'incident.update_posted',
    ]);
    for (const audience of ['responders', 'stakeholders', 'management', 'reporter'] as const) {
      expect(to(audience).messages.map((m) => m.event)).toContain('incident.resolved');
    }
  });

  test.each([
    [{ subject: 42 }, 'subject: Invalid input: expected string, received number'],
    [{ subject: '  ' }, 'subject: Must not be blank'],
    [{ body: 'Hello' }, '(root): Unrecognized key: "body"'],
    ['Hello', '(root): Invalid input: expected object, received string'],
    [null, '(root): Invalid input: expected object, received null'],
  ])('a template returning %j: dead, with what is wrong', async (returned, problem) => {
    const { kit, advance } = perAudience({ '*': { customers: () => returned as never } }, [
      { audience: 'customers', channels: ['customers'], events: ['reported'] },
    ]);
    const { id } = await kit.report(TRIAGED_REPORT);
    expect(await advance()).toMatchObject({ delivered: 0, dead: 1 });
    const [message] = await kit.store.outbox(id);
    expect(message?.lastError).toBe(
      `Channel "customers": templates["*"].customers returned no valid content (${problem})`,
    );
  });

  test('a ChannelError a template throws is used as it is: a retryable one is retried', async () => {
    let calls = 0;
    const { kit, advance, to } = perAudience(
      {
        'incident.reported': {
          responders: (_message, defaults) => {
            calls++;
            if (calls === 1) throw new ChannelError('responders', 'wording service busy', { retryAfterMs: 60_000 });
            return { subject: `${defaults.subject} (retried)` };
          },
        },
      },
      [{ audience: 'responders', channels: ['responders'] }],
    );
    await kit.report(TRIAGED_REPORT);
    expect(await advance()).toMatchObject({ failed: 1, delivered: 0 });
    expect(await advance('PT1M')).toMatchObject({ delivered: 2 });
    expect(to('responders').messages.map((m) => m.subject.endsWith('(retried)'))).toEqual([true, false]);
  });

  test('bad templates are a ValidationError under `templates`', async () => {
    const bad = async (templates: unknown) => {
      const error = await rejection(
        Promise.resolve().then(() =>
          createTestKit({ channels: [new RecordingChannel()], templates: templates as MessageTemplates }),
        ),
      );
      expect(ValidationError.isInstance(error)).toBe(true);
      return (error as ValidationError).issues.map((issue) => [issue.path.join('/'), issue.message]);
    };
    expect(await bad({ 'incident.resolve': {} })).toEqual([
      [
        'templates',
        'Unknown event "incident.resolve"; expected "*" or incident.<entry type> of a notifying entry, e.g. "incident.resolved"',
      ],
    ]);
    expect(await bad({ 'incident.note': {} })).toHaveLength(1); // notes never notify
    expect(await bad({ '*': { customer: () => ({}) } })).toEqual([
      [
        'templates/*',
        'Unknown audience "customer"; expected "*" or responders, stakeholders, management, customers, reporter',
      ],
    ]);
    expect(await bad({ 'incident.resolved': { customers: 'Sorry' } })).toEqual([
      ['templates/incident.resolved/customers', 'Must be a function ((message, defaults) => content)'],
    ]);
    expect(await bad([])).toHaveLength(1);
  });
});
