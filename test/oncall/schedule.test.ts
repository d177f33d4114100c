/**
 * On-call schedules: rotations across the daylight-saving changes of New York and Berlin
 * (handoffs stay at their local wall-clock time), hourly turns across the skipped and the
 * repeated hour, follow-the-sun between Berlin and Los Angeles, three layers, overrides across a
 * handoff and on top of each other, validation, and properties on random schedules: whoIsOnCall
 * agrees with a reference built directly on Temporal, and shifts() agrees with whoIsOnCall.
 *
 * `npm test` runs this file under TZ=UTC and TZ=America/Los_Angeles: no result may change.
 */

import fc from 'fast-check';
import {
  defineSchedule,
  type OnCall,
  type OnCallShift,
  type Schedule,
  type ScheduleConfig,
  shifts,
  ValidationError,
  whoIsOnCall,
} from 'incidentkit';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, test } from 'vitest';

const H = 3_600_000;
const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;
const iso = (epochMs: number) => Temporal.Instant.fromEpochMilliseconds(epochMs).toString();

/** A shift as one line: `2026-03-02T14:00:00Z → 2026-03-09T13:00:00Z cy (weekly)`. */
const line = (s: OnCallShift) =>
  `${iso(s.from)} → ${iso(s.to)} ${s.member} (${s.layer ?? `override ${String(s.override)}`})`;
const render = (schedule: Schedule, from: string, to: string) => shifts(schedule, from, to).map(line);

const WEEKLY = ['ana', 'bo', 'cy'];

// ---------------------------------------------------------------------------------------------
// Reference: the documented semantics spelled out with Temporal and nothing else. Turn k of a
// layer starts at the local date-time start + k turns (PlainDateTime arithmetic), converted with
// disambiguation 'compatible'; the turn at t is the last one starting at or before t (found by
// bisection on those instants, not by local arithmetic). A restriction window of local date d
// runs from d at `start` to d (or d + 1, past midnight) at `end`, both 'compatible'.

type Layer = ScheduleConfig['layers'][number];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** Conversions already made (the instants of one property run share their boundaries): zone + local -> ms. */
const converted = new Map<string, number>();

function referenceLayer(layer: Layer, zone: string, t: number): string | null {
  const tz = layer.timeZone ?? zone;
  const start = Temporal.PlainDateTime.from(layer.start);
  const at = (pdt: Temporal.PlainDateTime) => {
    const key = `${tz} ${pdt.toString()}`;
    let ms = converted.get(key);
    if (ms === undefined) {
      ms = pdt.toZonedDateTime(tz, { disambiguation: 'compatible' }).epochMilliseconds;
      if (converted.size > 100_000) converted.clear();
      converted.set(key, ms);
    }
    return ms;
  };
  const boundary = (k: number) =>
    at(
      layer.rotation.days
        ? start.add({ days: k * layer.rotation.days })
        : start.add({ hours: k * layer.rotation.hours! }),
    );
  if (t < boundary(0)) return null;
  if (layer.end !== undefined && t >= at(Temporal.PlainDateTime.from(layer.end))) return null;
  if (layer.restrictions) {
    const date = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(tz).toPlainDate();
    const inside = [-1, 0, 1].some((offset) => {
      const d = date.add({ days: offset });
      return layer.restrictions!.some((r) => {
        if (r.days && !r.days.includes(DAYS[d.dayOfWeek - 1]!)) return false;
        const wall = (day: Temporal.PlainDate, hhmm: string) =>
          hhmm === '24:00'
            ? at(day.add({ days: 1 }).toPlainDateTime())
            : at(day.toPlainDateTime(Temporal.PlainTime.from(hhmm)));
        const from = wall(d, r.start);
        const to = wall(r.end <= r.start ? d.add({ days: 1 }) : d, r.end);
        return from <= t && t < to;
      });
    });
    if (!inside) return null;
  }
  // Bracket the turn around an estimate in elapsed time (offsets move it by a turn or two), then bisect.
  const guess = Math.floor((t - boundary(0)) / ((layer.rotation.days ?? 0) * 24 * H + (layer.rotation.hours ?? 0) * H));
  let lo = Math.max(0, guess - 2);
  while (boundary(lo) > t) lo = Math.max(0, lo - 4);
  let hi = guess + 2;
  while (boundary(hi) <= t) hi += 4;
  // boundary(lo) <= t < boundary(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (boundary(mid) <= t) lo = mid;
    else hi = mid;
  }
  return layer.members[lo % layer.members.length]!;
}

