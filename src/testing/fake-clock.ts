import { type Duration, toMs } from '../domain/duration.js';
import type { Clock } from '../ports/clock.js';

/**
 * A clock that moves only when told to. Starts at `start` (ms or ISO instant; default
 * 2026-01-05T09:00:00Z, a Monday morning) and refuses to go back.
 */
export class FakeClock implements Clock {
  #now: number;

  constructor(start: number | string = '2026-01-05T09:00:00.000Z') {
    this.#now = FakeClock.#instant(start);
  }

  static #instant(value: number | string): number {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) throw new RangeError(`Invalid instant: ${String(value)}`);
    return ms;
  }

  now(): number {
    return this.#now;
  }

  /** The current instant as ISO text. */
  iso(): string {
    return new Date(this.#now).toISOString();
  }

  /** Moves forward by `duration` (ms or ISO 8601, e.g. `PT15M`, `P7D`). */
  advance(duration: Duration): number {
    this.#now += toMs(duration);
    return this.#now;
  }

  /** Jumps to `instant` (ms or ISO text); throws `RangeError` if that is in the past. */
  set(instant: number | string): number {
    const ms = FakeClock.#instant(instant);
    if (ms < this.#now) {
      throw new RangeError(`FakeClock cannot go back from ${this.iso()} to ${new Date(ms).toISOString()}`);
    }
    this.#now = ms;
    return ms;
  }
}
