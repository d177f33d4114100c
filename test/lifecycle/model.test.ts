/**
 * Model-based tests: the lifecycle machine's own graph drives the kit.
 *
 * Approach. The machine is a pure reducer whose context (major, reviewed, resumeTo, ...) is
 * derived by the kit from the stored incident before every transition; the machine never
 * assigns it. So `xstate/graph` explores the machine with a *fixed* context, and a path is only a
 * faithful script for the kit while the incident keeps matching that context. We therefore run
 * the traversal once per context variant and keep every variant honest:
 *
 * - `major`: a major variant declares the incident major right after `report()` (a self-loop in
 *   `new`, so the path's states are unaffected). Events that would change the context
 *   (`declareMajor`, `downgradeMajor`, `recordReview`) are filtered out of the traversal; they
 *   are self-loops of the graph anyway and never appear on a simple path.
 * - `reviewed`: a reviewed variant records the review just before the path's `close` (the only
 *   transition whose guard reads `reviewed`), which is allowed in `resolved`.
 * - `resumeTo`: the graph resumes to the fixed `resumeTo`, while the kit resumes to wherever the
 *   hold started; each variant allows `hold` only from the state that matches its `resumeTo`.
 *
 * Two sets of scripts come out of the graph, each replayed through a fresh `createTestKit()`
 * (commands by name with the event's payload, timer events by advancing the fake clock to the
 * timer's due instant):
 *
 * 1. every simple path of every variant (minus those that are a prefix of another path of the
 *    same variant, which the longer path covers step by step);
 * 2. every transition: the shortest path to each state followed by each event that state takes.
 *    Simple paths never revisit a state, so this is what covers cycles (acknowledgement timeout
 *    back to `open`, resume, escalation re-entering `open`) and self-loops (notes, timers that
 *    only record). A timer event is taken only when the machine has that timer pending.
 *
 * After every step we check the invariants: the state matches the path's state (and the
 * machine's own `transition()`), the version grows by exactly one per store commit, the
 * timeline's `seq` runs 1..n, the kit's durable timers are exactly the delayed events the machine has
 * pending (replaying its `raise`/`cancel` actions) and within what DESIGN 5 calls for, terminal
 * states keep no timers, and a major incident never closes without a review.
 */
