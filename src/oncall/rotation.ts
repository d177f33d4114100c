/**
 * One layer of an on-call schedule, compiled: its turns and restriction windows as exact
 * instants, answered without a walk from the layer's start.
 *
 * Everything happens on local wall-clock time, written as "local milliseconds" (the epoch
 * milliseconds the local date-time would have in UTC). Turn `k` starts at local
 * `start + k * length`; converting a local time to an instant uses the zone's offset from the
 * shared zone timeline of `calendar.ts`, and Temporal (`disambiguation: 'compatible'`) only for
 * local times within a day of a transition.
 */
import { Temporal } from 'temporal-polyfill';
import { timelineOf, weekdayOf } from '../sla/calendar.js';

const DAY_MS = 86_400_000;

/** A restriction window: local `[start, end)` milliseconds after midnight of a date it starts on. */
export interface CompiledWindow {
  /** Starts on these weekdays, index 0 = Monday. */
  readonly days: readonly boolean[];
  readonly start: number;
  /** After `start`, at most a day after it: a window past midnight ends on the next date. */
  readonly end: number;
}

/** A layer ready for look-ups. */
export interface CompiledLayer {
  readonly name: string;
  readonly timeZone: string;
  readonly members: readonly string[];
  /** Local milliseconds of the first turn's start, and its instant. */
  readonly startLocal: number;
  readonly start: number;
  /** The instant after which the layer has nobody, or `Infinity`. */
  readonly end: number;
  /** Turn length in local milliseconds. */
  readonly length: number;
  /** On call only inside these windows; null: always. */
  readonly windows: readonly CompiledWindow[] | null;
}

/** A stretch of time with one member on call. */
export interface Piece {
  readonly from: number;
  readonly to: number;
  readonly member: string;
}

/** Local milliseconds of a `YYYY-MM-DDTHH:MM[:SS]` local date-time. */
export function localOf(dateTime: Temporal.PlainDateTime): number {
  return dateTime.toZonedDateTime('UTC').epochMilliseconds;
}

/** The wall-clock time of `instant` in `timeZone`, as local milliseconds. */
export function toLocal(timeZone: string, instant: number): number {
  return instant + timelineOf(timeZone).segment(instant).offset;
}

/** Instants of local times within a day of a transition, from Temporal (a few per zone and year). */
const nearTransition = new Map<string, number>();

/**
 * The instant of local time `local` in `timeZone`, as Temporal's `disambiguation: 'compatible'`
 * gives it: a time skipped by a forward change moves forward by the change (02:30 becomes 03:30),
 * a repeated time is its first occurrence.
 */
export function toInstant(timeZone: string, local: number): number {
  const segment = timelineOf(timeZone).segment(local);
  // Offsets are under a day: one offset throughout local +- 1 day makes the answer unique.
  if (segment.start <= local - DAY_MS && segment.end > local + DAY_MS) return local - segment.offset;
  const key = `${timeZone} ${local}`;
  let instant = nearTransition.get(key);
  if (instant === undefined) {
    instant = Temporal.Instant.fromEpochMilliseconds(local)
      .toZonedDateTimeISO('UTC')
      .toPlainDateTime()
      .toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
    if (nearTransition.size >= 4096) nearTransition.clear();
    nearTransition.set(key, instant);
  }
  return instant;
}

/** The instant turn `k` starts (turn `k` ends where turn `k + 1` starts). */
const boundary = (layer: CompiledLayer, k: number) => toInstant(layer.timeZone, layer.startLocal + k * layer.length);

/**
 * The turn running at `instant` (`start <= instant < end` assumed). The local wall-clock time
 * gives the turn arithmetically; around a transition it can be one off either way (a repeated
 * hour, a boundary moved out of a skipped hour), which the exact boundaries then correct. A turn
 * squeezed to nothing by a skipped hour is stepped over.
 */
