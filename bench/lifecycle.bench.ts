/**
 * Lifecycle benchmark (`npm run bench`). Never run as a test.
 *
 * 1. Throughput: the full lifecycle of a major incident (report, declareMajor, acknowledge,
 *    resolve, recover, recordReview, close) through the kit on the memory store, against bare
 *    xstate `transition()` over the same events on the same machine, in the same process.
 *    Target: kit at most 3x bare xstate.
 * 2. Memory: retained heap per closed incident with 50,000 incidents in the memory store.
 *    Target: at most 4 KB.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createIncidentKit,
  createSequentialIds,
  incidentMachine,
  type LifecycleContext,
  type LifecycleEvent,
} from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';
import { initialTransition, transition } from 'xstate';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const REPORT = {
  title: 'Checkout error rate above 20%',
  reporter: { name: 'Prometheus', kind: 'monitoring' as const },
  service: 'checkout',
  impact: 'high' as const,
  urgency: 'high' as const,
};
const REVIEW = {
  summary: 'A config push dropped requests.',
  rootCause: 'No canary.',
  actionItems: [{ title: 'Canary config pushes' }],
};

/** The same events the kit sends, for bare xstate. */
const EVENTS: LifecycleEvent[] = [
  { type: 'triage', impact: 'high', urgency: 'high' },
  { type: 'declareMajor', reason: 'revenue' },
  { type: 'acknowledge' },
  { type: 'resolve', code: 'fixed', summary: 'rolled back' },
  { type: 'recover' },
  { type: 'recordReview', ...REVIEW, contributingFactors: [] },
  { type: 'close' },
];
const CONTEXT: LifecycleContext = {
  major: true,
  reviewed: true,
  resumeTo: null,
  escalationLevel: 0,
  maxEscalations: 3,
  delays: { autoClose: 7 * 86_400_000 },
};

function bareXstate(n: number): void {
  for (let i = 0; i < n; i++) {
    let [snapshot] = initialTransition(incidentMachine, CONTEXT);
    for (const event of EVENTS) [snapshot] = transition(incidentMachine, snapshot, event);
    if (snapshot.value !== 'closed') throw new Error(`bare xstate ended in ${JSON.stringify(snapshot.value)}`);
  }
}

function newKit() {
  const clock = new FakeClock();
  return createIncidentKit({ clock, ids: createSequentialIds('inc_') });
}

async function kitLifecycle(kit: ReturnType<typeof newKit>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { id } = await kit.report(REPORT);
    await kit.declareMajor(id, { reason: 'revenue' });
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'rolled back' });
    await kit.recover(id);
    await kit.recordReview(id, REVIEW);
    const closed = await kit.close(id);
    if (closed.status !== 'closed') throw new Error(`kit ended in ${closed.status}`);
  }
}

async function time(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const N = Number(process.env.BENCH_N ?? 3_000);
// Warm up both paths so the JIT has seen them.
bareXstate(500);
await kitLifecycle(newKit(), 500);

const rounds: { bare: number; kit: number }[] = [];
for (let round = 0; round < 5; round++) {
  const bare = await time(() => bareXstate(N));
  const kit = newKit();
  const kitMs = await time(() => kitLifecycle(kit, N));
  rounds.push({ bare, kit: kitMs });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bareMs = median(rounds.map((r) => r.bare));
const kitMs = median(rounds.map((r) => r.kit));
const ratio = kitMs / bareMs;

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 50_000);
const kit = newKit();
gc();
const before = process.memoryUsage().heapUsed;
await kitLifecycle(kit, INCIDENTS);
gc();
gc();
const after = process.memoryUsage().heapUsed;
const perIncident = (after - before) / INCIDENTS;
const check = await kit.list({ status: 'closed', limit: 1 });
if (check.items.length !== 1) throw new Error('incidents were not retained');

console.log('\nLifecycle of a major incident: 7 commands per incident (median of 5 rounds)\n');
console.table([
  {
    case: 'bare xstate transition()',
    incidents: N,
    ms: bareMs.toFixed(1),
    'us/incident': ((bareMs * 1000) / N).toFixed(1),
    ratio: '1.00',
  },
  {
    case: 'kit on memoryStore',
    incidents: N,
    ms: kitMs.toFixed(1),
    'us/incident': ((kitMs * 1000) / N).toFixed(1),
    ratio: ratio.toFixed(2),
  },
]);
console.log(`kit / bare xstate: ${ratio.toFixed(2)}x (target <= 3x) ${ratio <= 3 ? 'OK' : 'OVER TARGET'}`);
console.log(
  `retained heap per closed incident (${INCIDENTS} in the store, with their timelines): ${(perIncident / 1024).toFixed(2)} KB (target <= 4 KB) ${perIncident <= 4096 ? 'OK' : 'OVER TARGET'}`,
);
