import type { TopLevelSpec } from "vega-lite";
import { type Lang, message } from "../../messages/catalogue.ts";
import { html, Raw } from "../html.ts";

/**
 * A chart on a page: the Vega-Lite spec travels in a JSON data block beside its element (not a
 * script: the content security policy stays strict), app.js renders it. `rows` is the number of
 * marks named `marks` the chart must draw; the browser tests count them. A chart with nothing to
 * draw is its title and a sentence in `lang`, never empty axes (a scale over no data labels its
 * one tick 0.000000).
 */
export function chartBlock(
  id: string,
  spec: TopLevelSpec,
  rows: number,
  marks: string,
  caption = "",
  lang: Lang = "zh",
): Raw {
  if (rows === 0) {
    const title = typeof spec.title === "string" ? spec.title : "";
    return html`<figure class="chart-figure chart-empty" id="${id}">
<p class="chart-title">${title}</p>
<p class="note">${message("table.empty_chart", lang)}</p>
</figure>`;
  }
  // "<" and "&" escaped so no label can close the block or start markup
  const json = JSON.stringify(spec)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
  return html`<figure class="chart-figure">
<div id="${id}" class="chart" data-spec-id="${id}-spec" data-rows="${rows}" data-marks="${marks}"></div>
<script type="application/json" id="${id}-spec">${new Raw(json)}</script>
${caption ? html`<figcaption class="note">${caption}</figcaption>` : ""}
</figure>`;
}

/** The scripts that render the charts, at the end of a page body. */
export const chartScripts = html`<script src="/assets/vendor/vega.min.js"></script>
<script src="/assets/vendor/vega-lite.min.js"></script>
<script src="/assets/vendor/vega-embed.min.js"></script>
<script type="module" src="/assets/app.js"></script>`;
