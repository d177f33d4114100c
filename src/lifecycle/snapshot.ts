import type { Incident, Phase, Status } from '../domain/incident.js';
import type { TimerName } from '../ports/store.js';
import { incidentMachine, type LifecycleContext } from './machine.js';

/** Lifecycle settings in milliseconds (the kit's `lifecycle` option, parsed). */
export interface LifecycleSettings {
  autoCloseAfterMs: number;
  escalateAfterMs: number | undefined;
  maxEscalations: number;
  acknowledgementTimeoutMs: number | undefined;
  communicationCadenceMs: number | undefined;
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
  return {
    major: incident.major,
    reviewed: incident.review !== null,
    resumeTo: incident.hold?.resumeTo ?? null,
    escalationLevel: incident.escalation.level,
    maxEscalations: settings.maxEscalations,
    delays: delays(settings),
  };
}

/** The machine snapshot of a stored incident. */
export function snapshotOf(incident: Incident, settings: LifecycleSettings) {
  return incidentMachine.resolveState({
    value: stateValue(incident),
    context: contextOf(incident, settings),
  });
}
