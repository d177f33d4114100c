import type { OutboxRow, TimerRow } from './rows.js';

// SQL snippets that the SQL adapters (SQLite, PostgreSQL) write the same way in both dialects.

/** The columns a timer is read with, as {@link TimerRow} names them. */
export const TIMER_COLUMNS = ['id', 'incident_id', 'name', 'due_at'] as const satisfies readonly (keyof TimerRow)[];

/** The columns an outbox message is read with, as {@link OutboxRow} names them. */
export const OUTBOX_COLUMNS = [
  'id',
  'incident_id',
  'channel',
  'audience',
  'payload',
  'created_at',
  'available_at',
  'lane',
  'status',
  'attempts',
  'last_error',
  'delivered_at',
] as const satisfies readonly (keyof OutboxRow)[];

/** `columns` as a select list, each qualified with `alias` when given (`o.id, o.incident_id, ...`). */
export function columnList(columns: readonly string[], alias?: string): string {
  return (alias === undefined ? columns : columns.map((column) => `${alias}.${column}`)).join(', ');
}

/**
 * The head-of-line condition of outbox claims: no earlier pending message in the line (incident,
 * channel and lane) of the message row aliased `row` of `outbox`. Only the head of a line is claimable,
 * so that the messages of one line are delivered in id order.
 */
export function outboxLineHead(outbox: string, row: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${outbox} AS earlier WHERE earlier.status = 'pending'
    AND earlier.incident_id = ${row}.incident_id AND earlier.channel = ${row}.channel AND earlier.lane = ${row}.lane
    AND earlier.id < ${row}.id)`;
}