import {
  type CommandName,
  createIncidentKit,
  type Incident,
  incidentMachine,
  type LifecycleContext,
  type LifecycleEvent,
} from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { type AnyStateNode, initialTransition, transition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { countingStore } from '../support.js';

type Hold = NonNullable<LifecycleContext['resumeTo']>;

interface Variant {
  name: string;
  major: boolean;
  reviewed: boolean;
  resumeTo: Hold;
}

const VARIANTS: Variant[] = [
  { name: 'not major, hold from open', major: false, reviewed: false, resumeTo: 'open' },
  { name: 'not major, hold from investigating', major: false, reviewed: false, resumeTo: 'investigating' },
  { name: 'not major, hold from identified', major: false, reviewed: false, resumeTo: 'identified' },
  { name: 'not major, hold from monitoring', major: false, reviewed: false, resumeTo: 'monitoring' },
  { name: 'major without review, hold from identified', major: true, reviewed: false, resumeTo: 'identified' },
  { name: 'major with review, hold from open', major: true, reviewed: true, resumeTo: 'open' },
  { name: 'major with review, hold from monitoring', major: true, reviewed: true, resumeTo: 'monitoring' },
];

const REVIEW = {
  summary: 'A bad deploy',
  rootCause: 'No canary',
  contributingFactors: [],
  actionItems: [{ title: 'Add a canary' }],
};

/** The events the traversal may take: every command with a valid payload, and every timer. */
const EVENTS: LifecycleEvent[] = [
  { type: 'triage', impact: 'high', urgency: 'medium' },
  { type: 'assign', team: 'ops' },
  { type: 'acknowledge' },
  { type: 'escalate', kind: 'vertical', mode: 'reassign', reason: 'Needs tier 2' },
  { type: 'hold', reason: 'awaiting_vendor' },
  { type: 'resume' },
  { type: 'postUpdate', audience: 'stakeholders', message: 'Still looking' },
  { type: 'postUpdate', audience: 'stakeholders', message: 'Looking', phase: 'investigating' },
  { type: 'postUpdate', audience: 'stakeholders', message: 'Found it', phase: 'identified' },
  { type: 'postUpdate', audience: 'stakeholders', message: 'Watching', phase: 'monitoring' },
  { type: 'declareMajor', reason: 'Big' },
  { type: 'downgradeMajor', reason: 'Small' },
  { type: 'addParticipant', name: 'Bob', role: 'responder' },
  { type: 'setRole', participantId: 'Ana', role: 'commander' },
  { type: 'note', text: 'Looked at logs', visibility: 'internal' },
  { type: 'resolve', code: 'fixed', summary: 'Rolled back' },
  { type: 'recover' },
  { type: 'reopen', reason: 'Back again' },
  { type: 'recordReview', ...REVIEW },
  { type: 'close' },
  { type: 'cancel', reason: 'false_positive' },
  { type: 'timer.escalation' },
  { type: 'timer.acknowledgementTimeout' },
  { type: 'timer.slaWarning' },
  { type: 'timer.slaBreach' },
  { type: 'timer.communicationCadence' },
  { type: 'timer.autoClose' },
];

/** Events that change the derived context: never part of a variant's paths. */
const CONTEXT_CHANGING = new Set(['declareMajor', 'downgradeMajor', 'recordReview']);

/** Lifecycle settings of the kit, mirrored (in ms) by the graph's input delays. */
const LIFECYCLE = {
  autoCloseAfter: 'P1D',
  escalateAfter: 'PT10M',
  maxEscalations: 2,
  acknowledgementTimeout: 'PT30M',
  communicationCadence: 'PT20M',
} as const;

function inputOf(variant: Variant): LifecycleContext {
  return {
    major: variant.major,
    reviewed: variant.reviewed,
    resumeTo: variant.resumeTo,
    escalationLevel: 0,
    maxEscalations: LIFECYCLE.maxEscalations,
    delays: {
      autoClose: 86_400_000,
      escalation: 600_000,
      acknowledgementTimeout: 1_800_000,
      communicationCadence: 1_200_000,
    },
  };
}

/** `active.identified` for `{ active: 'identified' }`. */
function keyOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [parent, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${parent}.${keyOf(child)}`;
}

const stateOf = (incident: Pick<Incident, 'status' | 'phase'>): string =>
  incident.phase ? `${incident.status}.${incident.phase}` : incident.status;

function traversal(variant: Variant) {
  return {
    events: EVENTS,
    input: inputOf(variant),
    filterEvents: (snapshot: { value: unknown }, event: LifecycleEvent) => {
      if (CONTEXT_CHANGING.has(event.type)) return false;
      if (event.type === 'hold') {
        const here = keyOf(snapshot.value);
        return variant.resumeTo === 'open' ? here === 'open' : here === `active.${variant.resumeTo}`;
      }
      return true;
    },
  };
}

/** Every leaf state node of the machine, as `parent.child` keys. */
function leafStates(node: AnyStateNode): string[] {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) return [node.path.join('.')];
  return children.flatMap(leafStates);
}

/**
 * The timers DESIGN 5 calls for in a state, given the kit's lifecycle settings: `required` must be
 * armed, and nothing outside `permitted` may be (the acknowledgement timeout runs while active).
 */
function designTimers(state: string, major: boolean): { required: string[]; permitted: string[] } {
  if (state === 'open') return { required: ['escalation'], permitted: ['escalation'] };
  if (state.startsWith('active.')) {
    const required = major ? ['communicationCadence'] : [];
    return { required, permitted: [...required, 'acknowledgementTimeout'] };
  }
  if (state === 'resolved.recovered' && !major) return { required: ['autoClose'], permitted: ['autoClose'] };
  return { required: [], permitted: [] };
}

interface ActionLike {
  type: string;
  params?: unknown;
}

/**
 * The machine's own account of pending timers: delayed `raise` actions arm one (by id), `cancel`
 * actions disarm it, and a timer that fires is gone unless the transition arms it again.
 */
function applyTimerActions(pending: Set<string>, actions: readonly ActionLike[]): void {
  for (const action of actions) {
    const params = (action.params ?? {}) as { id?: string; delay?: number; sendId?: string };
    if (action.type === 'xstate.raise' && params.id !== undefined && params.delay !== undefined) pending.add(params.id);
    if (action.type === 'xstate.cancel' && params.sendId !== undefined) pending.delete(params.sendId);
  }
}

/** Paths that are not a prefix of another path (the longer one checks every step of the shorter). */
function maximal<P extends { steps: { event: LifecycleEvent }[] }>(paths: P[]): P[] {
  const keys = paths.map((p) => p.steps.map((s) => JSON.stringify(s.event)).join('>'));
  return paths.filter((_, i) => !keys.some((other, j) => j !== i && other.startsWith(`${keys[i]}>`)));
}

describe('the machine graph', () => {
  const leaves = leafStates(incidentMachine.root);

  test('has the leaf states of DESIGN 5', () => {
    expect(leaves.sort()).toEqual(
      [
        'new',
        'open',
        'active.investigating',
        'active.identified',
        'active.monitoring',
        'on_hold',
        'resolved.recovering',
        'resolved.recovered',
        'closed',
        'cancelled',
      ].sort(),
    );
  });

  test('reaches every leaf state', () => {
    const reached = new Set<string>();
    for (const variant of VARIANTS) {
      for (const path of getShortestPaths(incidentMachine, traversal(variant))) reached.add(keyOf(path.state.value));
    }
    expect([...reached].sort()).toEqual([...leaves].sort());
  });

  test('a major incident without review never reaches closed; with one it does', () => {
    const reachable = (variant: Variant) =>
      new Set(getShortestPaths(incidentMachine, traversal(variant)).map((p) => keyOf(p.state.value)));
    const unreviewed = VARIANTS.find((v) => v.major && !v.reviewed)!;
    const reviewed = VARIANTS.find((v) => v.major && v.reviewed)!;
    expect(reachable(unreviewed).has('closed')).toBe(false);
    expect(reachable(unreviewed).has('resolved.recovered')).toBe(true);
    expect(reachable(reviewed).has('closed')).toBe(true);
  });
});

type Snapshot = ReturnType<typeof initialTransition<typeof incidentMachine>>[0];
type Steps = { event: LifecycleEvent; state: Snapshot }[];

/** Timers the machine has pending after `steps` (from the initial state). */
function pendingAfter(variant: Variant, steps: Steps): Set<string> {
  const [initial, initialActions] = initialTransition(incidentMachine, inputOf(variant));
  const pending = new Set<string>();
  applyTimerActions(pending, initialActions);
  let previous = initial;
  for (const { event } of steps) {
    if (event.type.startsWith('xstate.')) continue;
    if (event.type.startsWith('timer.')) pending.delete(event.type.slice('timer.'.length));
    const [next, actions] = transition(incidentMachine, previous, event);
    applyTimerActions(pending, actions);
    previous = next;
  }
  return pending;
}

/**
 * Replays `steps` of the machine's graph through a fresh test kit and checks the invariants after
 * every step (see the top of the file).
 */
async function replay(variant: Variant, steps: Steps): Promise<void> {
  const { store, commits } = countingStore();
  const { kit, clock, advance } = createTestKit({ store, lifecycle: LIFECYCLE });
  let incident = await kit.report({
    title: 'Checkout is down',
    service: 'shop',
    reporter: { name: 'Ana', kind: 'employee' },
  });
  const id = incident.id;
  if (variant.major) incident = await kit.declareMajor(id, { reason: 'Revenue impact' });

  const [initial, initialActions] = initialTransition(incidentMachine, inputOf(variant));
  const pending = new Set<string>();
  applyTimerActions(pending, initialActions);
  let previous = initial;

  const check = async (expectedState: string) => {
    incident = await kit.get(id);
    expect(stateOf(incident)).toBe(expectedState);
    expect(incident.version).toBe(commits.get(id));
    const timeline = await kit.timeline(id);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(incident.lastSeq).toBe(timeline.length);
    const timers = (await kit.store.timers(id)).map((t) => t.name).sort();
    // the kit's durable timers are exactly the machine's pending delayed events ...
    expect(timers).toEqual([...pending].sort());
    // ... and within what DESIGN 5 asks for
    const design = designTimers(expectedState, incident.major);
    for (const name of design.required) expect(timers).toContain(name);
    for (const name of timers) expect(design.permitted).toContain(name);
    if (incident.status === 'closed' || incident.status === 'cancelled') expect(timers).toEqual([]);
    if (incident.status === 'closed' && incident.major) expect(incident.review).not.toBeNull();
  };

  await check('new');
  for (const step of steps) {
    const { event } = step;
    if (event.type.startsWith('xstate.')) continue; // the initial step
    if (event.type.startsWith('timer.')) pending.delete(event.type.slice('timer.'.length));
    const [next, actions] = transition(incidentMachine, previous, event);
    expect(keyOf(next.value)).toBe(keyOf(step.state.value));
    applyTimerActions(pending, actions);
    previous = next;
    const versionBefore = incident.version;
    if (event.type.startsWith('timer.')) {
      const name = event.type.slice('timer.'.length);
      const timer = (await kit.store.timers(id)).find((t) => t.name === name);
      expect(timer, `${name} should be armed in ${stateOf(incident)}`).toBeDefined();
      await advance(Math.max(0, timer!.dueAt - clock.now()));
    } else {
      if (event.type === 'close' && variant.reviewed && incident.review === null) {
        await kit.recordReview(id, REVIEW);
      }
      const { type, ...payload } = event;
      const method = kit[type as CommandName] as (id: string, input: unknown) => Promise<Incident>;
      await method(id, payload);
    }
    await check(keyOf(step.state.value));
    // every step of the graph is a change the kit records
    expect(incident.version).toBeGreaterThan(versionBefore);
  }
}

const label = (steps: Steps) =>
  steps
    .filter((s) => !s.event.type.startsWith('xstate.'))
    .map((s) => ('phase' in s.event && s.event.phase ? `${s.event.type}(${s.event.phase})` : s.event.type))
    .join(' > ');

const SIMPLE_PATHS = VARIANTS.map((variant) => ({
  variant,
  paths: maximal(getSimplePaths(incidentMachine, traversal(variant))).map((path) => ({
    steps: path.steps as Steps,
    label: label(path.steps as Steps),
  })),
}));

describe.each(SIMPLE_PATHS)('every simple path replayed through the kit: $variant.name', ({ variant, paths }) => {
  test('has paths to replay', () => {
    expect(paths.length).toBeGreaterThan(5);
  });

  test.each(paths)('$label', ({ steps }) => replay(variant, steps));
});

/**
 * Simple paths never revisit a state, so cycles (acknowledgement timeout back to `open`, resume,
 * re-entering `open` on escalation) and self-loops (notes, assignments, timers that only record)
 * are not on them. Transition coverage closes that gap: for every state, its shortest path
 * followed by each event the state takes. A timer event is taken only when the machine has that
 * timer pending, and a phase update only while active (the kit refuses a phase outside `active`).
 */
const EDGE_VARIANTS = VARIANTS.filter((v) =>
  ['not major, hold from open', 'not major, hold from identified', 'major with review, hold from monitoring'].includes(
    v.name,
  ),
);

const EDGES = EDGE_VARIANTS.map((variant) => {
  const options = traversal(variant);
  const edges: { steps: Steps; label: string }[] = [];
  for (const path of getShortestPaths(incidentMachine, options)) {
    const state = path.state as Snapshot;
    if (state.status !== 'active') continue; // terminal: see below
    const pending = pendingAfter(variant, path.steps as Steps);
    for (const event of EVENTS) {
      if (!options.filterEvents(state, event) || !state.can(event)) continue;
      if (event.type.startsWith('timer.') && !pending.has(event.type.slice('timer.'.length))) continue;
      if (event.type === 'postUpdate' && event.phase && !keyOf(state.value).startsWith('active.')) continue;
      const [next] = transition(incidentMachine, state, event);
      const steps = [...(path.steps as Steps), { event, state: next }];
      edges.push({ steps, label: `${keyOf(state.value)} --${label(steps.slice(-1))}--> ${keyOf(next.value)}` });
    }
  }
  return { variant, edges };
});

describe.each(EDGES)('every transition replayed through the kit: $variant.name', ({ variant, edges }) => {
  test('covers the cycles simple paths miss', () => {
    const taken = new Set(edges.map((e) => e.label));
    const some = (pattern: RegExp) => [...taken].some((l) => pattern.test(l));
    expect(some(/^on_hold --resume--> /)).toBe(true);
    expect(some(/^open --timer\.escalation--> open$/)).toBe(true);
    if (!variant.major) expect(some(/^active\.\w+ --timer\.acknowledgementTimeout--> open$/)).toBe(true);
    if (variant.major) expect(some(/^active\.\w+ --timer\.communicationCadence--> active/)).toBe(true);
  });

  test.each(edges)('$label', ({ steps }) => replay(variant, steps));
});

describe('terminal states reached along the graph', () => {
  // The graph's shortest paths to `closed` and `cancelled`, replayed, then every command tried:
  // a terminal incident takes none of them and nothing is written.
  const variant = VARIANTS[0]!;
  const terminal = getShortestPaths(incidentMachine, traversal(variant)).filter((p) =>
    ['closed', 'cancelled'].includes(keyOf(p.state.value)),
  );

  test.each(terminal.map((path) => ({ path, state: keyOf(path.state.value) })))(
    '$state takes no command',
    async ({ path }) => {
      const { kit, clock, advance } = createTestKit({ lifecycle: LIFECYCLE });
      const { id } = await kit.report({
        title: 'Checkout is down',
        service: 'shop',
        reporter: { name: 'Ana', kind: 'employee' },
      });
      for (const { event } of path.steps) {
        if (event.type.startsWith('xstate.')) continue;
        if (event.type.startsWith('timer.')) {
          const timer = (await kit.store.timers(id)).find((t) => `timer.${t.name}` === event.type);
          await advance(Math.max(0, timer!.dueAt - clock.now()));
          continue;
        }
        const { type, ...payload } = event;
        await (kit[type as CommandName] as (id: string, input: unknown) => Promise<Incident>)(id, payload);
      }
      const before = await kit.get(id);
      const accepted: string[] = [];
      for (const event of EVENTS) {
        if (event.type.startsWith('timer.')) continue;
        const { type, ...payload } = event;
        const ok = await (kit[type as CommandName] as (id: string, input: unknown) => Promise<Incident>)(
          id,
          payload,
        ).then(
          () => true,
          () => false,
        );
        if (ok) accepted.push(type);
      }
      expect(accepted).toEqual([]);
      expect(await kit.allowedCommands(id)).toEqual([]);
      expect(await kit.get(id)).toEqual(before);
    },
  );
});

test('without lifecycle timers configured, an acknowledged incident keeps no timers', async () => {
  const kit = createIncidentKit();
  const incident = await kit.report({
    title: 'x',
    service: 'shop',
    reporter: { name: 'Ana', kind: 'employee' },
    impact: 'low',
    urgency: 'low',
  });
  await kit.acknowledge(incident.id);
  expect(await kit.store.timers(incident.id)).toEqual([]);
});
