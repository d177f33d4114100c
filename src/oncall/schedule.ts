/**
 * On-call schedules: rotation layers in IANA time zones, restriction windows, overrides, and the
 * two questions asked of them: "who is on call at this instant?" and "who is on call when in
 * this range?" (the timeline a UI draws).
 *
 * `defineSchedule()` validates and compiles once: each layer's first turn as local milliseconds
 * and an instant, its restriction windows, and the overrides flattened into one sorted,
 * non-overlapping timeline in which the later override already won. A look-up is then a binary
 * search over the overrides and a little arithmetic per layer (see `rotation.ts`).
 */
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { customIssue, invalidInput, parseInput, ValidationError } from '../domain/errors.js';
import { deepFreeze } from '../domain/json.js';
import { canonicalZone, InstantInputSchema, minutes, WEEKDAYS, WindowSchema } from '../sla/calendar.js';
import { flattenOverrides, type OverrideTimeline, overrideAt, overridesIn } from './overrides.js';
import {
  type CompiledLayer,
  type CompiledWindow,
  localOf,
  memberAt,
  type Piece,
  piecesIn,
  toInstant,
} from './rotation.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The longest range `shifts()` renders (an hourly rotation gives about 88,000 turns a layer). */
const MAX_RANGE_DAYS = 3660;
const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY_MS;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

const LocalDateTimeSchema = z
  .string()
  .regex(LOCAL_DATE_TIME, 'Expected a local date-time YYYY-MM-DDTHH:MM (no offset or zone)');
const MemberSchema = z.string().trim().min(1).max(200);
const ZoneSchema = z.string().min(1).max(100);
/** Epoch milliseconds or ISO 8601 text, checked to be an instant by `defineSchedule()` and kept as given. */
const InstantValueSchema = z.union([z.number().int().min(-8.64e15).max(8.64e15), z.string().min(1).max(100)]);

const RestrictionSchema = WindowSchema.extend({
  /** The weekdays a window starts on; omitted: every day. */
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
});

const LayerSchema = z.strictObject({
  /** Named in results. Default `layers[i]`; unique within the schedule. */
  name: z.string().trim().min(1).max(100).optional(),
  /** Local date-time in the layer's zone when `members[0]`'s first turn starts; its time of day is the handoff time. */
  start: LocalDateTimeSchema,
  /** Turn length: whole local days or hours, exactly one of them. */
  rotation: z.strictObject({
    days: z.number().int().min(1).max(366).optional(),
    hours: z.number().int().min(1).max(8784).optional(),
  }),
  /** Member ids in turn order; repeats allowed. */
  members: z.array(MemberSchema).min(1).max(100),
  /** IANA time zone of `start`, `end`, turns and restrictions; default: the schedule's. */
  timeZone: ZoneSchema.optional(),
  /** On call only inside these local windows; omitted: always. */
  restrictions: z.array(RestrictionSchema).min(1).max(50).optional(),
  /** Local date-time after which the layer has nobody. */
  end: LocalDateTimeSchema.optional(),
});

const OverrideSchema = z.strictObject({
  /** Who is on call instead, over every layer. */
  member: MemberSchema,
  /** First instant of the override: epoch ms, or ISO 8601 with `Z` or an offset. */
  from: InstantValueSchema,
  /** The instant it ends (exclusive), after `from`. */
  to: InstantValueSchema,
});

/**
 * Zod schema of a {@link ScheduleConfig}. `defineSchedule()` adds the checks across fields:
 * known time zones, real local date-times, exactly one turn length, non-empty windows, unique
 * layer names, overrides that end after they start.
 */
export const ScheduleConfigSchema = z.strictObject({
  /** Named in errors. Default `schedule`. */
  name: z.string().trim().min(1).max(100).default('schedule'),
  /** IANA time zone of every layer without its own `timeZone`. */
  timeZone: ZoneSchema.optional(),
  /** Rotation layers, lowest first: a later layer wins wherever it has someone on call. */
  layers: z.array(LayerSchema).min(1).max(50),
  /** Over every layer; where overrides overlap, the later one in the list wins. */
  overrides: z.array(OverrideSchema).max(100_000).default([]),
});

/**
 * An on-call schedule as data, validated by {@link defineSchedule}.
 *
 * @example
 * ```ts
 * const config: ScheduleConfig = {
 *   name: 'db-primary',
 *   timeZone: 'America/New_York',
 *   layers: [{ start: '2026-01-05T09:00', rotation: { days: 7 }, members: ['ana', 'bo', 'cy'] }],
 *   overrides: [{ member: 'dee', from: '2026-03-06T15:00:00Z', to: '2026-03-09T15:00:00Z' }],
 * };
 * ```
 */
