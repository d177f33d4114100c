import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { IncidentStore } from 'incidentkit';
import { sqliteStore } from 'incidentkit/sqlite';
import { type Damage, runStoreConformance } from 'incidentkit/testing';
import { afterAll, describe, test } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'incidentkit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const databases = new WeakMap<IncidentStore, Database.Database>();

/** The store over its own database; closing the store closes the database. */
function open(file: string): IncidentStore {
  const db = new Database(file);
  const store: IncidentStore = {
    ...sqliteStore(db),
    close: async () => {
      db.close();
    },
  };
  databases.set(store, db);
  return store;
}

/** Every row of every table, for the suite's "writes nothing" checks. */
async function inspect(store: IncidentStore): Promise<unknown> {
  const db = databases.get(store) as Database.Database;
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY 1, 2`).all()]));
}

/** Damages a stored record with raw SQL, for the suite's corrupt-data check. */
async function corrupt(store: IncidentStore, id: string, damage: Damage): Promise<void> {
  const record = damage === 'invalid-json' ? '{"id": "truncated' : JSON.stringify({ id, title: 42 });
  databases.get(store)?.prepare('UPDATE incidentkit_incidents SET record = ? WHERE id = ?').run(record, id);
}

runStoreConformance({
  name: 'sqliteStore (:memory:)',
  createStore: () => open(':memory:'),
  test,
  describe,
  inspect,
  corrupt,
});
runStoreConformance({
  name: 'sqliteStore (file, WAL)',
  createStore: () => open(join(dir, `conformance-${++files}.db`)),
  test,
  describe,
  inspect,
  corrupt,
});
