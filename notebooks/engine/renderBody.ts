import type { Lang } from "../../messages/catalogue.ts";
import { columnHeader } from "../../messages/notebookColumns.ts";
import { notebookMessage } from "../../messages/notebooks.ts";
import { html, Raw } from "../../server/html.ts";
import { columnKind, formatValue } from "./formatValue.ts";
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
    if (section.kind === "table") return table(section.result, lang, notebook.names, t);
    const spec = localize(namedData(section.spec, lang, notebook.names), lang);
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
  // a value is an id: shown in code type after its name (`综合指数 (composite)`)
  const shown = (p: RenderedNotebook["params"][number]) => {
    const value = String(notebook.values[p.name] ?? p.default);
    const name = p.choiceLabels?.[value]?.[lang];
    return name && name !== value ? html`${name} (<code>${value}</code>)` : html`${value}`;
  };
  const items = [
    html`${t("notebook.study")} = ${notebook.names.title[lang]}`,
    ...notebook.params.map((p) => html`${p.label?.[lang] ?? p.name} = ${shown(p)}`),
  ];
  const list = new Raw(items.map((i) => i.value).join(lang === "zh" ? "；" : "; "));
  const [before, after] = t("notebook.computed_for", { list: "\u0000" }).split("\u0000");
  return html`<p class="nb-params">${before}${list}${after}</p>`;
}

/**
 * The columns a table shows in `lang`: of a pair `<stem>_zh` / `<stem>_en` only the reader's,
 * headed by the stem; every other column as it comes.
 */
export function shownColumns(names: readonly string[], lang: Lang): { index: number; name: string }[] {
  const other = lang === "zh" ? "en" : "zh";
  const paired = (name: string, suffix: string) =>
    name.endsWith(`_${suffix}`) &&
    names.includes(`${name.slice(0, -suffix.length - 1)}_${suffix === lang ? other : lang}`);
  return names.flatMap((name, index) =>
    paired(name, other) ? [] : [{ index, name: paired(name, lang) ? name.slice(0, -lang.length - 1) : name }],
  );
}

function table(
  result: BlockResult,
  lang: Lang,
  names: RenderedNotebook["names"],
  t: (
    key: "notebook.rows_shown" | "notebook.truncated" | "notebook.no_rows",
    params?: Record<string, string | number>,
  ) => string,
): Raw {
  const shown = result.rows.slice(0, TABLE_ROWS);
  const columns = shownColumns(
    result.columns.map((c) => c.name),
    lang,
  ).map((c) => ({ ...c, kind: columnKind(c.name, result.rows.find((r) => r[c.index] !== null)?.[c.index]) }));
  const numeric = (c: (typeof columns)[number]) =>
    ["count", "estimate", "p_value", "deff", "tolerance"].includes(c.kind) ? "num" : "";
  const cell = (row: unknown[], c: (typeof columns)[number]) => {
    const text = formatValue(row[c.index], c.kind, lang, names, c.name);
    return c.kind === "code" && text !== "—" && text !== ""
      ? html`<td><code>${text}</code></td>`
      : html`<td class="${numeric(c)}">${text}</td>`;
  };
  return html`<section class="nb-result" data-block="${result.name}" data-rows="${result.rows.length}">
<h3 class="nb-block-name"><code>${result.name}</code></h3>
${result.truncated ? html`<p class="nb-warning">${t("notebook.truncated", { rows: result.rows.length })}</p>` : ""}
<div class="nb-table-wrap"><table class="figures">
<thead><tr>${columns.map((c) => html`<th class="${numeric(c)}" data-column="${c.name}">${columnHeader(c.name, lang)}</th>`)}</tr></thead>
<tbody>${shown.length ? shown.map((row) => html`<tr>${columns.map((c) => cell(row, c))}</tr>`) : html`<tr><td colspan="${columns.length}">${t("notebook.no_rows")}</td></tr>`}</tbody>
</table></div>
${result.rows.length > shown.length ? html`<p class="nb-note">${t("notebook.rows_shown", { shown: shown.length, total: result.rows.length })}</p>` : ""}
</section>`;
}

/** A chart's rows with its ids (organizations, indicators, townships, waves, coded values) as the reader's names. */
function namedData(spec: Record<string, unknown>, lang: Lang, names: RenderedNotebook["names"]) {
  const data = spec.data as { values?: Record<string, unknown>[] } | undefined;
  if (!data?.values) return spec;
  const values = data.values.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        const kind = columnKind(k, v);
        const named = ["organization", "indicator", "township", "wave", "values"].includes(kind);
        return [k, named && v !== null ? formatValue(v, kind, lang, names, k) : v];
      }),
    ),
  );
  return { ...spec, data: { ...data, values } };
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
