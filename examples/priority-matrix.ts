/**
 * incidentkit prioritization: one policy for a company with two customers on different SLAs.
 * Acme is on the premium tier with its own stricter production matrix; Globex is standard and
 * uses the ITIL matrix. A security rule, a storm rule (three incidents on one service within
 * 10 minutes) and category suggestion complete it. Run it with `npm run example:priority`.
 */
import {
  createIncidentKit,
  createPriorityEngine,
  describeIncident,
  formatTimeline,
  type Incident,
  ValidationError,
} from 'incidentkit';
import { FakeClock } from 'incidentkit/testing';

// Validated and compiled once; a mistake throws ValidationError here, naming its path.
const policy = createPriorityEngine({
  name: 'example-co',
  matrices: [
    {
      // Premium customers in production: every cell one step more urgent than ITIL.
      name: 'acme-premium',
      scope: { tenant: 'acme', environment: 'production' },
      table: {
        high: { high: 'P1', medium: 'P1', low: 'P2' },
        medium: { high: 'P1', medium: 'P2', low: 'P3' },
        low: { high: 'P2', medium: 'P3', low: 'P3' },
      },
    },
    // No unscoped matrix: every other incident uses the ITIL matrix.
  ],
  rules: [
    {
      id: 'security',
      description: 'Security reports go to the security category and need a review',
      when: { field: 'flags.security', op: 'equals', value: true },
      effects: [
        { type: 'setCategory', category: 'security' },
        { type: 'addLabels', labels: ['security-review'] },
        { type: 'raiseUrgency', to: 'high' },
      ],
    },
    {
      id: 'premium-floor',
      description: 'Premium customers never get less than P3',
      when: { field: 'facts.slaTier', op: 'equals', value: 'premium' },
      effects: [{ type: 'floor', priority: 'P3' }],
    },
    {
      id: 'storm',
      description: 'Three or more incidents on one service within 10 minutes: a major candidate',
      when: { field: 'facts.recentSimilar', op: 'gte', value: 2 },
      effects: [
        { type: 'raiseImpact', to: 'high' },
        { type: 'major', mode: 'candidate' },
      ],
    },
    {
      id: 'storm-production',
      description: 'The same storm in production: declare it major at once',
      when: {
        all: [
          { field: 'facts.recentSimilar', op: 'gte', value: 2 },
          { field: 'environment', op: 'equals', value: 'production' },
        ],
      },
      effects: [{ type: 'major', mode: 'automatic' }],
    },
  ],
  categories: [
    { id: 'database', keywords: ['postgres', 'deadlock', 'replica'], category: 'database' },
    { id: 'network', pattern: '\\b(dns|tls|timeouts?)\\b', category: 'network' },
  ],
  facts: {
    recentSimilarWindow: 'PT10M',
    slaTiers: { acme: 'premium', globex: 'standard' },
    defaultSlaTier: 'standard',
  },
});

const clock = new FakeClock('2026-03-02T09:00:00Z'); // a Monday morning
const kit = createIncidentKit({ clock, priority: policy });

kit.on('incident.prioritized', ({ incident, entry }) => {
  console.log(`  (event) ${incident.number} prioritized ${entry.previousPriority ?? 'none'} -> ${entry.priority}`);
});

/** Prints the incident, the reasons of its latest triage, and a major declaration if any. */
async function show(incident: Incident): Promise<void> {
  console.log(describeIncident(incident));
  const entries = await kit.timeline(incident.id);
  const triaged = entries.findLast((entry) => entry.type === 'triaged');
  if (triaged?.type === 'triaged') {
    for (const reason of triaged.reasons) console.log(`  - ${reason.rule}: ${reason.detail}`);
  }
  for (const entry of entries) {
    if (entry.type === 'major_declared') console.log(`  ! major declared: ${entry.reason}`);
  }
  console.log(`  category ${incident.category}, labels [${incident.labels.join(', ')}]\n`);
}

// 1. Acme's checkout is down in production: the premium matrix applies.
const outage = await kit.report({
  title: 'Checkout returns 502 for every request',
  reporter: { name: 'Acme Corp', contact: 'ops@acme.example', kind: 'customer' },
  service: 'checkout',
  tenant: 'acme',
  impact: 'high',
  urgency: 'medium',
});
await show(outage); // P1 (ITIL would say P2)

// 2. Globex finds a bug in staging: ITIL, then the default non-production rule; the category is
// suggested from the title.
const stagingBug = await kit.report({
  title: 'Reports page times out after the Postgres upgrade',
  reporter: { name: 'Globex QA', kind: 'customer' },
  service: 'reports',
  tenant: 'globex',
  environment: 'staging',
  impact: 'medium',
  urgency: 'medium',
});
await show(stagingBug); // P4

// 3. A security flag in staging: the security rule raises urgency, the default rule floors at P2.
const leak = await kit.report({
  title: 'Staging API returns other tenants’ invoices',
  reporter: { name: 'Pen tester', kind: 'vendor' },
  service: 'billing',
  tenant: 'globex',
  environment: 'staging',
  impact: 'low',
  urgency: 'medium',
  flags: { security: true },
});
await show(leak); // P2

// 4. Three alerts on one service within minutes: the third is a storm, declared major at once.
let alert: Incident | undefined;
for (const node of ['search-1', 'search-2', 'search-3']) {
  alert = await kit.report({
    title: `High latency on ${node}`,
    reporter: { name: 'Prometheus', kind: 'monitoring' },
    source: 'alertmanager',
    service: 'search',
    tenant: 'globex',
    impact: 'medium',
    urgency: 'high',
  });
  clock.advance('PT2M');
}
if (alert) {
  await show(alert);
  console.log(formatTimeline(await kit.timeline(alert.id)), '\n');
}

// 5. Re-prioritize: the staging bug now blocks Globex's release. Impact stays as it was.
const retriaged = await kit.triage(
  stagingBug.id,
  { urgency: 'high', reason: 'Blocks the 4.2 release' },
  { actor: 'triage-lead' },
);
await show(retriaged);

// 6. A bad policy is rejected before anything runs, with the path of the problem.
try {
  createIncidentKit({
    priority: {
      rules: [
        {
          id: 'typo',
          when: { field: 'flags.securty' as never, op: 'equals', value: true },
          effects: [{ type: 'raise', by: 1 }],
        },
      ],
    },
  });
} catch (error) {
  if (!ValidationError.isInstance(error)) throw error;
  console.log(error.message);
}