export type ScheduleConfig = z.input<typeof ScheduleConfigSchema>;

/**
 * A validated, precompiled schedule, made by {@link defineSchedule}; pass it to
 * {@link whoIsOnCall} and {@link shifts}. Frozen.
 */
export interface Schedule {
  /** The configured name. */
  readonly name: string;
  /** The canonical id of the schedule's time zone, or null when every layer has its own. */
  readonly timeZone: string | null;
  /** The layers' names, lowest first. */
  readonly layers: readonly string[];
  /**
   * The validated configuration, with defaults (the schedule's name, every layer's name):
   * serializable, and accepted again by `defineSchedule()`.
   */
  readonly config: z.output<typeof ScheduleConfigSchema>;
}

/** Who is on call, and why: which layer's rotation, or which override. */
export interface OnCall {
  /** The member id, as given in the layer's `members` or the override. */
  member: string;
  /** The name of the layer whose turn it is; null for an override. */
  layer: string | null;
  /** For an override: its index in the schedule's `overrides`. */
  override?: number;
}

/** A stretch of the rendered timeline: {@link OnCall} from `from` until `to` (epoch ms, `[from, to)`). */
export type OnCallShift = OnCall & {
  /** First instant, epoch milliseconds. */
  from: number;
  /** The instant it ends (exclusive), epoch milliseconds. */
  to: number;
};

interface Compiled {
  readonly layers: readonly CompiledLayer[];
  readonly overrides: OverrideTimeline;
}

const compiled = new WeakMap<Schedule, Compiled>();

type Issue = z.core.$ZodIssue;

function plainDateTime(value: string, path: PropertyKey[], issues: Issue[]): Temporal.PlainDateTime | null {
  try {
    return Temporal.PlainDateTime.from(value, { overflow: 'reject' });
  } catch {
    issues.push(customIssue(path, `"${value}" is not a local date-time`, value));
    return null;
  }
}

function instantValue(value: number | string, path: PropertyKey[], issues: Issue[]): number | null {
  if (typeof value === 'number') return value;
  try {
    return Temporal.Instant.from(value).epochMilliseconds;
  } catch {
    issues.push(customIssue(path, `Expected an ISO 8601 instant with Z or an offset, got "${value}"`, value));
    return null;
  }
}

type LayerConfig = z.output<typeof LayerSchema>;

function compileLayer(
  layer: LayerConfig,
  i: number,
  name: string,
  defaultZone: string | null,
  issues: Issue[],
): CompiledLayer | null {
  const at = (...path: PropertyKey[]) => ['layers', i, ...path];
  const before = issues.length;
  let timeZone = defaultZone;
  if (layer.timeZone !== undefined) {
    timeZone = canonicalZone(layer.timeZone);
    if (timeZone === null) {
      issues.push(customIssue(at('timeZone'), `Unknown IANA time zone "${layer.timeZone}"`, layer.timeZone));
    }
  } else if (defaultZone === null) {
    issues.push(customIssue(at('timeZone'), "No time zone: give the layer's timeZone or the schedule's"));
  }
  const start = plainDateTime(layer.start, at('start'), issues);
  const end = layer.end === undefined ? null : plainDateTime(layer.end, at('end'), issues);
  if (start && end && Temporal.PlainDateTime.compare(end, start) <= 0) {
    issues.push(customIssue(at('end'), `Ends at ${layer.end}, not after its start ${layer.start}`, layer.end));
  }
  const { days, hours } = layer.rotation;
  if ((days === undefined) === (hours === undefined)) {
    issues.push(customIssue(at('rotation'), 'Give the turn length in days or in hours, exactly one of them'));
  }
  const windows: CompiledWindow[] = [];
  layer.restrictions?.forEach((r, j) => {
    const from = minutes(r.start);
    let to = minutes(r.end);
    if (to === from) {
      issues.push(
        customIssue(
          at('restrictions', j, 'end'),
          `Ends at ${r.end}, where it starts: an empty window (00:00-24:00 is a whole day)`,
          r.end,
        ),
      );
    }
    if (to < from) to += 1440; // past midnight, into the next date
    const given = new Set(r.days ?? WEEKDAYS);
    windows.push({ days: WEEKDAYS.map((d) => given.has(d)), start: from * MINUTE_MS, end: to * MINUTE_MS });
  });
  if (issues.length > before || timeZone === null || start === null) return null;
  const startLocal = localOf(start);
  return {
    name,
    timeZone,
    members: layer.members,
    startLocal,
    start: toInstant(timeZone, startLocal),
    end: end === null ? Number.POSITIVE_INFINITY : toInstant(timeZone, localOf(end)),
    length: days !== undefined ? days * DAY_MS : hours! * HOUR_MS,
    windows: layer.restrictions ? windows : null,
  };
}

