/**
 * A major incident from the first page to the review, on a fake clock: the primary database goes
 * down at night, the DBA on call does not answer, the escalation policy pages the DBA lead, who
 * declares a major incident, takes command and pulls in the storage team; updates reach
 * stakeholders and customers, a late update is flagged, and the incident is resolved, recovered,
 * reviewed and closed. Run it with `npm run example:major`.
 */
import { type Audience, defineSchedule, formatTimeline } from 'incidentkit';
import { consoleChannel, emailChannel, type MailMessage } from 'incidentkit/channels';
import { createTestKit, FakeClock, RecordingChannel } from 'incidentkit/testing';

const clock = new FakeClock('2026-03-11T02:14:00Z'); // a Wednesday night (London is on UTC in March)
const say = (line: string) => console.log(`${clock.iso().slice(11, 16)} ${line}`);

// Weekly rotas: bo is the DBA on call this week, sven the storage engineer.
const weekly = { timeZone: 'Europe/London', start: '2026-03-02T09:00', rotation: { days: 7 } };
const dbaPrimary = defineSchedule({ name: 'dba-primary', layers: [{ ...weekly, members: ['ana', 'bo'] }] });
const storageRota = defineSchedule({ name: 'storage', layers: [{ ...weekly, members: ['tia', 'sven'] }] });

// Channels: Slack for the responders (recorded here), email for people, a status page for customers.
const slack = new RecordingChannel('slack'); // stands in for slackChannel({ webhookUrl })
const email = emailChannel({
  from: 'incidents@example.com',
  // Any transport with nodemailer's sendMail() shape; this one prints what it would send.
  transport: {
    sendMail: async (mail: MailMessage) => {
      const to = mail.to.map((t) => t.address).join(', ');
      say(`  email to ${to} (${mail.headers['X-Incidentkit-Audience']}): ${mail.headers['X-Incidentkit-Event']}`);
    },
  },
});
const statusPage = consoleChannel({ name: 'status-page', write: (line) => say(`  status page: ${line}`) });

const { kit, advance } = createTestKit({
  clock,
  channels: [slack, email, statusPage],
  // Everyone a policy can page must be a contact when a route notifies escalation targets.
  contacts: Object.fromEntries(
    ['ana', 'bo', 'dana', 'vic', 'eve', 'kim', 'tia', 'sven'].map((id) => [id, { email: `${id}@example.com` }]),
  ),
  oncall: {
    schedules: { 'dba-primary': dbaPrimary, storage: storageRota },
    // An escalation to the storage team that names nobody pages whoever is on call there.
    teams: { storage: { schedule: 'storage' } },
    escalationPolicies: [
      {
        name: 'database',
        services: ['postgres'],
        levels: [
          { targets: [{ schedule: 'dba-primary' }], delay: 'PT10M' }, // whoever is on call
          { targets: [{ person: 'dana' }, { team: 'dba' }], delay: 'PT15M' }, // the DBA lead; dba owns it
          { targets: [{ person: 'vic' }], delay: 'PT30M' }, // the VP of engineering
        ],
      },
    ],
  },
  // A major incident with no update for 30 minutes gets a `communication_due` reminder.
  lifecycle: { communicationCadence: 'PT30M' },
  routes: [
    { name: 'oncall-slack', audience: 'responders', channels: ['slack'] },
    // The page: each escalation step emails the people it paged.
    {
      name: 'pager',
      audience: 'responders',
      channels: ['email'],
      escalationTargets: true,
      events: ['triaged', 'escalated'],
    },
    // The reminder goes to whoever holds the communications role.
    {
      name: 'comms',
      audience: 'responders',
      channels: ['email'],
      roles: ['communications'],
      events: ['communication_due'],
    },
    // Stakeholders (kim, the support lead) and management (vic) hear of major incidents only.
    {
      name: 'stakeholders',
      audience: 'stakeholders',
      channels: ['email'],
      recipients: ['kim'],
      majorOnly: true,
      events: ['major_declared', 'update_posted', 'resolved'],
    },
    {
      name: 'management',
      audience: 'management',
      channels: ['email'],
      recipients: ['vic'],
      majorOnly: true,
      events: ['major_declared', 'resolved'],
    },
    { name: 'status-page', audience: 'customers', channels: ['status-page'], events: ['update_posted', 'resolved'] },
  ],
});
kit.on('incident.escalated', ({ entry: { step }, incident: { assignment: owner } }) => {
  const how = `${step.automatic ? 'not acknowledged: ' : ''}escalated ${step.kind}ly (${step.mode}, level ${step.level})`;
  say(`${how} to ${step.to.team} / ${step.to.assignee}`);
  say(`  owner: ${owner.team} / ${owner.assignee}${owner.supporting.length ? `, with ${owner.supporting}` : ''}`);
});
kit.on('incident.communication_due', () => say('reminder: no update for 30 minutes'));
// Moves the fake clock to a time of day (or a later day), firing timers and sending on the way.
const at = (time: string, day = '2026-03-11') => advance(Date.parse(`${day}T${time}:00Z`) - clock.now());

