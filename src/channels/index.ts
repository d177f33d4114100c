/**
 * Notification channels: `incidentkit/channels`. Each is a factory returning a `Channel` that
 * the kit's outbox dispatcher delivers through; none adds a dependency (HTTP goes through
 * `fetch`, email through any transport with nodemailer's `sendMail()` shape).
 *
 * @packageDocumentation
 */
export { type ConsoleChannelOptions, consoleChannel } from './console.js';
export { DEFAULT_HTTP_TIMEOUT_MS, type HttpOptions } from './http.js';
