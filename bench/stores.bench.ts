/**
 * Store benchmark (`npm run bench:stores`). Never run as a test.
 *
 * 1. Commits per second: the commits of real incident lifecycles (report, acknowledge, escalate,
 *    note, resolve, with timers and outbox messages), replayed through the adapter's `commit()`
 *    against raw driver code writing the same rows with the same transaction granularity (one
 *    transaction per commit), into the same tables, in the same run.
 * 2. A filtered `query()` (service + status list + priority list, newest first, 50 per page)
 *    over 100,000 incidents against the equivalent raw SQL that also parses the JSON records.
 *
 * SQLite runs on a WAL file in a temp dir. PostgreSQL runs when a server is available: a
 * throw-away one started from the local binaries, or `INCIDENTKIT_PG_URL`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Commit, Incident } from 'incidentkit';
import { migrateSqlite, sqliteStore } from 'incidentkit/sqlite';
import { runPostgres } from './fixtures/postgres-bench.js';
import { captureCommits, LIST_QUERY, manyIncidents, rawIncidentRow } from './fixtures/store-workload.js';
import { printTable, type Row, rounds, row, time } from './fixtures/timing.js';

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

/** The same rows as `sqliteStore().commit()`, written with plain better-sqlite3 statements. */
function rawSqliteWriter(db: Database.Database): (change: Commit) => void {
  const columns =
    'version, timeline_length, number, status, priority, service, environment, tenant, major, category, reported_at, breached, sla_due_at, open_dedup_key, record';
  const insertIncident = db.prepare(`INSERT INTO incidentkit_incidents (id, ${columns}) VALUES (${'?, '.repeat(15)}?)`);
  const updateIncident = db.prepare(
    `UPDATE incidentkit_incidents SET ${columns
      .split(', ')
      .map((c) => `${c} = ?`)
      .join(', ')} WHERE id = ?`,
  );
  const insertEntry = db.prepare('INSERT INTO incidentkit_timeline (incident_id, seq, entry) VALUES (?, ?, ?)');
  const deleteTimer = db.prepare('DELETE FROM incidentkit_timers WHERE id = ?');
  const upsertTimer = db.prepare(
    `INSERT INTO incidentkit_timers (id, incident_id, name, due_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, owner = NULL, lease_until = 0`,
  );
  const insertOutbox = db.prepare(
    `INSERT INTO incidentkit_outbox (id, incident_id, channel, audience, payload, created_at, available_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const seqs = new Map<string, number>();
  const write = db.transaction((change: Commit) => {
    const i: Incident = change.incident;
    const length = (seqs.get(i.id) ?? 0) + change.entries.length;
    seqs.set(i.id, length);
    const [, ...values] = rawIncidentRow(i, length, (b) => (b ? 1 : 0));
    if (change.expectedVersion === 0) insertIncident.run(i.id, ...values);
    else updateIncident.run(...values, i.id);
    for (const e of change.entries) insertEntry.run(i.id, e.seq, JSON.stringify(e));
    if (change.timers.fired !== undefined) deleteTimer.run(change.timers.fired);
    for (const id of change.timers.cancel) deleteTimer.run(id);
    for (const t of change.timers.set) upsertTimer.run(t.id, i.id, t.name, t.dueAt);
    for (const m of change.outbox) {
      insertOutbox.run(m.id, i.id, m.channel, m.audience, JSON.stringify(m.payload), m.createdAt, m.availableAt);
    }
  });
  return (change) => write.immediate(change);
}

const dir = mkdtempSync(join(tmpdir(), 'incidentkit-bench-'));
let files = 0;

function sqliteFile(): Database.Database {
  const db = new Database(join(dir, `bench-${++files}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrateSqlite(db);
  return db;
}

async function sqliteCommits(commits: Commit[], count: number): Promise<Row> {
  const ms = await rounds(count, async () => {
    const a = sqliteFile();
    const store = sqliteStore(a);
    const ours = await time(async () => {
      for (const c of commits) await store.commit(c);
    });
    a.close();
    const b = sqliteFile();
    const write = rawSqliteWriter(b);
    const raw = await time(async () => {
      for (const c of commits) write(c);
    });
    b.close();
    return { ours, raw };
  });
  return row('SQLite commit()', 'commits/s', commits.length, ms);
}

async function sqliteList(template: Incident, count: number): Promise<Row> {
  const db = sqliteFile();
  const store = sqliteStore(db);
  const write = rawSqliteWriter(db);
  const incidents = manyIncidents(template, 100_000);
  const bulk = db.transaction((batch: Incident[]) => {
    for (const incident of batch) {
      write({ incident, expectedVersion: 0, entries: [], timers: { set: [], cancel: [] }, outbox: [] });
    }
  });
  for (let i = 0; i < incidents.length; i += 1000) bulk(incidents.slice(i, i + 1000));
  const raw = db.prepare(
    `SELECT id, record FROM incidentkit_incidents WHERE service = ? AND status IN (?, ?, ?) AND priority IN (?, ?)
     ORDER BY id DESC LIMIT ?`,
  );
  const q = LIST_QUERY;
  const rawList = () =>
    (raw.all(q.service, ...q.status, ...q.priority, q.limit + 1) as { record: string }[]).map((r) =>
      JSON.parse(r.record),
    );
  const n = 200;
  const check = await store.query(q);
  if (check.items.length !== rawList().slice(0, 50).length) throw new Error('list and raw SQL disagree');
  const ms = await rounds(count, async () => ({
    ours: await time(async () => {
      for (let i = 0; i < n; i++) await store.query(q);
    }),
    raw: await time(async () => {
      for (let i = 0; i < n; i++) rawList();
    }),
  }));
  db.close();
  return row(`SQLite query() over 100k (${check.items.length} rows)`, 'pages/s', n, ms);
}

// ---------------------------------------------------------------------------------------------

const ROUNDS = 5;
const commits = await captureCommits(300);
const template = commits[0]?.incident as Incident;
console.log(`Workload: ${commits.length} commits of 300 incident lifecycles (report, acknowledge, note, resolve).\n`);
const rows: Row[] = [await sqliteCommits(commits, ROUNDS), await sqliteList(template, ROUNDS)];
rows.push(...(await runPostgres(commits, template, ROUNDS)));
printTable(rows);
rmSync(dir, { recursive: true, force: true });
