import type { Incident, Phase, Status } from '../domain/incident.js';
import { type EscalationSettings, levelAt, policyFor } from '../oncall/policy.js';
import type { TimerName } from '../ports/store.js';
import { incidentMachine, type LifecycleContext } from './machine.js';

/** Lifecycle settings in milliseconds (the kit's `lifecycle` option, parsed). */
export interface LifecycleSettings {
  autoCloseAfterMs: number;
  escalateAfterMs: number | undefined;
  maxEscalations: number;
  acknowledgementTimeoutMs: number | undefined;
  communicationCadenceMs: number | undefined;
  /** Escalation policies (the kit's `oncall` option): they set the escalation delays and levels. */
  escalation?: EscalationSettings | undefined;
  /** Who is on call as incident commander at an instant (the kit's `oncall.commanders`). */
  commander?: ((at: number) => string | null) | undefined;
  /** Who is on call for a team at an instant (the kit's `oncall.teams`). */
  teamOnCall?: ((team: string, at: number) => string | null) | undefined;
}

/** The machine's state value for an incident's status and phase. */
export function stateValue(incident: Pick<Incident, 'status' | 'phase'>): string | Record<string, string> {
  if ((incident.status === 'active' || incident.status === 'resolved') && incident.phase) {
    return { [incident.status]: incident.phase };
  }
  return incident.status;
}

/** Status and phase of a machine state value. */
export function statusOf(value: unknown): { status: Status; phase: Phase | null } {
  if (typeof value === 'string') return { status: value as Status, phase: null };
  const [status, phase] = Object.entries(value as Record<string, string>)[0] as [Status, Phase];
  return { status, phase };
}

/** Milliseconds until each lifecycle timer should fire. SLA timers follow the clocks (`sla/clocks.ts`). */
function delays(settings: LifecycleSettings): Partial<Record<TimerName, number>> {
  const out: Partial<Record<TimerName, number>> = { autoClose: settings.autoCloseAfterMs };
  if (settings.escalateAfterMs !== undefined) out.escalation = settings.escalateAfterMs;
  if (settings.acknowledgementTimeoutMs !== undefined) out.acknowledgementTimeout = settings.acknowledgementTimeoutMs;
  if (settings.communicationCadenceMs !== undefined) out.communicationCadence = settings.communicationCadenceMs;
  return out;
}

/** The machine context for an incident: everything the machine decides on. */
export function contextOf(incident: Incident, settings: LifecycleSettings): LifecycleContext {
  const context: LifecycleContext = {
    major: incident.major,
    reviewed: incident.review !== null,
    resumeTo: incident.hold?.resumeTo ?? null,
    escalationLevel: incident.escalation.level,
    maxEscalations: settings.maxEscalations,
    delays: delays(settings),
  };
  const policy = settings.escalation && policyFor(settings.escalation, incident);
  if (policy) {
    // The policy decides: as many steps as it has, each level with its own delay (the delay of
    // the level a re-armed timer is for is set by `decide()`, which knows the new level).
    context.maxEscalations = policy.steps - 1;
    const level = levelAt(policy, incident.escalation.level);
    context.delays = { ...context.delays, escalation: policy.levels[level ?? 0]!.delay };
  }
  return context;
}

/** The machine snapshot of a stored incident. */
export function snapshotOf(incident: Incident, settings: LifecycleSettings) {
  return incidentMachine.resolveState({
    value: stateValue(incident),
    context: contextOf(incident, settings),
  });
}
