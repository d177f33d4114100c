/**
 * Calendar benchmark (`npm run bench:calendar`). Never run as a test.
 *
 * 1. `addBusinessTime` of 5 business days on an office calendar with holidays (New York,
 *    Mon-Fri 09:00-12:00 + 13:00-17:00), against the same addition on `ALWAYS_OPEN` (24x7) and a
 *    plain `instant + ms`, in the same run.
 * 2. Cost for 1, 10 and 100 business days: it grows with the days walked, not with minutes.
 *
 * Start instants are spread over 2026-2027, so the walks cross DST changes and holidays.
 */
import { ALWAYS_OPEN, addBusinessTime, defineCalendar } from 'incidentkit';

const H = 3_600_000;
const BUSINESS_DAY = 7 * H;
const office = defineCalendar({
  name: 'ny-office',
  timeZone: 'America/New_York',
  windows: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
      day,
      [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    ]),
  ),
  holidays: ['--01-01', '--07-04', '--12-25', '2026-05-25', '2026-09-07', '2026-11-26', '2027-05-31', '2027-11-25'],
});

const START = Date.UTC(2026, 0, 1);
const SPAN = 2 * 365 * 86_400_000;
/** Start instants spread over two years (a fixed sequence, the same for every case). */
const starts = Array.from(
  { length: 1024 },
  (_, i) => START + Math.floor(((i * 7919) % 1024) * (SPAN / 1024)) + i * 61_000,
);

let sink = 0;
function run(n: number, add: (instant: number) => number): void {
  for (let i = 0; i < n; i++) sink += add(starts[i & 1023]!) & 1;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = 5;

function measure(cases: Record<string, [n: number, add: (instant: number) => number]>) {
  for (const [n, add] of Object.values(cases)) run(Math.min(n, 2_000), add); // warm-up
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, [n, add]] of Object.entries(cases)) {
      samples[name] = [...(samples[name] ?? []), time(() => run(n, add)) / n];
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}

const N = Number(process.env.BENCH_N ?? 20_000);
const fiveDays = 5 * BUSINESS_DAY;
const perCall = measure({
  'instant + ms': [N * 50, (t) => t + fiveDays],
  ALWAYS_OPEN: [N * 5, (t) => addBusinessTime(t, fiveDays, ALWAYS_OPEN)],
  'office calendar with holidays': [N, (t) => addBusinessTime(t, fiveDays, office)],
});
const base = perCall['instant + ms']!;
const open = perCall.ALWAYS_OPEN!;
const cal = perCall['office calendar with holidays']!;

console.log(`\naddBusinessTime of 5 business days (${5 * 7} h), median of ${ROUNDS} rounds\n`);
console.table(
  Object.entries(perCall).map(([name, ms]) => ({
    case: name,
    'us/call': (ms * 1000).toFixed(3),
    'x instant + ms': (ms / base).toFixed(0),
    'x ALWAYS_OPEN': (ms / open).toFixed(1),
  })),
);
console.log(`office calendar / ALWAYS_OPEN: ${(cal / open).toFixed(1)}x; / instant + ms: ${(cal / base).toFixed(0)}x`);

const byDays = measure({
  '1 business day': [N, (t) => addBusinessTime(t, BUSINESS_DAY, office)],
  '10 business days': [Math.ceil(N / 5), (t) => addBusinessTime(t, 10 * BUSINESS_DAY, office)],
  '100 business days': [Math.ceil(N / 40), (t) => addBusinessTime(t, 100 * BUSINESS_DAY, office)],
});
const one = byDays['1 business day']!;
console.log(`\nCost by duration on the office calendar (median of ${ROUNDS} rounds)\n`);
console.table(
  Object.entries(byDays).map(([name, ms], i) => {
    const days = [1, 10, 100][i]!;
    return {
      case: name,
      'business minutes': days * 7 * 60,
      'us/call': (ms * 1000).toFixed(2),
      'us per business day': ((ms * 1000) / days).toFixed(2),
      'x 1 day': (ms / one).toFixed(1),
    };
  }),
);
const per100 = byDays['100 business days']! / one;
console.log(
  `100 days / 1 day: ${per100.toFixed(1)}x for 100x the business minutes: the walk steps through local dates (about 140 for 100 business days), not minutes.`,
);
if (sink === -1) console.log(sink);
