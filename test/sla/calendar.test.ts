/**
 * Business-hours calendars: exact instants around daylight-saving changes (New York, Berlin,
 * Lord Howe's 30-minute shift, Kolkata without DST), holidays, multi-window days, validation, and
 * properties on random calendars. Every expected instant is written out in UTC and is also
 * checked against a minute-by-minute reference built directly on Temporal (below).
 *
 * `npm test` runs this file under TZ=UTC and TZ=America/Los_Angeles: no result may change.
 */

import fc from 'fast-check';
import {
  ALWAYS_OPEN,
  addBusinessTime,
  businessTimeBetween,
  type CalendarConfig,
  defineCalendar,
  toMs,
  ValidationError,
} from 'incidentkit';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, test } from 'vitest';

const H = 3_600_000;
const M = 60_000;
const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;
const iso = (epochMs: number) =>
  Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ fractionalSecondDigits: 3 });

type Window = { start: string; end: string };
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const every = (windows: Window[]) => Object.fromEntries(DAYS.map((d) => [d, windows]));
const weekdays = (windows: Window[]) => Object.fromEntries(DAYS.slice(0, 5).map((d) => [d, windows]));

// ---------------------------------------------------------------------------------------------
// Reference: the documented semantics, spelled out with Temporal and nothing else. An instant is
// business time when its local date is not a holiday and it lies in [start, end) of one of that
// date's windows, each end converted with disambiguation 'compatible' (24:00 = next date's start).

function referenceSpans(config: CalendarConfig, from: number, to: number): [number, number][] {
  const tz = config.timeZone;
  const zoned = (t: number) => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(tz);
  const holidays = new Set(config.holidays ?? []);
  const spans: [number, number][] = [];
  const last = zoned(to).toPlainDate().add({ days: 1 });
  for (let date = zoned(from).toPlainDate().subtract({ days: 1 }); Temporal.PlainDate.compare(date, last) <= 0; ) {
    const next = date.add({ days: 1 });
    const closed = holidays.has(date.toString()) || holidays.has(`--${date.toString().slice(5)}`);
    const windows = config.alwaysOpen
      ? [{ start: '00:00', end: '24:00' }]
      : (config.windows?.[DAYS[date.dayOfWeek - 1]!] ?? []);
    if (!closed) {
      const dayStart = date.toZonedDateTime({ timeZone: tz }).epochMilliseconds;
      const dayEnd = next.toZonedDateTime({ timeZone: tz }).epochMilliseconds;
      const at = (hhmm: string) =>
        hhmm === '24:00'
          ? dayEnd
          : Temporal.ZonedDateTime.from(
              {
                year: date.year,
                month: date.month,
                day: date.day,
                hour: +hhmm.slice(0, 2),
                minute: +hhmm.slice(3),
                timeZone: tz,
              },
              { disambiguation: 'compatible' },
            ).epochMilliseconds;
      for (const w of windows) spans.push([Math.max(at(w.start), dayStart), Math.min(at(w.end), dayEnd)]);
    }
    date = next;
  }
  return spans;
}

/** Business time in [a, b), minute by minute (a and b on whole minutes). */
function referenceBetween(config: CalendarConfig, a: number, b: number): number {
  const spans = referenceSpans(config, a, b);
  let total = 0;
  for (let t = a; t < b; t += M) if (spans.some(([s, e]) => s <= t && t < e)) total += M;
  return total;
}

/** The end of the minute in which `d` (whole minutes) of business time has elapsed, searching `limit`. */
function referenceAdd(config: CalendarConfig, a: number, d: number, limit = 12 * 24 * H): number {
  if (d === 0) return a;
  const spans = referenceSpans(config, a, a + limit);
  let count = 0;
  for (let t = a; t < a + limit; t += M) {
    if (spans.some(([s, e]) => s <= t && t < e)) count += M;
    if (count === d) return t + M;
  }
  throw new Error('reference: not found within the limit');
}

// ---------------------------------------------------------------------------------------------
// Calendars of the table.

