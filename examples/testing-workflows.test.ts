/**
 * Unit tests a user writes for their own incident workflow: a fake clock, a recording channel and
 * `advance()` make a week of timers run in milliseconds, deterministically. See docs/testing.md.
 */
import { type ReportInput, TransitionError } from 'incidentkit';
import { createTestKit, RecordingChannel } from 'incidentkit/testing';
import { describe, expect, it } from 'vitest';

const checkoutDown = {
  title: 'Checkout error rate above 20%',
  reporter: { name: 'Prometheus', kind: 'monitoring' },
  service: 'checkout',
  impact: 'high',
  urgency: 'high',
} satisfies ReportInput;

describe('escalation', () => {
  it('a P1 that nobody acknowledges escalates after 10 minutes', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { escalateAfter: 'PT10M' } });
    const incident = await kit.report(checkoutDown);
    expect(incident.priority).toBe('P1');

    await advance('PT9M59S');
    expect((await kit.get(incident.id)).escalation.level).toBe(0);

    const result = await advance('PT1S');
    expect(result.timersFired).toBe(1);
    const escalated = await kit.get(incident.id);
    expect(escalated.escalation.level).toBe(1);
    expect(escalated.assignment.tier).toBe(2);
    const last = (await kit.timeline(incident.id)).at(-1);
    expect(last).toMatchObject({ type: 'escalated', actor: { id: 'system' }, step: { automatic: true } });
  });

  it('stops after maxEscalations', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { escalateAfter: 'PT10M', maxEscalations: 2 } });
    const incident = await kit.report(checkoutDown);
    await advance('PT1H');
    expect((await kit.get(incident.id)).escalation.level).toBe(2);
  });

  it('an acknowledged P1 does not escalate', async () => {
    const { kit, advance } = createTestKit({ lifecycle: { escalateAfter: 'PT10M' } });
    const incident = await kit.report(checkoutDown);
    await advance('PT5M');
    await kit.acknowledge(incident.id, {}, { actor: 'ana' });
    await advance('PT1H');
    expect((await kit.get(incident.id)).escalation.level).toBe(0);
  });
});

describe('closing', () => {
  it('a resolved incident auto-closes after a week', async () => {
    const { kit, advance } = createTestKit();
    const incident = await kit.report(checkoutDown);
    await kit.acknowledge(incident.id, {}, { actor: 'ana' });
    await kit.resolve(incident.id, { summary: 'Rolled back the release' }, { actor: 'ana' });

    await advance('P6DT23H59M');
    expect((await kit.get(incident.id)).status).toBe('resolved');

    await advance('PT1M');
    const closed = await kit.get(incident.id);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toBe('2026-01-12T09:00:00.000Z'); // the test kit's clock starts on 2026-01-05T09:00Z
    expect((await kit.timeline(incident.id)).at(-1)).toMatchObject({ type: 'closed', automatic: true });
  });

  it('a major incident closes only after its review', async () => {
    const { kit, advance } = createTestKit();
    const incident = await kit.report(checkoutDown);
    await kit.acknowledge(incident.id, {}, { actor: 'ana' });
    await kit.declareMajor(incident.id, { reason: 'All regions' }, { actor: 'ana' });
    await kit.resolve(incident.id, { summary: 'Rolled back' }, { actor: 'ana' });
    await kit.recover(incident.id, {}, { actor: 'ana' });
    await advance('P30D'); // no auto-close for major incidents
    expect((await kit.get(incident.id)).status).toBe('resolved');

    await expect(kit.close(incident.id, {}, { actor: 'ana' })).rejects.toSatisfy(TransitionError.isInstance);
    await kit.recordReview(
      incident.id,
      { summary: 'Bad release', rootCause: 'No canary', actionItems: [{ title: 'Add a canary stage' }] },
      { actor: 'ana' },
    );
    expect((await kit.close(incident.id, {}, { actor: 'ana' })).status).toBe('closed');
  });
});

describe('communication', () => {
  it('customers get the update', async () => {
    const statusPage = new RecordingChannel('status-page');
    const { kit, advance } = createTestKit({ channels: [statusPage] });
    const incident = await kit.report(checkoutDown);
    await kit.acknowledge(incident.id, {}, { actor: 'ana' });
    await kit.postUpdate(
      incident.id,
      { audience: 'customers', message: 'Payments are failing; we are on it.', phase: 'identified' },
      { actor: 'ana' },
    );

    await advance(); // delivers what is due now
    const toCustomers = statusPage.messages.filter((m) => m.audience === 'customers');
    expect(toCustomers).toHaveLength(1);
    expect(toCustomers[0]?.event).toBe('incident.update_posted');
    expect(toCustomers[0]?.subject).toContain('Payments are failing; we are on it.');
  });

  it('a failed delivery is retried with the same idempotency key', async () => {
    const { kit, channels, advance } = createTestKit();
    const recording = channels.recording as RecordingChannel;
    recording.failNext(1);
    await kit.report(checkoutDown);

    expect((await advance()).failed).toBe(1);
    // The first wait of the default retry schedule is 5 s, stretched by up to 20% (delivery.jitter).
    const retried = await advance('PT6S');
    expect(retried.delivered).toBe(2); // the retried `reported`, then `triaged` that queued behind it
    const [first, second] = recording.calls;
    expect(second?.context).toEqual({ attempt: 2, idempotencyKey: first?.context.idempotencyKey });
  });
});