function referenceWho(config: ScheduleConfig, t: number): OnCall | null {
  const overrides = config.overrides ?? [];
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i]!;
    const from = typeof o.from === 'number' ? o.from : ms(o.from);
    const to = typeof o.to === 'number' ? o.to : ms(o.to);
    if (from <= t && t < to) return { member: o.member, layer: null, override: i };
  }
  for (let i = config.layers.length - 1; i >= 0; i--) {
    const layer = config.layers[i]!;
    const member = referenceLayer(layer, config.timeZone ?? 'UTC', t);
    if (member !== null) return { member, layer: layer.name ?? `layers[${i}]` };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

describe('the process time zone', () => {
  test('is the one TZ names (npm test runs this file under UTC and America/Los_Angeles)', () => {
    const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone;
    console.info(`schedule tests under TZ=${process.env.TZ ?? '(unset)'}, resolved ${resolved}`);
    if (process.env.TZ) expect(resolved).toBe(process.env.TZ);
  });

  test('changing it at run time changes no result', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers: [{ start: '2026-01-05T09:00', rotation: { hours: 12 }, members: WEEKLY }],
    });
    const before = render(schedule, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z');
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Chatham';
      expect(render(schedule, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('weekly rotation, handoff Monday 09:00 local across DST', () => {
  const newYork = defineSchedule({
    name: 'db-primary',
    timeZone: 'America/New_York',
    layers: [{ name: 'weekly', start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY }],
  });
  const berlin = defineSchedule({
    timeZone: 'Europe/Berlin',
    layers: [{ name: 'weekly', start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY }],
  });

  test('New York spring forward (2026-03-08): 09:00 EST = 14:00Z before, 09:00 EDT = 13:00Z after', () => {
    expect(render(newYork, '2026-02-25T00:00:00Z', '2026-03-20T00:00:00Z')).toEqual([
      '2026-02-25T00:00:00Z → 2026-03-02T14:00:00Z bo (weekly)',
      '2026-03-02T14:00:00Z → 2026-03-09T13:00:00Z cy (weekly)', // 167 hours
      '2026-03-09T13:00:00Z → 2026-03-16T13:00:00Z ana (weekly)',
      '2026-03-16T13:00:00Z → 2026-03-20T00:00:00Z bo (weekly)',
    ]);
    expect(whoIsOnCall(newYork, '2026-03-09T12:59:59.999Z')).toEqual({ member: 'cy', layer: 'weekly' });
    expect(whoIsOnCall(newYork, '2026-03-09T13:00:00Z')).toEqual({ member: 'ana', layer: 'weekly' });
    expect(whoIsOnCall(newYork, '2026-03-09T09:00:00-04:00')).toEqual({ member: 'ana', layer: 'weekly' });
  });

  test('New York fall back (2026-11-01): 09:00 EDT = 13:00Z before, 09:00 EST = 14:00Z after', () => {
    expect(render(newYork, '2026-10-26T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-26T00:00:00Z → 2026-10-26T13:00:00Z cy (weekly)',
      '2026-10-26T13:00:00Z → 2026-11-02T14:00:00Z ana (weekly)', // 169 hours
      '2026-11-02T14:00:00Z → 2026-11-03T00:00:00Z bo (weekly)',
    ]);
    expect(whoIsOnCall(newYork, ms('2026-11-02T14:00:00Z') - 1)?.member).toBe('ana');
    expect(whoIsOnCall(newYork, ms('2026-11-02T14:00:00Z'))?.member).toBe('bo');
  });

  test('Berlin spring forward (2026-03-29): 09:00 CET = 08:00Z before, 09:00 CEST = 07:00Z after', () => {
    expect(render(berlin, '2026-03-20T00:00:00Z', '2026-04-07T00:00:00Z')).toEqual([
      '2026-03-20T00:00:00Z → 2026-03-23T08:00:00Z bo (weekly)',
      '2026-03-23T08:00:00Z → 2026-03-30T07:00:00Z cy (weekly)',
      '2026-03-30T07:00:00Z → 2026-04-06T07:00:00Z ana (weekly)',
      '2026-04-06T07:00:00Z → 2026-04-07T00:00:00Z bo (weekly)',
    ]);
    expect(whoIsOnCall(berlin, '2026-03-30T06:59:59Z')?.member).toBe('cy');
    expect(whoIsOnCall(berlin, '2026-03-30T09:00:00+02:00')?.member).toBe('ana');
  });

  test('Berlin fall back (2026-10-25): 09:00 CEST = 07:00Z before, 09:00 CET = 08:00Z after', () => {
    expect(render(berlin, '2026-10-18T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-18T00:00:00Z → 2026-10-19T07:00:00Z bo (weekly)',
      '2026-10-19T07:00:00Z → 2026-10-26T08:00:00Z cy (weekly)',
      '2026-10-26T08:00:00Z → 2026-10-27T00:00:00Z ana (weekly)',
    ]);
    expect(whoIsOnCall(berlin, '2026-10-26T07:30:00Z')?.member).toBe('cy');
  });

  test('before the start nobody is on call; a turn long after it is found without a walk', () => {
    expect(whoIsOnCall(newYork, ms('2026-01-05T14:00:00Z') - 1)).toBeNull();
    expect(whoIsOnCall(newYork, '2026-01-05T14:00:00Z')).toEqual({ member: 'ana', layer: 'weekly' });
    expect(render(newYork, '2026-01-01T00:00:00Z', '2026-01-13T00:00:00Z')).toEqual([
      '2026-01-05T14:00:00Z → 2026-01-12T14:00:00Z ana (weekly)',
      '2026-01-12T14:00:00Z → 2026-01-13T00:00:00Z bo (weekly)',
    ]);
    // 2126-03-08 is a Friday; the week's turn started Monday 2126-03-04 09:00 EST.
    const turn = Math.round((ms('2126-03-04T14:00:00Z') - ms('2026-01-05T14:00:00Z')) / (7 * 24 * H));
    expect(whoIsOnCall(newYork, '2126-03-08T12:00:00Z')?.member).toBe(WEEKLY[turn % 3]);
    expect(render(newYork, '2126-03-04T00:00:00Z', '2126-03-05T00:00:00Z')[1]).toMatch(/^2126-03-04T14:00:00Z/);
  });
});

describe('hourly rotations across DST', () => {
  test('a 12-hour 09:00/21:00 rotation stays at 09:00 and 21:00: 11 hours in spring, 13 in autumn', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers: [{ name: 'half-days', start: '2026-01-05T09:00', rotation: { hours: 12 }, members: ['day', 'night'] }],
    });
    expect(render(schedule, '2026-03-07T12:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      '2026-03-07T12:00:00Z → 2026-03-07T14:00:00Z night (half-days)',
      '2026-03-07T14:00:00Z → 2026-03-08T02:00:00Z day (half-days)', // 09:00-21:00 EST
      '2026-03-08T02:00:00Z → 2026-03-08T13:00:00Z night (half-days)', // 21:00 EST - 09:00 EDT: 11 h
      '2026-03-08T13:00:00Z → 2026-03-09T00:00:00Z day (half-days)',
    ]);
    expect(render(schedule, '2026-10-31T12:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
      '2026-10-31T12:00:00Z → 2026-10-31T13:00:00Z night (half-days)',
      '2026-10-31T13:00:00Z → 2026-11-01T01:00:00Z day (half-days)', // 09:00-21:00 EDT
      '2026-11-01T01:00:00Z → 2026-11-01T14:00:00Z night (half-days)', // 21:00 EDT - 09:00 EST: 13 h
      '2026-11-01T14:00:00Z → 2026-11-02T00:00:00Z day (half-days)',
    ]);
    expect(whoIsOnCall(schedule, '2026-11-01T13:59:59Z')?.member).toBe('night');
  });

  test('1-hour turns: the 02:00 turn of spring-forward night does not happen, the 01:00 turn of fall-back night lasts 2 hours', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers: [{ name: 'hourly', start: '2026-03-07T00:00', rotation: { hours: 1 }, members: ['a', 'b', 'c', 'd'] }],
    });
    // 2026-03-08 00:00 EST is turn 24 (a): a 00:00, b 01:00, c 02:00 (skipped), d 03:00 EDT.
    expect(render(schedule, '2026-03-08T05:00:00Z', '2026-03-08T09:00:00Z')).toEqual([
      '2026-03-08T05:00:00Z → 2026-03-08T06:00:00Z a (hourly)',
      '2026-03-08T06:00:00Z → 2026-03-08T07:00:00Z b (hourly)',
      '2026-03-08T07:00:00Z → 2026-03-08T08:00:00Z d (hourly)',
      '2026-03-08T08:00:00Z → 2026-03-08T09:00:00Z a (hourly)',
    ]);
    // 2026-11-01 00:00 EDT is turn 5736 (a): b from 01:00 EDT until 02:00 EST, through the repeated hour.
    expect(render(schedule, '2026-11-01T04:00:00Z', '2026-11-01T09:00:00Z')).toEqual([
      '2026-11-01T04:00:00Z → 2026-11-01T05:00:00Z a (hourly)',
      '2026-11-01T05:00:00Z → 2026-11-01T07:00:00Z b (hourly)',
      '2026-11-01T07:00:00Z → 2026-11-01T08:00:00Z c (hourly)',
      '2026-11-01T08:00:00Z → 2026-11-01T09:00:00Z d (hourly)',
    ]);
    expect(whoIsOnCall(schedule, '2026-11-01T06:30:00Z')?.member).toBe('b'); // 01:30 EST, the second 01:30
  });

  test('a handoff in the skipped hour moves forward by the change; in the repeated hour it is the first 01:30', () => {
    const skipped = defineSchedule({
      timeZone: 'America/New_York',
      layers: [{ name: 'nightly', start: '2026-03-01T02:30', rotation: { days: 1 }, members: ['x', 'y'] }],
    });
    expect(render(skipped, '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-07T12:00:00Z → 2026-03-08T07:30:00Z x (nightly)', // from 02:30 EST on 03-07
      '2026-03-08T07:30:00Z → 2026-03-09T06:30:00Z y (nightly)', // 02:30 does not exist: 03:30 EDT
      '2026-03-09T06:30:00Z → 2026-03-09T12:00:00Z x (nightly)',
    ]);
    // 03:10 EDT is past 02:30 on the wall clock, but the moved handoff (03:30 EDT) has not happened yet.
    expect(whoIsOnCall(skipped, '2026-03-08T07:10:00Z')?.member).toBe('x');
    expect(whoIsOnCall(skipped, '2026-03-08T07:30:00Z')?.member).toBe('y');
    const repeated = defineSchedule({
      timeZone: 'America/New_York',
      layers: [{ name: 'nightly', start: '2026-10-01T01:30', rotation: { days: 1 }, members: ['x', 'y'] }],
    });
    expect(render(repeated, '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-10-31T12:00:00Z → 2026-11-01T05:30:00Z x (nightly)', // 01:30 EDT, the first
      '2026-11-01T05:30:00Z → 2026-11-02T06:30:00Z y (nightly)', // 25 hours, to 01:30 EST
      '2026-11-02T06:30:00Z → 2026-11-02T12:00:00Z x (nightly)',
    ]);
    // 01:15 EST, the second 01:15 of the night: after the 01:30 EDT handoff although 01:15 < 01:30.
    expect(whoIsOnCall(repeated, '2026-11-01T06:15:00Z')?.member).toBe('y');
    expect(whoIsOnCall(repeated, '2026-11-01T05:15:00Z')?.member).toBe('x');
  });
});

