import { cancel, enqueueActions, setup } from 'xstate';
import type { CommandInputs, CommandName } from '../domain/commands.js';
import type { Hold } from '../domain/incident.js';
import type { TimerName } from '../ports/store.js';

/** Every durable timer the machine can set, by name. */
export const TIMER_NAMES: readonly TimerName[] = [
  'escalation',
  'acknowledgementTimeout',
  'slaWarning',
  'slaBreach',
  'communicationCadence',
  'autoClose',
];

/**
 * What the machine needs to decide; the kit derives it from the stored incident and the
 * configuration before every transition, so the machine holds no state of its own.
 */
export interface LifecycleContext {
  major: boolean;
  reviewed: boolean;
  resumeTo: Hold['resumeTo'] | null;
  escalationLevel: number;
  maxEscalations: number;
  /** Milliseconds from now until each timer should fire; a missing entry sets no timer. */
  delays: Partial<Record<TimerName, number>>;
}

/** A command as the machine sees it. */
export type CommandEvent = { [K in CommandName]: { type: K } & CommandInputs[K] }[CommandName];
/** A durable timer firing. */
export type TimerEvent = { type: `timer.${TimerName}` };
export type LifecycleEvent = CommandEvent | TimerEvent;

/**
 * Sets each named timer that applies: the context must have a delay for it, the communication
 * cadence runs only for major incidents and auto-close only for the others. `major` overrides
 * the context's flag for commands that change it.
 */
function arm(timers: TimerName[], major?: boolean) {
  return enqueueActions<LifecycleContext, LifecycleEvent, undefined, LifecycleEvent, never, never, never, never, never>(
    ({ context, enqueue }) => {
      const isMajor = major ?? context.major;
      for (const timer of timers) {
        const delay = context.delays[timer];
        if (delay === undefined) continue;
        if (timer === 'communicationCadence' && !isMajor) continue;
        if (timer === 'autoClose' && isMajor) continue;
        enqueue.raise({ type: `timer.${timer}` }, { id: timer, delay });
      }
    },
  );
}

/** Deletes the named timers (unknown ones are ignored). */
function disarm(timers: readonly TimerName[]) {
  return timers.map((timer) => cancel<LifecycleContext, LifecycleEvent, undefined, LifecycleEvent>(timer));
}

const REARM_CADENCE = arm(['communicationCadence']);

/**
 * Commands every state that is not terminal accepts without changing state; states add to or
 * override them. `closed` and `cancelled` accept nothing.
 */
const COMMON = {
  triage: { actions: 'record' },
  assign: { actions: 'record' },
  escalate: { actions: 'record' },
  addParticipant: { actions: 'record' },
  setRole: { actions: 'record' },
  note: { actions: 'record' },
  // Outside `active` an update carries no phase; `active` moves between its phases.
  postUpdate: { guard: 'hasNoPhase', actions: 'record' },
  declareMajor: { actions: 'record' },
  // SLA clocks run whatever the state; the reducers check which clocks reached their instant.
  'timer.slaWarning': { actions: 'record' },
  'timer.slaBreach': { actions: 'record' },
} as const;

/** A major incident resolves into `recovering`; any other straight into `recovered`. */
const RESOLVE = [
  { guard: 'isMajor', target: '#incident.resolved.recovering' },
  { target: '#incident.resolved.recovered' },
] as const;

/**
 * The incident lifecycle (DESIGN 5) as an XState v5 machine, used only as a pure reducer through
 * `transition()`. Timers are delayed `raise` actions with the timer's name as id; the kit turns
 * them into durable timer rows and `cancel` actions into deletions.
 */
