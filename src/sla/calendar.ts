/**
 * Business-hours calendars: weekly windows in an IANA time zone, holidays, or 24x7, and the two
 * questions SLA clocks ask of them: "when has this much business time elapsed?" and "how much
 * business time lies between these instants?".
 *
 * Wall-clock windows become exact instants per local date through `temporal-polyfill` (imported
 * as a ponyfill), so daylight-saving days are exact and the process time zone never matters.
 * The walk is day by day; days far from a time-zone transition use the zone's constant offset
 * instead of asking Temporal, days near one ask Temporal for every boundary.
 */
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { type Duration, DurationSchema } from '../domain/duration.js';
import { customIssue, parseInput, ValidationError } from '../domain/errors.js';

/** Day names of {@link CalendarConfig} `windows`, Monday first (ISO 8601 order). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** A day of the week, as a key of {@link CalendarConfig} `windows`. */
export type Weekday = (typeof WEEKDAYS)[number];

const START = /^([01]\d|2[0-3]):[0-5]\d$/;
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RECURRING = /^--(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Days near a time-zone transition ask Temporal; this far from one, the offset is constant. */
const MARGIN_MS = 2 * DAY_MS;
/** A zone timeline walks this far (about 20 transitions) to reach an instant; farther, it starts afresh. */
const REACH_MS = 10 * 366 * DAY_MS;
/** A walk this long finds no business time only if the calendar has none: stop it. */
const MAX_DAYS = 400 * 366;
/** Days in each month of a leap year: recurring holidays may name 02-29. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** A local window `start`-`end` (`HH:MM`, end up to `24:00`); schedules' restrictions extend it. */
export const WindowSchema = z.strictObject({
  start: z.string().regex(START, 'Expected HH:MM, 00:00 to 23:59'),
  end: z.string().regex(END, 'Expected HH:MM, 00:01 to 24:00'),
});

/**
 * Zod schema of a {@link CalendarConfig}. `defineCalendar()` adds the checks across fields:
 * a known time zone, windows that end after they start and do not overlap, real dates.
 */
export const CalendarConfigSchema = z.strictObject({
  /** Named in explanations. Default `calendar`. */
  name: z.string().trim().min(1).max(100).default('calendar'),
  /** IANA time zone (`Europe/Berlin`), or a fixed UTC offset (`+05:30`), as Temporal knows them. */
  timeZone: z.string().min(1).max(100),
  /** Business windows in local wall-clock time per weekday; a day left out (or `[]`) is closed. */
  windows: z
    .strictObject({
      monday: z.array(WindowSchema).optional(),
      tuesday: z.array(WindowSchema).optional(),
      wednesday: z.array(WindowSchema).optional(),
      thursday: z.array(WindowSchema).optional(),
      friday: z.array(WindowSchema).optional(),
      saturday: z.array(WindowSchema).optional(),
      sunday: z.array(WindowSchema).optional(),
    })
    .optional(),
  /** Local dates without business time: `2026-12-24` once, `--12-25` every year. */
  holidays: z
    .array(
      z.string().refine((s) => DATE.test(s) || RECURRING.test(s), 'Expected YYYY-MM-DD, or --MM-DD for every year'),
    )
    .default([]),
  /** Open 24 hours, 7 days (holidays still close whole local dates). Instead of `windows`. */
  alwaysOpen: z.literal(true).optional(),
});

/**
 * A business-hours calendar as data, validated by `defineCalendar()`. Give exactly one of
 * `windows` or `alwaysOpen: true`.
 *
 * @example
 * ```ts
 * const berlin: CalendarConfig = {
 *   name: 'berlin-office',
 *   timeZone: 'Europe/Berlin',
 *   windows: { monday: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }] },
 *   holidays: ['2026-04-03', '--12-25'],
 * };
 * ```
 */
export type CalendarConfig = z.input<typeof CalendarConfigSchema>;

/** One business window of a weekday, in minutes after local midnight: `[start, end)`, end up to 1440. */
export interface BusinessWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * A validated, precompiled calendar, made by `defineCalendar()`; pass it to
 * {@link addBusinessTime} and {@link businessTimeBetween}.
 */
export interface Calendar {
  /** The configured name. */
  readonly name: string;
  /** The canonical time-zone id (`America/New_York`, `UTC`, `+05:30`). */
  readonly timeZone: string;
  /** Open every hour of every day that is not a holiday. */
  readonly alwaysOpen: boolean;
  /**
   * Windows per weekday, index 0 = Monday to 6 = Sunday: sorted, with touching windows merged
   * (09:00-12:00 and 12:00-17:00 become 09:00-17:00).
   */
  readonly week: readonly (readonly BusinessWindow[])[];
  /** Business minutes in a week without holidays or clock changes. */
  readonly weeklyMinutes: number;
  /** One-off holidays, `YYYY-MM-DD` local dates. */
  readonly holidays: ReadonlySet<string>;
  /** Yearly holidays, `MM-DD`. */
  readonly recurringHolidays: ReadonlySet<string>;
  /** The validated configuration, with defaults: serializable, and accepted again by `defineCalendar()`. */
  readonly config: z.output<typeof CalendarConfigSchema>;
}

type Issue = z.core.$ZodIssue;

/** Minutes after local midnight of an `HH:MM` time (`24:00` is 1440). */
export const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The canonical id of a time zone Temporal knows, or null. */
export function canonicalZone(timeZone: string): string | null {
  try {
    const id = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone).timeZoneId;
    // Temporal also takes an ISO date-time with a [zone] annotation: accept only the id itself.
    return id.toLowerCase() === timeZone.toLowerCase() ? id : null;
  } catch {
    return null;
  }
}