describe('restrictions and layers', () => {
  /** Follow-the-sun: Berlin covers 08:00-20:00 Berlin time, Los Angeles 08:00-20:00 LA time. */
  const followTheSun = defineSchedule({
    name: 'follow-the-sun',
    layers: [
      {
        name: 'emea',
        timeZone: 'Europe/Berlin',
        start: '2026-01-05T08:00',
        rotation: { days: 1 },
        members: ['eva', 'fritz'],
        restrictions: [{ start: '08:00', end: '20:00' }],
      },
      {
        name: 'amer',
        timeZone: 'America/Los_Angeles',
        start: '2026-01-05T08:00',
        rotation: { days: 1 },
        members: ['amy', 'ben'],
        restrictions: [{ start: '08:00', end: '20:00' }],
      },
    ],
  });

  test.each([
    [
      'winter: Berlin 07:00Z-19:00Z, LA 16:00Z-04:00Z (LA wins the overlap), nobody 04:00Z-07:00Z',
      '2026-01-14',
      [
        '2026-01-14T00:00:00Z → 2026-01-14T04:00:00Z amy (amer)',
        '2026-01-14T07:00:00Z → 2026-01-14T16:00:00Z fritz (emea)',
        '2026-01-14T16:00:00Z → 2026-01-15T00:00:00Z ben (amer)',
      ],
    ],
    [
      'US on DST, Europe not yet: LA from 15:00Z',
      '2026-03-16',
      [
        '2026-03-16T00:00:00Z → 2026-03-16T03:00:00Z ben (amer)',
        '2026-03-16T07:00:00Z → 2026-03-16T15:00:00Z eva (emea)',
        '2026-03-16T15:00:00Z → 2026-03-17T00:00:00Z amy (amer)',
      ],
    ],
    [
      'both on DST: Berlin from 06:00Z',
      '2026-04-15',
      [
        '2026-04-15T00:00:00Z → 2026-04-15T03:00:00Z ben (amer)',
        '2026-04-15T06:00:00Z → 2026-04-15T15:00:00Z eva (emea)',
        '2026-04-15T15:00:00Z → 2026-04-16T00:00:00Z amy (amer)',
      ],
    ],
    [
      'Europe back on standard time, US not yet: Berlin from 07:00Z, LA from 15:00Z',
      '2026-10-28',
      [
        '2026-10-28T00:00:00Z → 2026-10-28T03:00:00Z ben (amer)',
        '2026-10-28T07:00:00Z → 2026-10-28T15:00:00Z eva (emea)',
        '2026-10-28T15:00:00Z → 2026-10-29T00:00:00Z amy (amer)',
      ],
    ],
  ])('follow-the-sun, %s', (_, day, expected) => {
    const next = Temporal.PlainDate.from(day).add({ days: 1 }).toString();
    expect(render(followTheSun, `${day}T00:00:00Z`, `${next}T00:00:00Z`)).toEqual(expected);
    expect(whoIsOnCall(followTheSun, `${day}T05:00:00Z`)).toBeNull();
  });

  test('three layers: the highest layer with someone on call wins', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers: [
        { name: 'weekly', start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY },
        {
          name: 'office',
          start: '2026-01-05T09:00',
          rotation: { days: 1 },
          members: ['dan', 'eve'],
          restrictions: [
            { days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], start: '09:00', end: '17:00' },
          ],
        },
        {
          name: 'weekend',
          start: '2026-01-03T10:00',
          rotation: { days: 7 },
          members: ['sam', 'tia'],
          restrictions: [{ days: ['saturday', 'sunday'], start: '10:00', end: '18:00' }],
        },
      ],
    });
    expect(render(schedule, '2026-03-06T05:00:00Z', '2026-03-10T04:00:00Z')).toEqual([
      '2026-03-06T05:00:00Z → 2026-03-06T14:00:00Z cy (weekly)',
      '2026-03-06T14:00:00Z → 2026-03-06T22:00:00Z dan (office)', // Friday 09:00-17:00 EST
      '2026-03-06T22:00:00Z → 2026-03-07T15:00:00Z cy (weekly)',
      '2026-03-07T15:00:00Z → 2026-03-07T23:00:00Z tia (weekend)', // Saturday 10:00-18:00 EST
      '2026-03-07T23:00:00Z → 2026-03-08T14:00:00Z cy (weekly)',
      '2026-03-08T14:00:00Z → 2026-03-08T22:00:00Z tia (weekend)', // Sunday 10:00-18:00 EDT
      '2026-03-08T22:00:00Z → 2026-03-09T13:00:00Z cy (weekly)',
      '2026-03-09T13:00:00Z → 2026-03-09T21:00:00Z eve (office)', // Monday 09:00-17:00 EDT
      '2026-03-09T21:00:00Z → 2026-03-10T04:00:00Z ana (weekly)',
    ]);
    expect(whoIsOnCall(schedule, '2026-03-07T20:00:00Z')).toEqual({ member: 'tia', layer: 'weekend' });
    expect(whoIsOnCall(schedule, '2026-03-09T20:59:59Z')).toEqual({ member: 'eve', layer: 'office' });
    expect(whoIsOnCall(schedule, '2026-03-09T21:00:00Z')).toEqual({ member: 'ana', layer: 'weekly' });
  });

  test('a window past midnight runs into the next date; 24:00 ends at midnight; the layer ends at its end', () => {
    const schedule = defineSchedule({
      timeZone: 'Europe/Berlin',
      layers: [
        {
          name: 'nights',
          start: '2026-03-02T00:00',
          end: '2026-03-09T00:00',
          rotation: { days: 7 },
          members: ['nia'],
          restrictions: [
            { days: ['friday'], start: '22:00', end: '06:00' },
            { days: ['sunday'], start: '20:00', end: '24:00' },
          ],
        },
      ],
    });
    expect(render(schedule, '2026-03-01T00:00:00Z', '2026-03-12T00:00:00Z')).toEqual([
      '2026-03-06T21:00:00Z → 2026-03-07T05:00:00Z nia (nights)', // Fri 22:00 to Sat 06:00 CET
      '2026-03-08T19:00:00Z → 2026-03-08T23:00:00Z nia (nights)', // Sun 20:00 to 24:00; ends 03-09 00:00
    ]);
    expect(whoIsOnCall(schedule, '2026-03-07T04:59:59Z')?.member).toBe('nia');
    expect(whoIsOnCall(schedule, '2026-03-07T05:00:00Z')).toBeNull();
  });

  test('a window across the repeated hour is an hour longer (01:00-03:00 on 2026-11-01 in New York: 3 h)', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers: [
        {
          start: '2026-10-01T00:00',
          rotation: { days: 1 },
          members: ['owl'],
          restrictions: [{ start: '01:00', end: '03:00' }],
        },
      ],
    });
    expect(render(schedule, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:00:00Z → 2026-10-31T07:00:00Z owl (layers[0])',
      '2026-11-01T05:00:00Z → 2026-11-01T08:00:00Z owl (layers[0])',
      '2026-11-02T06:00:00Z → 2026-11-02T08:00:00Z owl (layers[0])',
    ]);
  });

  test('adjacent turns of the same member merge into one shift; different sources never do', () => {
    const schedule = defineSchedule({
      timeZone: 'UTC',
      layers: [{ name: 'daily', start: '2026-01-01T00:00', rotation: { days: 1 }, members: ['ana', 'ana', 'bo'] }],
      overrides: [
        { member: 'bo', from: '2026-01-04T00:00:00Z', to: '2026-01-04T12:00:00Z' },
        { member: 'bo', from: '2026-01-04T12:00:00Z', to: '2026-01-05T00:00:00Z' },
      ],
    });
    expect(render(schedule, '2026-01-01T00:00:00Z', '2026-01-07T00:00:00Z')).toEqual([
      '2026-01-01T00:00:00Z → 2026-01-03T00:00:00Z ana (daily)',
      '2026-01-03T00:00:00Z → 2026-01-04T00:00:00Z bo (daily)',
      '2026-01-04T00:00:00Z → 2026-01-04T12:00:00Z bo (override 0)',
      '2026-01-04T12:00:00Z → 2026-01-05T00:00:00Z bo (override 1)',
      '2026-01-05T00:00:00Z → 2026-01-06T00:00:00Z ana (daily)',
      '2026-01-06T00:00:00Z → 2026-01-07T00:00:00Z bo (daily)',
    ]);
  });
});