function turnAt(layer: CompiledLayer, instant: number): number {
  let k = Math.max(0, Math.floor((toLocal(layer.timeZone, instant) - layer.startLocal) / layer.length));
  while (k > 0 && boundary(layer, k) > instant) k--;
  while (boundary(layer, k + 1) <= instant) k++;
  return k;
}

/** The window of local date `epochDay`, as instants, or null when it does not start that day. */
function windowOn(layer: CompiledLayer, w: CompiledWindow, epochDay: number): [number, number] | null {
  if (!w.days[weekdayOf(epochDay)]) return null;
  const midnight = epochDay * DAY_MS;
  return [toInstant(layer.timeZone, midnight + w.start), toInstant(layer.timeZone, midnight + w.end)];
}

/**
 * Whether `instant` lies in one of the layer's windows. An instant of local date `d` can only be
 * in a window that starts on `d - 1` (past midnight), `d`, or `d + 1` (when the clocks go back
 * over midnight, the repeated late hours of `d` follow the first midnight).
 */
function inWindow(layer: CompiledLayer, windows: readonly CompiledWindow[], instant: number): boolean {
  const day = Math.floor(toLocal(layer.timeZone, instant) / DAY_MS);
  for (let d = day - 1; d <= day + 1; d++) {
    for (const w of windows) {
      const span = windowOn(layer, w, d);
      if (span && span[0] <= instant && instant < span[1]) return true;
    }
  }
  return false;
}

/** Who the layer has on call at `instant`, or null. */
export function memberAt(layer: CompiledLayer, instant: number): string | null {
  if (instant < layer.start || instant >= layer.end) return null;
  if (layer.windows && !inWindow(layer, layer.windows, instant)) return null;
  return layer.members[turnAt(layer, instant) % layer.members.length]!;
}

/** The layer's windows in `[from, to)`: sorted, disjoint, clipped. */
function windowsIn(layer: CompiledLayer, windows: readonly CompiledWindow[], from: number, to: number): number[] {
  const spans: [number, number][] = [];
  const last = Math.floor(toLocal(layer.timeZone, to) / DAY_MS) + 2;
  for (let d = Math.floor(toLocal(layer.timeZone, from) / DAY_MS) - 2; d <= last; d++) {
    for (const w of windows) {
      const span = windowOn(layer, w, d);
      if (span === null) continue;
      const start = Math.max(span[0], from);
      const end = Math.min(span[1], to);
      if (end > start) spans.push([start, end]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const union: number[] = [];
  for (const [start, end] of spans) {
    const lastEnd = union[union.length - 1];
    if (lastEnd !== undefined && start <= lastEnd) union[union.length - 1] = Math.max(lastEnd, end);
    else union.push(start, end);
  }
  return union;
}

/** Who the layer has on call in `[from, to)`: sorted, disjoint, clipped pieces, one per turn and window. */
export function piecesIn(layer: CompiledLayer, from: number, to: number): Piece[] {
  const lo = Math.max(from, layer.start);
  const hi = Math.min(to, layer.end);
  if (hi <= lo) return [];
  const turns: Piece[] = [];
  let k = turnAt(layer, lo);
  for (let at = boundary(layer, k); at < hi; k++) {
    const next = boundary(layer, k + 1);
    const start = Math.max(at, lo);
    const end = Math.min(next, hi);
    if (end > start) turns.push({ from: start, to: end, member: layer.members[k % layer.members.length]! });
    at = next;
  }
  if (!layer.windows) return turns;
  const spans = windowsIn(layer, layer.windows, lo, hi);
  const pieces: Piece[] = [];
  let i = 0;
  for (const turn of turns) {
    while (i < spans.length && spans[i + 1]! <= turn.from) i += 2;
    for (let j = i; j < spans.length && spans[j]! < turn.to; j += 2) {
      const start = Math.max(spans[j]!, turn.from);
      const end = Math.min(spans[j + 1]!, turn.to);
      if (end > start) pieces.push({ from: start, to: end, member: turn.member });
    }
  }
  return pieces;
}
