import { z } from 'zod';
import type { ReportInput } from './domain/commands.js';
import { DurationSchema, TimerDurationSchema } from './domain/duration.js';

import { customIssue, invalidInput, optionIssues, parseInput, unknownName, ValidationError } from './domain/errors.js';
import { createUlidGenerator, type IdGenerator } from './domain/ids.js';
import { type CustomFields, DEFAULT_ENVIRONMENTS, type Priority } from './domain/incident.js';
import type { LifecycleSettings } from './lifecycle/snapshot.js';
import { type NotificationConfig, type RouteInput, resolveNotifications } from './notify/config.js';
import type { ContactInput } from './notify/contacts.js';
import { DEFAULT_RETRY_SCHEDULE_MS, type DeliverySettings } from './notify/dispatcher.js';
import { channelMap } from './notify/outbox.js';
import { type MessageTemplates, resolveTemplates } from './notify/templates.js';
import { checkPagedContacts, type OncallOptions, resolveOncall } from './oncall/config.js';
import type { Channel } from './ports/channel.js';
import { type Clock, systemClock } from './ports/clock.js';
import { type Logger, silentLogger } from './ports/logger.js';
import { type IncidentStore, STORE_CONTRACT } from './ports/store.js';
import { createPriorityEngine } from './priority/engine.js';
import type { PriorityPolicyConfig } from './priority/policy.js';
import type { PriorityPolicy } from './priority/types.js';
import { defineSlaPolicy, type SlaPolicy, type SlaPolicyConfig } from './sla/policy.js';
import { memoryStore } from './stores/memory.js';

/** A zod schema for custom fields: an object schema, e.g. `z.object({ region: z.string() })`. */
export type CustomSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** The kit's `lifecycle` option. */
export const LifecycleOptionsSchema = z.strictObject({
  /** How long after `recovered` a non-major incident closes by itself. Default 7 days. */
  autoCloseAfter: DurationSchema.default(7 * 86_400_000),
  /** Escalate an unacknowledged incident vertically after this long, and again after each level. */
  escalateAfter: TimerDurationSchema.optional(),
  /** How many automatic escalations at most. Default 3. */
  maxEscalations: z.number().int().min(0).max(20).default(3),
  /**
   * Put an acknowledged incident back to unacknowledged (`open`, escalation resumes) when it is
   * not resolved or put on hold within this time, as PagerDuty's acknowledgement timeout does.
   */
  acknowledgementTimeout: TimerDurationSchema.optional(),
  /** Remind the communications role when a major incident had no update for this long. */
  communicationCadence: TimerDurationSchema.optional(),
});

/** The kit's `delivery` option. */
export const DeliveryOptionsSchema = z.strictObject({
  /** Waits between attempts (ms or ISO 8601 durations). Default: Standard Webhooks' schedule. */
  retrySchedule: z.array(TimerDurationSchema).min(0).max(50).optional(),
  /**
   * How much longer than the schedule a retry may wait, as a fraction from 0 to 1: the wait after
   * a failed attempt is `wait + floor(jitter * r * wait)`, `r` in [0, 1) derived from the message
   * id and attempt number, and never less than the peer's `Retry-After`. 0 keeps the exact
   * schedule. Default 0.2 (`DEFAULT_RETRY_JITTER`).
   */
  jitter: z.number().min(0).max(1).optional(),
  /** How long a worker holds a claimed message or timer. Default 60 s. */
  leaseMs: z.number().int().min(1_000).default(60_000),
  /** Messages and timers claimed per batch. Default 100. */
  batchSize: z.number().int().min(1).max(10_000).default(100),
});

