/**
 * A scenario that writes every notifying timeline entry type, with a canary string in every
 * field that must never reach a public message: actors, the reporter, labels, the assignee,
 * participants, notes, triage reasons, escalation reasons, hold reasons and details,
 * resolution summaries and every other free text. Teams carry a second canary: the business
 * audiences may name the owning team, the public ones may not.
 */
import {
  type Audience,
  type IncidentKit,
  NOTIFYING_ENTRY_TYPES,
  type RouteInput,
  type TimelineEntry,
} from 'incidentkit';
import type { TestKitOptions } from 'incidentkit/testing';

/** In every private field. */
export const CANARY = 'CANARY-7f3a';
/** In team names (internal, but not private to responders). */
export const TEAM = 'squad-5e2b';

export const AUDIENCES: readonly Audience[] = ['responders', 'stakeholders', 'management', 'customers', 'reporter'];
export const PUBLIC: readonly Audience[] = ['customers', 'reporter'];

/** Routes that subscribe each audience to every notifying entry, on the channel named after it (or `channels`). */
export function everyEventRoutes(channels?: readonly string[]): RouteInput[] {
  return AUDIENCES.map((audience) => ({
    audience,
    channels: [...(channels ?? [audience])],
    events: [...NOTIFYING_ENTRY_TYPES],
  }));
}

/** Kit options the scenario needs: SLA targets, acknowledgement timeout, communication cadence, a labelling rule. */
export const SCENARIO_OPTIONS = {
  sla: { targets: [{ scope: { priority: 'P1' as const }, response: 'PT15M', resolution: 'PT4H' }] },
  lifecycle: { acknowledgementTimeout: 'PT20M', communicationCadence: 'PT10M' },
  priority: {
    rules: [
      {
        id: `${CANARY}-rule`,
        description: `${CANARY} rule`,
        when: { field: 'service' as const, op: 'exists' as const },
        effects: [{ type: 'addLabels' as const, labels: [`${CANARY}-rule-label`] }],
      },
    ],
  },
} satisfies Omit<TestKitOptions, 'channels' | 'routes'>;

/**
 * Runs the scenario: two incidents whose timelines hold every notifying entry type (the
 * public update says only `We are working on it.`). Returns every timeline entry written.
 */
export async function everyNotifyingEntry(
  kit: IncidentKit,
  advance: (duration: string) => Promise<unknown>,
): Promise<TimelineEntry[]> {
  const actor = { id: `${CANARY}-actor-id`, name: `${CANARY} Actor` };
  const by = { actor };
  const incident = await kit.report(
    {
      title: 'Checkout is down',
      service: 'checkout',
      reporter: { name: `${CANARY} Reporter`, contact: `${CANARY}@example.com`, kind: 'customer' },
      impact: 'high',
      urgency: 'high',
      labels: [`${CANARY}-label`],
    },
    by,
  ); // reported, triaged
  const { id } = incident;
  await kit.assign(id, { team: `${TEAM}-one`, assignee: `${CANARY}-assignee` }, by); // assigned
  await kit.addParticipant(id, { id: `${CANARY}-pid`, name: `${CANARY} Person`, role: 'responder' }, by);
  await kit.note(id, { text: `${CANARY} internal note` }, by);
  await advance('PT12M'); // sla_warning (response, at 75% of 15 minutes)
  await kit.acknowledge(id, { note: `${CANARY} ack note` }, by); // acknowledged, sla_met
  await advance('PT20M'); // acknowledgement_expired: open again
  await kit.escalate(
    id,
    { kind: 'lateral', team: `${TEAM}-two`, assignee: `${CANARY}-esc`, reason: `${CANARY} why` },
    by,
  ); // escalated
  await kit.acknowledge(id, { note: `${CANARY} ack note again` }, by);
  await kit.declareMajor(id, { reason: `${CANARY} major reason` }, by); // major_declared
  await advance('PT10M'); // communication_due
  await kit.postUpdate(id, { audience: [...AUDIENCES], message: 'We are working on it.', phase: 'identified' }, by);
  await kit.hold(id, { reason: `${CANARY} hold reason`, detail: `${CANARY} hold detail` }, by); // held
  await kit.resume(id, { note: `${CANARY} resume note` }, by); // resumed
  await advance('PT4H'); // sla_breached (resolution)
  await kit.resolve(id, { code: 'workaround', summary: `${CANARY} resolution summary` }, by); // resolved (recovering)
  await kit.recover(id, { note: `${CANARY} recover note` }, by); // recovered
  await kit.reopen(id, { reason: `${CANARY} reopen reason` }, by); // reopened
  await kit.downgradeMajor(id, { reason: `${CANARY} downgrade reason` }, by); // major_downgraded
  await kit.resolve(id, { summary: `${CANARY} second summary` }, by);
  await kit.close(id, { note: `${CANARY} close note` }, by); // closed
  const other = await kit.report(
    { title: 'Search is slow', service: 'search', reporter: { name: `${CANARY} Reporter`, kind: 'employee' } },
    by,
  );
  await kit.cancel(other.id, { reason: 'false_positive', note: `${CANARY} cancel note` }, by); // cancelled
  await advance('PT1S');
  return [...(await kit.timeline(incident.id)), ...(await kit.timeline(other.id))];
}

/** How many of `entries` notify. */
export function notifying(entries: readonly TimelineEntry[]): number {
  return entries.filter((entry) => (NOTIFYING_ENTRY_TYPES as readonly string[]).includes(entry.type)).length;
}
