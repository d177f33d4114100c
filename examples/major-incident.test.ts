/**
 * Runs examples/major-incident.ts and checks the story: what it prints, the exact sequence of
 * timeline entries, the escalation steps, who was notified per audience and on which channel, and
 * that the incident ends closed with its review. Run it with
 * `npx vitest run examples/major-incident.test.ts`.
 */
import type { TimelineEntryOf } from 'incidentkit';
import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

test('the major incident is paged, escalated, swarmed, communicated, resolved, recovered, reviewed and closed', async () => {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  const { id, kit, slack } = await import('./major-incident.js');
  const out = lines.join('\n').split('\n');

  expect(out.slice(0, out.indexOf('timeline:'))).toEqual([
    '02:14 INC-1 reported by monitoring, P1: level 0 pages bo',
    '02:14   email to bo@example.com (responders): incident.triaged',
    '02:24 not acknowledged: escalated vertically (reassign, level 1) to dba / dana',
    '02:24   owner: dba / dana',
    '02:24   email to dana@example.com (responders): incident.escalated',
    '02:27 dana acknowledges',
    '02:29 declared major: dana commands, eve communicates, sam takes notes',
    '02:29   email to kim@example.com (stakeholders): incident.major_declared',
    '02:29   email to vic@example.com (management): incident.major_declared',
    '02:35 escalated laterally (swarm, level 1) to storage / sven',
    '02:35   owner: dba / dana, with storage',
    '02:35   email to sven@example.com (responders): incident.escalated',
    '02:40   email to kim@example.com (stakeholders): incident.update_posted',
    '02:40   status page: [customers] INC-1 Primary database unreachable: Checkout is down. We are on it.',
    '03:10 reminder: no update for 30 minutes',
    '03:10   email to eve@example.com (responders): incident.communication_due',
    '03:15   email to kim@example.com (stakeholders): incident.update_posted',
    '03:15   status page: [customers] INC-1 Primary database unreachable: A disk failed. We are failing over.',
    '03:40   email to kim@example.com (stakeholders): incident.update_posted',
    '03:40   status page: [customers] INC-1 Primary database unreachable: Checkout works again; we are watching it.',
    '04:05 resolved: resolved/recovering',
    '04:05   email to kim@example.com (stakeholders): incident.resolved',
    '04:05   status page: [customers] INC-1 Primary database unreachable: resolved',
    '04:05   email to vic@example.com (management): incident.resolved',
    '07:30 recovered',
    '14:00 INC-1 closed; slack got 11 messages for the responders',
    '',
  ]);

  const timeline = await kit.timeline(id);
  // The printed timeline is formatTimeline() of these entries: one line each.
  expect(out.slice(out.indexOf('timeline:') + 1)).toHaveLength(timeline.length);
  expect(timeline.map((e) => e.type)).toEqual([
    'reported',
    'triaged',
    'assigned', // level 0 pages bo: the policy makes him the owner
    'notified',
    'notified',
    'notified',
    'escalated', // 02:24, by the escalation timer
    'participant_added',
    'notified',
    'acknowledged',
    'notified',
    'major_declared',
    'notified',
    'role_set',
    'participant_added',
    'participant_added',
    'escalated', // 02:35, the swarm
    'participant_added',
    'notified',
    'update_posted',
    'notified',
    'communication_due', // 03:10
    'notified',
    'update_posted',
    'notified',
    'update_posted',
    'notified',
    'resolved',
    'notified',
    'recovered',
    'notified',
    'review_recorded',
    'closed',
    'notified',
  ]);

  const steps = timeline
    .filter((e): e is TimelineEntryOf<'escalated'> => e.type === 'escalated')
    .map(({ at, step }) => ({
      at: at.slice(11, 16),
      level: step.level,
      kind: step.kind,
      mode: step.mode,
      automatic: step.automatic,
      policy: step.policy,
      targets: step.targets,
      to: step.to,
    }));
  expect(steps).toEqual([
    {
      at: '02:24',
      level: 1,
      kind: 'vertical',
      mode: 'reassign',
      automatic: true,
      policy: { name: 'database', level: 1 },
      targets: ['dana'],
      to: { team: 'dba', tier: 2, assignee: 'dana' },
    },
    {
      at: '02:35',
      level: 1,
      kind: 'lateral',
      mode: 'swarm',
      automatic: false,
      policy: undefined, // a manual lateral step: no policy level chose it
      targets: ['sven'], // the storage team's on-call, from oncall.teams
      to: { team: 'storage', tier: 2, assignee: 'sven' },
    },
  ]);

  // Who was told what, per audience, from the `notified` entries.
  const notified = timeline.filter((e): e is TimelineEntryOf<'notified'> => e.type === 'notified');
  expect(notified.flatMap((e) => e.unrouted)).toEqual([]);
  const told = (audience: string, channel: string) =>
    notified.flatMap((e) =>
      e.deliveries
        .filter((d) => d.audience === audience && d.channel === channel)
        .map((d) => `${e.event.slice('incident.'.length)}${d.recipients?.length ? ` -> ${d.recipients}` : ''}`),
    );
  expect(told('responders', 'email')).toEqual([
    'triaged -> bo', // level 0: the DBA on call
    'escalated -> dana', // level 1: the DBA lead
    'escalated -> sven', // the swarm pages the storage team's on-call
    'communication_due -> eve', // the communications role
  ]);
  expect(told('responders', 'slack')).toEqual([
    'reported',
    'triaged',
    'assigned',
    'escalated',
    'acknowledged',
    'major_declared',
    'escalated',
    'communication_due',
    'resolved',
    'recovered',
    'closed',
  ]);
  expect(slack.messages.map((m) => m.event.slice('incident.'.length))).toEqual(told('responders', 'slack'));
  expect(told('stakeholders', 'email')).toEqual([
    'major_declared -> kim',
    'update_posted -> kim',
    'update_posted -> kim',
    'update_posted -> kim',
    'resolved -> kim',
  ]);
  expect(told('management', 'email')).toEqual(['major_declared -> vic', 'resolved -> vic']);
  expect(told('customers', 'status-page')).toEqual(['update_posted', 'update_posted', 'update_posted', 'resolved']);

  const incident = await kit.get(id);
  expect(incident).toMatchObject({ status: 'closed', major: true, phase: null });
  expect(incident.assignment).toEqual({ team: 'dba', tier: 2, assignee: 'dana', supporting: ['storage'] });
  expect(incident.participants.map((p) => `${p.id}: ${p.role}`)).toEqual([
    'Prometheus: reporter',
    'dana: commander',
    'eve: communications',
    'sam: scribe',
    'sven: responder',
  ]);
  expect(incident.review).toMatchObject({
    recordedBy: 'sam',
    contributingFactors: ['An email did not wake the DBA on call', 'No alert on disk I/O errors'],
    actionItems: [
      { title: 'Automate database failover', owner: 'dana', dueDate: '2026-04-15' },
      { title: 'Alert on disk I/O errors', owner: 'sven', dueDate: '2026-03-27' },
    ],
  });
  expect(await kit.store.timers(id)).toEqual([]);
});
