import { createIncidentKit, defineSchedule, ValidationError } from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
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
