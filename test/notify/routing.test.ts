import { createIncidentKit, type RouteInput, ValidationError } from 'incidentkit';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { rejection, TRIAGED_REPORT } from '../support.js';

/** A kit with three recording channels and the given routes. */
function setup(routes?: RouteInput[]) {
  const slack = new RecordingChannel('slack');
  const email = new RecordingChannel('email');
  const status = new RecordingChannel('status');
  const channels = { slack, email, status };
  const kit = createIncidentKit({
    clock: new FakeClock(),
    channels: [slack, email, status],
    ...(routes ? { routes } : {}),
  });
  /** Delivers what is due, then returns and forgets each channel's messages as `event audience`, sorted. */
  async function sent() {
    await kit.runDue();
    const out: Record<string, string[]> = {};
    for (const [name, channel] of Object.entries(channels)) {
      out[name] = channel.messages.map((m) => `${m.event} ${m.audience}`).sort(); // delivery order is not commit order
      channel.clear();
    }
    return out;
  }
  return { kit, slack, email, status, sent };
}

/** What a report that is prioritized at once notifies. */
const OPENED = ['incident.reported responders', 'incident.triaged responders'];
const P5 = { ...TRIAGED_REPORT, impact: 'low', urgency: 'low' } as const;
const UNTRIAGED = { title: 'Something odd', service: 'shop', reporter: { name: 'Ana', kind: 'employee' } } as const;

