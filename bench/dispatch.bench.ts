/**
 * Dispatch benchmark (`npm run bench:dispatch`). Never run as a test.
 *
 * Messages delivered per second to a local HTTP sink (127.0.0.1, same process) through the kit's
 * dispatcher (`runDue()`: claim from the memory store's outbox, render, sign per Standard
 * Webhooks, POST, settle) against a plain `fetch` loop POSTing the same number of JSON bodies of
 * the same size to the same sink, one at a time, in the same run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIncidentKit } from 'incidentkit';
import { webhookChannel } from 'incidentkit/channels';
import { FakeClock } from 'incidentkit/testing';
import { printTable, rounds, row, time } from './fixtures/timing.js';

const INCIDENTS = 250;
const ROUNDS = 5;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
const secret = `whsec_${Buffer.from('incidentkit-bench-secret-0123456789').toString('base64')}`;

/** A kit whose outbox holds the messages of `INCIDENTS` reports, ready for `runDue()`. */
async function loadedKit() {
  const clock = new FakeClock('2026-03-02T09:00:00Z');
  const kit = createIncidentKit({ clock, channels: [webhookChannel({ url, secret, clock })] });
  for (let i = 0; i < INCIDENTS; i++) {
    await kit.report({
      title: `Checkout latency above SLO (${i})`,
      reporter: { name: 'Prometheus', kind: 'monitoring' },
      service: 'checkout',
      impact: 'high',
      urgency: 'medium',
    });
  }
  return kit;
}

let messages = 0;
let bodySize = 0;
const ms = await rounds(ROUNDS, async () => {
  const kit = await loadedKit();
  let delivered = 0;
  const ours = await time(async () => {
    for (;;) {
      const run = await kit.runDue();
      delivered += run.delivered;
      if (run.delivered + run.failed + run.dead === 0) break;
    }
  });
  messages = delivered;
  const sample = JSON.stringify({
    type: 'incident.reported',
    timestamp: new Date(0).toISOString(),
    data: await kit.get((await kit.list({ limit: 1 })).items[0]?.id ?? ''),
  });
  bodySize = sample.length;
  const raw = await time(async () => {
    for (let i = 0; i < delivered; i++) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: sample,
      });
      await response.text();
    }
  });
  return { ours, raw };
});

console.log(`${messages} messages per round (${INCIDENTS} reports), raw bodies of ${bodySize} bytes.\n`);
printTable([row('dispatcher -> webhookChannel', 'messages/s', messages, ms)], 0.7);
server.close();