const NY_OFFICE: CalendarConfig = {
  name: 'ny-office',
  timeZone: 'America/New_York',
  windows: weekdays([
    { start: '09:00', end: '12:00' },
    { start: '13:00', end: '17:00' },
  ]),
  holidays: ['2026-11-26', '--12-25', '--01-01'],
};
/** 01:00-04:00 every night: spans the skipped hour (2026-03-08) and the repeated one (2026-11-01). */
const NY_NIGHT: CalendarConfig = { timeZone: 'America/New_York', windows: every([{ start: '01:00', end: '04:00' }]) };
/** Late shift across midnight: 22:00-24:00 Monday to Friday, 00:00-02:00 Tuesday to Saturday. */
const NY_LATE: CalendarConfig = {
  timeZone: 'America/New_York',
  windows: Object.fromEntries(
    DAYS.map((d, i) => [
      d,
      [
        ...(i >= 1 && i <= 5 ? [{ start: '00:00', end: '02:00' }] : []),
        ...(i <= 4 ? [{ start: '22:00', end: '24:00' }] : []),
      ],
    ]),
  ),
};
/** 24x7 in New York, except All Saints' Day 2026 (the 25-hour fall-back day). */
const NY_24X7: CalendarConfig = { timeZone: 'America/New_York', alwaysOpen: true, holidays: ['2026-11-01'] };
/** Berlin: Sundays all day (23 h on 2026-03-29, 25 h on 2026-10-25), weekdays 08:00-16:00. */
const BERLIN: CalendarConfig = {
  timeZone: 'Europe/Berlin',
  windows: { ...weekdays([{ start: '08:00', end: '16:00' }]), sunday: [{ start: '00:00', end: '24:00' }] },
};
/** Berlin 02:00-03:00 daily: empty on 2026-03-29 (skipped), two hours on 2026-10-25 (repeated). */
const BERLIN_TWO: CalendarConfig = { timeZone: 'Europe/Berlin', windows: every([{ start: '02:00', end: '03:00' }]) };
/** Lord Howe, 01:00-03:00 daily: the 30-minute shift at 02:00 makes it 2.5 h on 2026-04-05, 1.5 h on 2026-10-04. */
const LORD_HOWE: CalendarConfig = {
  timeZone: 'Australia/Lord_Howe',
  windows: every([{ start: '01:00', end: '03:00' }]),
};
/** Kolkata (UTC+05:30, no DST), Monday to Saturday 09:30-18:00, national holidays every year. */
const KOLKATA: CalendarConfig = {
  timeZone: 'Asia/Kolkata',
  windows: Object.fromEntries(DAYS.slice(0, 6).map((d) => [d, [{ start: '09:30', end: '18:00' }]])),
  holidays: ['--01-26', '--08-15', '2026-10-20'],
};

interface AddCase {
  name: string;
  config: CalendarConfig;
  from: string;
  duration: number | string;
  expected: string;
}

