import type { Lang } from "../../messages/catalogue.ts";
import { notebookMessage } from "../../messages/notebooks.ts";
import { html, Raw } from "../../server/html.ts";
import { localize } from "./localize.ts";
import { renderMarkdown } from "./renderMarkdown.ts";
import type { BlockResult, RenderedNotebook } from "./types.ts";

/** Rows a result table shows; the charts get every row. */
const TABLE_ROWS = 50;

/**
 * The notebook as HTML: its title, a line on suppression, prose, result tables and chart
 * figures (each with its spec and data in a JSON <script> that client.js draws). Shared by the
 * server's page and the self-contained file, so both show the same thing.
 */
export function renderBody(notebook: RenderedNotebook, lang: Lang, form?: Raw): Raw {
  const t = (key: Parameters<typeof notebookMessage>[0], params = {}) => notebookMessage(key, lang, params);
  const sections = notebook.sections.map((section) => {
    if (section.kind === "prose")
      return html`<div class="nb-prose">${rawHtml(renderMarkdown(section.markdown, lang))}</div>`;
    if (section.kind === "table") return table(section.result, t);
    const spec = localize(section.spec, lang);
    return html`<figure class="nb-chart" data-query="${section.query}" data-rows="${section.rows}" data-line="${section.line}"><div class="nb-chart-view"></div><script type="application/json" class="nb-spec">${rawHtml(jsonForScript(spec))}</script></figure>`;
  });
  return html`<article class="notebook" data-notebook="${notebook.name}">
<h1>${notebook.title[lang]}</h1>
${parameterLine(notebook, lang, t)}
${form ?? ""}
<p class="${notebook.suppress ? "nb-note" : "nb-note nb-warning"}">${notebook.suppress ? t("notebook.suppressed") : t("notebook.unsuppressed")}</p>
${sections}
</article>`;
}

/** What the figures were computed for (the study, the wave, ...), so a saved or printed copy says it. */
function parameterLine(
  notebook: RenderedNotebook,
  lang: Lang,
  t: (key: "notebook.computed_for" | "notebook.study", params?: Record<string, string | number>) => string,
): Raw | string {
  const shown = (p: RenderedNotebook["params"][number]) => {
    const value = String(notebook.values[p.name] ?? p.default);
    const name = p.choiceLabels?.[value]?.[lang];
    return name && name !== value ? `${name} (${value})` : value;
  };
  const list = [
    `${t("notebook.study")} = ${notebook.study}`,
    ...notebook.params.map((p) => `${p.label?.[lang] ?? p.name} = ${shown(p)}`),
  ].join(lang === "zh" ? "；" : "; ");
  return html`<p class="nb-params">${t("notebook.computed_for", { list })}</p>`;
}

function table(
  result: BlockResult,
  t: (
    key: "notebook.rows_shown" | "notebook.truncated" | "notebook.no_rows",
    params?: Record<string, string | number>,
  ) => string,
): Raw {
  const shown = result.rows.slice(0, TABLE_ROWS);
  const cell = (v: unknown) =>
    v === null
      ? "—"
      : typeof v === "number"
        ? formatNumber(v)
        : typeof v === "object"
          ? JSON.stringify(v)
          : String(v);
  return html`<section class="nb-result" data-block="${result.name}" data-rows="${result.rows.length}">
<h3 class="nb-block-name">${result.name}</h3>
${result.truncated ? html`<p class="nb-warning">${t("notebook.truncated", { rows: result.rows.length })}</p>` : ""}
<div class="nb-table-wrap"><table class="figures">
<thead><tr>${result.columns.map((c) => html`<th>${c.name}</th>`)}</tr></thead>
<tbody>${shown.length ? shown.map((row) => html`<tr>${row.map((v) => html`<td>${cell(v)}</td>`)}</tr>`) : html`<tr><td colspan="${result.columns.length}">${t("notebook.no_rows")}</td></tr>`}</tbody>
</table></div>
${result.rows.length > shown.length ? html`<p class="nb-note">${t("notebook.rows_shown", { shown: shown.length, total: result.rows.length })}</p>` : ""}
</section>`;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** JSON that is safe inside a <script> element: no `</script>`, no HTML comment openers. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

function rawHtml(value: string): Raw {
  return new Raw(value);
}
