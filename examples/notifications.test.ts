/**
 * Runs examples/notifications.ts and checks what it prints: the receiver verified every webhook
 * message once, the message it refused with 503 came back with the same webhook-id after
 * Retry-After, and the forged request was refused. Run it with
 * `npx vitest run examples/notifications.test.ts`.
 */
import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

test('the example delivers every message, retries the 503 with the same webhook-id, refuses a forgery', async () => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
  await import('./notifications.js');

  const refused = lines.find((line) => line.startsWith('receiver: 503 to '))?.split(' ')[3];
  const verified = lines.filter((line) => line.startsWith('receiver: verified '));
  expect(verified.map((line) => line.split(' ').slice(3).join(' '))).toEqual([
    'incident.reported for responders (INC-1)',
    'incident.triaged for responders (INC-1)',
    'incident.update_posted for customers (INC-1)',
  ]);
  expect(verified[0]?.split(' ')[2]).toBe(refused);
  expect(lines).toContain('kit: webhook failed (Channel "webhook": HTTP 503); retry at 2026-03-02T09:01:00.000Z');
  expect(lines.filter((line) => line.startsWith('console:'))).toEqual([
    'console:  [responders] INC-1 [P1] Checkout error rate above 20% (open): reported by Prometheus (monitoring): Checkout error rate above 20%',
    expect.stringMatching(
      /^console: {2}\[responders\] INC-1 \[P1\] Checkout error rate above 20% \(open\): prioritized P1/,
    ),
    // The template: the customers' subject, signed.
    'console:  [customers] Example Shop: INC-1 Checkout error rate above 20%: Some payments fail. We are on it; next update in 30 minutes.',
  ]);
  expect(lines.filter((line) => line.startsWith('runDue'))).toEqual([
    'runDue: {"timersFired":0,"timersSkipped":0,"delivered":3,"failed":1,"dead":0,"deferred":0}',
    'runDue after 30 s: {"timersFired":0,"timersSkipped":0,"delivered":0,"failed":0,"dead":0,"deferred":0}',
    'runDue after 60 s: {"timersFired":0,"timersSkipped":0,"delivered":3,"failed":0,"dead":0,"deferred":0}',
  ]);
  expect(lines.filter((line) => line.startsWith('outbox:')).map((line) => line.split(' ').at(-1))).toEqual([
    '2',
    '1',
    '1',
    '1',
    '1',
    '1',
  ]);
  expect(lines.slice(-2)).toEqual(['receiver: rejected (no_matching_signature)', 'forged request: HTTP 401']);
});
