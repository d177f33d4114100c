/**
 * Notifications through the outbox, on a fake clock and without network: a local receiver on
 * 127.0.0.1 verifies Standard Webhooks signatures, answers its first request with 503 and
 * Retry-After, and the kit delivers that message again, with the same webhook-id, once it is due.
 * A template signs the customers' messages. Run it with `npm run example:notifications`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIncidentKit } from 'incidentkit';
import { consoleChannel, verifyWebhook, WebhookVerificationError, webhookChannel } from 'incidentkit/channels';
import { FakeClock } from 'incidentkit/testing';

const secret = `whsec_${randomBytes(32).toString('base64')}`; // shared by sender and receiver

// The receiver, as your service would write it: verify, drop repeats by webhook-id, then act.
const seen = new Set<string>();
let requests = 0;
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const id = String(req.headers['webhook-id']);
  if (++requests === 1) {
    console.log(`receiver: 503 to ${id} (busy, Retry-After: 60)`);
    res.writeHead(503, { 'retry-after': '60' }).end();
    return;
  }
  try {
    const event = verifyWebhook({ secret, headers: req.headers, body: Buffer.concat(chunks) });
    if (!seen.has(id)) {
      seen.add(id);
      console.log(`receiver: verified ${id} ${event.type} for ${event.data.audience} (${event.data.incident.number})`);
    }
    res.writeHead(204).end();
  } catch (error) {
    const invalid = WebhookVerificationError.isInstance(error);
    console.log(`receiver: rejected (${invalid ? error.reason : 'error'})`);
    res.writeHead(invalid ? 401 : 500).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/incidents`;

const clock = new FakeClock('2026-03-02T09:00:00Z');
const kit = createIncidentKit({
  clock,
  channels: [webhookChannel({ url, secret }), consoleChannel({ write: (line) => console.log(`console:  ${line}`) })],
  // Your wording on top of the defaults: messages to customers are signed with the shop's name.
  templates: { '*': { customers: (_message, defaults) => ({ subject: `Example Shop: ${defaults.subject}` }) } },
});
kit.on('notification.failed', ({ message, error, retryAt }) => {
  const reason = error instanceof Error ? error.message : String(error);
  console.log(`kit: ${message.channel} failed (${reason}); retry at ${new Date(retryAt ?? 0).toISOString()}`);
});
kit.on('notification.dead', ({ message, error }) => console.log(`kit: ${message.channel} dead: ${String(error)}`));

// Reporting writes `reported` and `triaged` (to responders); the update goes to customers, in
// their public wording. Without `routes`, every configured channel receives every message.
const incident = await kit.report({
  title: 'Checkout error rate above 20%',
  reporter: { name: 'Prometheus', kind: 'monitoring' },
  service: 'checkout',
  impact: 'high',
  urgency: 'high',
});
await kit.postUpdate(
  incident.id,
  { audience: 'customers', message: 'Some payments fail. We are on it; next update in 30 minutes.' },
  { actor: 'ana' },
);

// Nothing is sent until a worker runs. The webhook's first message fails and, head of line, holds
// back the later messages of this incident on that channel; the console channel is not held up.
console.log('runDue:', await kit.runDue());
clock.advance('PT30S');
console.log('runDue after 30 s:', await kit.runDue()); // not due yet: Retry-After asked for 60 s
clock.advance('PT30S');
console.log('runDue after 60 s:', await kit.runDue());

for (const m of await kit.store.outbox(incident.id)) {
  console.log(`outbox: ${m.channel.padEnd(7)} ${m.payload.event.padEnd(23)} ${m.status}, attempts: ${m.attempts}`);
}

// A forged request: its signature was not made with the secret, so the receiver refuses it.
const forged = await fetch(url, {
  method: 'POST',
  headers: {
    'webhook-id': 'msg_forged',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}`,
  },
  body: JSON.stringify({ type: 'incident.resolved' }),
});
console.log(`forged request: HTTP ${forged.status}`);

server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
