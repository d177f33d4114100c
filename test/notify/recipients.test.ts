import fc from 'fast-check';
import {
  type ContactInput,
  createIncidentKit,
  formatTimeline,
  type IncidentKitOptions,
  type IncidentStore,
  memoryStore,
  type RouteInput,
  type TimelineEntryOf,
  ValidationError,
} from 'incidentkit';
import { emailChannel, type MailMessage, smsChannel } from 'incidentkit/channels';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { rejection, TRIAGED_REPORT } from '../support.js';

/** P4 (medium impact, low urgency): low-urgency messages. */
const P4 = { ...TRIAGED_REPORT, impact: 'medium', urgency: 'low' } as const;
/** 23:00 in Berlin (UTC+1 in winter): inside 22:00-07:00 quiet hours. */
const BERLIN_NIGHT = '2026-01-05T22:00:00.000Z';
/** 07:00 the next morning in Berlin. */
const BERLIN_MORNING = Date.parse('2026-01-06T06:00:00.000Z');

const CONTACTS: Record<string, ContactInput> = {
  ana: { name: 'Ana', email: 'ana@example.com', phone: '+14155550101' },
  bo: {
    email: 'bo@example.com',
    phone: '+14155550102',
    timeZone: 'Europe/Berlin',
    quietHours: { start: '22:00', end: '07:00' },
  },
  cy: { phone: '+14155550103' },
};

function setup(routes: RouteInput[] | undefined, options: Partial<IncidentKitOptions> = {}, at = BERLIN_NIGHT) {
  const clock = new FakeClock(at);
  const slack = new RecordingChannel('slack');
  const email = new RecordingChannel('email', { contacts: 'email' });
  const kit = createIncidentKit({
    clock,
    channels: [slack, email],
    contacts: CONTACTS,
    ...(routes ? { routes } : {}),
    ...options,
  });
  return { kit, clock, slack, email };
}

const notified = (entries: readonly { type: string }[]) =>
  entries.filter((e): e is TimelineEntryOf<'notified'> => e.type === 'notified');

describe('routing decisions on the timeline', () => {
  test('each notifying entry gets a notified entry naming its messages, routes and reasons', async () => {
    const { kit } = setup([{ name: 'oncall', audience: 'responders', channels: ['slack'] }]);
    const incident = await kit.report(TRIAGED_REPORT);
    const timeline = await kit.timeline(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['reported', 'triaged', 'notified', 'notified']);
    expect(incident.lastSeq).toBe(4);
    const outbox = await kit.store.outbox(incident.id);
    const [first, second] = notified(timeline);
    expect(first).toMatchObject({
      seq: 3,
      about: 1,
      event: 'incident.reported',
      actor: { id: 'system' },
      unrouted: [],
      deliveries: [
        {
          messageId: outbox[0]!.id,
          audience: 'responders',
          channel: 'slack',
          routes: ['oncall'],
          reason: 'route "oncall": audience responders',
          urgency: 'high',
        },
      ],
    });
    expect(second).toMatchObject({ about: 2, event: 'incident.triaged' });
    expect(second!.deliveries.map((d) => d.messageId)).toEqual([outbox[1]!.id]);
    expect(formatTimeline(timeline)).toContain('notified about #1 incident.reported: responders on slack');
  });

  test('audiences no route matches are listed as unrouted', async () => {
    const { kit } = setup([{ audience: 'responders', channels: ['slack'] }]);
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.postUpdate(id, { audience: ['customers', 'stakeholders'], message: 'We are on it' });
    const last = notified(await kit.timeline(id)).at(-1)!;
    expect(last).toMatchObject({
      event: 'incident.update_posted',
      deliveries: [],
      unrouted: ['customers', 'stakeholders'],
    });
    expect(formatTimeline([last])).toContain('nobody; no route for customers, stakeholders');
  });

  test('without routes nothing is decided and nothing is added to the timeline', async () => {
    const { kit } = setup(undefined);
    const { id } = await kit.report(TRIAGED_REPORT);
    expect((await kit.timeline(id)).map((e) => e.type)).toEqual(['reported', 'triaged']);
    expect(await kit.store.outbox(id)).toHaveLength(4);
  });

  test('the entries emit incident.notified after the commit', async () => {
    const { kit } = setup([{ audience: 'responders', channels: ['slack'] }]);
    const seen: number[] = [];
    kit.on('incident.notified', ({ entry }) => seen.push(entry.about));
    await kit.report(TRIAGED_REPORT);
    expect(seen).toEqual([1, 2]);
  });
});

