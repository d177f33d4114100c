import { type Channel, createIncidentKit, type RenderedMessage, type SendContext } from 'incidentkit';
import {
  consoleChannel,
  emailChannel,
  type MailMessage,
  slackChannel,
  smsChannel,
  teamsChannel,
  webhookChannel,
} from 'incidentkit/channels';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CANARY,
  everyEventRoutes,
  everyNotifyingEntry,
  notifying,
  SCENARIO_OPTIONS,
  TEAM,
} from '../notify/scenario.js';
import { TRIAGED_REPORT as REPORT } from '../support.js';
import { type Sink, startSink } from './sink.js';

/** Records, per channel, the audience of each message in the order it was sent. */
function recordingAudiences(channel: Channel, audiences: string[]): Channel {
  return {
    name: channel.name,
    async send(message: RenderedMessage, context: SendContext) {
      audiences.push(message.audience);
      await channel.send(message, context);
    },
  };
}

describe('no message to customers carries internal details, on any channel', () => {
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSink({ status: 200, body: 'ok' });
  });
  afterAll(() => sink.close());

  /** The six channels, each recording the audience of what it sends; `wire()` pairs them with what reached the wire. */
  function sixChannels(clock: FakeClock) {
    sink.requests.length = 0;
    const secret = `whsec_${Buffer.from('leak-test-secret-0123456789').toString('base64')}`;
    const mails: MailMessage[] = [];
    const lines: string[] = [];
    const sent: Record<string, string[]> = {};
    const wrap = (channel: Channel) => {
      sent[channel.name] = [];
      return recordingAudiences(channel, sent[channel.name] as string[]);
    };
    const channels = [
      wrap(webhookChannel({ url: `${sink.url}/webhook`, secret, clock })),
      wrap(slackChannel({ webhookUrl: `${sink.url}/slack` })),
      wrap(teamsChannel({ webhookUrl: `${sink.url}/teams` })),
      wrap(
        smsChannel({
          accountSid: 'AC0123456789abcdef0123456789abcdef',
          authToken: 'token-0123456789',
          from: '+15005550006',
          to: '+14155550101',
          baseUrl: `${sink.url}/sms`,
        }),
      ),
      wrap(
        emailChannel({
          transport: {
            async sendMail(mail: MailMessage) {
              mails.push(mail);
              return { accepted: ['x'], rejected: [] };
            },
          },
          from: 'incidents@example.com',
          to: 'status@example.com',
        }),
      ),
      wrap(consoleChannel({ write: (line) => lines.push(line) })),
    ];
    /** Per channel, each message sent as `[audience, what reached the wire]`. */
    function wire(): Record<string, [string, string][]> {
      const byPath = (prefix: string) => sink.requests.filter((r) => r.path.startsWith(prefix)).map((r) => r.body);
      const bodies: Record<string, string[]> = {
        webhook: byPath('/webhook'),
        slack: byPath('/slack'),
        teams: byPath('/teams'),
        sms: byPath('/sms'),
        email: mails.map((m) => JSON.stringify(m)),
        console: lines,
      };
      return Object.fromEntries(
        Object.entries(bodies).map(([name, list]) => {
          const audiences = sent[name] as string[];
          expect(list.length, `${name}: every send reached the wire`).toBe(audiences.length);
          const decoded = list.map((body) => decodeURIComponent(body.replace(/\+/g, ' ')));
          return [name, decoded.map((text, i): [string, string] => [audiences[i] as string, text])];
        }),
      );
    }
    return { channels, wire };
  }

  test('assignee, team, participants, notes, labels and actors stay out of customer messages', async () => {
    const clock = new FakeClock();
    const { channels, wire } = sixChannels(clock);
    const kit = createIncidentKit({ clock, channels });
    const actor = { id: `${CANARY}-actor-id`, name: `${CANARY} Actor` };
    const incident = await kit.report({ ...REPORT, labels: [`${CANARY}-label`] }, { actor });
    await kit.assign(incident.id, { team: `${CANARY}-team`, assignee: `${CANARY}-assignee` }, { actor });
    await kit.acknowledge(incident.id, {}, { actor });
    await kit.addParticipant(
      incident.id,
      { id: `${CANARY}-pid`, name: `${CANARY} Person`, role: 'responder' },
      { actor },
    );
    await kit.note(incident.id, { text: `${CANARY} internal note` }, { actor });
    await kit.postUpdate(
      incident.id,
      { audience: ['customers', 'responders'], message: 'We are investigating.' },
      { actor },
    );
    for (let i = 0; i < 20 && (await kit.runDue()).delivered > 0; i++);

    let customerMessages = 0;
    let internalWithCanary = 0;
    for (const [name, messages] of Object.entries(wire())) {
      messages.forEach(([audience, text], i) => {
        if (audience === 'customers') {
          customerMessages++;
          expect(text, `${name} message ${i} to customers`).not.toContain(CANARY);
        } else if (text.includes(CANARY)) internalWithCanary++;
      });
    }
    expect(customerMessages).toBe(6); // one per channel
    // The canary does reach responders, so the check above would catch a leak.
    expect(internalWithCanary).toBeGreaterThan(0);
  });

  test('customers and the reporter subscribed to every event: no private detail and no team on any channel', async () => {
    const clock = new FakeClock();
    const { channels, wire } = sixChannels(clock);
    const names = channels.map((c) => c.name);
    const { kit, advance } = createTestKit({ ...SCENARIO_OPTIONS, clock, channels, routes: everyEventRoutes(names) });
    const entries = await everyNotifyingEntry(kit, advance);

    let internalWithCanary = 0;
    for (const [name, messages] of Object.entries(wire())) {
      let publicMessages = 0;
      messages.forEach(([audience, text], i) => {
        if (audience === 'customers' || audience === 'reporter') {
          publicMessages++;
          expect(text, `${name} message ${i} to ${audience}`).not.toContain(CANARY);
          expect(text, `${name} message ${i} to ${audience}`).not.toContain(TEAM);
        } else if (text.includes(CANARY)) internalWithCanary++;
      });
      // Every notifying entry, once to customers and once to the reporter.
      expect(publicMessages, name).toBe(2 * notifying(entries));
    }
    expect(internalWithCanary).toBeGreaterThan(0);
  });
});