function checkHoliday(holiday: string, i: number, issues: Issue[]): void {
  const recurring = RECURRING.exec(holiday);
  if (recurring) {
    const month = Number(recurring[1]);
    const day = Number(recurring[2]);
    if (month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month - 1]!) {
      issues.push(customIssue(['holidays', i], `"${holiday}" is not a day of the year`, holiday));
    }
    return;
  }
  try {
    Temporal.PlainDate.from(holiday, { overflow: 'reject' });
  } catch {
    issues.push(customIssue(['holidays', i], `"${holiday}" is not a calendar date`, holiday));
  }
}

/**
 * Validates a calendar given as data and compiles it. Throws `ValidationError` whose issue paths
 * name the problem: `timeZone` (unknown zone), `windows.monday[1].end` (ends before it starts),
 * `windows.friday[2]` (overlaps another window), `holidays[2]` (not a date), `windows` (no
 * business time in the week, or neither `windows` nor `alwaysOpen`).
 *
 * Windows are local wall-clock times: on a daylight-saving day a window keeps its wall-clock
 * ends, so it is shorter by the skipped time when it spans the gap (02:00-03:00 in New York on
 * spring-forward day, 30 minutes on Lord Howe Island) and longer by the repeated time when it
 * spans the fall-back overlap; windows away from the change keep their length. Wall-clock times that do not exist are resolved like Temporal's
 * `disambiguation: 'compatible'` (02:30 on a spring-forward day is 03:30), times that occur
 * twice mean the first occurrence, and `24:00` is the start of the next local date.
 */
export function defineCalendar(config: CalendarConfig): Calendar {
  const parsed = parseInput(CalendarConfigSchema, config, 'calendar');
  const issues: Issue[] = [];
  const timeZone = canonicalZone(parsed.timeZone);
  if (timeZone === null) {
    issues.push(customIssue(['timeZone'], `Unknown IANA time zone "${parsed.timeZone}"`, parsed.timeZone));
  }
  if (parsed.windows !== undefined && parsed.alwaysOpen) {
    issues.push(customIssue(['alwaysOpen'], 'Give windows or alwaysOpen: true, not both'));
  } else if (parsed.windows === undefined && !parsed.alwaysOpen) {
    issues.push(customIssue(['windows'], 'Give windows, or alwaysOpen: true for 24x7'));
  }
  const week: BusinessWindow[][] = [];
  for (const day of WEEKDAYS) {
    const given = parsed.alwaysOpen ? [{ start: '00:00', end: '24:00' }] : (parsed.windows?.[day] ?? []);
    const spans = given.map((w, i) => ({ start: minutes(w.start), end: minutes(w.end), i, w }));
    for (const s of spans) {
      if (s.end <= s.start) {
        issues.push(
          customIssue(['windows', day, s.i, 'end'], `Ends at ${s.w.end}, not after its start ${s.w.start}`, s.w.end),
        );
      }
    }
    const valid = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || a.end - b.end);
    const merged: BusinessWindow[] = [];
    let last: (typeof valid)[number] | undefined;
    for (const s of valid) {
      if (last && s.start < last.end) {
        issues.push(
          customIssue(['windows', day, s.i], `Overlaps windows.${day}[${last.i}] (${last.w.start}-${last.w.end})`, s.w),
        );
      }
      if (!last || s.end > last.end) last = s;
      const previous = merged[merged.length - 1];
      if (previous && s.start <= previous.end)
        merged[merged.length - 1] = { start: previous.start, end: Math.max(previous.end, s.end) };
      else merged.push({ start: s.start, end: s.end });
    }
    week.push(merged);
  }
  const weeklyMinutes = week.reduce((sum, day) => sum + day.reduce((m, w) => m + w.end - w.start, 0), 0);
  if (weeklyMinutes === 0 && parsed.windows !== undefined && issues.length === 0) {
    issues.push(customIssue(['windows'], 'The week has no business window'));
  }
  parsed.holidays.forEach((holiday, i) => {
    checkHoliday(holiday, i, issues);
  });
  const holidays = new Set(parsed.holidays.filter((h) => DATE.test(h)));
  const recurringHolidays = new Set(parsed.holidays.filter((h) => RECURRING.test(h)).map((h) => h.slice(2)));
  if (recurringHolidays.size >= 366 && issues.length === 0) {
    issues.push(customIssue(['holidays'], 'Every day of the year is a holiday: the calendar has no business time'));
  }
  if (issues.length > 0) throw new ValidationError('calendar', issues);
  return Object.freeze({
    name: parsed.name,
    timeZone: timeZone!,
    alwaysOpen: parsed.alwaysOpen === true,
    week: Object.freeze(week.map((day) => Object.freeze(day))),
    weeklyMinutes,
    holidays,
    recurringHolidays,
    config: parsed,
  });
}

