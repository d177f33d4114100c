import {
  ConcurrencyError,
  createIncidentKit,
  type PriorityPolicy,
  TransitionError,
  ValidationError,
} from 'incidentkit';
import { createTestKit, FakeClock } from 'incidentkit/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TRIAGED_REPORT as REPORT, rejection } from '../support.js';

describe('deduplication under concurrency', () => {
  test('concurrent reports with one dedup key open one incident and absorb the rest', async () => {
    const { kit } = createTestKit();
    const alert = { ...REPORT, dedupKey: 'checkout-5xx' };
    const results = await Promise.all(Array.from({ length: 5 }, () => kit.report(alert)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const [incident] = (await kit.list()).items;
    expect(incident).toBeDefined();
    const timeline = await kit.timeline(incident?.id ?? '');
    expect(timeline.filter((e) => e.type === 'reported')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'duplicate_reported')).toHaveLength(4);
  });

  test('once the incident is resolved, the same key opens a new one', async () => {
    const { kit } = createTestKit();
    const alert = { ...REPORT, dedupKey: 'disk-full' };
    const first = await kit.report(alert);
    await kit.resolve(first.id, { summary: 'Cleaned up' });
    const second = await kit.report(alert);
    expect(second.id).not.toBe(first.id);
  });
});

describe('configuration guards', () => {
  test.each([
    ['escalateAfter', { escalateAfter: 0 }],
    ['acknowledgementTimeout', { acknowledgementTimeout: 'PT0S' }],
    ['communicationCadence', { communicationCadence: 500 }],
  ])('a repeating timer shorter than a second is refused: %s', (_name, lifecycle) => {
    expect(() => createIncidentKit({ lifecycle })).toThrow(ValidationError);
  });

  test('retry waits shorter than a second are refused', () => {
    expect(() => createIncidentKit({ delivery: { retrySchedule: [0] } })).toThrow(/at least 1 second/);
  });

  test('a priority policy that returns nonsense is a ValidationError and nothing is written', async () => {
    const broken: PriorityPolicy = {
      name: 'broken',
      levels: { impact: ['high', 'low'], urgency: ['high', 'low'] },
      evaluate: () => ({ priority: 'P9', impact: 'high', urgency: 'high', reasons: [] }) as never,
    };
    const { kit } = createTestKit({ priority: broken });
    const error = await rejection(kit.report(REPORT));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/priority policy "broken"/);
    expect((await kit.list()).items).toHaveLength(0);
  });
});

describe('input guards', () => {
  test('impact alone leaves it new, unless a rule of the policy supplies the urgency', async () => {
    const { kit } = createTestKit();
    const alone = await kit.report({ ...REPORT, urgency: undefined });
    expect([alone.status, alone.priority]).toEqual(['new', null]);
    const withRule = createTestKit({
      priority: {
        rules: [
          {
            id: 'monitoring-is-urgent',
            when: { field: 'reporter.kind', op: 'equals', value: 'monitoring' },
            effects: [{ type: 'setUrgency', level: 'high' }],
          },
        ],
      },
    });
    const alert = await withRule.kit.report({
      ...REPORT,
      urgency: undefined,
      reporter: { name: 'Prometheus', kind: 'monitoring' },
    });
    expect([alert.status, alert.priority, alert.urgency]).toEqual(['open', 'P1', 'high']);
  });

  test('custom fields must stay plain JSON data, or nothing is written', async () => {
    const { kit } = createTestKit({ custom: z.object({ since: z.coerce.date() }) });
    const error = await rejection(kit.report({ ...REPORT, custom: { since: '2026-01-01' } }));
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/custom\.since is a Date/);
    expect((await kit.list()).items).toHaveLength(0);
  });

  test('a cancel as duplicate of an unknown or the same incident is refused', async () => {
    const { kit } = createTestKit();
    const { id } = await kit.report(REPORT);
    for (const duplicateOf of ['nope', id]) {
      const error = await rejection(kit.cancel(id, { reason: 'duplicate', duplicateOf }));
      expect(ValidationError.isInstance(error)).toBe(true);
    }
    expect((await kit.get(id)).status).toBe('open');
  });

  test('a refused command on a terminal incident is a TransitionError even with bad input details', async () => {
    const { kit } = createTestKit();
    const { id } = await kit.report(REPORT);
    await kit.cancel(id, { reason: 'false_positive' });
    const error = await rejection(kit.cancel(id, { reason: 'duplicate', duplicateOf: 'nope' }));
    expect(TransitionError.isInstance(error)).toBe(true);
  });

  test('refusal reasons fit the state', async () => {
    const { kit } = createTestKit();
    const { id } = await kit.report(REPORT);
    await kit.declareMajor(id, { reason: 'Revenue' });
    const early = (await rejection(kit.close(id))) as TransitionError;
    expect(early.message).not.toMatch(/review/);
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    await kit.recover(id);
    const late = (await rejection(kit.close(id))) as TransitionError;
    expect(late.message).toMatch(/needs its review first/);
  });
});

describe('events', () => {
  test('a listener that mutates its payload changes neither the caller’s result nor the store', async () => {
    const { kit } = createTestKit();
    kit.on('incident.acknowledged', ({ incident }) => {
      incident.title = 'MUTATED';
    });
    const { id } = await kit.report(REPORT);
    const acknowledged = await kit.acknowledge(id);
    expect(acknowledged.title).toBe(REPORT.title);
    expect((await kit.get(id)).title).toBe(REPORT.title);
  });
});

describe('major incidents', () => {
  test('downgrading a recovered major incident lets it close by itself again', async () => {
    const { kit, advance } = createTestKit();
    const { id } = await kit.report(REPORT);
    await kit.declareMajor(id, { reason: 'Revenue' });
    await kit.acknowledge(id);
    await kit.resolve(id, { summary: 'Fixed' });
    await kit.recover(id);
    await advance('P8D');
    expect((await kit.get(id)).status).toBe('resolved');
    await kit.downgradeMajor(id, { reason: 'Smaller than we thought' });
    await advance('P7D');
    expect((await kit.get(id)).status).toBe('closed');
  });
});

describe('concurrency errors carry the versions', () => {
  test('a stale expectedVersion names both versions', async () => {
    const { kit } = createTestKit({ clock: new FakeClock() });
    const { id } = await kit.report(REPORT);
    const error = (await rejection(kit.note(id, { text: 'x' }, { expectedVersion: 7 }))) as ConcurrencyError;
    expect(ConcurrencyError.isInstance(error)).toBe(true);
    expect([error.expectedVersion, error.actualVersion]).toEqual([7, 1]);
  });
});
