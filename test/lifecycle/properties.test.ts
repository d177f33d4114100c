/**
 * Property-based tests: random sequences of commands (valid and junk input) and clock advances on
 * one incident, with the invariants checked after every action.
 */

import fc from 'fast-check';
import {
  COMMAND_NAMES,
  type CommandName,
  HOLD_REASONS,
  type Incident,
  IncidentSchema,
  NotFoundError,
  RoleSchema,
  TimelineEntrySchema,
  TransitionError,
  ValidationError,
} from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { countingStore, written } from '../support.js';

type Kit = ReturnType<typeof createTestKit>['kit'];

/** The id that scripts use for "another incident"; `call` swaps in the real one. */
const OTHER = 'id_other';

const text = fc.constantFrom('a', 'Checkout errors', '  padded  ', 'ünïcödé ✓');
const level = fc.constantFrom('high', 'medium', 'low');
const REVIEW = { summary: 'A bad deploy', rootCause: 'No canary', actionItems: [{ title: 'Add a canary' }] };

/** Valid input of each command (undefined where the input is optional). */
const VALID: Record<CommandName, fc.Arbitrary<unknown>> = {
  triage: fc.record({ impact: level, urgency: level, reason: text }, { requiredKeys: ['impact', 'urgency'] }),
  assign: fc.oneof(
    fc.record({ team: fc.constantFrom('ops', 'db') }),
    fc.record({ assignee: fc.constantFrom('ana', 'bob') }),
    fc.record({ tier: fc.integer({ min: 1, max: 10 }) }),
  ),
  acknowledge: fc.constantFrom(undefined, {}, { note: 'on it' }),
  escalate: fc.oneof(
    fc.record({ kind: fc.constant('vertical'), reason: text }),
    fc.record({
      kind: fc.constant('lateral'),
      team: fc.constantFrom('db', 'net'),
      mode: fc.constantFrom('reassign', 'swarm'),
      reason: text,
    }),
  ),
  hold: fc.record({ reason: fc.constantFrom(...HOLD_REASONS, 'waiting for the weekend') }),
  resume: fc.constantFrom(undefined, {}, { note: 'back' }),
  postUpdate: fc.record(
    {
      audience: fc.constantFrom('stakeholders', ['customers', 'stakeholders'], 'management'),
      message: text,
      phase: fc.constantFrom('investigating', 'identified', 'monitoring'),
    },
    { requiredKeys: ['audience', 'message'] },
  ),
  declareMajor: fc.record({ reason: text }),
  downgradeMajor: fc.record({ reason: text }),
  addParticipant: fc.record({ name: fc.constantFrom('Bob', 'Cy'), role: fc.constantFrom(...RoleSchema.options) }),
  setRole: fc.record({ participantId: fc.constantFrom('Ana', 'Bob'), role: fc.constantFrom(...RoleSchema.options) }),
  note: fc.record({ text, visibility: fc.constantFrom('internal', 'public') }, { requiredKeys: ['text'] }),
  resolve: fc.record({ summary: text, code: fc.constantFrom('fixed', 'workaround') }, { requiredKeys: ['summary'] }),
  recover: fc.constantFrom(undefined, {}, { note: 'calm again' }),
  reopen: fc.record({ reason: text }),
  recordReview: fc.constant(REVIEW),
  close: fc.constantFrom(undefined, {}, { note: 'done' }),
  cancel: fc.oneof(
    fc.record({ reason: fc.constantFrom('false_positive', 'not_an_incident') }),
    fc.record({ reason: fc.constantFrom('duplicate', 'merged'), duplicateOf: fc.constant(OTHER) }),
  ),
};

/** Input that no command schema accepts, derived from a valid one. */
function junk(valid: unknown): fc.Arbitrary<unknown> {
  const base = (valid ?? {}) as Record<string, unknown>;
  const keys = Object.keys(base);
  const stringKeys = keys.filter((k) => typeof base[k] === 'string');
  const options: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(42, 'junk', true, null, [], [base]),
    fc.constant({ ...base, unexpected: 1 }),
  ];
  if (stringKeys.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...stringKeys), fc.constantFrom('', '   '))
        // ids (duplicateOf) are not trimmed; kit.test.ts shows the blank-id case on its own
        .map(([key, blank]) => ({ ...base, [key]: key === 'duplicateOf' ? '' : blank })),
    );
  }
  if (keys.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...keys), fc.constantFrom({ nested: true }, -1.5, false))
        .map(([key, wrong]) => ({ ...base, [key]: wrong })),
    );
  }
  return fc.oneof(...options);
}

type Action =
  | { kind: 'command'; command: CommandName; input: unknown; valid: boolean }
  | { kind: 'advance'; duration: string };

const commandAction: fc.Arbitrary<Action> = fc.constantFrom(...COMMAND_NAMES).chain((command) =>
  VALID[command].chain((valid) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<Action>({ kind: 'command', command, input: valid, valid: true }) },
      {
        weight: 1,
        arbitrary: junk(valid).map<Action>((input) => ({ kind: 'command', command, input, valid: false })),
      },
    ),
  ),
);
const advanceAction: fc.Arbitrary<Action> = fc
  .constantFrom('PT11M', 'PT31M', 'PT2H', 'P2D')
  .map((duration) => ({ kind: 'advance', duration }));
