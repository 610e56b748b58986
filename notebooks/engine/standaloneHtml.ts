import type { Lang } from "../../messages/catalogue.ts";
import { notebookMessage } from "../../messages/notebooks.ts";
import { escapeHtml } from "../../server/html.ts";
import { localTime } from "./formatValue.ts";
import { renderBody } from "./renderBody.ts";
import type { RenderedNotebook } from "./types.ts";
import { clientScript, inlineInterpreter, vegaBuilds } from "./vendorScripts.ts";

export const NOTEBOOK_CSS = `
body{font-family:"Noto Sans CJK SC","Noto Sans",system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1b1b1b;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem}h3{font-size:1.1rem}
table.figures{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
table.figures th,table.figures td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left}
table.figures td{white-space:nowrap}table.figures th{min-width:4em;max-width:12em;vertical-align:bottom}
.nb-table-wrap{overflow-x:auto;max-width:100%}table.figures .num{text-align:right;white-space:nowrap}
.nb-chart-view{max-width:100%;overflow-x:auto}.nb-block-name{font-family:monospace;font-size:.85rem;color:#555}
.nb-note{color:#555;font-size:.85rem}.nb-warning{color:#a40000;font-weight:bold}
figure.nb-chart{margin:1rem 0}.nb-meta{color:#777;font-size:.8rem}
code{background:#f3f3f3;padding:0 .2rem}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}
`;

/** Text inside <script> must not close the element. */
function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * One self-contained HTML file: the rendered notebook with its data, the vega, vega-lite and
 * vega-embed builds and the chart script inlined, so it opens offline and can be emailed.
 */
export function standaloneHtml(
  notebook: RenderedNotebook,
  lang: Lang,
  meta: { renderedAt: string; snapshot: string },
): string {
  const body = renderBody(notebook, lang).value;
  const scripts = vegaBuilds()
    .map((code) => `<script>${scriptText(code)}</script>`)
    .join("\n");
  const client = `${inlineInterpreter()}\n${clientScript()}`;
  return `<!doctype html>
<html lang="${lang === "zh" ? "zh-CN" : "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(notebook.title[lang])}</title>
<style>${NOTEBOOK_CSS}</style>
</head>
<body>
<main>${body}
<p class="nb-meta">${escapeHtml(notebookMessage("notebook.rendered_at", lang, { at: localTime(meta.renderedAt, notebook.names.timeZone), snapshot: meta.snapshot }))}</p>
</main>
${scripts}
<script type="module">${scriptText(client)}</script>
</body>
</html>
`;
}