const ADD_CASES: AddCase[] = [
  // New York, office hours with lunch.
  {
    name: 'NY Fri 16:00 EST + 2 h: Monday 10:00 EDT, the weekend DST change costs nothing',
    config: NY_OFFICE,
    from: '2026-03-06T21:00:00Z',
    duration: 'PT2H',
    expected: '2026-03-09T14:00:00.000Z',
  },
  {
    name: 'NY the same instant given with an offset',
    config: NY_OFFICE,
    from: '2026-03-06T16:00:00-05:00',
    duration: 2 * H,
    expected: '2026-03-09T14:00:00.000Z',
  },
  {
    name: 'NY 11:30 EDT + 1 h skips the lunch hour: 13:30 EDT',
    config: NY_OFFICE,
    from: '2026-03-10T15:30:00Z',
    duration: 'PT1H',
    expected: '2026-03-10T17:30:00.000Z',
  },
  {
    name: 'NY from inside the lunch break counting starts at 13:00',
    config: NY_OFFICE,
    from: '2026-03-10T16:30:00Z',
    duration: 'PT30M',
    expected: '2026-03-10T17:30:00.000Z',
  },
  {
    name: 'NY duration ending exactly at closing returns the closing instant',
    config: NY_OFFICE,
    from: '2026-03-10T17:00:00Z',
    duration: 'PT4H',
    expected: '2026-03-10T21:00:00.000Z',
  },
  {
    name: 'NY five business days (35 h) from Monday 09:00 EST: Friday 17:00 EST',
    config: NY_OFFICE,
    from: '2026-03-02T14:00:00Z',
    duration: 35 * H,
    expected: '2026-03-06T22:00:00.000Z',
  },
  {
    name: 'NY the week across spring-forward: Friday 09:00 EST + 14 h = Monday 17:00 EDT',
    config: NY_OFFICE,
    from: '2026-03-06T14:00:00Z',
    duration: 'PT14H',
    expected: '2026-03-09T21:00:00.000Z',
  },
  {
    name: 'NY the week across fall-back: Friday 16:00 EDT + 2 h = Monday 10:00 EST',
    config: NY_OFFICE,
    from: '2026-10-30T20:00:00Z',
    duration: 'PT2H',
    expected: '2026-11-02T15:00:00.000Z',
  },
  {
    name: 'NY single holiday (Thanksgiving, Thu 2026-11-26) is skipped',
    config: NY_OFFICE,
    from: '2026-11-25T21:00:00Z',
    duration: 'PT2H',
    expected: '2026-11-27T15:00:00.000Z',
  },
  {
    name: 'NY recurring holiday --12-25 (a Friday in 2026) is skipped',
    config: NY_OFFICE,
    from: '2026-12-24T21:00:00Z',
    duration: 'PT2H',
    expected: '2026-12-28T15:00:00.000Z',
  },
  {
    name: 'NY recurring holiday --01-01 applies in 2027 too',
    config: NY_OFFICE,
    from: '2026-12-31T21:00:00Z',
    duration: 'PT2H',
    expected: '2027-01-04T15:00:00.000Z',
  },
  {
    name: 'NY zero duration on a Saturday returns the instant itself',
    config: NY_OFFICE,
    from: '2026-03-07T12:00:00Z',
    duration: 0,
    expected: '2026-03-07T12:00:00.000Z',
  },
  {
    name: 'NY zero duration as ISO (PT0S) inside hours returns the instant itself',
    config: NY_OFFICE,
    from: '2026-03-10T15:30:00Z',
    duration: 'PT0S',
    expected: '2026-03-10T15:30:00.000Z',
  },
  // New York, 01:00-04:00: a window across the gap and across the repeated hour.
  {
    name: 'NY 01:00-04:00 on spring-forward night lasts 2 h: 00:00 EST + 2 h = 04:00 EDT',
    config: NY_NIGHT,
    from: '2026-03-08T05:00:00Z',
    duration: 'PT2H',
    expected: '2026-03-08T08:00:00.000Z',
  },
  {
    name: 'NY the third hour comes from the next night (01:00-02:00 EDT)',
    config: NY_NIGHT,
    from: '2026-03-08T05:00:00Z',
    duration: 'PT3H',
    expected: '2026-03-09T06:00:00.000Z',
  },
  {
    name: 'NY 01:00-04:00 on fall-back night lasts 4 h: 00:00 EDT + 4 h = 04:00 EST',
    config: NY_NIGHT,
    from: '2026-11-01T04:00:00Z',
    duration: 'PT4H',
    expected: '2026-11-01T09:00:00.000Z',
  },
  {
    name: 'NY 01:00 EDT + 1.5 h lands in the repeated hour: 01:30 EST',
    config: NY_NIGHT,
    from: '2026-11-01T04:00:00Z',
    duration: 'PT1H30M',
    expected: '2026-11-01T06:30:00.000Z',
  },
  // 22:00-24:00 and 00:00-02:00: a shift across midnight.
  {
    name: 'NY late shift Thu 22:00 EST + 3 h runs through midnight: Fri 01:00 EST',
    config: NY_LATE,
    from: '2026-03-06T03:00:00Z',
    duration: 'PT3H',
    expected: '2026-03-06T06:00:00.000Z',
  },
  {
    name: 'NY late shift Fri 23:00 EST + 3 h ends with Saturday 02:00 EST',
    config: NY_LATE,
    from: '2026-03-07T04:00:00Z',
    duration: 'PT3H',
    expected: '2026-03-07T07:00:00.000Z',
  },
  {
    name: 'NY late shift Fri 23:00 EST + 4 h: nothing on Sunday, Monday 22:00 EDT + 1 h',
    config: NY_LATE,
    from: '2026-03-07T04:00:00Z',
    duration: 'PT4H',
    expected: '2026-03-10T03:00:00.000Z',
  },
  // 24x7.
  {
    name: 'ALWAYS_OPEN: business time is elapsed time',
    config: { timeZone: 'UTC', alwaysOpen: true },
    from: '2026-03-08T06:30:00Z',
    duration: 'P1D',
    expected: '2026-03-09T06:30:00.000Z',
  },
  {
    name: 'NY 24x7 with 2026-11-01 as a holiday skips its 25 local hours',
    config: NY_24X7,
    from: '2026-11-01T03:00:00Z',
    duration: 'PT2H',
    expected: '2026-11-02T06:00:00.000Z',
  },
  // Berlin.
  {
    name: 'Berlin Fri 15:00 CET + 25 h: 1 h Friday, 23 h Sunday 03-29, 1 h Monday from 08:00 CEST',
    config: BERLIN,
    from: '2026-03-27T14:00:00Z',
    duration: 'PT25H',
    expected: '2026-03-30T07:00:00.000Z',
  },
  {
    name: 'Berlin Sunday 10-25 holds 25 h: Sat 12:00 CEST + 25 h = Monday 00:00 CET',
    config: BERLIN,
    from: '2026-10-24T10:00:00Z',
    duration: 'PT25H',
    expected: '2026-10-25T23:00:00.000Z',
  },
  {
    name: 'Berlin 02:00-03:00 does not exist on 2026-03-29: counting starts Monday 02:00 CEST',
    config: BERLIN_TWO,
    from: '2026-03-29T00:30:00Z',
    duration: 'PT30M',
    expected: '2026-03-30T00:30:00.000Z',
  },
  {
    name: 'Berlin 02:00-03:00 on 2026-10-25 covers both 02:00 hours: 2 h',
    config: BERLIN_TWO,
    from: '2026-10-24T12:00:00Z',
    duration: 'PT2H',
    expected: '2026-10-25T02:00:00.000Z',
  },
  // Lord Howe: 30-minute shifts at 02:00.
  {
    name: 'Lord Howe 01:00-03:00 on 2026-04-05 lasts 2.5 h: 01:00 +11:00 + 2 h 15 min = 02:45 +10:30',
    config: LORD_HOWE,
    from: '2026-04-04T14:00:00Z',
    duration: 'PT2H15M',
    expected: '2026-04-04T16:15:00.000Z',
  },
  {
    name: 'Lord Howe 01:00-03:00 on 2026-10-04 lasts 1.5 h: 01:00 +10:30 + 1.5 h = 03:00 +11:00',
    config: LORD_HOWE,
    from: '2026-10-03T14:30:00Z',
    duration: 'PT1H30M',
    expected: '2026-10-03T16:00:00.000Z',
  },
  {
    name: 'Lord Howe 2 h from 2026-10-04 01:00 needs the next night: 01:30 +11:00 on 10-05',
    config: LORD_HOWE,
    from: '2026-10-03T14:30:00Z',
    duration: 'PT2H',
    expected: '2026-10-04T14:30:00.000Z',
  },
  // Kolkata.
  {
    name: 'Kolkata Fri 17:00 IST + 2 h skips --08-15 (Saturday) and Sunday: Mon 10:30 IST',
    config: KOLKATA,
    from: '2026-08-14T11:30:00Z',
    duration: 'PT2H',
    expected: '2026-08-17T05:00:00.000Z',
  },
  {
    name: 'Kolkata recurring --01-26 in 2027 (a Tuesday)',
    config: KOLKATA,
    from: '2027-01-25T11:30:00Z',
    duration: 'PT2H',
    expected: '2027-01-27T05:00:00.000Z',
  },
  {
    name: 'Kolkata from Sunday night: counting starts Monday 09:30 IST',
    config: KOLKATA,
    from: '2026-03-01T18:00:00Z',
    duration: 'PT8H30M',
    expected: '2026-03-02T12:30:00.000Z',
  },
];

