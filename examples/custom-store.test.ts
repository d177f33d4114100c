/**
 * Proves the adapter of custom-store.ts with the published conformance suite, in memory and over a
 * JSON file. Run it with `npx vitest run examples/custom-store.test.ts`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentStore } from 'incidentkit';
import { runStoreConformance } from 'incidentkit/testing';
import { afterAll, describe, test } from 'vitest';
import { type JsonFileStore, jsonFileStore } from './custom-store.js';

runStoreConformance({
  name: 'jsonFileStore() in memory',
  createStore: () => jsonFileStore(),
  // The suite hands the hooks the store it made; ours has `snapshot()`, the whole state.
  inspect: async (store) => (store as JsonFileStore).snapshot(),
  test,
  describe,
});

// Over a file, every call opens the file anew: whatever one call wrote, the next one reads back
// from disk, as after a restart. This checks that every change is persisted.
const dir = mkdtempSync(join(tmpdir(), 'incidentkit-json-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = new WeakMap<IncidentStore, string>();
let count = 0;

function reopenedOnEveryCall(path: string): IncidentStore {
  const store = new Proxy({} as IncidentStore, { get: (_target, key) => Reflect.get(jsonFileStore(path), key) });
  files.set(store, path);
  return store;
}

function readState(store: IncidentStore): { incidents: [string, unknown][] } | null {
  const path = files.get(store) as string;
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

runStoreConformance({
  name: 'jsonFileStore(path), reopened on every call',
  createStore: () => reopenedOnEveryCall(join(dir, `store-${++count}.json`)),
  inspect: async (store) => readState(store),
  // Damage an incident the way a hand edit of the file could. A JSON file cannot hold one record of
  // invalid JSON (the whole file would be unreadable), so that kind of damage is skipped.
  corrupt: async (store, incidentId, damage) => {
    const state = readState(store);
    if (damage === 'invalid-json' || state === null) return false;
    const row = state.incidents.find(([id]) => id === incidentId) as [string, unknown];
    row[1] = { id: 42 };
    writeFileSync(files.get(store) as string, JSON.stringify(state));
    return true;
  },
  test,
  describe,
});
