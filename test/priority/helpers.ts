/** Helpers shared by the priority tests. */
import { type PriorityInput, ValidationError } from 'incidentkit';
import { expect } from 'vitest';

/** A complete input to `evaluate()`: production, no flags, nothing else set unless overridden. */
export function input(overrides: Partial<PriorityInput> = {}): PriorityInput {
  return {
    impact: 'medium',
    urgency: 'medium',
    title: 'Checkout is slow',
    description: '',
    service: 'shop',
    environment: 'production',
    reporterKind: 'employee',
    flags: { security: false, compliance: false, financial: false, reputation: false },
    labels: [],
    custom: {},
    facts: {},
    ...overrides,
  };
}

/** The issue paths of the ValidationError that `fn` throws; fails the test if it throws anything else. */
export function validationPaths(fn: () => unknown): PropertyKey[][] {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(ValidationError.isInstance(thrown), `expected a ValidationError, got ${String(thrown)}`).toBe(true);
  return (thrown as ValidationError).issues.map((issue) => issue.path);
}

/** Flags with only `set` true. */
export function flags(set: Partial<PriorityInput['flags']> = {}): PriorityInput['flags'] {
  return { security: false, compliance: false, financial: false, reputation: false, ...set };
}