interface BetweenCase {
  name: string;
  config: CalendarConfig;
  a: string;
  b: string;
  expected: number;
}

const BETWEEN_CASES: BetweenCase[] = [
  {
    name: 'NY office Fri 09:00 EST to Mon 17:00 EDT',
    config: NY_OFFICE,
    a: '2026-03-06T14:00:00Z',
    b: '2026-03-09T21:00:00Z',
    expected: 14 * H,
  },
  {
    name: 'NY office Thanksgiving week Mon-Fri',
    config: NY_OFFICE,
    a: '2026-11-23T00:00:00Z',
    b: '2026-11-28T00:00:00Z',
    expected: 28 * H,
  },
  {
    name: 'NY office over lunch only',
    config: NY_OFFICE,
    a: '2026-03-10T16:00:00Z',
    b: '2026-03-10T17:00:00Z',
    expected: 0,
  },
  {
    name: 'NY 01:00-04:00 Sat 3 h + Sun 2 h + Mon 3 h around spring-forward',
    config: NY_NIGHT,
    a: '2026-03-07T00:00:00Z',
    b: '2026-03-10T00:00:00Z',
    expected: 8 * H,
  },
  {
    name: 'NY 01:00-04:00 on fall-back day: 4 h',
    config: NY_NIGHT,
    a: '2026-11-01T00:00:00Z',
    b: '2026-11-02T00:00:00Z',
    expected: 4 * H,
  },
  {
    name: 'NY 01:00-04:00 the repeated hour only (05:30Z-06:30Z)',
    config: NY_NIGHT,
    a: '2026-11-01T05:30:00Z',
    b: '2026-11-01T06:30:00Z',
    expected: 1 * H,
  },
  {
    name: 'NY late shift across midnight Thu 21:00 to Fri 03:00 EST',
    config: NY_LATE,
    a: '2026-03-06T02:00:00Z',
    b: '2026-03-06T08:00:00Z',
    expected: 4 * H,
  },
  {
    name: 'NY 24x7 minus the 25-hour holiday 2026-11-01',
    config: NY_24X7,
    a: '2026-10-31T00:00:00Z',
    b: '2026-11-03T00:00:00Z',
    expected: 47 * H,
  },
  {
    name: 'Berlin Sunday 2026-03-29 is 23 h',
    config: BERLIN,
    a: '2026-03-28T00:00:00Z',
    b: '2026-03-30T00:00:00Z',
    expected: 23 * H,
  },
  {
    name: 'Berlin Sunday 2026-10-25 is 25 h',
    config: BERLIN,
    a: '2026-10-24T00:00:00Z',
    b: '2026-10-26T00:00:00Z',
    expected: 25 * H,
  },
  {
    name: 'Berlin 02:00-03:00 Sat 1 h + Sun 0 + Mon 1 h',
    config: BERLIN_TWO,
    a: '2026-03-28T00:00:00Z',
    b: '2026-03-31T00:00:00Z',
    expected: 2 * H,
  },
  {
    name: 'Berlin 02:00-03:00 on 2026-10-25 is 2 h',
    config: BERLIN_TWO,
    a: '2026-10-25T00:00:00Z',
    b: '2026-10-25T12:00:00Z',
    expected: 2 * H,
  },
  {
    name: 'Lord Howe 2026-04-05 night: 2.5 h',
    config: LORD_HOWE,
    a: '2026-04-04T12:00:00Z',
    b: '2026-04-05T12:00:00Z',
    expected: 2.5 * H,
  },
  {
    name: 'Lord Howe 2026-10-04 night: 1.5 h',
    config: LORD_HOWE,
    a: '2026-10-03T12:00:00Z',
    b: '2026-10-04T12:00:00Z',
    expected: 1.5 * H,
  },
  {
    name: 'Kolkata one week Mon-Sat 6 x 8.5 h',
    config: KOLKATA,
    a: '2026-03-02T00:00:00Z',
    b: '2026-03-09T00:00:00Z',
    expected: 51 * H,
  },
  {
    name: 'Kolkata the week of 2026-10-20 (holiday, Tuesday)',
    config: KOLKATA,
    a: '2026-10-19T00:00:00Z',
    b: '2026-10-26T00:00:00Z',
    expected: 42.5 * H,
  },
  { name: 'b before a is 0', config: KOLKATA, a: '2026-03-09T00:00:00Z', b: '2026-03-02T00:00:00Z', expected: 0 },
  {
    name: 'ALWAYS_OPEN is elapsed time',
    config: { timeZone: 'UTC', alwaysOpen: true },
    a: '2026-03-08T00:00:00Z',
    b: '2026-03-09T00:00:00Z',
    expected: 24 * H,
  },
];