const actions = fc.array(fc.oneof({ weight: 5, arbitrary: commandAction }, { weight: 1, arbitrary: advanceAction }), {
  maxLength: 25,
});

async function call(kit: Kit, command: CommandName, id: string, input: unknown): Promise<Incident> {
  let actual = input;
  if (typeof input === 'object' && input !== null && (input as { duplicateOf?: unknown }).duplicateOf === OTHER) {
    // cancel as a duplicate must name an incident that exists: report one on first use.
    const other = (await kit.list({ limit: 500 })).items.find((i) => i.title === 'The original');
    const otherId =
      other?.id ??
      (await kit.report({ title: 'The original', service: 'shop', reporter: { name: 'Bo', kind: 'employee' } })).id;
    actual = { ...input, duplicateOf: otherId };
  }
  return (kit[command] as (id: string, input: unknown) => Promise<Incident>)(id, actual);
}

const isTerminal = (incident: Incident) => incident.status === 'closed' || incident.status === 'cancelled';

function setup() {
  const { store, commits } = countingStore();
  const testKit = createTestKit({
    store,
    lifecycle: {
      escalateAfter: 'PT10M',
      acknowledgementTimeout: 'PT30M',
      communicationCadence: 'PT20M',
      autoCloseAfter: 'P1D',
    },
  });
  return { ...testKit, commits };
}

async function report(kit: Kit, triaged: boolean) {
  return kit.report({
    title: 'Checkout is down',
    service: 'shop',
    reporter: { name: 'Ana', kind: 'employee' },
    ...(triaged ? { impact: 'high' as const, urgency: 'high' as const } : {}),
  });
}

describe('random command sequences on one incident', () => {
  test('junk input is refused with ValidationError; failures write nothing; records stay well-formed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), actions, async (triaged, script) => {
        const { kit, advance, commits } = setup();
        const { id } = await report(kit, triaged);
        for (const action of script) {
          const before = await written(kit, id);
          if (action.kind === 'advance') {
            await advance(action.duration);
          } else {
            const outcome = await call(kit, action.command, id, action.input).then(
              (incident) => ({ ok: true as const, incident }),
              (error: unknown) => ({ ok: false as const, error }),
            );
            if (!action.valid) {
              expect(outcome.ok, `${action.command}(${JSON.stringify(action.input)}) should be refused`).toBe(false);
              if (!outcome.ok) {
                expect(ValidationError.isInstance(outcome.error)).toBe(true);
                expect((outcome.error as ValidationError).issues.length).toBeGreaterThan(0);
              }
            }
            if (outcome.ok) {
              expect(outcome.incident).toEqual((await written(kit, id)).incident);
              expect(outcome.incident.version - before.incident.version).toBeLessThanOrEqual(1);
            } else {
              const { error } = outcome;
              // valid input fails only for the state (TransitionError), a missing participant
              // (NotFoundError) or a participant added twice (ValidationError)
              const known =
                TransitionError.isInstance(error) ||
                NotFoundError.isInstance(error) ||
                (ValidationError.isInstance(error) && (!action.valid || action.command === 'addParticipant'));
              expect(known, String(error)).toBe(true);
              expect(await written(kit, id)).toEqual(before);
            }
          }
          const after = await written(kit, id);
          expect(IncidentSchema.safeParse(after.incident).error).toBeUndefined();
          for (const entry of after.timeline) expect(TimelineEntrySchema.safeParse(entry).error).toBeUndefined();
          expect(after.timeline.map((e) => e.seq)).toEqual(after.timeline.map((_, i) => i + 1));
          expect(after.incident.lastSeq).toBe(after.timeline.length);
          // version 1 is the report; each later commit adds exactly one
          expect(after.incident.version).toBe(commits.get(id));
          if (isTerminal(before.incident)) expect(after.incident.status).toBe(before.incident.status);
          if (isTerminal(after.incident)) expect(after.timers).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  test('a closed or cancelled incident takes no further command and never becomes major without a review', async () => {
    const inputs: Partial<Record<CommandName, unknown>> = {
      cancel: { reason: 'false_positive' },
      resolve: { summary: 'Fixed' },
      close: {},
    };
    const toTerminal = fc.constantFrom<[string, ...CommandName[]]>(
      ['cancelled', 'cancel'],
      ['closed', 'resolve', 'close'],
    );
    await fc.assert(
      fc.asyncProperty(
        toTerminal,
        fc.array(commandAction, { minLength: 1, maxLength: 10 }),
        async ([, ...path], script) => {
          const { kit } = setup();
          const { id } = await report(kit, true);
          for (const command of path) {
            await call(kit, command, id, inputs[command]);
          }
          const frozen = await written(kit, id);
          for (const action of script) {
            if (action.kind !== 'command') continue;
            await call(kit, action.command, id, action.input).catch(() => undefined);
            const now = await written(kit, id);
            if (now.incident.status === 'closed' && now.incident.major) expect(now.incident.review).not.toBeNull();
            expect(now).toEqual(frozen);
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
