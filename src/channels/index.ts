/**
 * Notification channels: `incidentkit/channels`. Each is a factory returning a `Channel` that
 * the kit's outbox dispatcher delivers through; none adds a dependency (HTTP goes through
 * `fetch`, email through any transport with nodemailer's `sendMail()` shape).
 *
 * @packageDocumentation
 */
export { type ConsoleChannelOptions, consoleChannel } from './console.js';
export {
  type EmailChannelOptions,
  type EmailContent,
  type EmailRecipients,
  emailChannel,
  type MailMessage,
  type MailTransport,
} from './email.js';
export { escapeCardText, escapeSlackText } from './escape.js';
export { type EmailHtmlParts, escapeHtml, renderEmailHtml, safeHref } from './html.js';
export { DEFAULT_HTTP_TIMEOUT_MS, type HttpOptions, MAX_RETRY_AFTER_MS } from './http.js';
export { escapeMarkdown, renderMarkdown } from './markdown.js';
export {
  DEFAULT_SLACK_RATE_LIMIT,
  fitSlackLimits,
  renderSlackMessage,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackChannelOptions,
  SlackChannelOptionsSchema,
  type SlackPayload,
  type SlackText,
  slackChannel,
} from './slack.js';
export {
  DEFAULT_SMS_MAX_SEGMENTS,
  type FittedSms,
  fitSms,
  type SmsChannelOptions,
  type SmsEncoding,
  smsChannel,
} from './sms.js';
export {
  ADAPTIVE_CARD_VERSION,
  type AdaptiveCard,
  type AdaptiveCardElement,
  renderTeamsCard,
  TEAMS_LIMITS,
  type TeamsChannelOptions,
  TeamsChannelOptionsSchema,
  type TeamsMessage,
  teamsChannel,
  teamsMessage,
} from './teams.js';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookBody,
  type WebhookChannelOptions,
  type WebhookHeaders,
  WebhookVerificationError,
  type WebhookVerificationReason,
  webhookChannel,
} from './webhook.js';
