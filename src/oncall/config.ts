import { customIssue, optionIssues, ValidationError } from '../domain/errors.js';
import {
  defineEscalationPolicy,
  type EscalationPolicy,
  type EscalationPolicyConfig,
  type EscalationSettings,
} from './policy.js';

/** The kit's `oncall` option. */
export interface OncallOptions {
  /**
   * Escalation policies, tried in order: an incident is paged by the first whose filters match
   * it when it first opens. An incident no policy matches escalates per `lifecycle.escalateAfter`.
   */
  escalationPolicies?: readonly (EscalationPolicyConfig | EscalationPolicy)[];
}

/** Validates the `oncall` option; issues under `oncall.escalationPolicies[i]`. Undefined without policies. */
export function resolveOncall(options: OncallOptions | undefined): EscalationSettings | undefined {
  const configs = options?.escalationPolicies ?? [];
  if (configs.length === 0) return undefined;
  const policies: EscalationPolicy[] = [];
  const issues = configs.flatMap((config, i) => {
    try {
      const policy = defineEscalationPolicy(config);
      if (policies.some((p) => p.name === policy.name)) {
        return [customIssue([i, 'name'], `Two escalation policies are named "${policy.name}"`, policy.name)];
      }
      policies.push(policy);
      return [];
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      return error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] }));
    }
  });
  if (issues.length > 0) throw optionIssues(['oncall', 'escalationPolicies'], issues);
  return { policies, onCall: () => null };
}
