/**
 * On-call benchmark (`npm run bench:oncall`). Never run as a test.
 *
 * `whoIsOnCall` on a three-layer schedule (a weekly rotation in New York, a daily one in Berlin
 * on weekdays 08:00-20:00, 12-hour turns in Los Angeles 08:00-20:00) at 1,024 instants spread
 * over 2026, with 0, 10, 100, 1,000 and 10,000 overrides of 30 minutes to 2 hours (the instants
 * fall outside every override, so each query does the same work). The schedule
 * without overrides is the baseline of the same run; the cost per query should grow with the
 * logarithm of the overrides (a binary search), not with their number. For contrast, the same
 * queries answered by scanning 1,000 overrides from the last one, as a naive schedule would.
 */
import { defineSchedule, type ScheduleConfig, shifts, whoIsOnCall } from 'incidentkit';

const H = 3_600_000;
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR = 365 * 24 * H;

/** A fixed pseudo-random sequence (the same for every case and run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const layers: ScheduleConfig['layers'] = [
  {
    name: 'weekly',
    timeZone: 'America/New_York',
    start: '2025-12-29T09:00',
    rotation: { days: 7 },
    members: ['ana', 'bo', 'cy', 'dee', 'eli', 'fay'],
  },
  {
    name: 'emea',
    timeZone: 'Europe/Berlin',
    start: '2025-12-29T08:00',
    rotation: { days: 1 },
    members: ['eva', 'fritz', 'greta'],
    restrictions: [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], start: '08:00', end: '20:00' }],
  },
  {
    name: 'amer',
    timeZone: 'America/Los_Angeles',
    start: '2025-12-29T08:00',
    rotation: { hours: 12 },
    members: ['amy', 'ben'],
    restrictions: [{ start: '08:00', end: '20:00' }],
  },
];

/** 10,000 overrides of 30 minutes to 2 hours in 2026; a schedule with n of them takes the first n. */
const ALL_OVERRIDES = (() => {
  const next = random(7);
  return Array.from({ length: 10_000 }, (_, i) => {
    const from = YEAR_START + Math.floor(next() * YEAR);
    return { member: `o${i}`, from, to: from + 30 * 60_000 + Math.floor(next() * 90) * 60_000 };
  });
})();

const COUNTS = [0, 10, 100, 1_000, 10_000] as const;
const configs = new Map(
  COUNTS.map((n) => [n, { name: `${n} overrides`, layers, overrides: ALL_OVERRIDES.slice(0, n) }] as const),
);
for (let i = 0; i < 10; i++) defineSchedule(configs.get(10_000)!); // warm-up (zod and the compiler)
/** Median milliseconds of `defineSchedule` (validation and compilation) per override count. */
const defineMs = new Map(
  COUNTS.map((n) => {
    const ms: number[] = [];
    for (let i = 0; i < 9; i++) {
      const start = process.hrtime.bigint();
      defineSchedule(configs.get(n)!);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return [n, [...ms].sort((a, b) => a - b)[4]!] as const;
  }),
);
const schedules = new Map(COUNTS.map((n) => [n, defineSchedule(configs.get(n)!)] as const));

/**
 * 1,024 query instants spread over 2026 in a scattered order, none inside any override: every
 * query does the same work (the binary search misses, the layers answer), whatever the count.
 */
const instants = Array.from(
  { length: 16_384 },
  (_, i) => YEAR_START + Math.floor(((i * 7919) % 16_384) * (YEAR / 16_384)) + i * 61_000,
)
  .filter((t) => !ALL_OVERRIDES.some((o) => o.from <= t && t < o.to))
  .slice(0, 1024);
if (instants.length < 1024) throw new Error(`only ${instants.length} instants outside the overrides`);

let sink = 0;
function run(n: number, query: (instant: number) => unknown): void {
  for (let i = 0; i < n; i++) sink += query(instants[i & 1023]!) === null ? 0 : 1;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = 7;

function measure(cases: Record<string, (instant: number) => unknown>, n: number) {
  for (const query of Object.values(cases)) run(Math.min(n, 5_000), query); // warm-up
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, query] of Object.entries(cases)) {
      samples[name] = [...(samples[name] ?? []), time(() => run(n, query)) / n];
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}

/** What a schedule without a compiled override timeline would do: scan from the last override. */
const naive = configs.get(1_000)!.overrides;
function naiveOverride(instant: number): string | null {
  for (let i = naive.length - 1; i >= 0; i--) {
    const o = naive[i]!;
    if (o.from <= instant && instant < o.to) return o.member;
  }
  return null;
}

const N = Number(process.env.BENCH_N ?? 50_000);
const perQuery = measure(
  {
    ...Object.fromEntries(COUNTS.map((n) => [`${n} overrides`, (t: number) => whoIsOnCall(schedules.get(n)!, t)])),
    'scan of 1,000 overrides alone (naive)': naiveOverride,
  },
  N,
);

const base = perQuery['0 overrides']!;
const ten = perQuery['10 overrides']!;
console.log(
  `\nwhoIsOnCall on three layers over 2026, 1,024 spread instants outside every override, median of ${ROUNDS} rounds\n`,
);
console.table(
  Object.entries(perQuery).map(([name, ms]) => {
    const n = COUNTS.find((c) => name === `${c} overrides`);
    return {
      case: name,
      'us/query': (ms * 1000).toFixed(3),
      'x no overrides': (ms / base).toFixed(2),
      'x 10 overrides': (ms / ten).toFixed(2),
      'defineSchedule ms': n === undefined ? '' : defineMs.get(n)!.toFixed(2),
    };
  }),
);
const ratio = perQuery['1000 overrides']! / ten;
console.log(
  `1,000 / 10 overrides: ${ratio.toFixed(2)}x the cost per query for 100x the overrides (a binary search: about ${(Math.log2(1000) / Math.log2(10)).toFixed(1)}x the steps at most).`,
);

const week = 7 * 24 * H;
const shiftCases = measure(
  {
    'shifts() over a week, no overrides': (t: number) => shifts(schedules.get(0)!, t, t + week).length,
    'shifts() over a week, 1,000 overrides': (t: number) => shifts(schedules.get(1_000)!, t, t + week).length,
  },
  Math.ceil(N / 10),
);
console.log('\nshifts() over 7 days from the same instants (the timeline a UI draws)\n');
console.table(
  Object.entries(shiftCases).map(([name, ms]) => ({
    case: name,
    'us/call': (ms * 1000).toFixed(1),
    'shifts/call': shifts(
      schedules.get(name.includes('1,000') ? 1_000 : 0)!,
      instants[0]!,
      instants[0]! + week,
    ).length.toString(),
  })),
);
if (sink === -1) console.log(sink);
