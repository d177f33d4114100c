import {
  type CommandName,
  createIncidentKit,
  type Incident,
  type IncidentKit,
  type Priority,
  type TimelineEntry,
  TransitionError,
  ValidationError,
} from 'incidentkit';
import { createTestKit } from 'incidentkit/testing';
import { expectTypeOf, test } from 'vitest';
import { z } from 'zod';

const Custom = z.object({ region: z.string(), tier: z.number() });
type Custom = { region: string; tier: number };

const reporter = { name: 'Ana', kind: 'employee' } as const;

test('custom fields flow from the schema to get(), list(), report() and events', () => {
  const kit = createIncidentKit({ custom: Custom });
  expectTypeOf(kit.get).returns.resolves.toEqualTypeOf<Incident<Custom>>();
  expectTypeOf(kit.get('id')).resolves.toHaveProperty('custom').toEqualTypeOf<Custom>();
  expectTypeOf(kit.list()).resolves.toHaveProperty('items').toEqualTypeOf<Incident<Custom>[]>();
  expectTypeOf(kit.note).returns.resolves.toHaveProperty('custom').toEqualTypeOf<Custom>();

  // `custom` is required and typed in report()
  kit.report({ title: 't', service: 's', reporter, custom: { region: 'eu', tier: 1 } });
  // @ts-expect-error custom is required when the kit has a custom schema
  kit.report({ title: 't', service: 's', reporter });
  // @ts-expect-error tier must be a number
  kit.report({ title: 't', service: 's', reporter, custom: { region: 'eu', tier: 'gold' } });
  // @ts-expect-error region is missing
  kit.report({ title: 't', service: 's', reporter, custom: { tier: 1 } });

  kit.on('incident.acknowledged', (event) => {
    expectTypeOf(event.incident.custom).toEqualTypeOf<Custom>();
  });
});

test('without a custom schema, custom is an optional record', () => {
  const kit = createIncidentKit();
  expectTypeOf(kit).toEqualTypeOf<IncidentKit<Record<string, unknown>, undefined>>();
  expectTypeOf(kit.get('id')).resolves.toHaveProperty('custom').toEqualTypeOf<Record<string, unknown>>();
  kit.report({ title: 't', service: 's', reporter });
  kit.report({ title: 't', service: 's', reporter, custom: { anything: true } });
});

test('the test kit carries the custom type too', () => {
  const { kit } = createTestKit({ custom: Custom });
  expectTypeOf(kit.get('id')).resolves.toHaveProperty('custom').toEqualTypeOf<Custom>();
  // @ts-expect-error custom is required
  kit.report({ title: 't', service: 's', reporter });
});

test('command inputs are checked at compile time', () => {
  const kit = createIncidentKit();
  const id = 'inc';
  kit.hold(id, { reason: 'awaiting_vendor' });
  kit.hold(id, { reason: 'waiting for the weekend' });
  // @ts-expect-error reason must be text
  kit.hold(id, { reason: 5 });
  kit.escalate(id, { kind: 'lateral', team: 'db', reason: 'x' });
  // @ts-expect-error there is no diagonal escalation
  kit.escalate(id, { kind: 'diagonal', reason: 'x' });
  // @ts-expect-error summary is required
  kit.resolve(id, {});
  // @ts-expect-error the note text is required
  kit.note(id, { visibility: 'public' });
  // @ts-expect-error unknown keys are refused
  kit.note(id, { text: 'x', colour: 'red' });
  // @ts-expect-error audiences are a closed list
  kit.postUpdate(id, { audience: 'everyone', message: 'x' });
  // @ts-expect-error phases are those of active
  kit.postUpdate(id, { audience: 'customers', message: 'x', phase: 'recovering' });
  // levels are the policy's (checked at run time), so any text compiles
  kit.triage(id, { impact: 'critical', urgency: 'high' });
  // @ts-expect-error but a level is text
  kit.triage(id, { impact: 3 });
  // @ts-expect-error the input is required
  kit.cancel(id);
  // @ts-expect-error cancel reasons are a closed list
  kit.cancel(id, { reason: 'bored' });
  // @ts-expect-error the id is required
  kit.note({ text: 'x' });

  // optional inputs may be left out
  kit.acknowledge(id);
  kit.resume(id);
  kit.recover(id);
  kit.close(id);
  // options are typed
  kit.note(id, { text: 'x' }, { actor: 'ana', expectedVersion: 3, idempotencyKey: 'k' });
  kit.note(id, { text: 'x' }, { actor: { id: 'ana', name: 'Ana' } });
  // @ts-expect-error expectedVersion is a number
  kit.note(id, { text: 'x' }, { expectedVersion: '3' });
  // @ts-expect-error unknown report fields are refused
  kit.report({ title: 't', service: 's', reporter, colour: 'red' });
  // @ts-expect-error reporter kinds are a closed list
  kit.report({ title: 't', service: 's', reporter: { name: 'x', kind: 'robot' } });
});

test('event payloads are typed by event name', () => {
  const kit = createIncidentKit();
  kit.on('incident.escalated', (event) => {
    expectTypeOf(event.entry.step.kind).toEqualTypeOf<'vertical' | 'lateral'>();
    expectTypeOf(event.entry.step.level).toEqualTypeOf<number>();
    expectTypeOf(event.entry.type).toEqualTypeOf<'escalated'>();
  });
  kit.on('incident.triaged', (event) => {
    expectTypeOf(event.entry.priority).toEqualTypeOf<Priority>();
    expectTypeOf(event.entry.previousPriority).toEqualTypeOf<Priority | null>();
  });
  kit.on('incident.note', (event) => {
    expectTypeOf(event.entry.text).toEqualTypeOf<string>();
    expectTypeOf(event.incident).toEqualTypeOf<Incident>();
  });
  kit.on('notification.failed', (event) => {
    expectTypeOf(event.retryAt).toEqualTypeOf<number | undefined>();
  });
  kit.on('error', (event) => {
    expectTypeOf(event.stage).toEqualTypeOf<'timer' | 'delivery' | 'worker' | 'listener'>();
  });
  const off = kit.on('incident.closed', (event) => {
    expectTypeOf(event.entry.automatic).toEqualTypeOf<boolean>();
  });
  expectTypeOf(off).toEqualTypeOf<() => void>();
  // @ts-expect-error no such event
  kit.on('incident.exploded', () => {});
  kit.on('incident.escalated', (event) => {
    // @ts-expect-error an escalation entry has no text
    event.entry.text;
  });
});

test('queries and errors are typed', () => {
  const kit = createIncidentKit();
  expectTypeOf(kit.allowedCommands('id')).resolves.toEqualTypeOf<CommandName[]>();
  expectTypeOf(kit.timeline('id')).resolves.toEqualTypeOf<TimelineEntry[]>();
  const error: unknown = new Error('x');
  if (TransitionError.isInstance(error)) {
    expectTypeOf(error.state).toEqualTypeOf<string>();
    expectTypeOf(error.allowed).toEqualTypeOf<readonly string[]>();
    expectTypeOf(error.code).toEqualTypeOf<
      'VALIDATION' | 'NOT_FOUND' | 'TRANSITION' | 'CONCURRENCY' | 'STORE' | 'CHANNEL'
    >();
  }
  if (ValidationError.isInstance(error)) {
    expectTypeOf(error.issues).toBeArray();
  }
  // @ts-expect-error no such query filter
  kit.list({ colour: 'red' });
  kit.list({ status: ['open', 'active'], major: true, limit: 10 });
});
