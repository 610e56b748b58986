// Draws every notebook chart: the spec (with its data) sits beside the chart in a JSON
// <script> element, which browsers never execute. Expressions go through vega-interpreter
// (no eval), so the server's strict content security policy holds. `expressionInterpreter`
// is put in scope by whoever ships this file (an import on the server, inlined in files).
for (const figure of document.querySelectorAll("figure.nb-chart")) {
  const view = figure.querySelector(".nb-chart-view");
  const source = figure.querySelector("script.nb-spec");
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  window
    .vegaEmbed(view, JSON.parse(source.textContent), {
      ast: true,
      expr: expressionInterpreter,
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      i18n: lang === "zh" ? { PNG_ACTION: "下载 PNG", SVG_ACTION: "下载 SVG" } : undefined,
    })
    .then(() => {
      figure.dataset.rendered = "true";
    })
    .catch((error) => {
      figure.dataset.rendered = "error";
      view.textContent = String(error.message);
      console.error(error);
    });
}
