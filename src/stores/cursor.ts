import { IncidentQuerySchema } from '../domain/query.js';

// ---------------------------------------------------------------------------------------------
// Cursors of queries ordered by id: shared by the adapters
// ---------------------------------------------------------------------------------------------

/** Position in a query ordered by id. */
export interface Cursor {
  order: 'asc' | 'desc';
  after: string;
}

/** Opaque text of a cursor: base64url of the order and the last id. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.order === 'asc' ? 'a' : 'd'}:${cursor.after}`, 'utf8').toString('base64url');
}

/** The cursor in `text`, or null when it is malformed. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  if (Buffer.from(raw, 'utf8').toString('base64url') !== text) return null;
  const order = raw.startsWith('a:') ? 'asc' : raw.startsWith('d:') ? 'desc' : null;
  if (order === null || raw.length < 3) return null;
  return { order, after: raw.slice(2) };
}

/** {@link IncidentQuerySchema} plus a check that the cursor is well formed and fits the order. */
export const QuerySchema = IncidentQuerySchema.superRefine((q, ctx) => {
  if (q.cursor === undefined) return;
  const cursor = decodeCursor(q.cursor);
  if (cursor === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['cursor'],
      message: 'Malformed cursor: pass the nextCursor of a previous page unchanged',
    });
  } else if (cursor.order !== (q.order ?? 'asc')) {
    ctx.addIssue({
      code: 'custom',
      path: ['cursor'],
      message: `This cursor continues a query in ${cursor.order} order, not ${q.order ?? 'asc'}`,
    });
  }
});
