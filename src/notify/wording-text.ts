// Text helpers shared by the default wordings (wording.ts, wording-public.ts).

/** Title characters a short line keeps; longer titles end in `...` (GSM-7 has no `…`). */
export const SHORT_TITLE_MAX = 80;
/** Characters of an update a subject keeps. */
export const SUBJECT_UPDATE_MAX = 120;

/**
 * Line breaks (and the spaces around them) as one space. For words people read (subjects, SMS
 * lines), so any run of breaks, U+2028 / U+2029 included, and the white space around it folds
 * into one space. Two other `oneLine`s differ on purpose: channels/markdown.ts's keeps a
 * subject as typed but for the CommonMark line endings, channels/email.ts's makes header values
 * safe (every control character).
 */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim();
}

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` graphemes, ending in `...` when cut. */
export function clip(text: string, max: number): string {
  // A string of at most `max` UTF-16 units has at most `max` graphemes: no need to segment it
  // (segmenting every subject was 30% of the dispatcher's CPU in bench:dispatch).
  if (text.length <= max) return text;
  const graphemes = Array.from(GRAPHEMES.segment(text), (s) => s.segment);
  return graphemes.length <= max
    ? text
    : `${graphemes
        .slice(0, max - 3)
        .join('')
        .trimEnd()}...`;
}

/** `2026-03-02T09:00:00.000Z` as `2026-03-02 09:00 UTC`. */
export function when(at: string): string {
  return `${at.slice(0, 16).replace('T', ' ')} UTC`;
}

export function unreachable(value: never): never {
  throw new Error(`Unexpected entry type ${String(value)}`);
}

/** The subject of an update: the reference and the update's first words. */
export function updateLine(reference: string, message: string, max: number): string {
  return `${reference}: ${clip(oneLine(message), max)}`;
}
