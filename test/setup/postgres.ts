/**
 * Vitest global setup: a throw-away PostgreSQL server for the tests (DESIGN.md §3).
 *
 * - `INCIDENTKIT_PG_URL` set: that server is used and nothing is started.
 * - `INCIDENTKIT_PG=off`: no server, PostgreSQL suites are skipped (with the reason in their titles).
 * - Otherwise `initdb` + `pg_ctl` from PATH or /usr/lib/postgresql/<newest>/bin (`INCIDENTKIT_PG_BIN` forces a
 *   directory) build a cluster in a temp dir and start it on 127.0.0.1 at a free port, fsync off.
 *   As root, the cluster belongs to the `postgres` system user (`runuser -u postgres --`): initdb refuses root.
 *
 * When no server can be had, CI (`CI` set) fails; a contributor gets the PostgreSQL suites skipped with the reason.
 * Tests read the outcome with `inject('pg')`, see test/pg.ts.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/** What the setup hands to the tests: a connection URL, or why there is none. */
export type PgProvided = { url: string; reason: null } | { url: null; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgProvided;
  }
}

const DATABASE = 'incidentkit_test';
const DIR_PREFIX = 'incidentkit-pg-';
const DEBIAN_ROOT = '/usr/lib/postgresql';
const SERVER_OPTIONS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.INCIDENTKIT_PG_URL;
  if (given) {
    project.provide('pg', { url: given, reason: null });
    return undefined;
  }
  if (process.env.INCIDENTKIT_PG === 'off') {
    project.provide('pg', { url: null, reason: 'INCIDENTKIT_PG=off' });
    return undefined;
  }
  try {
    const server = await startServer();
    project.provide('pg', { url: server.url, reason: null });
    return server.stop;
  } catch (error) {
    const reason = errorText(error);
    if (process.env.CI) throw new Error(`PostgreSQL test server: ${reason}`);
    console.warn(`[incidentkit] PostgreSQL tests are skipped: ${reason}`);
    project.provide('pg', { url: null, reason });
    return undefined;
  }
}

export interface Server {
  url: string;
  /** Idempotent and synchronous, so that it can also run from a process 'exit' listener. */
  stop: () => void;
}

/** Starts a throw-away server (also used by `bench/stores.bench.ts`). */
export async function startServer(): Promise<Server> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  reapOrphans(bin, asRoot);

  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  // The owning process, so that a later run can stop the server if this one is killed before its teardown.
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const readLog = () => readFile(log, 'utf8').catch(() => '');
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    // Also after a failed `pg_ctl start -w`: the server may be up (late) even though pg_ctl gave up waiting.
    if (existsSync(join(data, 'postmaster.pid'))) stopCluster(bin, asRoot, data);
    rmSync(dir, { recursive: true, force: true });
  };
  // vitest exits without its teardown on SIGINT/SIGTERM, and pg_ctl detaches the server from our process group.
  process.on('exit', stop);

  try {
    if (asRoot) {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      await chown(dir, Number(uid), Number(gid));
    }
    const pgRun = (tool: string, args: string[]) =>
      asRoot
        ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], dir)
        : run(join(bin, tool), args, dir);

    await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-c port=${port}`,
        `-c unix_socket_directories=${shellQuote(dir)}`,
        ...SERVER_OPTIONS.map((option) => `-c ${option}`),
      ].join(' ');
      try {
        await pgRun('pg_ctl', ['start', '-w', '-t', '30', '-D', data, '-l', log, '-o', options]);
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and the bind: try another one.
        if (attempt < 3 && /could not bind/i.test(await readLog())) continue;
        throw error;
      }
    }

    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      await client.query(`create database ${DATABASE}`);
    } finally {
      await client.end();
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`, stop };
  } catch (error) {
    const text = await readLog();
    stop();
    throw new Error(`${errorText(error)}${text ? `\n--- server log (tail) ---\n${tail(text)}` : ''}`);
  }
}

/** The directory holding initdb and pg_ctl: INCIDENTKIT_PG_BIN, else PATH, else the newest /usr/lib/postgresql/N/bin. */
function findBinDir(): string {
  const forced = process.env.INCIDENTKIT_PG_BIN;
  if (forced) {
    if (hasTools(forced)) return forced;
    throw new Error(`initdb/pg_ctl not found in INCIDENTKIT_PG_BIN=${forced}`);
  }
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    if (!entry || !isExecutable(join(entry, 'initdb'))) continue;
    // Same installation as initdb: follow its symlink (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin).
    const real = join(realpathSync(join(entry, 'initdb')), '..');
    if (hasTools(real)) return real;
    if (hasTools(entry)) return entry;
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_ROOT);
  } catch {}
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const dir = join(DEBIAN_ROOT, version, 'bin');
    if (hasTools(dir)) return dir;
  }
  throw new Error(
    `initdb not found on PATH or in ${DEBIAN_ROOT}/*/bin; set INCIDENTKIT_PG_URL to an existing server or install PostgreSQL`,
  );
}

function hasTools(dir: string): boolean {
  return isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Stops the servers of earlier runs that were killed before their teardown (their owner process is gone). */
function reapOrphans(bin: string, asRoot: boolean): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // not ours to judge (another user's, or still being created)
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    stopCluster(bin, asRoot, join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stopCluster(bin: string, asRoot: boolean, data: string): void {
  const args = ['stop', '-m', 'immediate', '-w', '-t', '10', '-D', data];
  const [command, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]]
    : [join(bin, 'pg_ctl'), args];
  spawnSync(command, argv, { stdio: 'ignore', cwd: tmpdir(), timeout: 15_000 });
}

/** Runs a command quietly; rejects with a short description and the tail of its output. */
function run(command: string, args: string[], cwd?: string): Promise<string> {
  // `runuser -u postgres -- /path/pg_ctl start ...` is described as `pg_ctl start (as postgres)`.
  const [tool, first] = command === 'runuser' ? [args[3] ?? command, args[4]] : [command, args[0]];
  const label = `${basename(tool)}${first && !first.startsWith('-') ? ` ${first}` : ''}${command === 'runuser' ? ' (as postgres)' : ''}`;
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout.trim());
      const status = error.killed ? `killed by ${error.signal ?? 'timeout'}` : `exit code ${error.code}`;
      const output = `${stdout}${stderr}`.trim();
      reject(new Error(`${label} failed (${status})${output ? `\n${tail(output)}` : ''}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