const [dana, eve] = [{ actor: 'dana' }, { actor: 'eve' }];

// 02:14: monitoring reports it. Impact and urgency high make it P1 at once, so it opens and the
// policy pages level 0: whoever is on call in dba-primary.
const { id, number, escalation } = await kit.report({
  title: 'Primary database unreachable',
  reporter: { name: 'Prometheus', kind: 'monitoring' },
  service: 'postgres',
  impact: 'high',
  urgency: 'high',
});
say(`${number} reported by monitoring, P1: level 0 pages ${escalation.targets?.join(', ')}`);

// Nobody answers: at 02:24 the policy escalates vertically by itself, to the DBA lead.
await at('02:27');
await kit.acknowledge(id, { note: 'On it' }, dana);
say('dana acknowledges');

// The lead declares it major and takes command; a communications lead and a scribe join.
await at('02:29');
await kit.declareMajor(id, { reason: 'All writes fail; checkout is down' }, dana);
await kit.setRole(id, { participantId: 'dana', role: 'commander' }, dana);
await kit.addParticipant(id, { id: 'eve', name: 'Eve', role: 'communications' }, dana);
await kit.addParticipant(id, { id: 'sam', name: 'Sam', role: 'scribe' }, dana);
say('declared major: dana commands, eve communicates, sam takes notes');

// Lateral escalation to storage, swarming: storage joins, dana keeps it, and the storage engineer
// on call is paged (the pager route emails the step's targets).
await at('02:35');
await kit.escalate(
  id,
  { kind: 'lateral', mode: 'swarm', team: 'storage', reason: 'I/O errors on the data volume' },
  dana,
);

// Updates go to stakeholders and customers, each in their own words; a phase moves the incident.
const audience: Audience[] = ['stakeholders', 'customers'];
await at('02:40');
await kit.postUpdate(id, { audience, message: 'Checkout is down. We are on it.' }, eve);
// No update for 30 minutes: the reminder fires at 03:10 (once: the next update resets the count).
await at('03:15');
await kit.postUpdate(id, { audience, message: 'A disk failed. We are failing over.', phase: 'identified' }, eve);
await at('03:40');
await kit.postUpdate(id, { audience, message: 'Checkout works again; we are watching it.', phase: 'monitoring' }, eve);

// Resolved: a major incident goes to `recovering` until the aftermath is dealt with.
await at('04:05');
const resolved = await kit.resolve(id, { summary: 'Failed over to the replica' }, dana);
say(`resolved: ${resolved.status}/${resolved.phase}`);
await at('07:30');
await kit.recover(id, { note: 'New replica built, queued orders replayed' }, dana);
say('recovered');

// Two days later: the review, which a major incident needs before it can close.
await at('14:00', '2026-03-13');
await kit.recordReview(
  id,
  {
    summary: 'Checkout was down for 111 minutes after the primary database lost its data volume.',
    rootCause: 'A disk of the primary failed, and failing over was manual.',
    contributingFactors: ['An email did not wake the DBA on call', 'No alert on disk I/O errors'],
    actionItems: [
      { title: 'Automate database failover', owner: 'dana', dueDate: '2026-04-15' },
      { title: 'Alert on disk I/O errors', owner: 'sven', dueDate: '2026-03-27' },
    ],
  },
  { actor: 'sam' },
);
const closed = await kit.close(id, { note: 'Review done' }, dana);
await advance();
say(`${number} ${closed.status}; slack got ${slack.messages.length} messages for the responders`);

console.log('\ntimeline:');
console.log(formatTimeline(await kit.timeline(id)));

// For examples/major-incident.test.ts, which checks the timeline and the recorded channel.
export { id, kit, slack };
