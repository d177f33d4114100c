import { ConcurrencyError, createIncidentKit, type IncidentKit } from 'incidentkit';
import { postgresStore } from 'incidentkit/postgres';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import type pg from 'pg';
import { expect, test } from 'vitest';
import { describePg, dropSchema, newPool, testSchemaName } from '../pg.js';
import { TRIAGED_REPORT as REPORT } from '../support.js';

const INSTANCES = 4;
const INCIDENTS = 1000;
const ROUNDS = 10;
const LIFECYCLE = { escalateAfter: 'PT10M', maxEscalations: 1 } as const;

/** Four app instances: a kit each, on its own pool, over one PostgreSQL schema. */
async function instances(schema: string, clock: FakeClock) {
  const pools: pg.Pool[] = Array.from({ length: INSTANCES }, () => newPool(4));
  const channels = pools.map(() => new RecordingChannel('webhook'));
  const kits: IncidentKit[] = pools.map((pool, i) =>
    createIncidentKit({
      store: postgresStore(pool, { schema }),
      clock,
      channels: [channels[i] as RecordingChannel],
      lifecycle: LIFECYCLE,
      workerId: `instance-${i}`,
    }),
  );
  return { pools, channels, kits };
}

/** Runs `runDue()` on every instance at once until none of them finds work. */
async function drainAll(kits: IncidentKit[]) {
  let fired = 0;
  let delivered = 0;
  for (;;) {
    const runs = await Promise.all(kits.map((kit) => kit.runDue()));
    const work = runs.reduce((n, r) => n + r.timersFired + r.timersSkipped + r.delivered + r.failed + r.dead, 0);
    fired += runs.reduce((n, r) => n + r.timersFired, 0);
    delivered += runs.reduce((n, r) => n + r.delivered, 0);
    if (work === 0) return { fired, delivered };
  }
}

async function scenario(round: number): Promise<void> {
  const schema = testSchemaName();
  const clock = new FakeClock();
  const { pools, channels, kits } = await instances(schema, clock);
  try {
    // 1,000 incidents, reported through the four instances at once: each arms an escalation timer.
    const reported = await Promise.all(
      kits.map(async (kit, k) => {
        const ids: string[] = [];
        for (let i = k; i < INCIDENTS; i += INSTANCES) ids.push((await kit.report({ ...REPORT, title: `#${i}` })).id);
        return ids;
      }),
    );
    const ids = reported.flat();
    expect(new Set(ids).size).toBe(INCIDENTS);

    // Concurrent commands on the same incidents from every instance: each either lands or fails
    // with ConcurrencyError, never silently.
    const contested = ids.slice(0, 10);
    const attempts = await Promise.allSettled(
      contested.flatMap((id) =>
        kits.flatMap((kit, k) =>
          Array.from({ length: 3 }, (_, n) => kit.note(id, { text: `instance ${k} note ${n}` }, { actor: `u${k}` })),
        ),
      ),
    );
    for (const a of attempts) if (a.status === 'rejected') expect(ConcurrencyError.isInstance(a.reason)).toBe(true);
    const landed = attempts.filter((a) => a.status === 'fulfilled').length;
    expect(landed).toBeGreaterThanOrEqual(contested.length);

    // The clock moves in five-minute steps while all four instances run their workers together.
    let fired = 0;
    let delivered = 0;
    for (let step = 0; step < 4; step++) {
      clock.advance('PT5M');
      const done = await drainAll(kits);
      fired += done.fired;
      delivered += done.delivered;
    }
    expect(fired, `round ${round}: every timer fires once`).toBe(INCIDENTS);

    const store = postgresStore(pools[0] as pg.Pool, { schema });
    let notes = 0;
    for (const id of ids) {
      const timeline = await store.timeline(id);
      const escalated = timeline.filter((e) => e.type === 'escalated');
      expect(escalated, `${id}: one timeline entry for its one fired timer`).toHaveLength(1);
      notes += timeline.filter((e) => e.type === 'note').length;
      expect(await store.timers(id)).toEqual([]);
      const outbox = await store.outbox(id);
      expect(outbox.every((m) => m.status === 'delivered' && m.attempts === 1)).toBe(true);
    }
    expect(notes, 'every note that was accepted is on a timeline').toBe(landed);

    // No message went out twice, whichever instance delivered it.
    const sent = channels.flatMap((c) => c.calls.map((call) => call.context.idempotencyKey));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.length).toBe(delivered);
    expect(channels.filter((c) => c.calls.length > 0).length, 'the work was shared').toBeGreaterThan(1);
  } finally {
    await dropSchema(pools[0] as pg.Pool, schema);
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

describePg('four instances on one PostgreSQL database', () => {
  test(`${INCIDENTS} incidents with timers, ${INSTANCES} kits running runDue() together: exactly once in effect, ${ROUNDS} rounds in a row`, async () => {
    for (let round = 1; round <= ROUNDS; round++) await scenario(round);
  }, 600_000);
});

describePg('running worker loops woken by LISTEN/NOTIFY', () => {
  test('messages committed by a third instance are delivered exactly once by two running loops', async () => {
    const schema = testSchemaName();
    const clock = new FakeClock();
    const pools = [newPool(4), newPool(4)];
    const channels = pools.map(() => new RecordingChannel('webhook'));
    const kits = pools.map((pool, i) =>
      createIncidentKit({
        store: postgresStore(pool, { schema, notify: true }),
        clock,
        channels: [channels[i] as RecordingChannel],
        workerId: `loop-${i}`,
      }),
    );
    const store = postgresStore(pools[0] as pg.Pool, { schema });
    // The web tier: reports, runs no worker; its commits NOTIFY the loops.
    const web = createIncidentKit({
      store: postgresStore(pools[1] as pg.Pool, { schema, notify: true }),
      clock,
      channels: [new RecordingChannel('webhook')],
    });
    try {
      await store.ready();
      // Long idle waits: without wake-ups the loops would sleep through the whole test.
      for (const kit of kits) kit.start({ pollMs: 50, maxIdleMs: 3_600_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push((await (kits[i % 2] as IncidentKit).report({ ...REPORT, title: `#${i}` })).id);
      const expected = (await Promise.all(ids.map((id) => store.outbox(id)))).flat().length;
      const sent = () => channels.flatMap((c) => c.calls.map((call) => call.context.idempotencyKey));
      for (let waited = 0; sent().length < expected && waited < 30_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(sent().length).toBe(expected);
      expect(new Set(sent()).size).toBe(expected);
    } finally {
      await Promise.all(kits.map((kit) => kit.stop()));
      await store.close();
      await web.store.close?.();
      await dropSchema(pools[0] as pg.Pool, schema);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  }, 60_000);
});
