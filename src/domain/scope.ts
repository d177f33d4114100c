/**
 * Scopes select configuration by incident fields (matrices, SLA targets): every key a scope sets
 * must match, and the most specific matching scope wins.
 */
export type Scope = object;

const entries = (scope: Scope) => Object.entries(scope) as [string, string | undefined][];

/** How many keys a scope sets: more is more specific. */
export function specificity(scope: Scope): number {
  let n = 0;
  for (const [, value] of entries(scope)) if (value !== undefined) n++;
  return n;
}

/** Two scopes that can both match one incident: no key set on both with different values. */
export function overlap(a: Scope, b: Scope): boolean {
  const other = b as Record<string, string | undefined>;
  for (const [key, value] of entries(a)) {
    if (value !== undefined && other[key] !== undefined && other[key] !== value) return false;
  }
  return true;
}

/**
 * Index pairs `[earlier, later]` of scopes that tie: the same specificity and able to match one
 * incident, so neither would win. Configurations reject them.
 */
export function scopeTies(scopes: readonly Scope[]): [number, number][] {
  const ties: [number, number][] = [];
  for (let b = 1; b < scopes.length; b++) {
    for (let a = 0; a < b; a++) {
      const [x, y] = [scopes[a] as Scope, scopes[b] as Scope];
      if (specificity(x) === specificity(y) && overlap(x, y)) ties.push([a, b]);
    }
  }
  return ties;
}