describe('overrides', () => {
  const layers: ScheduleConfig['layers'] = [
    { name: 'weekly', start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY },
  ];

  test('an override across the Monday handoff (and the DST change) replaces both turns', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers,
      overrides: [{ member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-09T15:00:00Z' }],
    });
    expect(render(schedule, '2026-03-02T00:00:00Z', '2026-03-17T00:00:00Z')).toEqual([
      '2026-03-02T00:00:00Z → 2026-03-02T14:00:00Z bo (weekly)',
      '2026-03-02T14:00:00Z → 2026-03-06T15:00:00Z cy (weekly)',
      '2026-03-06T15:00:00Z → 2026-03-09T15:00:00Z dee (override 0)',
      '2026-03-09T15:00:00Z → 2026-03-16T13:00:00Z ana (weekly)',
      '2026-03-16T13:00:00Z → 2026-03-17T00:00:00Z bo (weekly)',
    ]);
    expect(whoIsOnCall(schedule, '2026-03-09T13:00:00Z')).toEqual({ member: 'dee', layer: null, override: 0 });
    expect(whoIsOnCall(schedule, '2026-03-09T15:00:00Z')).toEqual({ member: 'ana', layer: 'weekly' });
  });

  test('where overrides overlap, the later one in the list wins; an override also covers a time without layers', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers,
      overrides: [
        { member: 'zed', from: '2026-03-07T01:00:00Z', to: '2026-03-07T02:00:00Z' }, // hidden by dee
        { member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-09T15:00:00Z' },
        { member: 'eli', from: '2026-03-07T00:00:00Z', to: '2026-03-08T00:00:00Z' }, // inside dee's
        { member: 'fay', from: ms('2026-03-09T12:00:00Z'), to: '2026-03-10T08:00:00-04:00' }, // over dee's end
        { member: 'gus', from: '2026-03-07T06:00:00Z', to: '2026-03-07T12:00:00Z' }, // inside eli's
        { member: 'old', from: '2025-12-31T00:00:00Z', to: '2026-01-01T00:00:00Z' }, // before the layer
      ],
    });
    expect(render(schedule, '2026-03-06T00:00:00Z', '2026-03-11T00:00:00Z')).toEqual([
      '2026-03-06T00:00:00Z → 2026-03-06T15:00:00Z cy (weekly)',
      '2026-03-06T15:00:00Z → 2026-03-07T00:00:00Z dee (override 1)',
      '2026-03-07T00:00:00Z → 2026-03-07T06:00:00Z eli (override 2)',
      '2026-03-07T06:00:00Z → 2026-03-07T12:00:00Z gus (override 4)',
      '2026-03-07T12:00:00Z → 2026-03-08T00:00:00Z eli (override 2)',
      '2026-03-08T00:00:00Z → 2026-03-09T12:00:00Z dee (override 1)',
      '2026-03-09T12:00:00Z → 2026-03-10T12:00:00Z fay (override 3)',
      '2026-03-10T12:00:00Z → 2026-03-11T00:00:00Z ana (weekly)',
    ]);
    expect(whoIsOnCall(schedule, '2026-03-07T01:30:00Z')).toEqual({ member: 'eli', layer: null, override: 2 });
    expect(render(schedule, '2025-12-30T00:00:00Z', '2026-01-06T00:00:00Z')).toEqual([
      '2025-12-31T00:00:00Z → 2026-01-01T00:00:00Z old (override 5)',
      '2026-01-05T14:00:00Z → 2026-01-06T00:00:00Z ana (weekly)',
    ]);
  });

  test('a shifts() range starting inside an override is clipped to the range', () => {
    const schedule = defineSchedule({
      timeZone: 'America/New_York',
      layers,
      overrides: [{ member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-09T15:00:00Z' }],
    });
    expect(render(schedule, '2026-03-07T00:00:00Z', '2026-03-08T00:00:00Z')).toEqual([
      '2026-03-07T00:00:00Z → 2026-03-08T00:00:00Z dee (override 0)',
    ]);
    expect(shifts(schedule, '2026-03-08T00:00:00Z', '2026-03-07T00:00:00Z')).toEqual([]);
    expect(shifts(schedule, 0, 0)).toEqual([]);
  });
});

