import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConcurrencyError, createIncidentKit, StoreError, ValidationError } from 'incidentkit';
import { migrateSqlite, SQLITE_SCHEMA_VERSION, sqliteStore } from 'incidentkit/sqlite';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

const dir = mkdtempSync(join(tmpdir(), 'incidentkit-sqlite-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const opened: Database.Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

/** A new database file (or another connection to `file`). */
function connect(file = join(dir, `db-${++n}.db`)): { db: Database.Database; file: string } {
  const db = new Database(file);
  opened.push(db);
  return { db, file };
}

const version = (db: Database.Database, prefix = 'incidentkit_') =>
  (db.prepare(`SELECT value FROM ${prefix}meta WHERE key = 'schema_version'`).get() as { value: number }).value;

describe('sqliteStore: migrations', () => {
  test('records the schema version, switches a file to WAL and reopens without migrating again', async () => {
    const { db, file } = connect();
    const store = sqliteStore(db);
    expect(version(db)).toBe(SQLITE_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const kit = createIncidentKit({ store, clock: new FakeClock() });
    const incident = await kit.report(REPORT);
    db.close();

    const again = connect(file).db;
    const reopened = createIncidentKit({ store: sqliteStore(again), clock: new FakeClock() });
    expect(await reopened.get(incident.id)).toEqual(incident);
    expect(version(again)).toBe(SQLITE_SCHEMA_VERSION);
  });

  test('refuses tables written by a newer incidentkit', () => {
    const { db } = connect();
    sqliteStore(db);
    db.prepare(`UPDATE incidentkit_meta SET value = 99 WHERE key = 'schema_version'`).run();
    expect(() => sqliteStore(db)).toThrow(StoreError);
    expect(() => sqliteStore(db)).toThrow(/schema version 99, newer than this incidentkit/);
  });

  test('migrate: false leaves the tables to migrateSqlite()', async () => {
    const { db } = connect();
    const store = sqliteStore(db, { migrate: false });
    await expect(store.load('x')).rejects.toThrow(StoreError);
    await expect(store.load('x')).rejects.toThrow(/no incidentkit tables .* run migrateSqlite/);
    migrateSqlite(db, { tablePrefix: 'incidentkit_' });
    expect(await store.load('x')).toBeNull();

    db.prepare(`UPDATE incidentkit_meta SET value = 99 WHERE key = 'schema_version'`).run();
    await expect(sqliteStore(db, { migrate: false }).load('x')).rejects.toThrow(/schema version 99/);
  });

  test('tablePrefix keeps two stores apart in one database', async () => {
    const { db } = connect(':memory:');
    const a = createIncidentKit({ store: sqliteStore(db, { tablePrefix: 'a_' }), clock: new FakeClock() });
    const b = createIncidentKit({ store: sqliteStore(db, { tablePrefix: 'b_' }), clock: new FakeClock() });
    const incident = await a.report(REPORT);
    expect((await a.list()).items).toHaveLength(1);
    expect((await b.list()).items).toHaveLength(0);
    expect(incident.number).toBe('INC-1');
    expect((await b.report(REPORT)).number).toBe('INC-1');
    expect(version(db, 'a_')).toBe(SQLITE_SCHEMA_VERSION);
  });

  test('bad options fail with ValidationError and create nothing', () => {
    const { db } = connect(':memory:');
    expect(() => sqliteStore(db, { tablePrefix: 'drop table;' })).toThrow(ValidationError);
    expect(() => sqliteStore(db, { busyTimeoutMs: -1 })).toThrow(ValidationError);
    expect(() => sqliteStore(db, { journal: 'wal' } as never)).toThrow(ValidationError);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema`).get()).toEqual({ n: 0 });
  });
});

describe('sqliteStore: several connections to one file', () => {
  test('compare-and-set holds across connections: a stale commit fails and writes nothing', async () => {
    const { db, file } = connect();
    const one = createIncidentKit({ store: sqliteStore(db), clock: new FakeClock() });
    const incident = await one.report(REPORT);
    const other = sqliteStore(connect(file).db);
    const stale = await other.load(incident.id);
    await one.acknowledge(incident.id);
    if (stale === null) throw new Error('missing');
    await expect(
      other.commit({
        incident: { ...stale, title: 'stale', version: stale.version + 1 },
        expectedVersion: stale.version,
        entries: [],
        timers: { set: [], cancel: [] },
        outbox: [],
      }),
    ).rejects.toThrow(ConcurrencyError);
    expect(await one.get(incident.id)).toMatchObject({ title: incident.title, version: stale.version + 1 });
  });

  test('a kit over a reopened file fires the timers the first one scheduled', async () => {
    const { db, file } = connect();
    const clock = new FakeClock();
    const lifecycle = { escalateAfter: 'PT10M' } as const;
    const before = createIncidentKit({ store: sqliteStore(db), clock, lifecycle });
    const incident = await before.report(REPORT);
    db.close();

    clock.advance('PT15M');
    const after = createIncidentKit({ store: sqliteStore(connect(file).db), clock, lifecycle });
    expect((await after.runDue()).timersFired).toBe(1);
    const escalations = (await after.timeline(incident.id)).filter((e) => e.type === 'escalated');
    expect(escalations).toHaveLength(1);
    expect((await after.runDue()).timersFired).toBe(0);
  });
});

describe('sqliteStore: failures are typed', () => {
  test('a closed database gives StoreError with the driver error as cause', async () => {
    const { db } = connect(':memory:');
    const store = sqliteStore(db);
    db.close();
    const error = await store.load('x').catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toMatch(/SQLite load failed/);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
  });

  test('a corrupt timeline entry fails timeline() with StoreError naming the incident', async () => {
    const { db } = connect(':memory:');
    const kit = createIncidentKit({ store: sqliteStore(db), clock: new FakeClock() });
    const incident = await kit.report(REPORT);
    db.prepare('UPDATE incidentkit_timeline SET entry = ? WHERE incident_id = ?').run('{oops', incident.id);
    const error = await kit.timeline(incident.id).catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).incidentId).toBe(incident.id);
    expect((error as StoreError).message).toContain(incident.id);
  });

  test('kit.list() passes a corrupt incident through errors and returns the others', async () => {
    const { db } = connect(':memory:');
    const kit = createIncidentKit({ store: sqliteStore(db), clock: new FakeClock() });
    const good = await kit.report(REPORT);
    const bad = await kit.report({ ...REPORT, title: 'to be damaged' });
    db.prepare('UPDATE incidentkit_incidents SET record = ? WHERE id = ?').run('[]', bad.id);
    const page = await kit.list();
    expect(page.items.map((i) => i.id)).toEqual([good.id]);
    expect(page.errors?.map((e) => e.incidentId)).toEqual([bad.id]);
    await expect(kit.get(bad.id)).rejects.toThrow(`Stored record of incident "${bad.id}" is corrupt`);
  });
});

describe('sqliteStore: bad data never stops the rest', () => {
  test('a commit whose incident fails the schema is a StoreError and writes nothing', async () => {
    const { db } = connect(':memory:');
    const kit = createIncidentKit({ store: sqliteStore(db), clock: new FakeClock() });
    const incident = await kit.report(REPORT);
    const store = kit.store;
    await expect(
      store.commit({
        incident: { ...incident, status: 'exploded' as never, version: incident.version + 1 },
        expectedVersion: incident.version,
        entries: [],
        timers: { set: [], cancel: [] },
        outbox: [],
      }),
    ).rejects.toThrow(/fails the incident schema at status/);
    expect(await kit.get(incident.id)).toEqual(incident);
  });

  test('a message with an unreadable payload goes dead; the others are delivered', async () => {
    const { db } = connect(':memory:');
    const channel = new RecordingChannel();
    const kit = createIncidentKit({ store: sqliteStore(db), clock: new FakeClock(), channels: [channel] });
    const broken = await kit.report({ ...REPORT, title: 'broken' });
    const fine = await kit.report({ ...REPORT, title: 'fine' });
    db.prepare('UPDATE incidentkit_outbox SET payload = ? WHERE incident_id = ?').run('{not json', broken.id);
    const run = await kit.runDue();
    expect(run.delivered).toBe((await kit.store.outbox(fine.id)).length);
    expect(channel.calls.every((c) => c.message.payload.incident.id === fine.id)).toBe(true);
    const dead = db.prepare('SELECT status, last_error FROM incidentkit_outbox WHERE incident_id = ?').all(broken.id);
    expect(dead.length).toBeGreaterThan(0);
    for (const row of dead as { status: string; last_error: string }[]) {
      expect(row.status).toBe('dead');
      expect(row.last_error).toContain(`incident "${broken.id}" is corrupt`);
    }
  });
});