describe('the process time zone', () => {
  test('is the one TZ names (npm test runs this file under UTC and America/Los_Angeles)', () => {
    const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone;
    console.info(`calendar tests under TZ=${process.env.TZ ?? '(unset)'}, resolved ${resolved}`);
    if (process.env.TZ) expect(resolved).toBe(process.env.TZ === 'UTC' ? 'UTC' : process.env.TZ);
    if (process.env.TZ === 'America/Los_Angeles')
      expect(new Date(ms('2026-01-15T12:00:00Z')).getTimezoneOffset()).toBe(480);
  });

  test('changing it at run time changes no result', () => {
    const nyc = defineCalendar(NY_NIGHT);
    const before = [
      addBusinessTime('2026-03-08T05:00:00Z', 'PT3H', nyc),
      businessTimeBetween(0, ms('2026-03-10T00:00:00Z'), nyc),
    ];
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Chatham';
      const after = [
        addBusinessTime('2026-03-08T05:00:00Z', 'PT3H', nyc),
        businessTimeBetween(0, ms('2026-03-10T00:00:00Z'), nyc),
      ];
      expect(after).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('addBusinessTime around DST changes, holidays and multi-window days', () => {
  test.each(ADD_CASES)('$name', ({ config, from, duration, expected }) => {
    const calendar = defineCalendar(config);
    const result = addBusinessTime(from, duration, calendar);
    expect(iso(result)).toBe(expected);
    expect(addBusinessTime(ms(from), duration, calendar)).toBe(result);
    // Independent check: the minute-by-minute reference agrees.
    const d = toMs(duration);
    expect(iso(referenceAdd(config, ms(from), d))).toBe(expected);
    if (d > 0) expect(businessTimeBetween(from, result, calendar)).toBe(d);
  });
});

describe('businessTimeBetween around DST changes, holidays and multi-window days', () => {
  test.each(BETWEEN_CASES)('$name', ({ config, a, b, expected }) => {
    const calendar = defineCalendar(config);
    expect(businessTimeBetween(a, b, calendar)).toBe(expected);
    expect(businessTimeBetween(ms(a), ms(b), calendar)).toBe(expected);
    expect(referenceBetween(config, ms(a), ms(b))).toBe(expected);
  });
});

describe('ALWAYS_OPEN', () => {
  test('is a 24x7 UTC calendar: plain addition and subtraction', () => {
    expect(ALWAYS_OPEN).toMatchObject({ timeZone: 'UTC', alwaysOpen: true, weeklyMinutes: 7 * 1440 });
    const a = ms('2026-03-08T01:23:45.678Z');
    expect(addBusinessTime(a, 'P30D', ALWAYS_OPEN)).toBe(a + 30 * 24 * H);
    expect(businessTimeBetween(a, a + 12_345, ALWAYS_OPEN)).toBe(12_345);
  });

  test('24x7 in a DST zone without holidays is elapsed time too', () => {
    const nyc = defineCalendar({ timeZone: 'America/New_York', alwaysOpen: true });
    expect(businessTimeBetween('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', nyc)).toBe(24 * H);
    expect(iso(addBusinessTime('2026-03-08T00:00:00Z', 'P1D', nyc))).toBe('2026-03-09T00:00:00.000Z');
  });
});

describe('defineCalendar', () => {
  test('compiles sorted, merged windows, holidays and the weekly total', () => {
    const calendar = defineCalendar({
      name: 'support',
      timeZone: 'europe/berlin',
      windows: {
        monday: [
          { start: '13:00', end: '17:00' },
          { start: '09:00', end: '12:00' },
          { start: '12:00', end: '12:30' },
        ],
        friday: [],
      },
      holidays: ['2026-12-24', '--12-25'],
    });
    expect(calendar.name).toBe('support');
    expect(calendar.timeZone).toBe('Europe/Berlin');
    expect(calendar.week[0]).toEqual([
      { start: 540, end: 750 },
      { start: 780, end: 1020 },
    ]);
    expect(calendar.week[4]).toEqual([]);
    expect(calendar.weeklyMinutes).toBe(450);
    expect([...calendar.holidays]).toEqual(['2026-12-24']);
    expect([...calendar.recurringHolidays]).toEqual(['12-25']);
    expect(defineCalendar(calendar.config).week).toEqual(calendar.week);
  });

  const invalid: [string, unknown, string[]][] = [
    ['unknown time zone', { timeZone: 'Mars/Olympus', alwaysOpen: true }, ['timeZone']],
    ['an ISO date-time is not a time zone', { timeZone: '2026-01-01T00:00[UTC]', alwaysOpen: true }, ['timeZone']],
    [
      'a window ending before it starts',
      {
        timeZone: 'UTC',
        windows: {
          monday: [
            { start: '09:00', end: '12:00' },
            { start: '13:00', end: '12:00' },
          ],
        },
      },
      ['windows.monday[1].end'],
    ],
    [
      'overlapping windows, reported on the later one whatever the order',
      {
        timeZone: 'UTC',
        windows: {
          friday: [
            { start: '11:00', end: '14:00' },
            { start: '09:00', end: '12:00' },
          ],
        },
      },
      ['windows.friday[0]'],
    ],
    [
      'a bad time',
      {
        timeZone: 'UTC',
        windows: {
          monday: [
            { start: '24:00', end: '24:00' },
            { start: '9:00', end: '10:00' },
          ],
        },
      },
      ['windows.monday[0].start', 'windows.monday[1].start'],
    ],
    ['an unknown day', { timeZone: 'UTC', windows: { funday: [] } }, ['windows']],
    [
      'holidays that are not dates',
      {
        timeZone: 'UTC',
        windows: every([{ start: '09:00', end: '17:00' }]),
        holidays: ['2026-12-24', '--12-25', '2026-02-30', '--13-01'],
      },
      ['holidays[2]', 'holidays[3]'],
    ],
    ['a holiday in another format', { timeZone: 'UTC', alwaysOpen: true, holidays: ['12/25'] }, ['holidays[0]']],
    ['both windows and alwaysOpen', { timeZone: 'UTC', alwaysOpen: true, windows: {} }, ['alwaysOpen']],
    ['neither windows nor alwaysOpen', { timeZone: 'UTC' }, ['windows']],
    ['a week without business time', { timeZone: 'UTC', windows: { monday: [], sunday: [] } }, ['windows']],
    [
      'every day of the year a holiday',
      {
        timeZone: 'UTC',
        alwaysOpen: true,
        holidays: Array.from(
          { length: 366 },
          (_, i) => `--${Temporal.PlainDate.from('2028-01-01').add({ days: i }).toString().slice(5)}`,
        ),
      },
      ['holidays'],
    ],
  ];
  const pathOf = (path: PropertyKey[]) =>
    path.reduce<string>(
      (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
      '',
    );

  test.each(invalid)('rejects %s with issue paths', (_, config, paths) => {
    let error: unknown;
    try {
      defineCalendar(config as CalendarConfig);
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => pathOf(i.path))).toEqual(paths);
  });

  test('rejects bad instants and durations with ValidationError', () => {
    const calendar = defineCalendar(NY_OFFICE);
    expect(() => addBusinessTime('2026-03-06 16:00', 'PT1H', calendar)).toThrow(ValidationError);
    expect(() => addBusinessTime(1.5, 'PT1H', calendar)).toThrow(ValidationError);
    expect(() => addBusinessTime(0, -1, calendar)).toThrow(ValidationError);
    expect(() => addBusinessTime(0, 'one hour', calendar)).toThrow(ValidationError);
    expect(() => businessTimeBetween(0, 'tomorrow', calendar)).toThrow(ValidationError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random calendars.

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'] as const;
const FROM = ms('2026-01-01T00:00:00Z');
const TO = ms('2028-01-01T00:00:00Z');

const hhmm = (halfHours: number) =>
  halfHours === 48 ? '24:00' : `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 ? '30' : '00'}`;

/** Up to three windows a day on half hours, so that windows often cross 02:00-03:00 and midnight. */
const dayWindows = fc.uniqueArray(fc.integer({ min: 0, max: 48 }), { maxLength: 6 }).map((marks) => {
  const sorted = [...marks].sort((a, b) => a - b);
  const windows: Window[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) windows.push({ start: hhmm(sorted[i]!), end: hhmm(sorted[i + 1]!) });
  return windows;
});

const holiday = fc.oneof(
  fc.integer({ min: 0, max: 729 }).map((d) => Temporal.PlainDate.from('2026-01-01').add({ days: d }).toString()),
  fc
    .integer({ min: 0, max: 365 })
    .map((d) => `--${Temporal.PlainDate.from('2028-01-01').add({ days: d }).toString().slice(5)}`),
);

const calendarConfig: fc.Arbitrary<CalendarConfig> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.array(dayWindows, { minLength: 7, maxLength: 7 }),
    holidays: fc.array(holiday, { maxLength: 30 }),
  })
  .map(({ timeZone, week, holidays }) => {
    const windows = Object.fromEntries(DAYS.map((d, i) => [d, week[i]!]));
    if (week.every((w) => w.length === 0)) windows.wednesday = [{ start: '09:00', end: '17:00' }];
    return { timeZone, windows, holidays };
  });

/** Instants of the zone's DST transitions in 2026-2027, to aim at. */
const transitions = new Map(
  ZONES.map((zone) => {
    const found: number[] = [];
    let at = Temporal.Instant.fromEpochMilliseconds(FROM).toZonedDateTimeISO(zone);
    for (
      let next = at.getTimeZoneTransition('next');
      next && next.epochMilliseconds < TO;
      next = at.getTimeZoneTransition('next')
    ) {
      found.push(next.epochMilliseconds);
      at = next;
    }
    return [zone, found] as const;
  }),
);

const instant = fc.integer({ min: FROM, max: TO });
const BUSINESS_DAY = 8 * H;
const duration = fc.oneof(fc.integer({ min: 0, max: 30 * BUSINESS_DAY }), fc.integer({ min: 0, max: 4 * H }));

describe('properties (random calendars, zones, holidays; instants in 2026-2027)', () => {
  test('businessTimeBetween(a, addBusinessTime(a, d)) === d', () => {
    fc.assert(
      fc.property(calendarConfig, instant, duration, (config, a, d) => {
        const calendar = defineCalendar(config);
        const end = addBusinessTime(a, d, calendar);
        expect(end).toBeGreaterThanOrEqual(a);
        expect(businessTimeBetween(a, end, calendar)).toBe(d);
      }),
      { numRuns: 300 },
    );
  });

  test('addBusinessTime is non-decreasing in the instant and in the duration', () => {
    fc.assert(
      fc.property(calendarConfig, instant, instant, duration, duration, (config, x, y, d1, d2) => {
        const calendar = defineCalendar(config);
        const [a1, a2] = x <= y ? [x, y] : [y, x];
        const [e1, e2] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(addBusinessTime(a1, e1, calendar)).toBeLessThanOrEqual(addBusinessTime(a2, e1, calendar));
        expect(addBusinessTime(a1, e1, calendar)).toBeLessThanOrEqual(addBusinessTime(a1, e2, calendar));
      }),
      { numRuns: 300 },
    );
  });

  test('businessTimeBetween is non-decreasing in b and non-increasing in a, and additive', () => {
    fc.assert(
      fc.property(
        calendarConfig,
        fc.array(fc.integer({ min: FROM, max: FROM + 120 * 24 * H }), { minLength: 3, maxLength: 3 }),
        (config, points) => {
          const calendar = defineCalendar(config);
          const [a, m, b] = [...points].sort((p, q) => p - q) as [number, number, number];
          const whole = businessTimeBetween(a, b, calendar);
          expect(businessTimeBetween(a, m, calendar)).toBeLessThanOrEqual(whole);
          expect(businessTimeBetween(m, b, calendar)).toBeLessThanOrEqual(whole);
          expect(businessTimeBetween(a, m, calendar) + businessTimeBetween(m, b, calendar)).toBe(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('agrees with the minute-by-minute reference, often right at DST transitions', () => {
    const near = (zone: (typeof ZONES)[number]) =>
      fc
        .constantFrom(...transitions.get(zone)!)
        .chain((t) => fc.integer({ min: -3 * 24 * 60, max: 24 * 60 }).map((minute) => t + minute * M));
    fc.assert(
      fc.property(
        calendarConfig.chain((config) =>
          fc.tuple(
            fc.constant(config),
            config.timeZone === 'Asia/Kolkata'
              ? instant.map((t) => t - (t % M))
              : fc.oneof(
                  near(config.timeZone as (typeof ZONES)[number]),
                  instant.map((t) => t - (t % M)),
                ),
            fc.integer({ min: 0, max: 3 * 24 * 60 }),
          ),
        ),
        ([config, a, minutes]) => {
          const calendar = defineCalendar(config);
          const b = a + minutes * M;
          const expected = referenceBetween(config, a, b);
          expect(businessTimeBetween(a, b, calendar)).toBe(expected);
          if (expected > 0)
            expect(addBusinessTime(a, expected, calendar)).toBe(referenceAdd(config, a, expected, b - a));
        },
      ),
      { numRuns: 200 },
    );
  });
});