/** Open 24 hours a day, 7 days a week, no holidays, in UTC: business time is elapsed time. */
export const ALWAYS_OPEN: Calendar = defineCalendar({ name: 'always-open', timeZone: 'UTC', alwaysOpen: true });

/** An instant: epoch milliseconds, or an ISO 8601 date-time with `Z` or an offset. */
export const InstantInputSchema = z.union([
  z.number().int().min(-8.64e15).max(8.64e15),
  z.string().transform((value, ctx) => {
    try {
      return Temporal.Instant.from(value).epochMilliseconds;
    } catch {
      ctx.addIssue({ code: 'custom', message: `Expected an ISO 8601 instant with Z or an offset, got "${value}"` });
      return z.NEVER;
    }
  }),
]);

// ---------------------------------------------------------------------------------------------
// Local dates as days since 1970-01-01 (no Temporal on the fast path).

/** Year, month, day of a day number (H. Hinnant's civil_from_days). */
function civil(epochDay: number): [year: number, month: number, day: number] {
  const z0 = epochDay + 719_468;
  const era = Math.floor(z0 / 146_097);
  const doe = z0 - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function isHoliday(calendar: Calendar, epochDay: number): boolean {
  if (calendar.holidays.size === 0 && calendar.recurringHolidays.size === 0) return false;
  const [year, month, day] = civil(epochDay);
  const monthDay = `${pad2(month)}-${pad2(day)}`;
  if (calendar.recurringHolidays.has(monthDay)) return true;
  const y = year >= 0 && year < 10_000 ? String(year).padStart(4, '0') : String(year);
  return calendar.holidays.has(`${y}-${monthDay}`);
}

/** Monday = 0 ... Sunday = 6; 1970-01-01 was a Thursday. */
export const weekdayOf = (epochDay: number) => (((epochDay + 3) % 7) + 7) % 7;

/**
 * The offsets and transitions of one time zone, learnt from Temporal as walks and look-ups need
 * them and kept: a zone has about two transitions a year, and Temporal calls are the expensive
 * part. Knowledge grows in both directions from the first instant asked about; an instant more
 * than ten years outside it starts afresh instead of walking there.
 */
export class ZoneTimeline {
  /**
   * `starts[0]` is where knowledge begins (a transition, `-Infinity`, or an arbitrary instant),
   * later entries are transitions; `offsets[i]` holds from `starts[i]`.
   */
  private starts: number[] = [];
  private offsets: number[] = [];
  /** Every transition up to this instant is in `starts`. */
  private known = Number.NEGATIVE_INFINITY;
  private last: Temporal.ZonedDateTime | null = null;
  /** The zoned instant `starts[0]`, to look for earlier transitions from; null once there are none. */
  private first: Temporal.ZonedDateTime | null = null;

  constructor(private readonly timeZone: string) {}

  private reset(at: number): void {
    const zoned = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(this.timeZone);
    this.starts = [at];
    this.offsets = [zoned.offsetNanoseconds / 1e6];
    this.known = at;
    this.last = zoned;
    this.first = zoned;
  }

  /** Learns the transition before `starts[0]`, or that there is none. */
  private extendBack(first: Temporal.ZonedDateTime): void {
    const previous = first.getTimeZoneTransition('previous');
    if (previous === null) {
      this.starts[0] = Number.NEGATIVE_INFINITY;
      this.first = null;
      return;
    }
    const at = previous.epochMilliseconds;
    const offset = previous.offsetNanoseconds / 1e6;
    if (offset === this.offsets[0]) this.starts[0] = at;
    else {
      this.starts.unshift(at);
      this.offsets.unshift(offset);
    }
    this.first = previous;
  }

  /**
   * The stretch of constant offset around `at`: `[start, end)` and its offset. `start` is a
   * transition or the point where this timeline's knowledge begins (`at` minus a margin or more).
   */
  segment(at: number): { start: number; end: number; offset: number } {
    if (this.starts.length === 0 || at < this.starts[0]! - REACH_MS || at > this.known + REACH_MS) {
      this.reset(at - 2 * MARGIN_MS);
    }
    while (this.first && at - MARGIN_MS < this.starts[0]!) this.extendBack(this.first);
    while (this.known <= at && this.last) {
      const next = this.last.getTimeZoneTransition('next');
      if (next === null) {
        this.known = Number.POSITIVE_INFINITY;
        this.last = null;
      } else {
        this.known = next.epochMilliseconds;
        this.starts.push(this.known);
        this.offsets.push(next.offsetNanoseconds / 1e6);
        this.last = next;
      }
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return {
      start: this.starts[lo]!,
      end: this.starts[lo + 1] ?? Number.POSITIVE_INFINITY,
      offset: this.offsets[lo]!,
    };
  }
}

const timelines = new Map<string, ZoneTimeline>();

/** The shared, lazily learnt timeline of `timeZone` (a canonical id). */
export function timelineOf(timeZone: string): ZoneTimeline {
  let timeline = timelines.get(timeZone);
  if (!timeline) {
    timeline = new ZoneTimeline(timeZone);
    timelines.set(timeZone, timeline);
  }
  return timeline;
}

/** One local date: the instant it ends (the next date's start) and its business spans `[start, end, ...]`. */
interface DaySpans {
  readonly end: number;
  readonly spans: readonly number[] | null;
}

/** Days near a transition, computed through Temporal once per calendar and kept (a few a year). */
const irregularDays = new WeakMap<Calendar, Map<number, DaySpans>>();

/** A local date near a transition: every boundary through Temporal. */
function irregularDay(calendar: Calendar, epochDay: number, closed: boolean): DaySpans {
  let cache = irregularDays.get(calendar);
  if (!cache) {
    cache = new Map();
    irregularDays.set(calendar, cache);
  }
  const cached = cache.get(epochDay);
  if (cached) return cached;
  const timeZone = calendar.timeZone;
  const [year, month, day] = civil(epochDay);
  const date = Temporal.PlainDate.from({ year, month, day });
  const dayStart = date.toZonedDateTime({ timeZone }).epochMilliseconds;
  const dayEnd = date.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds;
  let spans: number[] | null = null;
  if (!closed) {
    const at = (minute: number) =>
      minute >= 1440
        ? dayEnd
        : date
            .toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 })
            .toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
    const raw: [number, number][] = [];
    for (const w of calendar.week[weekdayOf(epochDay)]!) {
      const s = Math.max(at(w.start), dayStart);
      const e = Math.min(at(w.end), dayEnd);
      if (e > s) raw.push([s, e]);
    }
    // Non-existent wall-clock times move forward, so spans can cross: take their union.
    raw.sort((a, b) => a[0] - b[0]);
    spans = [];
    for (const [s, e] of raw) {
      const lastEnd = spans[spans.length - 1];
      if (lastEnd !== undefined && s <= lastEnd) spans[spans.length - 1] = Math.max(lastEnd, e);
      else spans.push(s, e);
    }
  }
  if (cache.size >= 4096) cache.clear();
  const result = { end: dayEnd, spans };
  cache.set(epochDay, result);
  return result;
}

