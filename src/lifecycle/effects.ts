import type { TimerName, TimerRecord } from '../ports/store.js';

/** Timer changes a transition asks for. */
export interface TimerEffects {
  set: TimerRecord[];
  cancel: string[];
}

/** The durable id of an incident's timer. */
export function timerId(incidentId: string, name: TimerName): string {
  return `${incidentId}:${name}`;
}

interface ActionLike {
  type: string;
  params?: unknown;
}

/**
 * Turns the actions `transition()` returned into durable timer changes: a delayed
 * `xstate.raise` becomes a timer due at `now + delay`, an `xstate.cancel` deletes one. When both
 * happen to one timer in a transition, the later action wins (a re-entered state re-arms).
 */
export function timerEffects(actions: readonly ActionLike[], incidentId: string, now: number): TimerEffects {
  const latest = new Map<string, TimerRecord | null>();
  for (const action of actions) {
    if (action.type === 'xstate.raise') {
      const { id, delay } = action.params as { id?: string; delay?: number };
      if (id === undefined || delay === undefined) continue;
      const name = id as TimerName;
      latest.set(name, { id: timerId(incidentId, name), incidentId, name, dueAt: now + delay });
    } else if (action.type === 'xstate.cancel') {
      const { sendId } = action.params as { sendId: string };
      latest.set(sendId, null);
    }
  }
  const effects: TimerEffects = { set: [], cancel: [] };
  for (const [name, timer] of latest) {
    if (timer) effects.set.push(timer);
    else effects.cancel.push(timerId(incidentId, name as TimerName));
  }
  return effects;
}

/** `a` then `b`: for a timer both touch, `b` wins. */
export function mergeTimerEffects(a: TimerEffects, b: TimerEffects): TimerEffects {
  const latest = new Map<string, TimerRecord | null>();
  for (const effects of [a, b]) {
    for (const id of effects.cancel) latest.set(id, null);
    for (const timer of effects.set) latest.set(timer.id, timer);
  }
  const merged: TimerEffects = { set: [], cancel: [] };
  for (const [id, timer] of latest) {
    if (timer) merged.set.push(timer);
    else merged.cancel.push(id);
  }
  return merged;
}