describe('defineSchedule', () => {
  const config: ScheduleConfig = {
    timeZone: 'america/new_york',
    layers: [
      { start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY },
      {
        name: 'berlin',
        timeZone: 'Europe/Berlin',
        start: '2026-01-05T08:00',
        rotation: { hours: 12 },
        members: ['eva'],
        restrictions: [{ days: ['monday'], start: '08:00', end: '20:00' }],
        end: '2026-12-31T08:00',
      },
    ],
    overrides: [{ member: 'dee', from: '2026-03-06T10:00:00-05:00', to: ms('2026-03-09T15:00:00Z') }],
  };

  test('keeps the validated config with defaults, frozen, and defineSchedule(schedule.config) is the same schedule', () => {
    const schedule = defineSchedule(config);
    expect(schedule.name).toBe('schedule');
    expect(schedule.timeZone).toBe('America/New_York');
    expect(schedule.layers).toEqual(['layers[0]', 'berlin']);
    expect(schedule.config).toEqual({
      ...config,
      name: 'schedule',
      layers: [{ ...config.layers[0], name: 'layers[0]' }, config.layers[1]],
    });
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(Object.isFrozen(schedule.config.layers[0]!.members)).toBe(true);
    expect(() => (schedule.config.layers[0]!.members as string[]).push('mallory')).toThrow(TypeError);
    const again = defineSchedule(JSON.parse(JSON.stringify(schedule.config)) as ScheduleConfig);
    expect(again.config).toEqual(schedule.config);
    expect(shifts(again, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(
      shifts(schedule, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'),
    );
  });

  const invalid: [string, unknown, string[]][] = [
    ['an unknown schedule time zone', { ...config, timeZone: 'Mars/Olympus' }, ['timeZone']],
    [
      'an unknown layer time zone',
      { ...config, layers: [config.layers[0], { ...config.layers[1], timeZone: 'Europe/Atlantis' }] },
      ['layers[1].timeZone'],
    ],
    [
      'a layer without any time zone',
      { layers: [{ start: '2026-01-05T09:00', rotation: { days: 7 }, members: WEEKLY }] },
      ['layers[0].timeZone'],
    ],
    ['no members', { ...config, layers: [{ ...config.layers[0], members: [] }] }, ['layers[0].members']],
    [
      'more than 100 members',
      { ...config, layers: [{ ...config.layers[0], members: Array.from({ length: 101 }, (_, i) => `m${i}`) }] },
      ['layers[0].members'],
    ],
    [
      'an empty member id',
      { ...config, layers: [{ ...config.layers[0], members: ['ana', ' '] }] },
      ['layers[0].members[1]'],
    ],
    [
      'a date that does not exist',
      { ...config, layers: [{ ...config.layers[0], start: '2026-02-30T09:00' }] },
      ['layers[0].start'],
    ],
    [
      'a date-time with an offset',
      { ...config, layers: [{ ...config.layers[0], start: '2026-01-05T09:00Z' }] },
      ['layers[0].start'],
    ],
    ['an hour 24', { ...config, layers: [{ ...config.layers[0], start: '2026-01-05T24:00' }] }, ['layers[0].start']],
    [
      'an end before the start',
      { ...config, layers: [{ ...config.layers[0], end: '2026-01-05T08:59' }] },
      ['layers[0].end'],
    ],
    [
      'both days and hours',
      { ...config, layers: [{ ...config.layers[0], rotation: { days: 1, hours: 12 } }] },
      ['layers[0].rotation'],
    ],
    ['no turn length', { ...config, layers: [{ ...config.layers[0], rotation: {} }] }, ['layers[0].rotation']],
    [
      'turn lengths out of range',
      {
        ...config,
        layers: [
          { ...config.layers[0], rotation: { days: 0 } },
          { ...config.layers[1], rotation: { hours: 1.5 } },
        ],
      },
      ['layers[0].rotation.days', 'layers[1].rotation.hours'],
    ],
    [
      'an empty restriction window',
      {
        ...config,
        layers: [
          {
            ...config.layers[0],
            restrictions: [
              { start: '09:00', end: '17:00' },
              { start: '17:00', end: '17:00' },
            ],
          },
        ],
      },
      ['layers[0].restrictions[1].end'],
    ],
    [
      'bad restriction times and days',
      {
        ...config,
        layers: [
          {
            ...config.layers[0],
            restrictions: [
              { start: '25:00', end: '17:00' },
              { days: ['funday'], start: '09:00', end: '24:01' },
              { days: [], start: '09:00', end: '10:00' },
            ],
          },
        ],
      },
      [
        'layers[0].restrictions[0].start',
        'layers[0].restrictions[1].end',
        'layers[0].restrictions[1].days[0]',
        'layers[0].restrictions[2].days',
      ],
    ],
    [
      'two layers with one name (a default name counts)',
      {
        ...config,
        layers: [
          { ...config.layers[0], name: 'layers[1]' },
          { ...config.layers[1], name: undefined },
        ],
      },
      ['layers[1].name'],
    ],
    ['no layers', { ...config, layers: [] }, ['layers']],
    ['an unknown key', { ...config, layers: [{ ...config.layers[0], handoff: '09:00' }] }, ['layers[0]']],
    [
      'overrides that end before or when they start, or are not instants',
      {
        ...config,
        overrides: [
          { member: 'dee', from: '2026-03-06 15:00', to: '2026-03-09T15:00:00Z' },
          { member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-06T15:00:00Z' },
          { member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-06T14:00:00Z' },
        ],
      },
      ['overrides[0].from', 'overrides[1].to', 'overrides[2].to'],
    ],
    [
      'an override with a fractional epoch or without a member',
      {
        ...config,
        overrides: [
          { member: 'dee', from: 0, to: 1.5 },
          { member: '', from: 0, to: 1 },
        ],
      },
      ['overrides[0].to', 'overrides[1].member'],
    ],
  ];
  const pathOf = (path: PropertyKey[]) =>
    path.reduce<string>(
      (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
      '',
    );

  test.each(invalid)('rejects %s with issue paths', (_, bad, paths) => {
    let error: unknown;
    try {
      defineSchedule(bad as ScheduleConfig);
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => pathOf(i.path))).toEqual(paths);
  });

  test('rejects bad instants, ranges over ten years, and objects that are not schedules', () => {
    const schedule = defineSchedule(config);
    expect(() => whoIsOnCall(schedule, '2026-03-06 16:00')).toThrow(ValidationError);
    expect(() => whoIsOnCall(schedule, 1.5)).toThrow(ValidationError);
    expect(() => shifts(schedule, 0, 'tomorrow')).toThrow(ValidationError);
    expect(shifts(schedule, '2026-01-01T00:00:00Z', '2036-01-09T00:00:00Z').length).toBeGreaterThan(0); // 3,660 days
    expect(() => shifts(schedule, '2026-01-01T00:00:00Z', '2036-01-09T00:00:00.001Z')).toThrow(ValidationError);
    expect(() => shifts(schedule, 0, 8.64e15)).toThrow(/At most 3660 days after from/);
    expect(() => whoIsOnCall({ ...schedule }, 0)).toThrow(ValidationError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random schedules.

/** Lord Howe moves by 30 minutes; Havana and Santiago change at midnight (Santiago back into the previous date). */
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'America/Los_Angeles',
  'Australia/Lord_Howe',
  'America/Havana',
  'America/Santiago',
  'Asia/Kolkata',
];
const FROM = ms('2025-10-01T00:00:00Z');
const SPAN_DAYS = 500;
const hhmm = (halfHours: number) =>
  halfHours === 48 ? '24:00' : `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 ? '30' : '00'}`;

/** A local date-time from 2025-10-01 on, on half hours (often 01:00-03:30, where clocks change). */
const localDateTime = fc
  .record({
    day: fc.integer({ min: 0, max: SPAN_DAYS }),
    halfHour: fc.oneof(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 2, max: 7 })),
  })
  .map(
    ({ day, halfHour }) => `${Temporal.PlainDate.from('2025-10-01').add({ days: day }).toString()}T${hhmm(halfHour)}`,
  );

/** A window on half hours; it runs past midnight when it ends before it starts. */
const restriction = fc
  .record({
    days: fc.option(fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 1, maxLength: 7 }), { nil: undefined }),
    start: fc.integer({ min: 0, max: 47 }),
    end: fc.integer({ min: 1, max: 48 }),
  })
  .filter(({ start, end }) => start !== end)
  .map(({ days, start, end }) => ({ ...(days ? { days } : {}), start: hhmm(start), end: hhmm(end) }));

const layer: fc.Arbitrary<Layer> = fc
  .record({
    start: localDateTime,
    rotation: fc.oneof(
      fc.integer({ min: 1, max: 14 }).map((days) => ({ days })),
      fc.integer({ min: 1, max: 48 }).map((hours) => ({ hours })),
    ),
    members: fc.array(fc.constantFrom('ana', 'bo', 'cy', 'dee'), { minLength: 1, maxLength: 4 }),
    timeZone: fc.constantFrom(...ZONES),
    restrictions: fc.option(fc.array(restriction, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    endDays: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  })
  .map(({ endDays, restrictions, ...rest }) => ({
    ...rest,
    ...(restrictions ? { restrictions } : {}),
    ...(endDays
      ? { end: Temporal.PlainDateTime.from(rest.start).add({ days: endDays, minutes: 30 }).toString().slice(0, 16) }
      : {}),
  }));

const override = fc
  .record({
    member: fc.constantFrom('ana', 'ovr', 'zed'),
    from: fc.integer({ min: FROM, max: FROM + SPAN_DAYS * 24 * H }),
    hours: fc.integer({ min: 1, max: 96 }),
  })
  .map(({ member, from, hours }) => ({ member, from, to: from + hours * H }));

const scheduleConfig: fc.Arbitrary<ScheduleConfig> = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  layers: fc.array(layer, { minLength: 1, maxLength: 3 }),
  overrides: fc.array(override, { maxLength: 6 }),
});

/** DST transitions of the zones in the span, to aim instants and handoffs at. */
const TRANSITIONS = ZONES.flatMap((zone) => {
  const found: { zone: string; at: number }[] = [];
  let at = Temporal.Instant.fromEpochMilliseconds(FROM).toZonedDateTimeISO(zone);
  for (let next = at.getTimeZoneTransition('next'); next && next.epochMilliseconds < FROM + SPAN_DAYS * 24 * H; ) {
    found.push({ zone, at: next.epochMilliseconds });
    at = next;
    next = at.getTimeZoneTransition('next');
  }
  return found;
});
const near = (at: number, hours: number) =>
  fc.integer({ min: -hours * 60, max: hours * 60 }).map((minutes) => at + minutes * 60_000);
const instant = fc.oneof(
  fc.integer({ min: FROM, max: FROM + (SPAN_DAYS + 30) * 24 * H }),
  fc.constantFrom(...TRANSITIONS).chain(({ at }) => near(at, 48)),
);

/**
 * A schedule aimed at one transition: its layers in that zone hand off, and their windows open
 * and close, on half hours within a few hours of it (a whole number of turns after their start),
 * and the instants asked about lie within 12 hours of it.
 */
const aimed: fc.Arbitrary<{ config: ScheduleConfig; instants: number[] }> = fc
  .constantFrom(...TRANSITIONS)
  .chain(({ zone, at }) => {
    const wall = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone).toPlainDateTime();
    const halfHour = wall.hour * 2 + Math.floor(wall.minute / 30);
    const base = wall
      .toPlainDate()
      .toPlainDateTime()
      .add({ minutes: halfHour * 30 });
    const window = fc
      .record({ from: fc.integer({ min: -6, max: 6 }), length: fc.integer({ min: 1, max: 47 }) })
      .map(({ from, length }) => {
        const start = (((halfHour + from) % 48) + 48) % 48;
        const end = (start + length) % 48;
        return { start: hhmm(start), end: end === 0 ? '24:00' : hhmm(end) };
      });
    const aimedLayer = fc
      .record({
        shift: fc.integer({ min: -6, max: 6 }),
        rotation: fc.oneof(
          fc.integer({ min: 1, max: 3 }).map((days): Layer['rotation'] => ({ days })),
          fc.integer({ min: 1, max: 6 }).map((hours): Layer['rotation'] => ({ hours })),
        ),
        turnsBack: fc.integer({ min: 0, max: 3 }),
        members: fc.array(fc.constantFrom('ana', 'bo', 'cy', 'dee'), { minLength: 1, maxLength: 4 }),
        restrictions: fc.option(fc.array(window, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      })
      .map(({ shift, rotation, turnsBack, members, restrictions }): Layer => {
        const back = { days: (rotation.days ?? 0) * turnsBack, hours: (rotation.hours ?? 0) * turnsBack };
        const start = base
          .add({ minutes: shift * 30 })
          .subtract(back)
          .toString()
          .slice(0, 16);
        return { start, rotation, members, timeZone: zone, ...(restrictions ? { restrictions } : {}) };
      });
    return fc.record({
      config: fc.record({
        timeZone: fc.constant(zone),
        layers: fc.array(fc.oneof(aimedLayer, aimedLayer, layer), { minLength: 1, maxLength: 3 }),
        overrides: fc.array(override, { maxLength: 2 }),
      }),
      instants: fc.array(fc.oneof(near(at, 2), near(at, 12)), { minLength: 4, maxLength: 12 }),
    });
  });

// Thousands of Temporal conversions per property: more than the default 5 s on a loaded machine.
describe('properties (random layers, zones, restrictions and overrides; 2025-10 to 2027-03)', {
  timeout: 60_000,
}, () => {
  test('whoIsOnCall agrees with the reference built on Temporal', () => {
    fc.assert(
      fc.property(scheduleConfig, fc.array(instant, { minLength: 1, maxLength: 8 }), (config, instants) => {
        const schedule = defineSchedule(config);
        for (const t of instants) expect(whoIsOnCall(schedule, t)).toEqual(referenceWho(config, t));
      }),
      { numRuns: 200 },
    );
  });

  test('whoIsOnCall agrees with the reference right at DST transitions, with handoffs and windows there', () => {
    fc.assert(
      fc.property(aimed, ({ config, instants }) => {
        const schedule = defineSchedule(config);
        for (const t of instants) expect(whoIsOnCall(schedule, t)).toEqual(referenceWho(config, t));
      }),
      { numRuns: 250 },
    );
  });

  test('shifts() is sorted, disjoint, clipped and maximally merged, and agrees with whoIsOnCall inside and between shifts', () => {
    fc.assert(
      fc.property(
        scheduleConfig,
        instant,
        fc.integer({ min: 1, max: 40 * 24 * 60 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 5, maxLength: 20 }),
        (config, from, minutes, fractions) => {
          const schedule = defineSchedule(config);
          const to = from + minutes * 60_000;
          const out = shifts(schedule, from, to);
          out.forEach((s, i) => {
            expect(s.from).toBeLessThan(s.to);
            expect(s.from).toBeGreaterThanOrEqual(from);
            expect(s.to).toBeLessThanOrEqual(to);
            const next = out[i + 1];
            if (next) {
              expect(s.to).toBeLessThanOrEqual(next.from);
              if (s.to === next.from) {
                expect([s.member, s.layer, s.override]).not.toEqual([next.member, next.layer, next.override]);
              }
            }
            const { from: a, to: b, ...who } = s;
            expect(whoIsOnCall(schedule, a)).toStrictEqual(who);
            expect(whoIsOnCall(schedule, b - 1)).toStrictEqual(who);
          });
          for (const f of fractions) {
            const t = from + Math.floor(f * (to - from));
            const shift = out.find((s) => s.from <= t && t < s.to);
            const who = whoIsOnCall(schedule, t);
            if (shift) {
              const { from: _a, to: _b, ...expected } = shift;
              expect(who).toStrictEqual(expected);
            } else expect(who).toBeNull();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('shifts() of two adjacent ranges, joined, are the shifts of the whole range', () => {
    fc.assert(
      fc.property(
        scheduleConfig,
        instant,
        fc.integer({ min: 1, max: 20 * 24 * 60 }),
        fc.integer({ min: 1, max: 20 * 24 * 60 }),
        (config, a, m1, m2) => {
          const schedule = defineSchedule(config);
          const m = a + m1 * 60_000;
          const b = m + m2 * 60_000;
          const joined = [...shifts(schedule, a, m)];
          for (const s of shifts(schedule, m, b)) {
            const last = joined[joined.length - 1];
            if (
              last &&
              last.to === s.from &&
              last.member === s.member &&
              last.layer === s.layer &&
              last.override === s.override
            ) {
              joined[joined.length - 1] = { ...last, to: s.to };
            } else joined.push(s);
          }
          expect(joined).toStrictEqual(shifts(schedule, a, b));
        },
      ),
      { numRuns: 200 },
    );
  });
});