/**
 * Business spans of local dates, walked forward, as exact epoch-ms spans. A date at least two
 * days from any transition has one offset throughout, so its wall-clock windows are plain
 * arithmetic; the dates near a transition go through Temporal.
 */
class DayWalker {
  private readonly timeline: ZoneTimeline;
  private offset: number;
  /** The local date of the starting instant, as a day number. */
  readonly firstDay: number;

  constructor(
    private readonly calendar: Calendar,
    from: number,
  ) {
    this.timeline = timelineOf(calendar.timeZone);
    this.offset = this.timeline.segment(from).offset;
    this.firstDay = Math.floor((from + this.offset) / DAY_MS);
  }

  /** Local date `epochDay`: its end and business spans, sorted and disjoint (null when closed). */
  day(epochDay: number): DaySpans {
    const midnight = epochDay * DAY_MS;
    const segment = this.timeline.segment(midnight - this.offset);
    this.offset = segment.offset;
    const start = midnight - segment.offset;
    const windows = this.calendar.week[weekdayOf(epochDay)]!;
    const closed = windows.length === 0 || isHoliday(this.calendar, epochDay);
    if (start - MARGIN_MS < segment.start || start + DAY_MS + MARGIN_MS >= segment.end) {
      return irregularDay(this.calendar, epochDay, closed);
    }
    if (closed) return { end: start + DAY_MS, spans: null };
    const spans: number[] = [];
    for (const w of windows) spans.push(start + w.start * MINUTE_MS, start + w.end * MINUTE_MS);
    return { end: start + DAY_MS, spans };
  }
}

