// Renders every element with data-spec as a Vega-Lite chart. Specs come from the server's
// chart builders; expressions are evaluated by vega-interpreter (no eval, strict CSP).
import { expressionInterpreter } from "/assets/vendor/vega-interpreter.js";

async function render(element) {
  const response = await fetch(element.dataset.spec, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`chart spec ${element.dataset.spec}: HTTP ${response.status}`);
  const spec = await response.json();
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  await window.vegaEmbed(element, spec, {
    ast: true,
    expr: expressionInterpreter,
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
    i18n: lang === "zh" ? { PNG_ACTION: "下载 PNG", SVG_ACTION: "下载 SVG" } : undefined,
  });
  element.dataset.rendered = "true";
}

for (const element of document.querySelectorAll("[data-spec]")) {
  render(element).catch((error) => {
    element.dataset.rendered = "error";
    element.textContent = String(error.message);
    console.error(error);
  });
}
