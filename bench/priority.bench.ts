/**
 * Priority benchmark (`npm run bench:priority`). Never run as a test.
 *
 * The 50-rule policy of bench/fixtures/fifty-rules.ts over the same seeded random inputs,
 * evaluated by:
 *
 * 1. the incidentkit engine: `createPriorityEngine(policy).evaluate`;
 * 2. json-rules-engine: the encoding of bench/fixtures/json-rules.ts (the one the equivalence test
 *    uses), one `engine.run()` per input, the effects applied by its reference;
 * 3. a hand-written TypeScript function: the same 50 rules as if-statements, producing the same
 *    decision, reasons included (checked: deep-equal to the engine's on every input).
 *
 * All three must agree on every input before timing. Warm-up, then the median of 5 rounds.
 * Targets: engine at least 50x faster than json-rules-engine, at most 3x the hand-written function.
 */
import { isDeepStrictEqual } from 'node:util';
import { createPriorityEngine, type PriorityDecision, type PriorityInput } from 'incidentkit';
import { FIFTY_RULES, randomPriorityInputs } from './fixtures/fifty-rules.js';
import { createJsonRulesPolicy } from './fixtures/json-rules.js';

type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
type Reason = PriorityDecision['reasons'][number];
type Adjustment = readonly [rule: string, type: 'raise' | 'lower' | 'floor' | 'cap', value: number];

// ---------------------------------------------------------------------------------------------
// The hand-written policy

const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4', 'P5'];
const RANK: Readonly<Record<string, number>> = { high: 0, medium: 1, low: 2 };
const POLICY = 'fifty';
type Table = Readonly<Record<string, Readonly<Record<string, Priority>>>>;
const [ACME, PAYMENTS_PRODUCTION, GLOBEX_CARDS] = (FIFTY_RULES.matrices ?? []).map((m) => m.table as Table) as [
  Table,
  Table,
  Table,
];
const ITIL: Table = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};
const SUGGESTIONS: readonly [id: string, pattern: RegExp, category: string, subcategory: string | undefined][] = [
  ['category:db-replication', /replica(tion)? lag/i, 'database', 'replication'],
  ['category:database', /\b(?:database|postgres|db)\b/i, 'database', undefined],
  ['category:security', /breach|phishing|ddos|unauthori[sz]ed/i, 'security', 'threat'],
  ['category:network', /\b(?:dns|network|packet loss|latency)\b/i, 'network', undefined],
  ['category:hardware', /\b(?:disk|power supply|fan)\b/i, 'hardware', undefined],
  ['category:payments', /\b(?:payment|card)\b/i, 'payments', 'card-processing'],
];
const OUTAGE = /\b(outage|down|unavailable)\b/i;
const BREACH_TITLE = /breach|exfiltrat/i;
const BREACH_DESCRIPTION = /breach|leak(ed)? (credentials|data)/i;
const DNS_TITLE = /dns/i;
const DNS_DESCRIPTION = /dns|resolv/i;

