/**
 * A test per row of the statechart (DESIGN 5): every lifecycle state, reached through the public
 * API, against every command with a valid input. The expectation table below is the single source
 * of truth; the tests are generated from it.
 *
 * Legend of a cell:
 *   '='   accepted; the incident stays in the same state and the command is recorded (version + 1)
 *   '~'   accepted, but there is nothing to record (e.g. downgrading an incident that is not major):
 *         the incident comes back unchanged and nothing is written
 *   'x'   refused with TransitionError; nothing is written
 *   other the state the incident moves to (version + 1)
 */
import { type CommandName, type Incident, TransitionError } from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { written } from '../support.js';

type Kit = ReturnType<typeof createTestKit>['kit'];
type StateName =
  | 'new'
  | 'open'
  | 'active.investigating'
  | 'active.identified'
  | 'active.monitoring'
  | 'on_hold'
  | 'resolved.recovering'
  | 'resolved.recovered'
  | 'closed'
  | 'cancelled';
type Cell = '=' | '~' | 'x' | StateName;
/** The commands of the table: every command, plus postUpdate with a phase. */
type Column = CommandName | 'postUpdate+phase';

const REPORTER = { name: 'Ana', kind: 'employee' } as const;
const REVIEW = { summary: 'What happened', rootCause: 'A bad deploy', actionItems: [{ title: 'Add a canary' }] };

/** A valid input for each command. */
const VALID_INPUT: Record<Column, Record<string, unknown>> = {
  triage: { impact: 'low', urgency: 'low' },
  assign: { team: 'ops' },
  acknowledge: {},
  escalate: { kind: 'vertical', reason: 'Needs tier 2' },
  hold: { reason: 'awaiting_vendor' },
  resume: {},
  postUpdate: { audience: 'stakeholders', message: 'Still looking' },
  'postUpdate+phase': { audience: 'stakeholders', message: 'Watching it', phase: 'monitoring' },
  declareMajor: { reason: 'Revenue impact' },
  downgradeMajor: { reason: 'Contained' },
  addParticipant: { name: 'Bob' },
  setRole: { participantId: 'Ana', role: 'commander' },
  note: { text: 'Looked at the logs' },
  resolve: { summary: 'Rolled back' },
  recover: {},
  reopen: { reason: 'It is back' },
  recordReview: REVIEW,
  close: {},
  cancel: { reason: 'false_positive' },
};

const COLUMNS = Object.keys(VALID_INPUT) as Column[];

/** How to reach each row's state through the public API. */
interface Row {
  state: StateName;
  reach: (kit: Kit) => Promise<Incident>;
}

const report = (kit: Kit, triaged = true) =>
  kit.report({
    title: 'Checkout is slow',
    service: 'shop',
    reporter: REPORTER,
    ...(triaged ? { impact: 'high' as const, urgency: 'medium' as const } : {}),
  });

async function chain(kit: Kit, steps: ((id: string) => Promise<Incident>)[], triaged = true): Promise<Incident> {
  let incident = await report(kit, triaged);
  for (const step of steps) incident = await step(incident.id);
  return incident;
}

const ROWS: Record<string, Row> = {
  new: { state: 'new', reach: (kit) => chain(kit, [], false) },
  open: { state: 'open', reach: (kit) => chain(kit, []) },
  'active.investigating': { state: 'active.investigating', reach: (kit) => chain(kit, [(id) => kit.acknowledge(id)]) },
  'active.identified': {
    state: 'active.identified',
    reach: (kit) =>
      chain(kit, [
        (id) => kit.acknowledge(id),
        (id) => kit.postUpdate(id, { audience: 'stakeholders', message: 'Found it', phase: 'identified' }),
      ]),
  },
  'active.monitoring': {
    state: 'active.monitoring',
    reach: (kit) =>
      chain(kit, [
        (id) => kit.acknowledge(id),
        (id) => kit.postUpdate(id, { audience: 'stakeholders', message: 'Fixed, watching', phase: 'monitoring' }),
      ]),
  },
  'on_hold (from open)': {
    state: 'on_hold',
    reach: (kit) => chain(kit, [(id) => kit.hold(id, { reason: 'awaiting_caller' })]),
  },
  'on_hold (from active.identified)': {
    state: 'on_hold',
    reach: (kit) =>
      chain(kit, [
        (id) => kit.acknowledge(id),
        (id) => kit.postUpdate(id, { audience: 'responders', message: 'Found it', phase: 'identified' }),
        (id) => kit.hold(id, { reason: 'awaiting_change' }),
      ]),
  },
  'resolved.recovering (major)': {
    state: 'resolved.recovering',
    reach: (kit) =>
      chain(kit, [(id) => kit.declareMajor(id, { reason: 'Big' }), (id) => kit.resolve(id, { summary: 'Fixed' })]),
  },
  'resolved.recovered (not major)': {
    state: 'resolved.recovered',
    reach: (kit) => chain(kit, [(id) => kit.resolve(id, { summary: 'Fixed' })]),
  },
  'resolved.recovered (major, no review)': {
    state: 'resolved.recovered',
    reach: (kit) =>
      chain(kit, [
        (id) => kit.declareMajor(id, { reason: 'Big' }),
        (id) => kit.resolve(id, { summary: 'Fixed' }),
        (id) => kit.recover(id),
      ]),
  },
  'resolved.recovered (major, reviewed)': {
    state: 'resolved.recovered',
    reach: (kit) =>
      chain(kit, [
        (id) => kit.declareMajor(id, { reason: 'Big' }),
        (id) => kit.resolve(id, { summary: 'Fixed' }),
        (id) => kit.recover(id),
        (id) => kit.recordReview(id, REVIEW),
      ]),
  },
  closed: {
    state: 'closed',
    reach: (kit) => chain(kit, [(id) => kit.resolve(id, { summary: 'Fixed' }), (id) => kit.close(id)]),
  },
  cancelled: {
    state: 'cancelled',
    reach: (kit) => chain(kit, [(id) => kit.cancel(id, { reason: 'not_an_incident' })]),
  },
};

