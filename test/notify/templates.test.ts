import {
  type Audience,
  describeEntry,
  describeIncident,
  NOTIFYING_ENTRY_TYPES,
  type RenderedMessage,
  type RouteInput,
  type TimelineEntry,
} from 'incidentkit';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';
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
function perAudience(routes: RouteInput[] = everyEventRoutes()) {
  const channels = AUDIENCES.map((audience) => new RecordingChannel(audience));
  const testKit = createTestKit({ channels, routes, clock: '2026-03-02T09:00:00Z' });
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
