import type { z } from 'zod';

/** Every `code` an {@link IncidentKitError} can carry. */
export type IncidentKitErrorCode = 'VALIDATION' | 'NOT_FOUND' | 'TRANSITION' | 'CONCURRENCY' | 'STORE' | 'CHANNEL';

const BRAND = Symbol.for('incidentkit.error');

/**
 * Root of every error incidentkit throws. Test with `IncidentKitError.isInstance(err)` (works
 * across duplicated package copies and realms) or a subclass's `isInstance`, then switch on `code`.
 */
export class IncidentKitError extends Error {
  readonly code: IncidentKitErrorCode;
  readonly [BRAND] = true;

  constructor(code: IncidentKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** True when `value` is an incidentkit error, whichever copy of the package created it. */
  static isInstance(value: unknown): value is IncidentKitError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

function hasCode<T extends IncidentKitError>(value: unknown, code: IncidentKitErrorCode): value is T {
  return IncidentKitError.isInstance(value) && value.code === code;
}

/** One path of a zod issue, as text: `reporter.name`, `labels[2]`, or `(root)`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Zod issues as one line: `reporter.name: Required; labels[2]: Too long`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

/** Input failed its zod schema. `issues` are zod's, untouched; nothing was written. */
export class ValidationError extends IncidentKitError {
  readonly issues: z.core.$ZodIssue[];

  constructor(what: string, issues: z.core.$ZodIssue[]) {
    super('VALIDATION', `Invalid ${what}: ${describeIssues(issues)}`);
    this.issues = issues;
  }

  static override isInstance(value: unknown): value is ValidationError {
    return hasCode(value, 'VALIDATION');
  }
}

/** No incident (or other record) with that id exists in the store. */
export class NotFoundError extends IncidentKitError {
  readonly id: string;

  constructor(id: string, what = 'incident') {
    super('NOT_FOUND', `No ${what} with id "${id}"`);
    this.id = id;
  }

  static override isInstance(value: unknown): value is NotFoundError {
    return hasCode(value, 'NOT_FOUND');
  }
}

/** The command is not allowed in the incident's current state. Nothing was written. */
export class TransitionError extends IncidentKitError {
  readonly command: string;
  readonly state: string;
  readonly allowed: readonly string[];

  constructor(command: string, state: string, allowed: readonly string[], why?: string) {
    const because = why ? ` (${why})` : '';
    super(
      'TRANSITION',
      `Cannot ${command} an incident in state "${state}"${because}; allowed: ${allowed.join(', ') || 'none'}`,
    );
    this.command = command;
    this.state = state;
    this.allowed = allowed;
  }

  static override isInstance(value: unknown): value is TransitionError {
    return hasCode(value, 'TRANSITION');
  }
}

/** A compare-and-set on `version` failed: someone else committed first. Nothing was written. */
export class ConcurrencyError extends IncidentKitError {
  readonly id: string;
  readonly expectedVersion: number;
  readonly actualVersion: number | null;

  constructor(id: string, expectedVersion: number, actualVersion: number | null, detail?: string) {
    super(
      'CONCURRENCY',
      detail ??
        `Incident "${id}" is at version ${actualVersion ?? 'none'}, expected ${expectedVersion}; reload and retry`,
    );
    this.id = id;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  static override isInstance(value: unknown): value is ConcurrencyError {
    return hasCode(value, 'CONCURRENCY');
  }
}

/** The store failed for a reason of its own (connection, constraint, corrupt row). */
export class StoreError extends IncidentKitError {
  /** The incident whose stored data the error is about, when there is one (e.g. a corrupt row). */
  readonly incidentId: string | undefined;

  constructor(message: string, options?: { cause?: unknown; incidentId?: string }) {
    super('STORE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.incidentId = options?.incidentId;
  }

  static override isInstance(value: unknown): value is StoreError {
    return hasCode(value, 'STORE');
  }
}

/** A notification channel failed. `retryable` says whether the dispatcher will try again. */
export class ChannelError extends IncidentKitError {
  readonly channel: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** The HTTP status the peer answered with, for HTTP channels. 410 means the endpoint is gone. */
  readonly status: number | undefined;

  constructor(
    channel: string,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super('CHANNEL', `Channel "${channel}": ${message}`, { cause: options.cause });
    this.channel = channel;
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }

  static override isInstance(value: unknown): value is ChannelError {
    return hasCode(value, 'CHANNEL');
  }
}

/** Parses `value` with `schema`; throws {@link ValidationError} naming `what` on failure. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, result.error.issues);
  return result.data;
}

/** A zod issue of our own (code `custom`), for checks a schema cannot express. */
export function customIssue(path: PropertyKey[], message: string, input?: unknown): z.core.$ZodIssue {
  return { code: 'custom', path, message, input } as z.core.$ZodIssue;
}

/**
 * A `ValidationError` about `createIncidentKit` options: `issues` of the kit's option `option`
 * (a name, or a path such as `['oncall', 'escalationPolicies']`), their paths prefixed with it
 * (e.g. `routes[2].channels[0]`).
 */
export function optionIssues(option: string | readonly string[], issues: readonly z.core.$ZodIssue[]): ValidationError {
  const prefix = typeof option === 'string' ? [option] : option;
  return new ValidationError(
    'createIncidentKit options',
    issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] })),
  );
}

/**
 * The issue of a name that is not one of the kit's: `Unknown channel "x"; the kit's channels are
 * slack, email` (`what` is `channel`; `none` when it has none).
 */
export function unknownName(
  path: PropertyKey[],
  what: string,
  name: string,
  known: Iterable<string>,
): z.core.$ZodIssue {
  const list = [...known].join(', ') || 'none';
  return customIssue(path, `Unknown ${what} "${name}"; the kit's ${what}s are ${list}`, name);
}

/** A `ValidationError` about `what` with one custom issue at `path`. */
export function invalidInput(what: string, path: PropertyKey[], message: string, input?: unknown): ValidationError {
  return new ValidationError(what, [customIssue(path, message, input)]);
}
