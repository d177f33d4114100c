/** The only source of time in incidentkit. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. Tests use `FakeClock` from `incidentkit/testing` instead. */
export function systemClock(): Clock {
  return { now: () => Date.now() };
}

/** ISO 8601 text of an instant in milliseconds. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
