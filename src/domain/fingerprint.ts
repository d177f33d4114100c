import { createHash } from 'node:crypto';

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Identifies a request for idempotency: `command:target:hash`, where the hash covers the parsed
 * input with its keys in a stable order. Two requests with one idempotency key are the same
 * request only when their fingerprints are equal.
 */
export function requestFingerprint(command: string, target: string, input: unknown): string {
  const hash = createHash('sha256').update(stableJson(input)).digest('base64url').slice(0, 32);
  return `${command}:${target}:${hash}`;
}
