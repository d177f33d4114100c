/**
 * Runs examples/routing.ts and checks what it prints: Slack got the responders' messages, Ana
 * her email at once, Bo his after his quiet hours, and the timeline explains every decision.
 * Run it with `npx vitest run examples/routing.test.ts`.
 */
import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

test('the example routes per audience, holds Bo for his quiet hours and explains it on the timeline', async () => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  await import('./routing.js');
  const out = lines.join('\n').split('\n');
  expect(out.slice(0, 6)).toEqual([
    'email at 2026-01-12T21:30:00.000Z to ana@example.com: INC-1 [P3] Search results are slow: reported',
    'now: 3 delivered',
    'slack: incident.reported, incident.triaged',
    'email at 2026-01-13T06:00:00.000Z to bo@example.com: INC-1 [P3] Search results are slow: reported',
    '07:00 in Berlin: 1 delivered',
    '',
  ]);
  expect(out.filter((line) => line.includes('notified about'))).toEqual([
    '#3 2026-01-12 21:30 [incidentkit] notified about #1 incident.reported: responders on slack, management on email to ana, management on email to bo (quiet hours: held until 2026-01-13T06:00:00.000Z)',
    '#4 2026-01-12 21:30 [incidentkit] notified about #2 incident.triaged: responders on slack',
    '#6 2026-01-12 21:30 [incidentkit] notified about #5 incident.update_posted: nobody; no route for customers',
  ]);
});