/**
 * Validates a schedule given as data and compiles it. Throws `ValidationError` whose issue paths
 * name the problem: `timeZone` or `layers[1].timeZone` (unknown zone, or none for the layer),
 * `layers[0].start` (not a local date-time, such as `2026-02-30T09:00`), `layers[0].end` (not
 * after the start), `layers[0].rotation` (neither or both of `days` and `hours`),
 * `layers[0].members` (none, or more than 100), `layers[0].restrictions[1].end` (an empty
 * window), `layers[2].name` (the name of an earlier layer), `overrides[2].from` (not an instant),
 * `overrides[2].to` (not after `from`).
 *
 * Turn boundaries and restriction windows are local wall-clock times, converted to instants in
 * the layer's zone per local date like Temporal's `disambiguation: 'compatible'`: a time the
 * clocks skip moves forward by the change (02:30 on a spring-forward night is 03:30), a time
 * they repeat means its first occurrence. So a Monday 09:00 handoff stays at 09:00 local all
 * year, and a turn across a change is shorter or longer by it. Before its `start` (and from its
 * `end`) a layer has nobody on call.
 *
 * @example
 * ```ts
 * const schedule = defineSchedule({
 *   timeZone: 'America/New_York',
 *   layers: [{ name: 'weekly', start: '2026-01-05T09:00', rotation: { days: 7 }, members: ['ana', 'bo', 'cy'] }],
 * });
 * whoIsOnCall(schedule, '2026-03-09T13:00:00Z'); // { member: 'ana', layer: 'weekly' }: Monday 09:00 EDT
 * ```
 */
export function defineSchedule(config: ScheduleConfig): Schedule {
  const parsed = parseInput(ScheduleConfigSchema, config, 'schedule');
  const issues: Issue[] = [];
  let timeZone: string | null = null;
  if (parsed.timeZone !== undefined) {
    timeZone = canonicalZone(parsed.timeZone);
    if (timeZone === null) {
      issues.push(customIssue(['timeZone'], `Unknown IANA time zone "${parsed.timeZone}"`, parsed.timeZone));
    }
  }
  const names = new Map<string, number>();
  const layers = parsed.layers.map((layer, i) => {
    const name = layer.name ?? `layers[${i}]`;
    const first = names.get(name);
    if (first === undefined) names.set(name, i);
    else issues.push(customIssue(['layers', i, 'name'], `"${name}" is already the name of layers[${first}]`, name));
    const zone = parsed.timeZone !== undefined && timeZone === null ? 'UTC' : timeZone; // one issue per bad zone
    return compileLayer(layer, i, name, zone, issues);
  });
  const spans = parsed.overrides.map((o, i) => {
    const from = instantValue(o.from, ['overrides', i, 'from'], issues);
    const to = instantValue(o.to, ['overrides', i, 'to'], issues);
    if (from !== null && to !== null && to <= from) {
      issues.push(
        customIssue(['overrides', i, 'to'], `Ends at ${String(o.to)}, not after its start ${String(o.from)}`, o.to),
      );
    }
    return { from: from ?? 0, to: to ?? 0, member: o.member };
  });
  if (issues.length > 0) throw new ValidationError('schedule', issues);
  const layerNames = layers.map((l) => l!.name);
  const schedule: Schedule = deepFreeze({
    name: parsed.name,
    timeZone,
    layers: layerNames,
    config: { ...parsed, layers: parsed.layers.map((layer, i) => ({ ...layer, name: layerNames[i]! })) },
  });
  compiled.set(schedule, { layers: layers as CompiledLayer[], overrides: flattenOverrides(spans) });
  return schedule;
}

function compiledOf(schedule: Schedule): Compiled {
  const found = compiled.get(schedule);
  if (!found) throw invalidInput('schedule', [], 'Expected a schedule made by defineSchedule()');
  return found;
}

