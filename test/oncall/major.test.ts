import { createIncidentKit, defineSchedule, ValidationError } from 'incidentkit';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT } from '../support.js';

/** Incident commanders, a week each, handing over Monday 09:00 in New York. */
const commanders = defineSchedule({
  name: 'incident-commanders',
  timeZone: 'America/New_York',
  layers: [{ start: '2026-01-05T09:00', rotation: { days: 7 }, members: ['ic-ana', 'ic-bo'] }],
});

function setup(clock = '2026-01-06T15:00:00Z') {
  return createTestKit({ clock, oncall: { schedules: { commanders }, commanders: 'commanders' } });
}

describe('a commander from the commanders schedule when an incident is declared major', () => {
  test('whoever is on call joins as commander', async () => {
    const { kit } = setup();
    const { id } = await kit.report(TRIAGED_REPORT);
    const major = await kit.declareMajor(id, { reason: 'All checkouts fail' }, { actor: 'ana' });
    expect(major.participants.filter((p) => p.role === 'commander').map((p) => p.id)).toEqual(['ic-ana']);
    const types = (await kit.timeline(id)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['major_declared', 'participant_added']);
  });

  test('a participant who is on call takes the role; an incident with a commander keeps its own', async () => {
    const { kit } = setup('2026-01-13T15:00:00Z'); // the second week: ic-bo
    const a = await kit.report(TRIAGED_REPORT);
    await kit.addParticipant(a.id, { id: 'ic-bo', name: 'Bo', role: 'responder' });
    const declaredA = await kit.declareMajor(a.id, { reason: 'Spreading' });
    expect(declaredA.participants.filter((p) => p.role === 'commander').map((p) => p.id)).toEqual(['ic-bo']);
    expect((await kit.timeline(a.id)).at(-1)).toMatchObject({ type: 'role_set', from: 'responder', to: 'commander' });

    const b = await kit.report({ ...TRIAGED_REPORT, title: 'Another' });
    await kit.addParticipant(b.id, { id: 'zoe', name: 'Zoe', role: 'commander' });
    const declared = await kit.declareMajor(b.id, { reason: 'Spreading' });
    expect(declared.participants.filter((p) => p.role === 'commander').map((p) => p.id)).toEqual(['zoe']);
  });

  test('an unknown commanders schedule is refused', () => {
    expect(() => createIncidentKit({ oncall: { commanders: 'nobody' } })).toThrow(ValidationError);
    expect(() => createIncidentKit({ oncall: { commanders: 'nobody' } })).toThrow(
      /oncall.commanders: Unknown schedule "nobody"; the kit's schedules are none/,
    );
  });
});

describe('teams and roles', () => {
  const storage = defineSchedule({
    name: 'storage',
    timeZone: 'UTC',
    layers: [{ start: '2026-01-05T00:00', rotation: { days: 1 }, members: ['sven', 'sara'] }],
  });

  test('a swarm to a team that names nobody pages its on-call; routes reach them and the roles they name', async () => {
    const email = new RecordingChannel('email', { contacts: 'email' });
    const { kit, advance } = createTestKit({
      clock: '2026-01-05T10:00:00Z',
      channels: [email],
      contacts: { sven: { email: 'sven@example.com' }, eve: { email: 'eve@example.com' } },
      routes: [
        { name: 'paged', audience: 'responders', channels: ['email'], escalationTargets: true, events: ['escalated'] },
        {
          name: 'comms',
          audience: 'responders',
          channels: ['email'],
          roles: ['communications'],
          events: ['communication_due'],
        },
      ],
      oncall: { schedules: { storage }, teams: { storage: { schedule: 'storage' } } },
      lifecycle: { communicationCadence: 'PT30M' },
    });
    const { id } = await kit.report(TRIAGED_REPORT);
    await kit.assign(id, { team: 'dba', assignee: 'dana' });
    await kit.acknowledge(id, {}, { actor: 'dana' });
    const swarmed = await kit.escalate(id, { kind: 'lateral', mode: 'swarm', team: 'storage', reason: 'Disks' });
    expect(swarmed.assignment).toMatchObject({ team: 'dba', assignee: 'dana', supporting: ['storage'] });
    expect(swarmed.participants.map((p) => p.id)).toContain('sven');
    expect(swarmed.escalation.targets).toEqual(['sven']);
    await kit.declareMajor(id, { reason: 'Checkout down' });
    await kit.addParticipant(id, { id: 'eve', name: 'Eve', role: 'communications' });
    await kit.runDue();
    await advance('PT30M'); // no update for 30 minutes: the communications role is reminded
    expect(email.messages.map((m) => `${m.event} ${m.payload.recipients?.map((r) => r.id)}`)).toEqual([
      'incident.escalated sven',
      'incident.communication_due eve',
    ]);
  });
});

test('an on-call commander who holds another single-holder role keeps it: no commander is set', async () => {
  const { kit } = setup();
  const { id } = await kit.report(TRIAGED_REPORT);
  await kit.addParticipant(id, { id: 'ic-ana', name: 'Ana', role: 'communications' });
  const major = await kit.declareMajor(id, { reason: 'Spreading' });
  expect(major.participants.find((p) => p.id === 'ic-ana')?.role).toBe('communications');
  expect(major.participants.some((p) => p.role === 'commander')).toBe(false);
});
