/**
 * The overrides of a schedule, flattened once by `defineSchedule()` into one sorted,
 * non-overlapping timeline in which the later override already won where overrides overlap, so
 * that a look-up is one binary search.
 */

/** An override as instants: `member` on call in `[from, to)`. */
export interface OverrideSpan {
  readonly from: number;
  readonly to: number;
  readonly member: string;
}

/** Overrides flattened: sorted, disjoint `[from[i], to[i])` in which override `index[i]` wins. */
export interface OverrideTimeline {
  readonly from: Float64Array;
  readonly to: Float64Array;
  readonly index: Int32Array;
  /** Members by override index. */
  readonly member: readonly string[];
}

/** A piece of the override timeline, clipped: `member` of override `index` in `[from, to)`. */
export interface OverridePiece extends OverrideSpan {
  readonly index: number;
}

/**
 * The overrides as sorted, disjoint pieces, each won by the latest override covering it: a sweep
 * over their ends with a max-heap of the indices in force (expired ones leave it when on top).
 * O(n log n) for n overrides.
 */
export function flattenOverrides(spans: readonly OverrideSpan[]): OverrideTimeline {
  const points: number[] = [];
  for (const s of spans) points.push(s.from, s.to);
  points.sort((a, b) => a - b);
  const byStart = spans.map((_, i) => i).sort((a, b) => spans[a]!.from - spans[b]!.from);
  const heap: number[] = [];
  const push = (x: number) => {
    heap.push(x);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! >= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const pop = () => {
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && heap[l]! > heap[top]!) top = l;
      if (r < heap.length && heap[r]! > heap[top]!) top = r;
      if (top === i) break;
      [heap[top], heap[i]] = [heap[i]!, heap[top]!];
      i = top;
    }
  };
  const from: number[] = [];
  const to: number[] = [];
  const index: number[] = [];
  let next = 0;
  for (let p = 0; p + 1 < points.length; p++) {
    const at = points[p]!;
    const until = points[p + 1]!;
    if (until === at) continue;
    while (next < byStart.length && spans[byStart[next]!]!.from <= at) push(byStart[next++]!);
    while (heap.length > 0 && spans[heap[0]!]!.to <= at) pop();
    const winner = heap[0];
    if (winner === undefined) continue;
    if (index[index.length - 1] === winner && to[to.length - 1] === at) to[to.length - 1] = until;
    else {
      from.push(at);
      to.push(until);
      index.push(winner);
    }
  }
  return {
    from: Float64Array.from(from),
    to: Float64Array.from(to),
    index: Int32Array.from(index),
    member: spans.map((s) => s.member),
  };
}

/** The position of the piece containing `at`, or -1. */
export function overrideAt(overrides: OverrideTimeline, at: number): number {
  let lo = 0;
  let hi = overrides.from.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (overrides.to[mid]! <= at) lo = mid + 1;
    else if (overrides.from[mid]! > at) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** The pieces in `[from, to)`, clipped to it. */
export function overridesIn(overrides: OverrideTimeline, from: number, to: number): OverridePiece[] {
  // The first piece that ends after `from`.
  let lo = 0;
  let hi = overrides.from.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (overrides.to[mid]! <= from) lo = mid + 1;
    else hi = mid;
  }
  const pieces: OverridePiece[] = [];
  for (let i = lo; i < overrides.from.length && overrides.from[i]! < to; i++) {
    const index = overrides.index[i]!;
    pieces.push({
      from: Math.max(overrides.from[i]!, from),
      to: Math.min(overrides.to[i]!, to),
      member: overrides.member[index]!,
      index,
    });
  }
  return pieces;
}
