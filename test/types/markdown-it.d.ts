// markdown-it (a CommonMark parser, installed as typedoc's dependency) ships no types; the tests
// use only this much of it.
declare module 'markdown-it' {
  interface MarkdownIt {
    render(source: string): string;
  }
  /** `markdownit('commonmark')`: strict CommonMark, raw HTML enabled, no linkify. */
  export default function markdownit(preset?: 'commonmark' | 'default' | 'zero'): MarkdownIt;
}