/**
 * Who is on call at `instant` (epoch ms or an ISO 8601 instant): the override covering it (the
 * later one where overrides overlap), else the highest layer with someone on call, else null.
 * Costs O(log overrides + layers), however far `instant` lies from the layers' starts.
 *
 * @example
 * ```ts
 * whoIsOnCall(schedule, '2026-03-07T12:00:00Z'); // { member: 'dee', layer: null, override: 0 }
 * ```
 */
export function whoIsOnCall(schedule: Schedule, instant: number | string): OnCall | null {
  const at = parseInput(InstantInputSchema, instant, 'instant');
  const { layers, overrides } = compiledOf(schedule);
  const hit = overrideAt(overrides, at);
  if (hit >= 0) {
    const index = overrides.index[hit]!;
    return { member: overrides.member[index]!, layer: null, override: index };
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const member = memberAt(layer, at);
    if (member !== null) return { member, layer: layer.name };
  }
  return null;
}

/** Who is on call in `[from, to)` by one source (the overrides, or a layer): sorted, disjoint. */
interface Source {
  readonly pieces: readonly { readonly from: number; readonly to: number; readonly who: OnCall }[];
  position: number;
}

function overrideSource(overrides: OverrideTimeline, from: number, to: number): Source {
  const pieces = overridesIn(overrides, from, to).map((p) => ({
    from: p.from,
    to: p.to,
    who: { member: p.member, layer: null, override: p.index },
  }));
  return { pieces, position: 0 };
}

function layerSource(layer: CompiledLayer, from: number, to: number): Source {
  const pieces = piecesIn(layer, from, to).map((p: Piece) => ({
    from: p.from,
    to: p.to,
    who: { member: p.member, layer: layer.name },
  }));
  return { pieces, position: 0 };
}

/**
 * The rendered timeline in `[from, to)`: who is on call when, as a UI would draw it. Shifts are
 * sorted, consecutive where someone is on call and never overlap; they are clipped to the range;
 * adjacent pieces with the same member and the same source (layer, or override) are merged into
 * one shift; stretches with nobody on call are simply absent. For every instant `t` in the range,
 * `whoIsOnCall(schedule, t)` is the shift containing `t`, or null in a gap. Empty when
 * `to <= from`; a range longer than 3,660 days (ten years) throws `ValidationError`. Costs
 * O(turns, windows and overrides in the range).
 *
 * @example
 * ```ts
 * shifts(schedule, '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z');
 * // [ { member: 'cy', layer: 'weekly', from: 1772755200000, to: 1772809200000 },   // to 2026-03-06T15:00Z
 * //   { member: 'dee', layer: null, override: 0, from: 1772809200000, to: 1773068400000 },
 * //   { member: 'ana', layer: 'weekly', from: 1773068400000, to: 1773100800000 } ]
 * ```
 */
export function shifts(schedule: Schedule, from: number | string, to: number | string): OnCallShift[] {
  const start = parseInput(InstantInputSchema, from, 'from');
  const end = parseInput(InstantInputSchema, to, 'to');
  const { layers, overrides } = compiledOf(schedule);
  if (end <= start) return [];
  if (end - start > MAX_RANGE_MS) {
    throw invalidInput('range', ['to'], `At most ${MAX_RANGE_DAYS} days after from: render a long range in parts`, to);
  }
  // Highest precedence first: the overrides, then the layers from the top.
  const sources = [overrideSource(overrides, start, end), ...layers.map((l) => layerSource(l, start, end)).reverse()];
  const points: number[] = [];
  for (const source of sources) for (const piece of source.pieces) points.push(piece.from, piece.to);
  points.sort((a, b) => a - b);
  const out: OnCallShift[] = [];
  for (let p = 0; p + 1 < points.length; p++) {
    const at = points[p]!;
    const until = points[p + 1]!;
    if (until === at) continue;
    for (const source of sources) {
      while (source.position < source.pieces.length && source.pieces[source.position]!.to <= at) source.position++;
      const piece = source.pieces[source.position];
      if (!piece || piece.from > at) continue;
      const { member, layer, override } = piece.who;
      const last = out[out.length - 1];
      if (last && last.to === at && last.member === member && last.layer === layer && last.override === override) {
        last.to = until;
      } else {
        // Built field by field: a spread of `who` is the slow part of a render.
        out.push(
          override === undefined
            ? { member, layer, from: at, to: until }
            : { member, layer, override, from: at, to: until },
        );
      }
      break;
    }
  }
  return out;
}