describe('audience routes', () => {
  test('without routes every channel receives every message, as before', async () => {
    const { kit, sent } = setup();
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.postUpdate(id, { audience: 'customers', message: 'We are on it' });
    const out = await sent();
    for (const name of ['slack', 'email', 'status'] as const) {
      expect(out[name]).toEqual([...OPENED, 'incident.update_posted customers']);
    }
    const [message] = await kit.store.outbox(id);
    expect(message?.payload.route).toBeUndefined();
  });

  test('a route sends an audience to its channels only, with the reason on each message', async () => {
    const { kit, sent } = setup([{ name: 'oncall-slack', audience: 'responders', channels: ['slack'] }]);
    const { id } = await kit.report(TRIAGED_REPORT);
    expect(await sent()).toEqual({ slack: OPENED, email: [], status: [] });
    const outbox = await kit.store.outbox(id);
    const route = { names: ['oncall-slack'], reason: 'route "oncall-slack": audience responders' };
    expect(outbox.map((m) => m.payload.route)).toEqual([route, route]);
  });

  test('services filter', async () => {
    const { kit, sent } = setup([
      { name: 'shop', audience: 'responders', channels: ['slack'], services: ['shop'] },
      { name: 'billing', audience: 'responders', channels: ['email'], services: ['billing'] },
    ]);
    const shop = await kit.report(TRIAGED_REPORT);
    await kit.report({ ...TRIAGED_REPORT, service: 'billing' });
    await kit.report({ ...TRIAGED_REPORT, service: 'search' });
    expect(await sent()).toEqual({
      slack: OPENED,
      email: OPENED,
      status: [],
    });
    const [message] = await kit.store.outbox(shop.id);
    expect(message?.payload.route?.reason).toBe('route "shop": audience responders, service shop');
  });

  test('tenants filter; an incident without a tenant never matches', async () => {
    const { kit, sent } = setup([{ audience: 'responders', channels: ['slack'], tenants: ['acme'] }]);
    const acme = await kit.report({ ...TRIAGED_REPORT, tenant: 'acme' });
    await kit.report({ ...TRIAGED_REPORT, tenant: 'globex' });
    await kit.report(TRIAGED_REPORT);
    expect((await sent()).slack).toEqual(OPENED);
    const [message] = await kit.store.outbox(acme.id);
    expect(message?.payload.route).toEqual({
      names: ['routes[0]'],
      reason: 'route "routes[0]": audience responders, tenant acme',
    });
  });

  test('environments filter', async () => {
    const { kit, sent } = setup([{ audience: 'responders', channels: ['slack'], environments: ['production'] }]);
    await kit.report(TRIAGED_REPORT);
    await kit.report({ ...TRIAGED_REPORT, environment: 'staging' });
    const out = await sent();
    expect(out.slack).toEqual(OPENED);
  });

  test('minPriority with the ITIL levels: P1 and P2 pass P2, P5 and untriaged incidents do not', async () => {
    const { kit, sent } = setup([{ name: 'urgent', audience: 'responders', channels: ['slack'], minPriority: 'P2' }]);
    const p1 = await kit.report(TRIAGED_REPORT);
    await kit.report({ ...TRIAGED_REPORT, impact: 'high', urgency: 'medium' }); // P2
    await kit.report({ ...TRIAGED_REPORT, impact: 'medium', urgency: 'medium' }); // P3
    await kit.report(P5);
    const untriaged = await kit.report(UNTRIAGED);
    expect(untriaged.priority).toBeNull();
    expect((await sent()).slack).toEqual([...OPENED, ...OPENED].sort());
    const [message] = await kit.store.outbox(p1.id);
    expect(message?.payload.route?.reason).toBe('route "urgent": audience responders, priority P1 >= P2');
  });

  test('majorOnly', async () => {
    const { kit, sent } = setup([
      { audience: 'management', channels: ['email'], majorOnly: true, events: ['major_declared', 'resolved'] },
      { audience: 'responders', channels: ['slack'] },
    ]);
    const { id } = await kit.report(P5);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    expect((await sent()).email).toEqual([]);
    const major = await kit.report(P5);
    await kit.declareMajor(major.id, { reason: 'Press is asking' });
    await kit.acknowledge(major.id);
    await kit.resolve(major.id, { summary: 'Fixed' });
    const out = await sent();
    expect(out.email).toEqual(['incident.major_declared management', 'incident.resolved management']);
    expect(out.slack).toContain('incident.major_declared responders');
    const reasons = (await kit.store.outbox(major.id))
      .filter((m) => m.channel === 'email')
      .map((m) => m.payload.route?.reason);
    expect(reasons).toEqual([
      'route "routes[0]": audience management, event major_declared, major',
      'route "routes[0]": audience management, event resolved, major',
    ]);
  });

  test('events subscribe an audience to lifecycle entries and limit a route to them', async () => {
    const { kit, sent } = setup([
      { audience: 'responders', channels: ['slack'], events: ['reported'] },
      { audience: 'stakeholders', channels: ['email'], events: ['resolved'] },
    ]);
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    const out = await sent();
    expect(out.slack).toEqual(['incident.reported responders']);
    expect(out.email).toEqual(['incident.resolved stakeholders']);
    expect(out.status).toEqual([]);
  });

  test('an audience goes to the union of its matching routes, one message per channel', async () => {
    const { kit, sent } = setup([
      { name: 'all', audience: 'responders', channels: ['slack'] },
      { name: 'shop', audience: 'responders', channels: ['slack', 'email'], services: ['shop'] },
      { name: 'billing', audience: 'responders', channels: ['status'], services: ['billing'] },
    ]);
    const { id } = await kit.report(TRIAGED_REPORT);
    expect(await sent()).toEqual({
      slack: OPENED,
      email: OPENED,
      status: [],
    });
    const routes = Object.fromEntries((await kit.store.outbox(id)).map((m) => [m.channel, m.payload.route]));
    expect(routes).toEqual({
      slack: {
        names: ['all', 'shop'],
        reason: 'route "all": audience responders; route "shop": audience responders, service shop',
      },
      email: { names: ['shop'], reason: 'route "shop": audience responders, service shop' },
    });
  });

  test('no matching route: no message for that audience', async () => {
    const { kit, sent } = setup([{ audience: 'customers', channels: ['status'] }]);
    const { id } = await kit.report(TRIAGED_REPORT); // responders have no route
    await kit.postUpdate(id, { audience: ['stakeholders', 'customers'], message: 'Investigating' });
    expect(await sent()).toEqual({ slack: [], email: [], status: ['incident.update_posted customers'] });
  });

  test('an update to customers goes only to the customers channel, in the public view', async () => {
    const { kit, sent, status } = setup([
      { name: 'oncall', audience: 'responders', channels: ['slack', 'email'] },
      { name: 'status-page', audience: 'customers', channels: ['status'] },
    ]);
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.assign(id, { assignee: 'bob' }, { actor: 'ana' });
    await sent();
    await kit.postUpdate(id, { audience: 'customers', message: 'We are on it' }, { actor: 'ana' });
    await kit.runDue();
    const [message] = status.messages;
    expect(message?.payload.incident.assignment).toBeUndefined();
    expect(message?.payload.entry.actor).toEqual({ id: 'support' });
    // Route names and reasons are configuration: public messages do not carry them.
    expect(message?.payload.route).toBeUndefined();
    expect((await kit.timeline(id)).at(-1)).toMatchObject({
      type: 'notified',
      deliveries: [{ routes: ['status-page'], reason: 'route "status-page": audience customers' }],
    });
    expect(await sent()).toEqual({ slack: [], email: [], status: ['incident.update_posted customers'] });
  });

  test('bad routes are a ValidationError with the path of each problem', async () => {
    const bad = (routes: unknown) => {
      try {
        setup(routes as RouteInput[]);
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        return (error as ValidationError).issues.map((i) => i.path.join('.'));
      }
      throw new Error('expected a ValidationError');
    };
    expect(
      bad([
        { audience: 'responders', channels: ['slack'] },
        { audience: 'responders', channels: ['slack'] },
        { audience: 'responders', channels: ['pager', 'email', 'sms'] },
      ]),
    ).toEqual(['routes.2.channels.0', 'routes.2.channels.2']);
    expect(bad([{ audience: 'executives', channels: ['slack'] }])).toEqual(['routes.0.audience']);
    expect(bad([{ audience: 'responders', channels: [] }])).toEqual(['routes.0.channels']);
    expect(bad([{ audience: 'responders', channels: ['slack'], events: ['note'] }])).toEqual(['routes.0.events.0']);
    expect(bad([{ audience: 'responders', channels: ['slack'], minPriority: 'P9' }])).toEqual(['routes.0.minPriority']);
    expect(bad([{ audience: 'responders', channels: ['slack'], environments: ['prod'] }])).toEqual([
      'routes.0.environments.0',
    ]);
    expect(bad([{ audience: 'responders', channels: ['slack'], team: 'x' }])).toEqual(['routes.0']);
    const error = await rejection(
      Promise.resolve().then(() => setup([{ audience: 'responders', channels: ['pager'] }])),
    );
    expect((error as Error).message).toContain('routes[0].channels[0]: Unknown channel "pager"');
  });
});
