/**
 * Audience routes, contacts and quiet hours, on a fake clock: responders hear everything in a
 * (recording) Slack channel; management hears of production incidents by email, and Bo, in
 * Berlin, gets low-urgency email only after his quiet hours. Every routing decision is on the
 * timeline. Run it with `npm run example:routing`.
 */
import { createIncidentKit, formatTimeline } from 'incidentkit';
import { emailChannel, type MailMessage } from 'incidentkit/channels';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';

// 22:30 in Berlin (UTC+1 in winter).
const clock = new FakeClock('2026-01-12T21:30:00Z');
const slack = new RecordingChannel('slack'); // stands in for slackChannel({ webhookUrl })
const email = emailChannel({
  from: 'incidents@example.com',
  // Any transport with nodemailer's sendMail(message) shape; this one prints what it would send.
  transport: {
    sendMail: async (mail: MailMessage) => {
      const to = mail.to.map((t) => t.address).join(', ');
      console.log(`email at ${new Date(clock.now()).toISOString()} to ${to}: ${mail.subject}`);
    },
  },
});

const kit = createIncidentKit({
  clock,
  channels: [slack, email],
  contacts: {
    ana: { name: 'Ana Lima', email: 'ana@example.com', timeZone: 'America/New_York' },
    bo: {
      name: 'Bo Berg',
      email: 'bo@example.com',
      timeZone: 'Europe/Berlin',
      quietHours: { start: '22:00', end: '07:00' },
    },
  },
  routes: [
    { name: 'oncall-slack', audience: 'responders', channels: ['slack'] },
    {
      name: 'management-mail',
      audience: 'management',
      channels: ['email'],
      recipients: ['ana', 'bo'],
      environments: ['production'],
      events: ['reported', 'resolved'],
    },
  ],
});

// P3 (medium impact and urgency): low urgency, so Bo's email waits for 07:00 in Berlin.
const incident = await kit.report({
  title: 'Search results are slow',
  reporter: { name: 'Grafana', kind: 'monitoring' },
  service: 'search',
  impact: 'medium',
  urgency: 'medium',
});
// An update for customers: no route delivers it, and the timeline says so.
await kit.postUpdate(
  incident.id,
  { audience: 'customers', message: 'Search is slow; we are on it.' },
  { actor: 'ana' },
);

const { delivered } = await kit.runDue();
console.log(`now: ${delivered} delivered`);
console.log(`slack: ${slack.messages.map((m) => m.event).join(', ')}`);
clock.set('2026-01-13T06:00:00Z'); // 07:00 in Berlin
console.log(`07:00 in Berlin: ${(await kit.runDue()).delivered} delivered`);

console.log('\ntimeline:');
console.log(formatTimeline(await kit.timeline(incident.id)));
