import { type ParsedIncidentQuery, parseIncidentQuery } from '../../domain/query.js';
import type { IncidentQuery } from '../../ports/store.js';

/** How a SQL dialect writes what differs between drivers. */
export interface SqlDialect {
  /** The placeholder of the `index`-th parameter (1-based): `?` or `$1`. */
  param(index: number): string;
  /** A boolean as the driver binds it. */
  bool(value: boolean): unknown;
}

/** A query ordered by id, selecting `id` and `record` of at most `limit + 1` incidents. */
export interface IncidentSelect {
  sql: string;
  params: unknown[];
  limit: number;
  order: ParsedIncidentQuery['order'];
}

/**
 * The SQL of `IncidentStore.query` over the indexed columns of {@link INCIDENT_COLUMNS}: every
 * filter of `IncidentQuery`, combined with AND, ordered by id, after the cursor. Validates the
 * query first (`ValidationError`).
 */
export function selectIncidents(input: IncidentQuery, table: string, dialect: SqlDialect): IncidentSelect {
  const q = parseIncidentQuery(input);
  const { order, limit } = q;
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.param(params.length);
  };
  const oneOf = (column: string, values: string[] | undefined) => {
    if (values !== undefined)
      where.push(values.length === 0 ? 'FALSE' : `${column} IN (${values.map(bind).join(', ')})`);
  };
  const equals = (column: string, value: unknown) => {
    if (value !== undefined) where.push(`${column} = ${bind(value)}`);
  };
  oneOf('status', q.status);
  oneOf('priority', q.priority);
  equals('service', q.service);
  equals('environment', q.environment);
  equals('tenant', q.tenant);
  equals('major', q.major === undefined ? undefined : dialect.bool(q.major));
  equals('category', q.category);
  if (q.reportedFrom !== undefined) where.push(`reported_at >= ${bind(q.reportedFrom)}`);
  if (q.reportedTo !== undefined) where.push(`reported_at < ${bind(q.reportedTo)}`);
  equals('breached', q.breached === undefined ? undefined : dialect.bool(q.breached));
  if (q.slaDueBefore !== undefined) where.push(`sla_due_at < ${bind(q.slaDueBefore)}`);
  if (q.after !== null) where.push(`id ${order === 'asc' ? '>' : '<'} ${bind(q.after)}`);
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  const sql = `SELECT id, record FROM ${table}${filter} ORDER BY id ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ${bind(limit + 1)}`;
  return { sql, params, limit, order };
}
