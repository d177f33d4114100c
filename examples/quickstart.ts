/**
 * incidentkit quickstart: three incidents from an employee, a customer and a monitoring system,
 * prioritized automatically, worked through their lifecycle, and a fake-clock week that
 * auto-closes the rest. Run it with `npm run demo`.
 *
 * The incidents are kept in a SQLite file (`.tmp/incidentkit-demo.db`): run the demo again and
 * the first run's incidents are still there. `npm run demo -- --reset` starts over.
 */
import { mkdirSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { consoleChannel, createIncidentKit, describeIncident, formatTimeline, type Incident } from 'incidentkit';
import { sqliteStore } from 'incidentkit/sqlite';
import { FakeClock } from 'incidentkit/testing';

const file = '.tmp/incidentkit-demo.db';
mkdirSync('.tmp', { recursive: true });
if (process.argv.includes('--reset')) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
const db = new Database(file);
const store = sqliteStore(db);

// Earlier runs' incidents are in the file: this run starts a day after the last one's changes.
const [latest] = (await store.query({ order: 'desc', limit: 1 })).items;
const start = latest === undefined ? Date.parse('2026-03-02T09:00:00Z') : Date.parse(latest.updatedAt) + 86_400_000;
const clock = new FakeClock(start); // a fake clock, so that a week passes in a blink
const notifications: string[] = [];
const kit = createIncidentKit({
  store,
  clock,
  channels: [consoleChannel({ write: (line) => notifications.push(line) })],
});

kit.on('incident.triaged', ({ incident, entry }) => {
  console.log(`${incident.number} prioritized ${entry.priority}: ${entry.reasons.map((r) => r.detail).join('; ')}`);
});

// 1. An employee cannot print: low impact, low urgency.
const printer = await kit.report({
  title: 'Printer on floor 3 jams',
  reporter: { name: 'Dana Employee', contact: 'dana@example.com', kind: 'employee' },
  service: 'office-it',
  category: 'hardware',
  impact: 'low',
  urgency: 'low',
});

// 2. A customer cannot pay: high impact, medium urgency.
const payments = await kit.report({
  title: 'Card payments fail for EU customers',
  reporter: { name: 'Acme Corp', contact: 'ops@acme.example', kind: 'customer' },
  service: 'payments',
  tenant: 'acme',
  impact: 'high',
  urgency: 'medium',
  team: 'payments-l1',
});

// 3. Monitoring sees checkout down: high impact, high urgency.
const checkout = await kit.report(
  {
    title: 'Checkout error rate above 20%',
    reporter: { name: 'Prometheus', kind: 'monitoring' },
    source: 'alertmanager',
    service: 'checkout',
    impact: 'high',
    urgency: 'high',
    dedupKey: 'checkout-error-rate',
    team: 'web',
  },
  { actor: 'alertmanager' },
);
// The same alert fires again: deduplicated into the open incident.
await kit.report({
  title: 'Checkout error rate above 20%',
  reporter: { name: 'Prometheus', kind: 'monitoring' },
  service: 'checkout',
  impact: 'high',
  urgency: 'high',
  dedupKey: 'checkout-error-rate',
});

// The payments incident: acknowledge, escalate laterally to the database team, wait on the
// card processor, resume, resolve.
await kit.acknowledge(payments.id, {}, { actor: 'ana' });
await kit.escalate(
  payments.id,
  { kind: 'lateral', team: 'database', assignee: 'ben', reason: 'Lock waits on the ledger DB' },
  { actor: 'ana' },
);
await kit.hold(payments.id, { reason: 'awaiting_vendor', detail: 'Processor ticket #4411' }, { actor: 'ben' });
clock.advance('PT45M');
await kit.resume(payments.id, { note: 'Processor replied' }, { actor: 'ben' });
await kit.postUpdate(
  payments.id,
  { audience: 'customers', message: 'Payments are recovering.', phase: 'monitoring' },
  { actor: 'ben' },
);
await kit.resolve(payments.id, { code: 'fixed', summary: 'Released the ledger lock' }, { actor: 'ben' });

// The checkout incident becomes major: swarm, recover, review, close.
await kit.acknowledge(checkout.id, {}, { actor: 'carol' });
await kit.declareMajor(checkout.id, { reason: 'Revenue impact across all regions' }, { actor: 'carol' });
await kit.addParticipant(checkout.id, { name: 'Carol', id: 'carol', role: 'commander' }, { actor: 'carol' });
await kit.escalate(
  checkout.id,
  { kind: 'lateral', mode: 'swarm', team: 'platform', assignee: 'dev', reason: 'Load balancer suspect' },
  { actor: 'carol' },
);
await kit.postUpdate(
  checkout.id,
  { audience: ['stakeholders', 'customers'], message: 'Root cause found: bad LB config.', phase: 'identified' },
  { actor: 'carol' },
);
clock.advance('PT30M');
await kit.resolve(checkout.id, { summary: 'Rolled back the LB config' }, { actor: 'carol' });
await kit.recover(checkout.id, { note: 'Backlog of orders processed' }, { actor: 'carol' });
await kit.recordReview(
  checkout.id,
  {
    summary: 'A load balancer change dropped 20% of checkout requests for 40 minutes.',
    rootCause: 'A config push without a canary.',
    contributingFactors: ['The alert threshold was too high'],
    actionItems: [{ title: 'Canary all LB config pushes', owner: 'platform', dueDate: '2026-03-16' }],
  },
  { actor: 'carol' },
);
await kit.close(checkout.id, { note: 'Review done' }, { actor: 'carol' });

// The printer is fixed the same day.
await kit.acknowledge(printer.id, {}, { actor: 'it-desk' });
await kit.resolve(
  printer.id,
  { code: 'workaround', summary: 'Cleared the jam; new rollers ordered' },
  { actor: 'it-desk' },
);

// A week passes: the worker fires due timers (auto-close) and delivers notifications.
clock.advance('P7D');
const done = await kit.runDue();
console.log(`\nA week later: ${done.timersFired} incidents auto-closed, ${done.delivered} notifications sent.\n`);

for (const incident of [printer, payments, checkout]) {
  console.log(describeIncident(await kit.get(incident.id)));
  console.log(formatTimeline(await kit.timeline(incident.id)));
  console.log();
}
console.log(`First notifications:\n${notifications.slice(0, 3).join('\n')}`);

// Everything this file holds, this run's incidents and earlier runs'.
const all: Incident[] = [];
for (let cursor: string | null | undefined; cursor !== null; ) {
  const page = await kit.list(cursor === undefined ? { limit: 100 } : { limit: 100, cursor });
  all.push(...page.items);
  cursor = page.nextCursor;
}
const earlier = all.length - 3;
console.log(
  `\n${file} holds ${all.length} incidents (${earlier} from earlier runs): ${all.map((i) => `${i.number} ${i.status}`).join(', ')}.`,
);
console.log('Run `npm run demo` again to add three more, or `npm run demo -- --reset` to start over.');
db.close();
