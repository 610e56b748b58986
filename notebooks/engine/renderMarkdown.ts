import type { Lang } from "../../messages/catalogue.ts";
import { escapeHtml } from "../../server/html.ts";

/**
 * The Markdown of notebook prose as HTML: headings, paragraphs, lists, block quotes, fenced
 * code, `code`, **bold**, *italic* and [links](https://...). Everything is escaped first, so
 * prose can never inject markup or script; links go to http(s), relative paths or #anchors only.
 * Lines between `:::zh` (or `:::en`) and `:::` are kept only in that language.
 *
 * @example
 *   renderMarkdown("# Weights\n\nThe **calibrated** weights.", "en")
 */
export function renderMarkdown(markdown: string, lang: Lang): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | undefined;
  let keep = true;
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(" "))}</p>`);
    paragraph = [];
    if (list)
      out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.tag}>`);
    list = undefined;
  };
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^:::\s*(zh|en)?\s*$/.exec(line);
    if (fence) {
      flush();
      keep = fence[1] === undefined || fence[1] === lang;
      continue;
    }
    if (!keep) continue;
    if (/^```/.test(line)) {
      flush();
      const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
      const stop = close < 0 ? lines.length : close;
      out.push(`<pre><code>${escapeHtml(lines.slice(i + 1, stop).join("\n"))}</code></pre>`);
      i = stop;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    const quote = /^>\s?(.*)$/.exec(line);
    if (heading) {
      flush();
      // the page title is the h1; notebook headings start one level lower
      const level = Math.min(6, heading[1]!.length + 1);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
    } else if (bullet || numbered) {
      if (paragraph.length) flush();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flush();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (quote) {
      flush();
      out.push(`<blockquote>${inline(quote[1]!)}</blockquote>`);
    } else if (!line.trim()) {
      flush();
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      if (list) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return out.join("\n");
}

function inline(text: string): string {
  const codes: string[] = [];
  let s = escapeHtml(text).replace(/`([^`]+)`/g, (_m, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\uE000${codes.length - 1}\uE001`;
  });
  s = s
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, href: string) =>
      /^(https?:\/\/|\/|\.{0,2}\/|#)/.test(href) || /^[\w./-]+$/.test(href)
        ? `<a href="${href}">${label}</a>`
        : whole,
    );
  return s.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => codes[Number(i)]!);
}
