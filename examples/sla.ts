/**
 * SLA clocks on business-hours calendars, on a fake clock: targets per priority and customer,
 * a hold that moves the due instant, a breach that escalates, and finding breached incidents.
 * Run it with `npm run example:sla`.
 */
import { createIncidentKit, describeIncident, formatTimeline, type Incident } from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';

const weekdays = (start: string, end: string) =>
  Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, [{ start, end }]]));

const clock = new FakeClock('2026-03-27T14:00:00Z'); // Friday 15:00 in Berlin
const kit = createIncidentKit({
  clock,
  sla: {
    calendars: {
      berlin: { timeZone: 'Europe/Berlin', windows: weekdays('09:00', '17:00'), holidays: ['2026-04-03', '--12-25'] },
    },
    targets: [
      { scope: { priority: 'P1' }, response: 'PT15M', resolution: 'PT4H' }, // 24x7
      { scope: { priority: 'P1', tenant: 'acme' }, response: 'PT5M', resolution: 'PT2H' }, // premium customer
      { scope: { priority: 'P3' }, response: 'PT4H', resolution: 'PT16H', calendar: 'berlin' }, // office hours
    ],
    onBreach: 'escalate',
  },
});
kit.on('sla.breached', ({ incident, entry }) => console.log(`! ${incident.number}: ${entry.clock} SLA breached`));

const show = (incident: Incident) => {
  console.log(describeIncident(incident));
  for (const c of incident.sla.clocks) {
    const state = c.metAt ? `met ${c.metAt}` : c.breachedAt ? `breached ${c.breachedAt}` : `due ${c.dueAt}`;
    console.log(`  ${c.name}: ${state}${c.pausedMs ? ` (paused ${c.pausedMs / 60_000} min)` : ''}`);
  }
};

const reporter = { name: 'Service desk', kind: 'employee' } as const;
const outage = await kit.report({
  title: 'Acme checkout down',
  service: 'checkout',
  tenant: 'acme',
  reporter,
  impact: 'high',
  urgency: 'high',
});
const slowReports = await kit.report({
  title: 'Monthly report is slow',
  service: 'reports',
  reporter,
  impact: 'medium',
  urgency: 'medium',
});
show(outage);
show(slowReports); // 4 business hours: 2 today, 2 on Monday (Berlin switches to summer time on Sunday)

// The P3 waits on the customer for two business hours on Monday: its clocks move by that much.
clock.set('2026-03-30T07:00:00Z'); // Monday 09:00 CEST
await kit.acknowledge(slowReports.id, {}, { actor: 'dev' });
await kit.hold(slowReports.id, { reason: 'awaiting_caller' }, { actor: 'dev' });
clock.set('2026-03-30T09:00:00Z');
show(await kit.resume(slowReports.id, {}, { actor: 'dev' }));

// Nobody acknowledged the Acme outage: the worker records the breaches and escalates.
await kit.runDue();
show(await kit.get(outage.id));
console.log(formatTimeline(await kit.timeline(outage.id)));

const breached = await kit.list({ breached: true });
console.log(`\nBreached: ${breached.items.map((i) => i.number).join(', ')}`);
