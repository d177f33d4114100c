import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** CI sets VITEST_JSON_DIR: each run (one per TZ) also writes a JSON report there. */
const jsonDir = process.env.VITEST_JSON_DIR;
const jsonReport = jsonDir ? `${jsonDir}/vitest-${(process.env.TZ ?? 'local').replace(/\W/g, '_')}.json` : undefined;

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its public name, resolved to the sources.
    alias: [
      { find: /^incidentkit$/, replacement: src('index.ts') },
      { find: /^incidentkit\/testing$/, replacement: src('testing/index.ts') },
      { find: /^incidentkit\/sqlite$/, replacement: src('stores/sqlite/index.ts') },
      { find: /^incidentkit\/postgres$/, replacement: src('stores/postgres/index.ts') },
      { find: /^incidentkit\/channels$/, replacement: src('channels/index.ts') },
    ],
  },
  test: {
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // A throw-away PostgreSQL server (or INCIDENTKIT_PG_URL) for the PostgreSQL suites, see test/pg.ts.
    globalSetup: ['test/setup/postgres.ts'],
    // No test asserts timing, but some do a lot of work (every event on six channels, thousands of
    // property runs): on a busy 2-core runner the default 5 s fails them for nothing.
    testTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
