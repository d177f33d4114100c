import { ChannelError } from '../domain/errors.js';

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
