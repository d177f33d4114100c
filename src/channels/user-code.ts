import { z } from 'zod';
import { ChannelError, describeIssues } from '../domain/errors.js';

/**
 * The error of a user's function (`render`, `recipients`) that threw while a channel sent a
 * message: permanent, since a bug in a template does not heal on retry. A `ChannelError` it threw
 * on purpose passes through unchanged.
 */
export function userCodeError(channel: string, what: string, error: unknown): ChannelError {
  if (ChannelError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ChannelError(channel, `${what} failed: ${message}`, { retryable: false, cause: error });
}

/** A zod schema for an option that must be a function (the issue never echoes the value). */
export function functionOption<T>(what: string) {
  return z.custom<T>((value) => typeof value === 'function', `Must be a function (${what})`);
}

/**
 * Runs a user's `render` and checks what it returned against `schema`: a throw or a malformed
 * result fails the message permanently (`render returned <invalid> (<issues>)`).
 */
export async function checkedRender<T>(
  channel: string,
  render: () => unknown,
  schema: z.ZodType<T>,
  invalid: string,
): Promise<T> {
  let rendered: unknown;
  try {
    rendered = await render();
  } catch (error) {
    throw userCodeError(channel, 'render()', error);
  }
  const parsed = schema.safeParse(rendered);
  if (!parsed.success) {
    throw new ChannelError(channel, `render returned ${invalid} (${describeIssues(parsed.error.issues)})`, {
      retryable: false,
    });
  }
  return parsed.data;
}
