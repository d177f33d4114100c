/** True for `{}` literals and `Object.create(null)` objects: not class instances, not arrays. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Where `value` stops being plain JSON data (a `Date`, `Map`, class instance, function, `NaN`,
 * `Infinity` or a circular reference), as text such as `custom.since is a Date`; null if it is
 * plain data. `undefined` properties are allowed (JSON drops them).
 */
export function findNotJson(value: unknown, path: string): string | null {
  return find(value, path, new Set());
}

function find(value: unknown, path: string, seen: Set<object>): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}`;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) return `${path} is a circular reference`;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = find(value[i], `${path}[${i}]`, seen);
          if (found) return found;
        }
      } else {
        if (!isPlainObject(value)) return `${path} is a ${value.constructor?.name ?? 'non-plain object'}`;
        for (const [key, item] of Object.entries(value)) {
          const found = find(item, `${path}.${key}`, seen);
          if (found) return found;
        }
      }
      seen.delete(value);
      return null;
    }
    default:
      return `${path} is a ${typeof value}`;
  }
}

/** Freezes `value` and every object and array inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