/** Options of {@link createIncidentKit}. */
export interface IncidentKitOptions<S extends CustomSchema | undefined = undefined> {
  /** Where incidents live. Default: {@link memoryStore}, which forgets on exit. */
  store?: IncidentStore;
  /** Source of time. Default: the system clock; tests pass `FakeClock`. */
  clock?: Clock;
  /**
   * Prioritization: a policy as data (see `definePriorityPolicy`) or an engine. Default: the ITIL
   * impact x urgency matrix with the default rules.
   */
  priority?: PriorityPolicy | PriorityPolicyConfig;
  /** SLA targets per priority, service, tenant, environment and category, on business-hours calendars. */
  sla?: SlaPolicy | SlaPolicyConfig;
  /** Notification channels by name (or a list, named by each channel's `name`). */
  channels?: Record<string, Channel> | readonly Channel[];
  /**
   * Audience routes: which channels each audience's messages go to, filtered by service, tenant,
   * environment, minimum priority, major incidents and event. Omitted: every channel receives
   * every message.
   */
  routes?: readonly RouteInput[];
  /**
   * People (or shared mailboxes) that routes name as `recipients`, by id: their email address,
   * phone number, time zone and quiet hours.
   */
  contacts?: Record<string, ContactInput>;
  /**
   * Messages about incidents of this priority or a more urgent one, about major incidents and
   * about untriaged ones are high-urgency: they ignore quiet hours. Default `P2`.
   */
  highUrgencyFrom?: Priority;
  /**
   * Your wording of messages, by event (`incident.resolved`, ... or `'*'`) and audience (or
   * `'*'`): each template gets the message and its audience's default content and returns the
   * parts to replace. The most specific template wins: `[event][audience]`, `[event]['*']`,
   * `['*'][audience]`, `['*']['*']`. Omitted: the default wording for each audience.
   */
  templates?: MessageTemplates;
  /**
   * On-call: escalation policies (who is paged first, how long each level has, who comes next),
   * chosen per incident by service, tenant, environment and priority.
   */
  oncall?: OncallOptions;
  /** Zod object schema of your custom fields; `report()` validates `custom` against it. */
  custom?: S;
  /** Allowed environments. Default: production, staging, development, test. */
  environments?: readonly string[];
  /** Prefix of human numbers. Default `INC` (INC-1, INC-2, ...). */
  numberPrefix?: string;
  /** Durations of the lifecycle timers. */
  lifecycle?: z.input<typeof LifecycleOptionsSchema>;
  /** Delivery retries and worker batches. */
  delivery?: z.input<typeof DeliveryOptionsSchema>;
  /** Id generator. Default: ULIDs on `clock`. */
  ids?: IdGenerator;
  /** This process's name in leases. Default: a random id. */
  workerId?: string;
  logger?: Logger;
}

/** Custom field type of a kit created with schema `S`. */
export type CustomOf<S> = S extends z.ZodType ? z.output<S> : CustomFields;
/** Custom field input type of a kit created with schema `S`. */
export type CustomInputOf<S> = S extends z.ZodType ? z.input<S> : CustomFields;

/** Input of `report()`, with `custom` typed by the kit's custom schema. */
export type ReportInputOf<S> = Omit<ReportInput, 'custom'> &
  (S extends z.ZodType ? { custom: CustomInputOf<S> } : { custom?: CustomFields | undefined });

/** The options with their defaults applied, validated. */
export interface KitConfig {
  store: IncidentStore;
  clock: Clock;
  priority: PriorityPolicy;
  sla: SlaPolicy | undefined;
  channels: Map<string, Channel>;
  /** Routes, contacts and urgency. */
  notifications: NotificationConfig;
  /** Validated message templates; `undefined` when the option is absent. */
  templates: MessageTemplates | undefined;
  ids: IdGenerator;
  logger: Logger;
  environments: ReadonlySet<string>;
  numberPrefix: string;
  workerId: string;
  lifecycle: LifecycleSettings;
  delivery: DeliverySettings;
  custom: z.ZodType<Record<string, unknown>>;
}

/** A store must speak this version of the port: an older adapter would mishandle what it lacks. */
function checkStore(store: IncidentStore | undefined): IncidentStore | undefined {
  const contract: unknown = store?.contract;
  if (store === undefined || contract === STORE_CONTRACT) return store;
  throw invalidInput(
    'createIncidentKit options',
    ['store', 'contract'],
    `The store implements ${typeof contract === 'string' ? `"${contract}"` : 'no known contract'}; this incidentkit needs "${STORE_CONTRACT}" (outbox lanes and the deferred outcome; see docs/storage-adapters.md)`,
  );
}

