import { ConcurrencyError, type Incident, ValidationError } from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

type Kit = ReturnType<typeof createTestKit>['kit'];

async function snapshot(kit: Kit, id: string) {
  const [incident, timeline, outbox] = await Promise.all([kit.get(id), kit.timeline(id), kit.store.outbox(id)]);
  return { incident, timeline, outbox };
}

/** The one fulfilled result and the one rejection of two settled promises. */
function split(results: PromiseSettledResult<Incident>[]) {
  const fulfilled = results.filter((r): r is PromiseFulfilledResult<Incident> => r.status === 'fulfilled');
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { fulfilled, rejected };
}

describe('two commands on the same version', () => {
  test.each([
    { label: 'with expectedVersion', useExpected: true },
    { label: 'without expectedVersion (both load the same version)', useExpected: false },
  ])('$label: exactly one commits, the other gets ConcurrencyError, no update is lost', async ({ useExpected }) => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const before = await snapshot(kit, incident.id);
    const options = useExpected ? { expectedVersion: incident.version } : {};

    const results = await Promise.allSettled([
      kit.assign(incident.id, { team: 'db' }, options),
      kit.note(incident.id, { text: 'Looking at the logs' }, options),
    ]);

    const { fulfilled, rejected } = split(results);
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(ConcurrencyError.isInstance(rejected[0]!.reason)).toBe(true);

    const after = await snapshot(kit, incident.id);
    expect(after.incident.version).toBe(before.incident.version + 1);
    expect(after.incident).toEqual(fulfilled[0]!.value);
    // exactly the winner's entry was appended
    const appended = after.timeline.slice(before.timeline.length);
    expect(appended).toHaveLength(1);
    const winner = results[0]!.status === 'fulfilled' ? 'assigned' : 'note';
    expect(appended[0]!.type).toBe(winner);
    expect(after.timeline.slice(0, before.timeline.length)).toEqual(before.timeline);
    if (winner === 'note') expect(after.incident.assignment.team).toBeNull();
    else expect(after.incident.assignment.team).toBe('db');
  });

  test('a stale expectedVersion is refused before anything is written', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    await kit.note(incident.id, { text: 'first' });
    const before = await snapshot(kit, incident.id);
    const error = await kit.assign(incident.id, { team: 'db' }, { expectedVersion: incident.version }).catch((e) => e);
    expect(ConcurrencyError.isInstance(error)).toBe(true);
    expect((error as ConcurrencyError).expectedVersion).toBe(incident.version);
    expect((error as ConcurrencyError).actualVersion).toBe(incident.version + 1);
    expect(await snapshot(kit, incident.id)).toEqual(before);
  });

  test('ten concurrent notes: one wins per version, the others fail, and the timeline stays gap-free', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => kit.note(incident.id, { text: `note ${i}` })),
    );
    const { fulfilled, rejected } = split(results);
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) expect(ConcurrencyError.isInstance(r.reason)).toBe(true);
    const after = await snapshot(kit, incident.id);
    expect(after.incident.version).toBe(incident.version + fulfilled.length);
    expect(after.timeline.filter((e) => e.type === 'note')).toHaveLength(fulfilled.length);
    expect(after.timeline.map((e) => e.seq)).toEqual(after.timeline.map((_, i) => i + 1));
  });
});

describe('idempotency keys', () => {
  test('a repeated report with the same key returns the first incident and writes nothing', async () => {
    const { kit } = createTestKit();
    const first = await kit.report(REPORT, { idempotencyKey: 'report-1' });
    const before = await snapshot(kit, first.id);
    const again = await kit.report(REPORT, { idempotencyKey: 'report-1' });
    expect(again).toEqual(first);
    expect((await kit.list()).items).toHaveLength(1);
    expect(await snapshot(kit, first.id)).toEqual(before);
  });

  test('the same key on a different request is refused, not replayed, and writes nothing', async () => {
    const { kit } = createTestKit();
    const first = await kit.report(REPORT, { idempotencyKey: 'k' });
    const before = await snapshot(kit, first.id);
    const refusals = await Promise.allSettled([
      kit.report({ ...REPORT, title: 'Another title' }, { idempotencyKey: 'k' }),
      kit.acknowledge(first.id, {}, { idempotencyKey: 'k' }),
      kit
        .note(first.id, { text: 'x' }, { idempotencyKey: 'note' })
        .then(() => kit.resolve(first.id, { summary: 'y' }, { idempotencyKey: 'note' })),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe('rejected');
      const error = (refusal as PromiseRejectedResult).reason;
      expect(ValidationError.isInstance(error)).toBe(true);
      expect(error.issues[0].path).toEqual(['idempotencyKey']);
    }
    expect((await kit.list()).items).toHaveLength(1);
    const after = await snapshot(kit, first.id);
    expect(after.incident.status).toBe('open');
    expect(after.timeline).toHaveLength(before.timeline.length + 1); // only the note
  });

  test('a repeated command with the same key returns the first result and writes nothing', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const first = await kit.note(incident.id, { text: 'once' }, { idempotencyKey: 'note-1' });
    const before = await snapshot(kit, incident.id);
    const again = await kit.note(incident.id, { text: 'once' }, { idempotencyKey: 'note-1' });
    expect(again).toEqual(first);
    expect(await snapshot(kit, incident.id)).toEqual(before);
    expect(before.timeline.filter((e) => e.type === 'note')).toHaveLength(1);
  });

  test('a repeated state change with the same key is not refused by the new state', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const first = await kit.acknowledge(incident.id, {}, { idempotencyKey: 'ack-1' });
    // acknowledge is not allowed in active any more, but the retry returns the first result
    const again = await kit.acknowledge(incident.id, {}, { idempotencyKey: 'ack-1' });
    expect(again).toEqual(first);
    expect((await kit.get(incident.id)).version).toBe(first.version);
  });

  test('a key belongs to the incident it was first used on: reusing it on another one is refused', async () => {
    const { kit } = createTestKit();
    const a = await kit.report(REPORT);
    const b = await kit.report(REPORT);
    await kit.note(a.id, { text: 'on a' }, { idempotencyKey: 'shared' });
    const before = await snapshot(kit, b.id);
    const error = await kit.note(b.id, { text: 'on b' }, { idempotencyKey: 'shared' }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues[0]!.path).toEqual(['idempotencyKey']);
    expect(await snapshot(kit, b.id)).toEqual(before);
  });

  test('two concurrent commands with the same key both return the same result, with one write', async () => {
    const { kit } = createTestKit();
    const incident = await kit.report(REPORT);
    const before = await snapshot(kit, incident.id);
    const [a, b] = await Promise.all([
      kit.note(incident.id, { text: 'once' }, { idempotencyKey: 'note-2' }),
      kit.note(incident.id, { text: 'once' }, { idempotencyKey: 'note-2' }),
    ]);
    expect(a).toEqual(b);
    const after = await snapshot(kit, incident.id);
    expect(after.incident.version).toBe(before.incident.version + 1);
    expect(after.timeline.length).toBe(before.timeline.length + 1);
    expect(after.incident).toEqual(a);
  });

  test('two concurrent reports with the same key both return the same incident, with one write', async () => {
    const { kit } = createTestKit();
    const [a, b] = await Promise.all([
      kit.report(REPORT, { idempotencyKey: 'report-2' }),
      kit.report(REPORT, { idempotencyKey: 'report-2' }),
    ]);
    expect(a).toEqual(b);
    expect((await kit.list()).items).toHaveLength(1);
  });
});
