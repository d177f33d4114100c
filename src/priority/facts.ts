import type { Incident } from '../domain/incident.js';
import { toIso } from '../ports/clock.js';
import type { IncidentStore } from '../ports/store.js';
import type { FactNeeds, PriorityFacts, PriorityInput } from './types.js';

/** Statuses in which an incident counts as open for `recentSimilar`. */
const OPEN = ['new', 'open', 'active', 'on_hold'] as const;

/**
 * Derives the facts a policy's rules read (and only those): `recentSimilar` from the store,
 * `slaTier` from the tenant, `businessHours` from the clock.
 */
export async function deriveFacts(
  needs: FactNeeds | undefined,
  incident: Pick<Incident, 'id' | 'service' | 'tenant'>,
  store: IncidentStore,
  now: number,
): Promise<PriorityFacts> {
  const facts: PriorityFacts = {};
  if (!needs) return facts;
  if (needs.recentSimilarWindowMs !== undefined) {
    const page = await store.query({
      service: incident.service,
      status: [...OPEN],
      reportedFrom: toIso(now - needs.recentSimilarWindowMs),
      limit: 500,
    });
    facts.recentSimilar = page.items.filter((other) => other.id !== incident.id).length;
  }
  if (needs.slaTier) {
    const tier = needs.slaTier(incident.tenant);
    if (tier !== undefined) facts.slaTier = tier;
  }
  if (needs.businessHours) facts.businessHours = needs.businessHours(now);
  return facts;
}

/** Changes a triage makes to what the policy sees. */
export interface TriageOverrides {
  impact?: string | undefined;
  urgency?: string | undefined;
  category?: string | undefined;
  subcategory?: string | undefined;
  usersAffected?: number | undefined;
}

/**
 * What the policy sees of an incident: its fields with the triage's overrides. The category is
 * left out (so that the policy may suggest one) while it is still the default `general`.
 */
export function priorityInput(incident: Incident, overrides: TriageOverrides, facts: PriorityFacts): PriorityInput {
  const category = overrides.category ?? (incident.category === 'general' ? undefined : incident.category);
  return {
    impact: overrides.impact ?? incident.impact,
    urgency: overrides.urgency ?? incident.urgency,
    title: incident.title,
    description: incident.description,
    service: incident.service,
    environment: incident.environment,
    tenant: incident.tenant,
    category,
    subcategory:
      overrides.category !== undefined ? overrides.subcategory : (overrides.subcategory ?? incident.subcategory),
    usersAffected: overrides.usersAffected ?? incident.usersAffected,
    severity: incident.severity,
    source: incident.source,
    reporterKind: incident.reporter.kind,
    flags: incident.flags,
    labels: incident.labels,
    custom: incident.custom,
    facts,
  };
}
