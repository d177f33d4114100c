import { z } from 'zod';

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/**
 * A length of time: milliseconds, or an ISO 8601 duration in weeks, days, hours, minutes and
 * seconds (`P7D`, `PT15M`, `P1DT12H`). Days are 24 hours; calendars and business hours are the
 * SLA module's business, not this one's.
 */
export type Duration = number | string;

/** Milliseconds of `duration`; throws `RangeError` for negative or unparseable input. */
export function toMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new RangeError(`Invalid duration: ${duration}`);
    return Math.round(duration);
  }
  const match = ISO_DURATION.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) {
    throw new RangeError(`Invalid ISO 8601 duration "${duration}" (expected e.g. P7D, PT15M, P1DT2H)`);
  }
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i]!;
  }
  return Math.round(ms);
}

/** Zod schema of a {@link Duration}, transformed to milliseconds. */
export const DurationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return toMs(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A duration of at least a second: shorter repeating timers would spin the worker. */
export const TimerDurationSchema = DurationSchema.pipe(z.number().min(1_000, 'Must be at least 1 second (PT1S)'));
