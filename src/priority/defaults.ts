import { DEFAULT_LEVELS, type Level, type Priority } from '../domain/incident.js';
import type { PriorityRule } from './policy.js';

/** ServiceNow's default impact x urgency table: rows are impact, columns urgency. */
export const ITIL_MATRIX: Readonly<
  Record<'high' | 'medium' | 'low', Readonly<Record<'high' | 'medium' | 'low', Priority>>>
> = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};

/**
 * The built-in rules, in order (remove them with `defaultRules: false`, or copy the ones you want):
 *
 * 1. `default.users-affected-1000`: 1,000 or more users affected raise impact to the top level.
 * 2. `default.users-affected-100`: 100 or more raise it to at least the second level.
 * 3. `default.non-production`: outside `production`, lower the priority by one and cap it at P3.
 * 4. `default.security-compliance`: a security or compliance flag floors the priority at P2 (after
 *    the non-production rule, so that it wins).
 */
export function defaultPriorityRules(impactLevels: readonly Level[] = DEFAULT_LEVELS): PriorityRule[] {
  const [top, second] = impactLevels as [Level, Level];
  return [
    {
      id: 'default.users-affected-1000',
      description: 'Many users affected: top impact',
      when: { field: 'usersAffected', op: 'gte', value: 1000 },
      effects: [{ type: 'raiseImpact', to: top }],
    },
    {
      id: 'default.users-affected-100',
      description: 'A hundred users affected: at least the second impact level',
      when: { field: 'usersAffected', op: 'gte', value: 100 },
      effects: [{ type: 'raiseImpact', to: second }],
    },
    {
      id: 'default.non-production',
      description: 'Outside production: one step less urgent, at most P3',
      when: { not: { field: 'environment', op: 'equals', value: 'production' } },
      effects: [
        { type: 'lower', by: 1 },
        { type: 'cap', priority: 'P3' },
      ],
    },
    {
      id: 'default.security-compliance',
      description: 'Security or compliance implications: at least P2',
      when: {
        any: [
          { field: 'flags.security', op: 'equals', value: true },
          { field: 'flags.compliance', op: 'equals', value: true },
        ],
      },
      effects: [{ type: 'floor', priority: 'P2' }],
    },
  ];
}
