import type { Incident, SlaClock } from '../domain/incident.js';
import type { NewTimelineEntry } from '../domain/timeline.js';
import { timerId } from '../lifecycle/effects.js';
import { toIso } from '../ports/clock.js';
import type { TimerRecord } from '../ports/store.js';
import { addBusinessTime, businessTimeBetween } from './calendar.js';
import type { SlaPolicy } from './policy.js';

type ClockName = SlaClock['name'];

const ms = (iso: string) => Date.parse(iso);

/**
 * The incident's SLA clocks after a change, and the `sla_met` entries it earns (pure).
 *
 * - Clocks start at `reportedAt` once the incident has a priority whose scope has a target; a
 *   priority change recomputes the targets from `reportedAt` (ServiceNow's retroactive way).
 * - Response runs until acknowledged; resolution until resolved. Met clocks stay met, except that
 *   a reopen resumes the resolution clock, the resolved spell counting as paused.
 * - The policy's `pauseIn` statuses (default `on_hold`) pause running clocks; leaving them adds
 *   the paused business time, moving the due and warning instants later.
 */
export function updateSla(
  after: Incident,
  policy: SlaPolicy,
  now: number,
): { clocks: SlaClock[]; entries: NewTimelineEntry[] } {
  const entries: NewTimelineEntry[] = [];
  const at = toIso(now);
  const target = after.priority === null ? null : policy.targetFor(after);
  if (!target) {
    // No target (any more): running clocks stop; met and breached ones stay as history.
    const clocks = after.sla.clocks.map((c) => (isRunning(c) ? stop(c, at) : c));
    return { clocks, entries };
  }
  const clocks: SlaClock[] = [];
  const goals: [ClockName, number | undefined][] = [
    ['response', target.responseMs],
    ['resolution', target.resolutionMs],
  ];
  const resolved = after.status === 'resolved' || after.status === 'closed';
  for (const [name, targetMs] of goals) {
    if (targetMs === undefined) continue;
    const previous = after.sla.clocks.find((c) => c.name === name);
    if (previous?.stoppedAt) {
      clocks.push(previous);
      continue;
    }
    let clock: SlaClock = previous
      ? { ...previous, targetMs }
      : { name, targetMs, startedAt: after.reportedAt, dueAt: at, pausedMs: 0 };
    // Reopened: the resolution clock runs again; the resolved spell counts as paused.
    if (name === 'resolution' && clock.metAt && !resolved) {
      clock.pausedMs += businessTimeBetween(ms(clock.metAt), now, target.calendar);
      delete clock.metAt;
    }
    // Cancelled: running clocks stop.
    if (after.status === 'cancelled') {
      clocks.push(isRunning(clock) ? stop(clock, at) : clock);
      continue;
    }
    const met = name === 'response' ? after.acknowledgedAt !== null || resolved : resolved;
    const pausing = !clock.metAt && !met && policy.pauseIn.has(after.status);
    // Leaving a pause (resuming, or being met while paused) adds the paused business time.
    if (clock.pausedAt && !pausing) {
      clock.pausedMs += businessTimeBetween(ms(clock.pausedAt), now, target.calendar);
      delete clock.pausedAt;
    }
    clock = withInstants(clock, target.calendar, policy.warnAt);
    // Met (acknowledged, or resolved) for the first time: in time, or a breach found late.
    if (met && !clock.metAt) {
      clock.metAt = name === 'response' && after.acknowledgedAt !== null ? after.acknowledgedAt : at;
      if (!clock.breachedAt && clock.metAt > clock.dueAt) {
        clock.breachedAt = clock.dueAt;
        entries.push({ type: 'sla_breached', clock: name });
      } else if (!clock.breachedAt) {
        entries.push({ type: 'sla_met', clock: name });
      }
    }
    if (pausing && !clock.pausedAt) clock.pausedAt = at;
    clocks.push(clock);
  }
  return { clocks, entries };
}

/** Counting: not met, stopped or breached. */
function isRunning(clock: SlaClock): boolean {
  return !clock.metAt && !clock.stoppedAt && !clock.breachedAt;
}

function stop(clock: SlaClock, at: string): SlaClock {
  const { pausedAt: _, ...rest } = clock;
  return { ...rest, stoppedAt: at };
}

function withInstants(clock: SlaClock, calendar: Parameters<typeof addBusinessTime>[2], warnAt: number): SlaClock {
  const start = ms(clock.startedAt);
  return {
    ...clock,
    dueAt: toIso(addBusinessTime(start, clock.targetMs + clock.pausedMs, calendar)),
    warnAt: toIso(addBusinessTime(start, Math.round(clock.targetMs * warnAt) + clock.pausedMs, calendar)),
  };
}

/**
 * The SLA timers the clocks call for: a warning at the earliest warning instant not yet warned, a
 * breach at the earliest due instant of a running clock that has not breached. Everything else
 * is cancelled.
 */
export function slaTimers(incident: Incident, now: number): { set: TimerRecord[]; cancel: string[] } {
  let warn = Number.POSITIVE_INFINITY;
  let due = Number.POSITIVE_INFINITY;
  const live = incident.status !== 'resolved' && incident.status !== 'closed' && incident.status !== 'cancelled';
  for (const clock of incident.sla.clocks) {
    if (!live || clock.metAt || clock.pausedAt || clock.stoppedAt) continue;
    if (clock.warnAt && !clock.warnedAt && !clock.breachedAt) warn = Math.min(warn, ms(clock.warnAt));
    if (!clock.breachedAt) due = Math.min(due, ms(clock.dueAt));
  }
  const set: TimerRecord[] = [];
  const cancel: string[] = [];
  const timer = (name: 'slaWarning' | 'slaBreach', at: number) => {
    if (Number.isFinite(at))
      set.push({ id: timerId(incident.id, name), incidentId: incident.id, name, dueAt: Math.max(at, now) });
    else cancel.push(timerId(incident.id, name));
  };
  timer('slaWarning', warn);
  timer('slaBreach', due);
  return { set, cancel };
}

/** An SLA clock as of an instant, for a UI or a report. */
export interface SlaClockStatus {
  name: SlaClock['name'];
  state: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  targetMs: number;
  /** Business time counted so far (until met, or until now; paused time excluded). */
  elapsedMs: number;
  /** Business time left before the due instant; 0 once due. */
  remainingMs: number;
  dueAt: string;
  clock: SlaClock;
}

/** Where each of the incident's SLA clocks stands at `now`, on the calendar of its target. */
export function slaStatus(incident: Incident, policy: SlaPolicy, now: number): SlaClockStatus[] {
  const target = policy.targetFor(incident);
  const calendar = target?.calendar;
  return incident.sla.clocks.map((clock) => {
    const end = Math.min(now, ms(clock.metAt ?? clock.stoppedAt ?? clock.pausedAt ?? toIso(now)));
    const counted = calendar ? businessTimeBetween(ms(clock.startedAt), end, calendar) : end - ms(clock.startedAt);
    const elapsedMs = Math.max(0, counted - clock.pausedMs);
    const state = clock.breachedAt
      ? 'breached'
      : clock.metAt
        ? 'met'
        : clock.stoppedAt
          ? 'stopped'
          : clock.pausedAt
            ? 'paused'
            : 'running';
    return {
      name: clock.name,
      state,
      targetMs: clock.targetMs,
      elapsedMs,
      remainingMs: Math.max(0, clock.targetMs - elapsedMs),
      dueAt: clock.dueAt,
      clock,
    };
  });
}
