import MarkdownIt from "markdown-it";
import type { Lang } from "../../messages/catalogue.ts";

/**
 * Notebook prose is CommonMark (with tables and strikethrough), rendered by markdown-it with
 * raw HTML off: prose can never inject markup or script, and links to `javascript:`, `vbscript:`
 * or `data:` (other than images) are refused by markdown-it's own link check.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

// the page title is the h1: notebook headings start one level lower
markdown.renderer.rules.heading_open = (tokens, i, options, _env, self) => {
  const token = tokens[i]!;
  token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
  return self.renderToken(tokens, i, options);
};
markdown.renderer.rules.heading_close = (tokens, i, options, _env, self) => {
  const token = tokens[i]!;
  token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
  return self.renderToken(tokens, i, options);
};

/**
 * The Markdown of notebook prose as HTML, in the reader's language: lines between `:::zh`
 * (or `:::en`) and `:::` are kept only in that language; the rest is CommonMark.
 *
 * @example
 *   renderMarkdown("# Weights\n\nThe **calibrated** weights.", "en")
 */
export function renderMarkdown(text: string, lang: Lang): string {
  const kept: string[] = [];
  let keep = true;
  for (const line of text.split("\n")) {
    const fence = /^:::\s*(zh|en)?\s*$/.exec(line);
    if (fence) {
      // a language block ends a paragraph or list, as a blank line would
      kept.push("");
      keep = fence[1] === undefined || fence[1] === lang;
      continue;
    }
    if (keep) kept.push(line);
  }
  return markdown.render(kept.join("\n")).trim();
}