function change(rule: string, field: string, before: string | undefined, after: string, what: string): Reason {
  const detail = `${what}${before === undefined ? '' : ` from ${before}`} to ${after}`;
  return before === undefined ? { rule, detail, field, after } : { rule, detail, field, after, before };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The 50 rules, written out by hand. */
export function handWritten(input: PriorityInput): PriorityDecision {
  const reasons: Reason[] = [];
  const labels: string[] = [];
  const adjustments: Adjustment[] = [];
  let impact = input.impact;
  let urgency = input.urgency;
  let category = input.category;
  let subcategory = input.subcategory;
  let major: PriorityDecision['major'] = null;
  const { flags, facts, custom } = input;
  const users = input.usersAffected;
  const plan = custom.plan;
  const seats = custom.seats;
  const contract = custom.contract;

  const level = (field: 'impact' | 'urgency', rule: string, target: string, raising: boolean) => {
    const before = field === 'impact' ? impact : urgency;
    if (raising && before !== null && (RANK[before] ?? Number.POSITIVE_INFINITY) <= (RANK[target] ?? 0)) {
      reasons.push({
        rule,
        detail: `${field} is already ${before}, at least ${target} (no change)`,
        field,
        before,
        after: before,
      });
      return;
    }
    reasons.push(change(rule, field, before ?? undefined, target, raising ? `raises ${field}` : `sets ${field}`));
    if (field === 'impact') impact = target;
    else urgency = target;
  };
  const label = (rule: string, ...added: string[]) => {
    for (const l of added) if (!labels.includes(l)) labels.push(l);
    reasons.push({ rule, detail: `adds labels ${added.join(', ')}`, field: 'labels' });
  };
  const setCategory = (rule: string, to: string, sub: string | undefined) => {
    reasons.push(change(rule, 'category', category, to, 'sets the category'));
    category = to;
    subcategory = sub;
  };
  const declare = (rule: string, mode: 'automatic' | 'candidate') => {
    if (mode === 'automatic' || major === null) {
      const what = mode === 'automatic' ? 'declares the incident major' : 'suggests declaring it major';
      reasons.push(change(rule, 'major', major ?? undefined, mode, what));
      major = mode;
    }
  };

  if (category === undefined) {
    for (const [id, pattern, suggested, sub] of SUGGESTIONS) {
      if (pattern.test(input.title) || pattern.test(input.description)) {
        reasons.push(change(id, 'category', undefined, suggested, 'suggests the category from the text'));
        category = suggested;
        subcategory = sub;
        break;
      }
    }
    category ??= 'general';
  }

  if (input.labels.includes('vip')) {
    adjustments.push(['rule:vip-label', 'raise', 1]);
    label('rule:vip-label', 'vip-customer');
  }
  if (input.labels.includes('known-issue') || input.labels.includes('flaky')) {
    adjustments.push(['rule:known-issue', 'lower', 2]);
  }
  if (input.labels.length === 0) label('rule:unlabelled', 'untriaged');
  if (typeof users === 'number' && users >= 1000) level('impact', 'rule:users-1000', 'high', true);
  if (typeof users === 'number' && users >= 100) level('impact', 'rule:users-100', 'medium', true);
  if (typeof users === 'number' && users <= 5 && flags.reputation !== true) label('rule:few-users', 'few-users');
  if (users === 0) adjustments.push(['rule:no-users', 'lower', 1]);
  if (users === 1 || users === 2 || users === 3) label('rule:handful', 'handful');
  if (impact === null && typeof users === 'number' && users >= 10)
    level('impact', 'rule:guess-impact', 'medium', false);
  if (input.reporterKind === 'monitoring' && input.severity === 'sev1') {
    level('urgency', 'rule:monitoring-sev1', 'high', false);
  }
  if (input.reporterKind === 'customer' || input.reporterKind === 'vendor') {
    level('urgency', 'rule:customer-reported', 'medium', true);
    label('rule:customer-reported', 'customer-reported');
  }
  if ((input.source === 'email' || input.source === 'phone') && input.reporterKind === 'employee') {
    level('urgency', 'rule:manual-channel', 'medium', false);
  }
  if (present(input.severity) && !present(input.source)) label('rule:severity-without-source', 'manual-severity');
  if (input.severity === 'sev4') adjustments.push(['rule:sev4-cap', 'cap', 2]);
  if (facts.slaTier === 'platinum') level('urgency', 'rule:sla-platinum', 'high', true);
  if (facts.slaTier === 'gold' && facts.businessHours === true) {
    level('urgency', 'rule:sla-gold-business-hours', 'medium', true);
  }
  if (urgency === null && (facts.slaTier === 'platinum' || facts.slaTier === 'gold')) {
    level('urgency', 'rule:premium-sla-unknown-urgency', 'high', true);
  }
  if (!present(facts.slaTier)) label('rule:no-sla', 'no-sla');
  if (facts.businessHours === false && urgency === 'low') adjustments.push(['rule:off-hours-low-urgency', 'lower', 1]);
  if (custom.region === 'eu-west' || custom.region === 'eu-central') label('rule:gdpr-region', 'gdpr-scope');
  if (plan === 'enterprise' && (impact === 'high' || impact === 'medium')) {
    level('urgency', 'rule:enterprise-plan', 'high', true);
  }
  if (plan === 'free' && flags.security !== true) adjustments.push(['rule:free-plan-cap', 'cap', 2]);
  if (typeof seats === 'number' && seats >= 500) level('impact', 'rule:many-seats', 'medium', true);
  if (typeof seats === 'number' && seats <= 10 && present(plan)) adjustments.push(['rule:small-account', 'lower', 1]);
  if (typeof contract === 'object' && contract !== null && (contract as { tier?: unknown }).tier === 'gold') {
    adjustments.push(['rule:gold-contract', 'floor', 1]);
  }
  if ((input.service === 'payments' || input.service === 'checkout') && OUTAGE.test(input.title)) {
    level('impact', 'rule:payments-outage', 'high', false);
    level('urgency', 'rule:payments-outage', 'high', false);
  }
  if (BREACH_TITLE.test(input.title) || BREACH_DESCRIPTION.test(input.description)) {
    setCategory('rule:breach-text', 'security', 'data-breach');
    declare('rule:breach-text', 'automatic');
  }
  if (flags.security && (!present(category) || category === 'general')) {
    setCategory('rule:security-flag-uncategorized', 'security', undefined);
  }
  if (category === 'security') {
    adjustments.push(['rule:security-category', 'floor', 1]);
    label('rule:security-category', 'security');
  }
  if (category === 'security' && impact === 'high') declare('rule:security-high-impact', 'automatic');
  if (category === 'database' && subcategory === 'replication') level('urgency', 'rule:replication', 'high', true);
  if (category === 'network' && (DNS_TITLE.test(input.title) || DNS_DESCRIPTION.test(input.description))) {
    setCategory('rule:dns', 'network', 'dns');
    label('rule:dns', 'dns');
  }
  if (category === 'hardware') adjustments.push(['rule:hardware', 'lower', 1]);
  if (input.tenant === 'globex' && input.service === 'payments' && category !== 'security' && category !== 'payments') {
    setCategory('rule:globex-card-processing', 'payments', 'card-processing');
  }
  if (flags.compliance) {
    adjustments.push(['rule:compliance', 'floor', 1]);
    label('rule:compliance', 'compliance', 'audit');
  }
  if (flags.financial && (input.service === 'payments' || plan === 'enterprise')) {
    level('impact', 'rule:financial', 'high', true);
  }
  if (flags.reputation) declare('rule:reputation', 'candidate');
  const similar = facts.recentSimilar;
  if (similar !== undefined && similar >= 5) {
    level('impact', 'rule:storm', 'high', true);
    label('rule:storm', 'storm');
  }
  if (similar !== undefined && similar >= 2 && similar <= 4) adjustments.push(['rule:cluster', 'raise', 1]);
  if (input.reporterKind === 'automation' && similar !== undefined && similar >= 3) {
    adjustments.push(['rule:automation-noise', 'cap', 3]);
    label('rule:automation-noise', 'noise');
  }
  if (input.environment === 'staging') adjustments.push(['rule:staging', 'lower', 1]);
  if (input.environment === 'development' || input.environment === 'test') {
    level('urgency', 'rule:dev-test', 'low', false);
    adjustments.push(['rule:dev-test', 'cap', 3]);
  }
  if (input.environment !== 'production' && flags.security)
    adjustments.push(['rule:non-production-security', 'floor', 2]);
  if (input.tenant === 'acme') label('rule:acme', 'acme');
  if (!present(input.tenant)) label('rule:internal', 'internal');
  if (input.severity === 'sev1' && impact === 'high' && urgency === 'high') declare('rule:sev1-high-high', 'candidate');
  if (
    impact === 'high' &&
    urgency === 'high' &&
    (facts.slaTier === 'platinum' || plan === 'enterprise' || flags.financial)
  ) {
    declare('rule:critical-customer', 'automatic');
    adjustments.push(['rule:critical-customer', 'floor', 0]);
  }
  if (
    facts.businessHours === false &&
    !(facts.slaTier === 'platinum' || flags.security || (impact === 'high' && urgency !== null))
  ) {
    adjustments.push(['rule:off-hours-routine', 'lower', 1]);
  }
  if (impact === 'low' && urgency !== 'high') adjustments.push(['rule:low-impact-cap', 'cap', 2]);
  if (present(subcategory)) label('rule:subcategorized', 'subcategorized');

  if (major === 'candidate' && !labels.includes('major-candidate')) labels.push('major-candidate');
  const decided = { impact, urgency, major, category, subcategory, labels };
  if (impact === null || urgency === null) {
    const missing = impact === null ? 'impact' : 'urgency';
    reasons.push({ rule: `${POLICY}:unprioritized`, detail: `No ${missing} yet: the incident cannot be prioritized` });
    return { ...decided, priority: null, reasons };
  }
  let name: string;
  let table: Table;
  if (category === 'payments' && input.tenant === 'globex' && input.service === 'payments') {
    [name, table] = ['globex-card-processing', GLOBEX_CARDS];
  } else if (input.service === 'payments' && input.environment === 'production') {
    [name, table] = ['service=payments,environment=production', PAYMENTS_PRODUCTION];
  } else if (input.tenant === 'acme') {
    [name, table] = ['acme', ACME];
  } else {
    [name, table] = ['itil', ITIL];
  }
  let priority = table[impact]?.[urgency] as Priority;
  reasons.push({
    rule: `matrix:${name}[impact=${impact}][urgency=${urgency}]`,
    detail: `Impact ${impact} and urgency ${urgency} give ${priority} in the ${name} matrix of policy ${POLICY}`,
    field: 'priority',
    after: priority,
  });
  for (const [rule, type, value] of adjustments) {
    const rank = PRIORITIES.indexOf(priority);
    let next: number;
    let what: string;
    if (type === 'raise') {
      next = Math.max(0, rank - value);
      what = `raises the priority by ${value}`;
    } else if (type === 'lower') {
      next = Math.min(PRIORITIES.length - 1, rank + value);
      what = `lowers the priority by ${value}`;
    } else if (type === 'floor') {
      next = Math.min(rank, value);
      what = `keeps the priority at ${PRIORITIES[value]} or more urgent`;
    } else {
      next = Math.max(rank, value);
      what = `keeps the priority at ${PRIORITIES[value]} or less urgent`;
    }
    const after = PRIORITIES[next] as Priority;
    const detail = after === priority ? `${what}: stays ${priority}` : `${what}: ${priority} -> ${after}`;
    reasons.push({ rule, detail, field: 'priority', before: priority, after });
    priority = after;
  }
  return { ...decided, priority, reasons };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = 5;
const inputs = randomPriorityInputs(N);
const engine = createPriorityEngine(FIFTY_RULES);
const jsonRules = createJsonRulesPolicy(FIFTY_RULES);

// All three agree on every input before anything is timed.
for (const [index, input] of inputs.entries()) {
  const decision = engine.evaluate(input);
  const hand = handWritten(input);
  if (!isDeepStrictEqual(decision, hand)) {
    throw new Error(`input ${index}: hand-written != engine\n${JSON.stringify({ input, decision, hand }, null, 2)}`);
  }
  const reference = await jsonRules.evaluate(input);
  const { fired: _, ...decided } = reference;
  const { reasons: __, ...engineDecided } = decision;
  if (!isDeepStrictEqual({ ...decided }, { ...engineDecided })) {
    throw new Error(
      `input ${index}: json-rules-engine != engine\n${JSON.stringify({ input, decision, reference }, null, 2)}`,
    );
  }
}

let sink = 0;
function syncRound(evaluate: (input: PriorityInput) => PriorityDecision): number {
  const start = process.hrtime.bigint();
  for (const input of inputs) sink += evaluate(input).reasons.length;
  return Number(process.hrtime.bigint() - start) / 1e6;
}
async function jsonRulesRound(): Promise<number> {
  const start = process.hrtime.bigint();
  for (const input of inputs) sink += (await jsonRules.evaluate(input)).fired.length;
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm up every path so the JIT has seen them (the check above ran each once already).
syncRound(engine.evaluate);
syncRound(handWritten);

const rounds: { engine: number; hand: number; jsonRules: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  rounds.push({ hand: syncRound(handWritten), engine: syncRound(engine.evaluate), jsonRules: await jsonRulesRound() });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const engineMs = median(rounds.map((r) => r.engine));
const handMs = median(rounds.map((r) => r.hand));
const jsonRulesMs = median(rounds.map((r) => r.jsonRules));
const row = (name: string, ms: number) => ({
  case: name,
  evaluations: N,
  ms: ms.toFixed(1),
  'us/evaluation': ((ms * 1000) / N).toFixed(2),
  'vs hand-written': (ms / handMs).toFixed(2),
  'vs engine': (ms / engineMs).toFixed(2),
});

console.log(`\nPriority: a 50-rule policy over ${N} random inputs (median of ${ROUNDS} rounds; checksum ${sink})\n`);
console.table([
  row('hand-written TypeScript', handMs),
  row('incidentkit engine', engineMs),
  row('json-rules-engine', jsonRulesMs),
]);
const speedup = jsonRulesMs / engineMs;
const overhead = engineMs / handMs;
console.log(
  `engine vs json-rules-engine: ${speedup.toFixed(1)}x faster (target >= 50x) ${speedup >= 50 ? 'OK' : 'OVER TARGET'}`,
);
console.log(`engine / hand-written: ${overhead.toFixed(2)}x (target <= 3x) ${overhead <= 3 ? 'OK' : 'OVER TARGET'}`);
