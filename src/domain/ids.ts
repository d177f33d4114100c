import type { Clock } from '../ports/clock.js';

/** Makes a new unique id. Ids must sort in creation order as plain strings. */
export type IdGenerator = () => string;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * ULID generator on the given clock: 26 characters, lexicographically sortable, monotonic within
 * one millisecond (the random part is incremented, as the ULID spec's monotonic variant).
 * `random` defaults to `crypto.getRandomValues`; pass a seeded one for reproducible ids.
 */
export function createUlidGenerator(
  clock: Clock,
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): IdGenerator {
  let lastTime = -1;
  const digits = new Uint8Array(16);
  return () => {
    const now = clock.now();
    if (now <= lastTime) {
      // Monotonic: same (or earlier) millisecond, increment the random part.
      let i = 15;
      while (i >= 0 && digits[i] === 31) digits[i--] = 0;
      if (i >= 0) digits[i] = (digits[i] as number) + 1;
    } else {
      lastTime = now;
      const bytes = random(new Uint8Array(16));
      for (let i = 0; i < 16; i++) digits[i] = (bytes[i] as number) % 32;
    }
    let out = encodeTime(lastTime);
    for (let i = 0; i < 16; i++) out += ALPHABET[digits[i] as number];
    return out;
  };
}

/**
 * Deterministic ids for tests: `prefix` + a zero-padded counter, so they still sort in creation
 * order (`id_00000001`, `id_00000002`, ...).
 */
export function createSequentialIds(prefix = 'id_'): IdGenerator {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(8, '0')}`;
}

/** Formats the store's sequence number as the human reference, e.g. `INC-42`. */
export function formatNumber(prefix: string, n: number): string {
  return `${prefix}-${n}`;
}