export const incidentMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleContext,
  },
  actions: {
    /** Marks a transition that changes the incident's data only (the kit applies the command). */
    record: () => {},
  },
  guards: {
    isMajor: ({ context }) => context.major,
    canClose: ({ context }) => !context.major || context.reviewed,
    canAutoClose: ({ context }) => !context.major,
    canEscalate: ({ context }) => context.escalationLevel < context.maxEscalations,
    resumesTo: ({ context }, to: Hold['resumeTo']) => context.resumeTo === to,
    phaseIs: ({ event }, phase: string) => event.type === 'postUpdate' && event.phase === phase,
    hasNoPhase: ({ event }) => event.type !== 'postUpdate' || event.phase === undefined,
  },
}).createMachine({
  id: 'incident',
  context: ({ input }) => input,
  initial: 'new',
  states: {
    new: {
      on: {
        ...COMMON,
        triage: { target: 'open' },
        'timer.slaWarning': { actions: 'record' },
        'timer.slaBreach': { actions: 'record' },
        downgradeMajor: { actions: 'record' },
        cancel: { target: 'cancelled' },
      },
    },
    open: {
      entry: arm(['escalation']),
      exit: disarm(['escalation']),
      on: {
        ...COMMON,
        acknowledge: { target: 'active' },
        hold: { target: 'on_hold' },
        resolve: [...RESOLVE],
        cancel: { target: 'cancelled' },
        downgradeMajor: { actions: 'record' },
        'timer.escalation': { guard: 'canEscalate', target: 'open', reenter: true },
        'timer.slaWarning': { actions: 'record' },
        'timer.slaBreach': { actions: 'record' },
      },
    },
    active: {
      initial: 'investigating',
      entry: [arm(['acknowledgementTimeout', 'communicationCadence'])],
      exit: disarm(['acknowledgementTimeout', 'communicationCadence']),
      on: {
        ...COMMON,
        // An update restarts the communication cadence; a phase moves the incident along.
        postUpdate: [
          { guard: { type: 'phaseIs', params: 'investigating' }, target: '.investigating', actions: REARM_CADENCE },
          { guard: { type: 'phaseIs', params: 'identified' }, target: '.identified', actions: REARM_CADENCE },
          { guard: { type: 'phaseIs', params: 'monitoring' }, target: '.monitoring', actions: REARM_CADENCE },
          { actions: REARM_CADENCE },
        ],
        declareMajor: { actions: arm(['communicationCadence'], true) },
        downgradeMajor: { actions: disarm(['communicationCadence']) },
        hold: { target: 'on_hold' },
        resolve: [...RESOLVE],
        cancel: { target: 'cancelled' },
        'timer.acknowledgementTimeout': { target: 'open' },
        'timer.communicationCadence': {
          actions: REARM_CADENCE,
        },
        'timer.slaWarning': { actions: 'record' },
        'timer.slaBreach': { actions: 'record' },
      },
      states: { investigating: {}, identified: {}, monitoring: {} },
    },
    on_hold: {
      on: {
        ...COMMON,
        resume: [
          { guard: { type: 'resumesTo', params: 'open' }, target: 'open' },
          { guard: { type: 'resumesTo', params: 'identified' }, target: 'active.identified' },
          { guard: { type: 'resumesTo', params: 'monitoring' }, target: 'active.monitoring' },
          { target: 'active.investigating' },
        ],
        resolve: [...RESOLVE],
        cancel: { target: 'cancelled' },
        downgradeMajor: { actions: 'record' },
      },
    },
    resolved: {
      initial: 'recovered',
      on: {
        ...COMMON,
        reopen: { target: 'active.investigating' },
        recordReview: { actions: 'record' },
        downgradeMajor: { actions: 'record' },
      },
      states: {
        recovering: {
          on: { recover: { target: 'recovered' } },
        },
        recovered: {
          entry: arm(['autoClose']),
          exit: disarm(['autoClose']),
          on: {
            close: { guard: 'canClose', target: '#incident.closed' },
            'timer.autoClose': { guard: 'canAutoClose', target: '#incident.closed' },
            // Major incidents never close by themselves; downgrading one lets it again.
            declareMajor: { actions: disarm(['autoClose']) },
            downgradeMajor: { actions: arm(['autoClose'], false) },
          },
        },
      },
    },
    closed: { type: 'final', entry: disarm(TIMER_NAMES) },
    cancelled: { type: 'final', entry: disarm(TIMER_NAMES) },
  },
});

/** The machine's type, for `transition()` and `xstate/graph`. */
export type IncidentMachine = typeof incidentMachine;