/** Applies defaults to the kit's options; throws `ValidationError` for bad ones. */
export function resolveOptions(options: IncidentKitOptions<CustomSchema | undefined>): KitConfig {
  const clock = options.clock ?? systemClock();
  const ids = options.ids ?? createUlidGenerator(clock);
  const lifecycle = parseInput(LifecycleOptionsSchema, options.lifecycle ?? {}, 'lifecycle options');
  const delivery = parseInput(DeliveryOptionsSchema, options.delivery ?? {}, 'delivery options');
  const environments: ReadonlySet<string> = new Set(options.environments ?? DEFAULT_ENVIRONMENTS);
  const channels = channelMap(options.channels);
  const notifications = resolveNotifications(options, channels, environments);
  const oncall = resolveOncall(options.oncall);
  checkPagedContacts(oncall.escalation, notifications);
  return {
    store: checkStore(options.store) ?? memoryStore(),
    clock,
    priority: resolvePriority(options.priority, environments),
    sla: resolveSla(options.sla),
    channels,
    notifications,
    templates: resolveTemplates(options.templates),
    ids,
    logger: options.logger ?? silentLogger,
    environments,
    numberPrefix: parseInput(z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/), options.numberPrefix ?? 'INC', 'numberPrefix'),
    workerId: options.workerId ?? `worker-${ids()}`,
    lifecycle: {
      autoCloseAfterMs: lifecycle.autoCloseAfter,
      escalateAfterMs: lifecycle.escalateAfter,
      maxEscalations: lifecycle.maxEscalations,
      acknowledgementTimeoutMs: lifecycle.acknowledgementTimeout,
      communicationCadenceMs: lifecycle.communicationCadence,
      escalation: oncall.escalation,
      commander: oncall.commander,
      teamOnCall: oncall.teamOnCall,
    },
    delivery: {
      retryScheduleMs: delivery.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
      jitter: delivery.jitter,
      leaseMs: delivery.leaseMs,
      batchSize: delivery.batchSize,
    },
    custom: options.custom ?? z.record(z.string(), z.unknown()),
  };
}

function isPolicy(value: PriorityPolicy | PriorityPolicyConfig): value is PriorityPolicy {
  return typeof (value as PriorityPolicy).evaluate === 'function';
}

/** What a hand-made policy object must look like. */
const PolicyObjectSchema = z.object({
  name: z.string().min(1),
  levels: z.object({
    impact: z.array(z.string().min(1)).min(2),
    urgency: z.array(z.string().min(1)).min(2),
  }),
  evaluate: z.custom<PriorityPolicy['evaluate']>((v) => typeof v === 'function', 'Expected a function'),
});

/**
 * The kit's priority policy. A bad policy's issues are reported under `priority.`; a policy given
 * as data must also fit the kit's environments (matrix scopes, and `production` for the default
 * non-production rule).
 */
function resolvePriority(
  priority: PriorityPolicy | PriorityPolicyConfig | undefined,
  environments: ReadonlySet<string>,
): PriorityPolicy {
  if (priority === undefined) priority = { name: 'itil' }; // the built-in policy
  if (isPolicy(priority)) {
    const result = PolicyObjectSchema.safeParse(priority);
    if (!result.success) throw optionIssues('priority', result.error.issues);
    return priority;
  }
  let engine: PriorityPolicy;
  try {
    engine = createPriorityEngine(priority);
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    throw optionIssues('priority', error.issues);
  }
  const issues: z.core.$ZodIssue[] = [];
  (priority.matrices ?? []).forEach((matrix, i) => {
    const environment = matrix.scope?.environment?.trim();
    if (environment !== undefined && !environments.has(environment)) {
      issues.push(unknownName(['matrices', i, 'scope', 'environment'], 'environment', environment, environments));
    }
  });
  if (priority.defaultRules !== false && !environments.has('production')) {
    issues.push(
      customIssue(
        ['defaultRules'],
        'The default rules treat every environment but "production" as non-production; add "production" to environments or set defaultRules: false',
        priority.defaultRules,
      ),
    );
  }
  if (issues.length > 0) throw optionIssues('priority', issues);
  return engine;
}

/** The kit's SLA policy; a bad policy's issues are reported under `sla.`. */
function resolveSla(sla: SlaPolicy | SlaPolicyConfig | undefined): SlaPolicy | undefined {
  if (sla === undefined) return undefined;
  if (typeof (sla as SlaPolicy).targetFor === 'function') return sla as SlaPolicy;
  try {
    return defineSlaPolicy(sla as SlaPolicyConfig);
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    throw optionIssues('sla', error.issues);
  }
}