/** Commands that record data only and are allowed in every non-terminal state. */
const DATA = {
  triage: '=',
  assign: '=',
  escalate: '=',
  addParticipant: '=',
  setRole: '=',
  note: '=',
  postUpdate: '=',
} as const;

/** The expectation map: one entry per row, one cell per command. */
// biome-ignore format: the table is easier to read with several cells per line
const EXPECTED: Record<keyof typeof ROWS, Record<Column, Cell>> = {
  new: {
    ...DATA, triage: 'open', acknowledge: 'x', hold: 'x', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '=', downgradeMajor: '~', resolve: 'x', recover: 'x', reopen: 'x', recordReview: 'x', close: 'x',
    cancel: 'cancelled',
  },
  open: {
    ...DATA, acknowledge: 'active.investigating', hold: 'on_hold', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'active.investigating': {
    ...DATA, acknowledge: 'x', hold: 'on_hold', resume: 'x', 'postUpdate+phase': 'active.monitoring',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'active.identified': {
    ...DATA, acknowledge: 'x', hold: 'on_hold', resume: 'x', 'postUpdate+phase': 'active.monitoring',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'active.monitoring': {
    // postUpdate with the phase it is already in: recorded, stays in monitoring
    ...DATA, acknowledge: 'x', hold: 'on_hold', resume: 'x', 'postUpdate+phase': '=',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'on_hold (from open)': {
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'open', 'postUpdate+phase': 'x',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'on_hold (from active.identified)': {
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'active.identified', 'postUpdate+phase': 'x',
    declareMajor: '=', downgradeMajor: '~', resolve: 'resolved.recovered', recover: 'x', reopen: 'x',
    recordReview: 'x', close: 'x', cancel: 'cancelled',
  },
  'resolved.recovering (major)': {
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '~', downgradeMajor: '=', resolve: 'x', recover: 'resolved.recovered',
    reopen: 'active.investigating', recordReview: '=', close: 'x', cancel: 'x',
  },
  'resolved.recovered (not major)': {
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '=', downgradeMajor: '~', resolve: 'x', recover: 'x',
    reopen: 'active.investigating', recordReview: '=', close: 'closed', cancel: 'x',
  },
  'resolved.recovered (major, no review)': {
    // a major incident closes only once its review is recorded
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '~', downgradeMajor: '=', resolve: 'x', recover: 'x',
    reopen: 'active.investigating', recordReview: '=', close: 'x', cancel: 'x',
  },
  'resolved.recovered (major, reviewed)': {
    ...DATA, acknowledge: 'x', hold: 'x', resume: 'x', 'postUpdate+phase': 'x',
    declareMajor: '~', downgradeMajor: '=', resolve: 'x', recover: 'x',
    reopen: 'active.investigating', recordReview: '=', close: 'closed', cancel: 'x',
  },
  // Terminal states take no command at all.
  closed: Object.fromEntries(COLUMNS.map((c) => [c, 'x'])) as Record<Column, Cell>,
  cancelled: Object.fromEntries(COLUMNS.map((c) => [c, 'x'])) as Record<Column, Cell>,
};

const stateOf = (incident: Pick<Incident, 'status' | 'phase'>): string =>
  incident.phase ? `${incident.status}.${incident.phase}` : incident.status;

function run(kit: Kit, column: Column, id: string): Promise<Incident> {
  const name: CommandName = column === 'postUpdate+phase' ? 'postUpdate' : column;
  const method = kit[name] as (id: string, input: unknown) => Promise<Incident>;
  return method(id, VALID_INPUT[column]);
}

const CASES = Object.entries(EXPECTED).flatMap(([row, cells]) =>
  COLUMNS.map((column) => ({ row, column, cell: cells[column] })),
);

describe('statechart: every state x every command', () => {
  test('the table covers every command of the kit', () => {
    const { kit } = createTestKit();
    for (const column of COLUMNS) {
      const name = column === 'postUpdate+phase' ? 'postUpdate' : column;
      expect(typeof kit[name]).toBe('function');
    }
  });

  test('every row reaches the state it names', async () => {
    for (const row of Object.values(ROWS)) {
      const { kit } = createTestKit();
      const incident = await row.reach(kit);
      expect(stateOf(await kit.get(incident.id))).toBe(row.state);
    }
  });

  test.each(CASES)('$row + $column -> $cell', async ({ row, column, cell }) => {
    const { kit } = createTestKit();
    const reached = await ROWS[row]!.reach(kit);
    const id = reached.id;
    const before = await written(kit, id);

    if (cell === 'x') {
      const error = await run(kit, column, id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(TransitionError.isInstance(error), `${column} should be refused in ${row}`).toBe(true);
      if (!TransitionError.isInstance(error)) return;
      expect(error.state).toBe(ROWS[row]!.state);
      expect(error.command).toBe(column === 'postUpdate+phase' ? 'postUpdate' : column);
      expect([...error.allowed].sort()).toEqual([...(await kit.allowedCommands(id))].sort());
      // nothing written
      expect(await written(kit, id)).toEqual(before);
      return;
    }

    const result = await run(kit, column, id);
    const after = await written(kit, id);
    expect(after.incident).toEqual(result);
    if (cell === '~') {
      expect(after).toEqual(before);
      return;
    }
    const expectedState = cell === '=' ? ROWS[row]!.state : cell;
    expect(stateOf(result)).toBe(expectedState);
    expect(result.version).toBe(before.incident.version + 1);
    expect(after.timeline.length).toBeGreaterThan(before.timeline.length);
    expect(after.timeline.slice(0, before.timeline.length)).toEqual(before.timeline);
  });

  test.each(Object.keys(EXPECTED))('allowedCommands in %s is exactly the commands that succeed', async (row) => {
    const cells = EXPECTED[row]!;
    const expected = (Object.keys(cells) as Column[])
      .filter((c): c is CommandName => c !== 'postUpdate+phase' && cells[c] !== 'x')
      .sort();
    const { kit } = createTestKit();
    const incident = await ROWS[row]!.reach(kit);
    expect([...(await kit.allowedCommands(incident.id))].sort()).toEqual(expected);
    // and the table is right about them: each one succeeds, each other one is refused
    const succeeded: CommandName[] = [];
    for (const column of COLUMNS) {
      if (column === 'postUpdate+phase') continue;
      const fresh = createTestKit().kit;
      const { id } = await ROWS[row]!.reach(fresh);
      const ok = await run(fresh, column, id).then(
        () => true,
        (e: unknown) => {
          if (!TransitionError.isInstance(e)) throw e;
          return false;
        },
      );
      if (ok) succeeded.push(column);
    }
    expect(succeeded.sort()).toEqual(expected);
  });

  test('a major incident cannot close before its review, and says why', async () => {
    const { kit } = createTestKit();
    const incident = await ROWS['resolved.recovered (major, no review)']!.reach(kit);
    const error = await kit.close(incident.id).catch((e: unknown) => e);
    expect(TransitionError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/review/);
    await kit.recordReview(incident.id, REVIEW);
    expect((await kit.close(incident.id)).status).toBe('closed');
  });

  test('resume goes back to the phase the hold left, not to investigating', async () => {
    for (const phase of ['investigating', 'identified', 'monitoring'] as const) {
      const { kit } = createTestKit();
      const incident = await report(kit);
      await kit.acknowledge(incident.id);
      await kit.postUpdate(incident.id, { audience: 'responders', message: 'm', phase });
      const held = await kit.hold(incident.id, { reason: 'awaiting_vendor' });
      expect(held.hold?.resumeTo).toBe(phase);
      const resumed = await kit.resume(incident.id);
      expect(stateOf(resumed)).toBe(`active.${phase}`);
      expect(resumed.hold).toBeNull();
    }
  });
});