describe('recipients per route', () => {
  test('a route names contacts; the message carries them, the decision their ids', async () => {
    const { kit, email } = setup([
      { name: 'leads', audience: 'responders', channels: ['email'], recipients: ['ana'] },
      { name: 'more', audience: 'responders', channels: ['email', 'slack'], recipients: ['ana', 'cy'] },
    ]);
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.runDue();
    const [message] = email.messages;
    expect(message?.payload.recipients).toEqual([
      { id: 'ana', name: 'Ana', email: 'ana@example.com', phone: '+14155550101' },
      { id: 'cy', phone: '+14155550103' },
    ]);
    const decision = notified(await kit.timeline(id))[0]!;
    expect(decision.deliveries.map((d) => [d.channel, d.recipients, d.routes])).toEqual([
      ['slack', ['ana', 'cy'], ['more']],
      ['email', ['ana', 'cy'], ['leads', 'more']],
    ]);
  });

  test('routes without recipients leave the choice to the channel', async () => {
    const { kit, slack } = setup([{ audience: 'responders', channels: ['slack'] }]);
    await kit.report(TRIAGED_REPORT);
    await kit.runDue();
    expect(slack.messages[0]?.payload.recipients).toBeUndefined();
  });

  test('unknown contacts and bad contacts are refused when the kit is created', async () => {
    const issues = (options: Partial<IncidentKitOptions>) => {
      try {
        setup([], options);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      throw new Error('expected a ValidationError');
    };
    expect(issues({ routes: [{ audience: 'responders', channels: ['email'], recipients: ['ana', 'zed'] }] })).toEqual([
      'routes.0.recipients.1: Unknown contact "zed"; the kit\'s contacts are ana, bo, cy',
    ]);
    expect(
      issues({
        contacts: {
          a: { email: 'a@example.com, b@example.com' },
          b: { phone: '555-0100' },
          c: { timeZone: 'Mars/Olympus' },
          d: { quietHours: { start: '22:00', end: '22:00' } },
          e: { timeZone: 'Europe/Atlantis', quietHours: { start: '22:00', end: '07:00' } },
          f: { quietHours: { start: '25:00', end: '07:00' } },
        },
      }),
    ).toEqual([
      'contacts.a.email: Must be one bare address, e.g. ana@example.com',
      'contacts.b.phone: Must be an E.164 number, e.g. +14155550100',
      'contacts.f.quietHours.start: Expected HH:MM, 00:00 to 23:59',
    ]);
    expect(
      issues({
        contacts: {
          c: { timeZone: 'Mars/Olympus' },
          d: { quietHours: { start: '22:00', end: '22:00' } },
          e: { timeZone: 'Europe/Atlantis', quietHours: { start: '22:00', end: '07:00' } },
        },
      }),
    ).toEqual([
      'contacts.c.timeZone: Unknown IANA time zone "Mars/Olympus"',
      'contacts.d.quietHours.end: Quiet hours must end at another time than they start',
      'contacts.e.timeZone: Unknown IANA time zone "Europe/Atlantis"',
    ]);
    expect(issues({ highUrgencyFrom: 'P9' as never })[0]).toMatch(/^highUrgencyFrom: /);
  });
});

describe('quiet hours', () => {
  const routes: RouteInput[] = [
    { name: 'mail', audience: 'responders', channels: ['email'], recipients: ['ana', 'bo'] },
  ];

  test('a low-urgency message waits for the window of a contact in quiet hours; the others get it at once', async () => {
    const { kit, clock, email } = setup(routes);
    const { id } = await kit.report(P4);
    const outbox = await kit.store.outbox(id);
    // reported and triaged, each split in two: ana at once, bo at 07:00 Berlin time.
    expect(outbox.map((m) => [m.payload.recipients?.map((r) => r.id), m.availableAt])).toEqual([
      [['ana'], clock.now()],
      [['bo'], BERLIN_MORNING],
      [['ana'], clock.now()],
      [['bo'], BERLIN_MORNING],
    ]);
    const decision = notified(await kit.timeline(id))[0]!;
    expect(decision.deliveries.map((d) => [d.recipients, d.urgency, d.heldUntil])).toEqual([
      [['ana'], 'low', undefined],
      [['bo'], 'low', '2026-01-06T06:00:00.000Z'],
    ]);
    expect(formatTimeline([decision])).toContain(
      'responders on email to bo (quiet hours: held until 2026-01-06T06:00:00.000Z)',
    );

    await kit.runDue();
    expect(email.messages.map((m) => m.payload.recipients?.[0]?.id)).toEqual(['ana', 'ana']);
    clock.set(BERLIN_MORNING - 1);
    await kit.runDue();
    expect(email.messages).toHaveLength(2);
    clock.set(BERLIN_MORNING);
    await kit.runDue();
    expect(email.messages.map((m) => m.payload.recipients?.[0]?.id)).toEqual(['ana', 'ana', 'bo', 'bo']);
  });

  test('high urgency ignores quiet hours: urgent priorities, major and untriaged incidents', async () => {
    for (const [report, options] of [
      [TRIAGED_REPORT, {}],
      [P4, { highUrgencyFrom: 'P4' }],
      [{ title: 'Odd', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } }, {}],
    ] as const) {
      const { kit, clock } = setup(routes, options);
      const { id } = await kit.report(report);
      const outbox = await kit.store.outbox(id);
      expect(outbox.every((m) => m.availableAt === clock.now() && m.payload.urgency === 'high')).toBe(true);
      expect(outbox[0]?.payload.recipients?.map((r) => r.id)).toEqual(['ana', 'bo']);
    }
    const { kit, clock } = setup(routes);
    const { id } = await kit.report(P4);
    await kit.declareMajor(id, { reason: 'Spreading' });
    const last = (await kit.store.outbox(id)).at(-1)!;
    expect(last).toMatchObject({
      availableAt: clock.now(),
      payload: { event: 'incident.major_declared', urgency: 'high' },
    });
  });

  test('outside quiet hours everyone gets one message at once', async () => {
    const { kit } = setup(routes, {}, '2026-01-05T12:00:00.000Z');
    const { id } = await kit.report(P4);
    const outbox = await kit.store.outbox(id);
    expect(outbox.map((m) => m.payload.recipients?.map((r) => r.id))).toEqual([
      ['ana', 'bo'],
      ['ana', 'bo'],
    ]);
  });

  test('quiet days and quiet hours across a daylight-saving change', async () => {
    const contacts: Record<string, ContactInput> = {
      // Quiet all weekend and every night; Berlin moves to summer time on Sunday 2026-03-29.
      dee: {
        email: 'dee@example.com',
        timeZone: 'Europe/Berlin',
        quietHours: { start: '20:00', end: '08:00', days: ['saturday', 'sunday'] },
      },
    };
    const route: RouteInput[] = [{ audience: 'responders', channels: ['email'], recipients: ['dee'] }];
    // Friday 2026-03-27 21:00 in Berlin (UTC+1): next window Monday 08:00 summer time (UTC+2).
    const { kit } = setup(route, { contacts }, '2026-03-27T20:00:00.000Z');
    const { id } = await kit.report(P4);
    const [message] = await kit.store.outbox(id);
    expect(new Date(message!.availableAt).toISOString()).toBe('2026-03-30T06:00:00.000Z');
  });

  test('property: a held message is due at the first instant outside quiet hours, never earlier', async () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 366 * 24 * 60 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'),
        async (minute, from, to, timeZone) => {
          fc.pre(from !== to);
          const quietHours = { start: `${String(from).padStart(2, '0')}:00`, end: `${String(to).padStart(2, '0')}:00` };
          const now = start + minute * 60_000;
          const { kit } = setup(
            [{ audience: 'responders', channels: ['email'], recipients: ['q'] }],
            { contacts: { q: { email: 'q@example.com', timeZone, quietHours } } },
            new Date(now).toISOString(),
          );
          const { id } = await kit.report(P4);
          const [message] = await kit.store.outbox(id);
          const due = message!.availableAt;
          const quiet = (at: number) => {
            const hour = Number(
              new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(at)),
            );
            return from < to ? hour >= from && hour < to : hour >= from || hour < to;
          };
          expect(due).toBeGreaterThanOrEqual(now);
          expect(quiet(due)).toBe(false);
          if (due > now) {
            expect(quiet(due - 1)).toBe(true);
            expect(quiet(now)).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('email and SMS reach the contacts a route names', () => {
  test('emailChannel without to or recipients sends to the contacts with an email address', async () => {
    const sent: MailMessage[] = [];
    const email = emailChannel({
      from: 'incidents@example.com',
      transport: { sendMail: async (m: MailMessage) => void sent.push(m) },
    });
    const kit = createIncidentKit({
      clock: new FakeClock(),
      channels: [email],
      contacts: CONTACTS,
      routes: [
        { name: 'all', audience: 'responders', channels: ['email'], recipients: ['ana', 'cy'], events: ['reported'] },
        { name: 'phones', audience: 'stakeholders', channels: ['email'], recipients: ['cy'], events: ['reported'] },
      ],
    });
    const dead: string[] = [];
    kit.on('notification.dead', ({ message, error }) => dead.push(`${message.audience}: ${String(error)}`));
    await kit.report(TRIAGED_REPORT);
    await kit.runDue();
    expect(sent.map((m) => m.to.map((t) => t.address))).toEqual([['ana@example.com']]);
    expect(dead).toEqual([
      'stakeholders: ChannelError: Channel "email": no recipients: none of the message\'s contacts (cy) has an email address',
    ]);
  });

  test('a message without contacts on a channel without recipients is dead, not silently dropped', async () => {
    const email = emailChannel({ from: 'incidents@example.com', transport: { sendMail: async () => ({}) } });
    const kit = createIncidentKit({ clock: new FakeClock(), channels: [email] });
    const { id } = await kit.report(TRIAGED_REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 0, dead: 2 });
    const [message] = await kit.store.outbox(id);
    expect(message?.lastError).toMatch(/^Channel "email": no recipients: the message names no contacts/);
  });

  test('smsChannel without to or recipients texts the contacts with a phone number', async () => {
    const to: string[] = [];
    const sms = smsChannel({
      accountSid: 'AC123',
      authToken: 'secret',
      from: '+14155550100',
      fetch: async (_url, init) => {
        to.push(new URLSearchParams(String(init?.body)).get('To')!);
        return new Response('{}', { status: 201 });
      },
    });
    const kit = createIncidentKit({
      clock: new FakeClock(),
      channels: [sms],
      contacts: CONTACTS,
      routes: [{ audience: 'responders', channels: ['sms'], recipients: ['ana', 'bo', 'cy'], events: ['reported'] }],
    });
    await kit.report(TRIAGED_REPORT);
    expect(await kit.runDue()).toMatchObject({ delivered: 1, dead: 0 });
    expect(to).toEqual(['+14155550101', '+14155550102', '+14155550103']);
  });

  test('both to and recipients is still refused', async () => {
    const error = await rejection(
      Promise.resolve().then(() =>
        emailChannel({
          from: 'a@example.com',
          to: 'b@example.com',
          recipients: () => [],
          transport: { sendMail: async () => ({}) },
        }),
      ),
    );
    expect(ValidationError.isInstance(error) && error.issues[0]?.message).toBe(
      'Give at most one of `to` and `recipients`',
    );
  });
});

describe('which channels split and hold', () => {
  const night = (
    routes: RouteInput[],
    channels: RecordingChannel[],
    contacts: Record<string, ContactInput> = CONTACTS,
  ) => createIncidentKit({ clock: new FakeClock(BERLIN_NIGHT), channels, contacts, routes });

  test('a channel that posts to a place gets one message at once, whoever the routes name', async () => {
    const slack = new RecordingChannel('slack');
    const kit = night(
      [
        { name: 'team-room', audience: 'responders', channels: ['slack'] },
        { name: 'bo', audience: 'responders', channels: ['slack'], recipients: ['ana', 'bo'] },
      ],
      [slack],
    );
    const { id } = await kit.report(P4);
    const outbox = await kit.store.outbox(id);
    expect(outbox.map((m) => [m.availableAt, m.lane, m.payload.recipients?.map((r) => r.id)])).toEqual([
      [Date.parse(BERLIN_NIGHT), undefined, ['ana', 'bo']],
      [Date.parse(BERLIN_NIGHT), undefined, ['ana', 'bo']],
    ]);
    await kit.runDue();
    expect(slack.messages).toHaveLength(2);
  });

  test('held lanes stay short whatever the contact ids', async () => {
    const contacts = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `engineer-with-a-rather-long-identifier-${String(i).padStart(2, '0')}`,
        { email: `e${i}@example.com`, timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' } },
      ]),
    );
    const email = new RecordingChannel('email', { contacts: 'email' });
    const kit = night(
      [{ audience: 'responders', channels: ['email'], recipients: Object.keys(contacts) }],
      [email],
      contacts,
    );
    const { id } = await kit.report(P4);
    const [message] = await kit.store.outbox(id);
    expect(message?.availableAt).toBe(BERLIN_MORNING);
    expect(message?.payload.recipients).toHaveLength(20);
    expect(message?.lane).toMatch(/^quiet:[0-9a-z]{1,7}$/);
  });

  test('each customer gets a message of their own: nobody sees another customer', async () => {
    const email = new RecordingChannel('email', { contacts: 'email' });
    const kit = night([{ audience: 'customers', channels: ['email'], recipients: ['ana', 'bo'] }], [email]);
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.postUpdate(id, { audience: 'customers', message: 'We are on it' });
    await kit.runDue();
    expect(email.messages.map((m) => m.payload.recipients?.map((r) => r.id))).toEqual([['ana'], ['bo']]);
    expect(email.messages.every((m) => m.payload.route === undefined)).toBe(true);
  });
});

describe('stores and stored messages', () => {
  test('a store of another port version is refused', () => {
    const store = { ...memoryStore(), contract: 'incidentkit.store/1' } as unknown as IncidentStore;
    expect(() => createIncidentKit({ store })).toThrow(/needs "incidentkit.store\/2"/);
  });

  test('a public message stored with internal fields is delivered in the public view', async () => {
    const status = new RecordingChannel('status');
    const clock = new FakeClock();
    const kit = createIncidentKit({ clock, channels: [status] });
    const incident = await kit.report(TRIAGED_REPORT);
    await kit.runDue();
    // As an earlier version queued it: the whole entry, the assignment and a route.
    const entry = { ...(await kit.timeline(incident.id))[0]!, type: 'acknowledged', note: 'SECRET note' };
    await kit.store.commit({
      incident: { ...incident, version: incident.version + 1 },
      expectedVersion: incident.version,
      entries: [],
      timers: { set: [], cancel: [] },
      outbox: [
        {
          id: 'm-old',
          incidentId: incident.id,
          channel: 'status',
          audience: 'customers',
          payload: {
            event: 'incident.acknowledged',
            incident: { ...incident, assignment: { ...incident.assignment, assignee: 'SECRET assignee' } },
            entry,
            route: { names: ['SECRET route'], reason: 'SECRET' },
          } as never,
          createdAt: clock.now(),
          availableAt: clock.now(),
        },
      ],
    });
    await kit.runDue();
    const message = status.messages.find((m) => m.id === 'm-old');
    expect(message).toBeDefined();
    expect(JSON.stringify(message)).not.toContain('SECRET');
    expect(message?.payload).toMatchObject({
      urgency: 'high',
      entry: { type: 'acknowledged', actor: { id: 'support' } },
    });
  });
});