function noBusinessTime(calendar: Calendar): never {
  throw new RangeError(`Calendar "${calendar.name}" has no business time within ${MAX_DAYS} days`);
}

/**
 * The instant (epoch ms) at which `duration` of business time has elapsed after `instant` on
 * `calendar`. Business time accrues only inside windows on local dates that are not holidays.
 * From an instant outside business hours, counting starts at the next window opening; the
 * result is the end of a window (not the next opening) when the duration runs out exactly there.
 * A zero duration returns `instant` itself, open or not: no business time has to elapse.
 *
 * `instant` is epoch milliseconds or an ISO 8601 instant (`2026-03-09T14:00:00Z`, or with an
 * offset); `duration` is milliseconds or ISO 8601 (`PT4H`, `P2D` = 48 business hours). Throws
 * `ValidationError` for bad input, and `RangeError` if no business time is left within 400
 * years (holidays covering every date a window falls on). Costs O(local days walked), not
 * O(minutes).
 *
 * @example
 * ```ts
 * const nyc = defineCalendar({ timeZone: 'America/New_York', windows: { friday: [{ start: '09:00', end: '17:00' }], monday: [{ start: '09:00', end: '17:00' }] } });
 * addBusinessTime('2026-03-06T21:00:00Z', 'PT2H', nyc); // Friday 16:00 EST + 2 h = Monday 10:00 EDT, 2026-03-09T14:00:00Z
 * ```
 */
export function addBusinessTime(instant: number | string, duration: Duration, calendar: Calendar): number {
  const from = parseInput(InstantInputSchema, instant, 'instant');
  let remaining = parseInput(DurationSchema, duration, 'duration');
  if (remaining === 0) return from;
  if (calendar.alwaysOpen && calendar.holidays.size === 0 && calendar.recurringHolidays.size === 0) {
    return from + remaining;
  }
  const walker = new DayWalker(calendar, from);
  let epochDay = walker.firstDay;
  for (let n = 0; n < MAX_DAYS; n++, epochDay++) {
    const { spans } = walker.day(epochDay);
    if (spans === null) continue;
    for (let i = 0; i < spans.length; i += 2) {
      const end = spans[i + 1]!;
      if (end <= from) continue;
      const start = Math.max(spans[i]!, from);
      if (remaining <= end - start) return start + remaining;
      remaining -= end - start;
    }
  }
  return noBusinessTime(calendar);
}

/**
 * Business milliseconds on `calendar` in `[a, b)`; 0 when `b <= a`. The inverse of
 * {@link addBusinessTime}: `businessTimeBetween(a, addBusinessTime(a, d, cal), cal) === d`.
 * Instants are epoch milliseconds or ISO 8601 strings; costs O(local days between them).
 */
export function businessTimeBetween(a: number | string, b: number | string, calendar: Calendar): number {
  const from = parseInput(InstantInputSchema, a, 'instant');
  const to = parseInput(InstantInputSchema, b, 'instant');
  if (to <= from) return 0;
  if (calendar.alwaysOpen && calendar.holidays.size === 0 && calendar.recurringHolidays.size === 0) {
    return to - from;
  }
  const walker = new DayWalker(calendar, from);
  let total = 0;
  for (let epochDay = walker.firstDay; ; epochDay++) {
    const { end, spans } = walker.day(epochDay);
    if (spans !== null) {
      for (let i = 0; i < spans.length; i += 2) {
        const start = Math.max(spans[i]!, from);
        const stop = Math.min(spans[i + 1]!, to);
        if (stop > start) total += stop - start;
      }
    }
    if (end >= to) return total;
  }
}

/** Whether `instant` falls inside a business window of `calendar` (windows are `[start, end)`). */
export function isBusinessTime(instant: number | string, calendar: Calendar): boolean {
  const at = parseInput(InstantInputSchema, instant, 'instant');
  return businessTimeBetween(at, at + 1, calendar) > 0;
}
