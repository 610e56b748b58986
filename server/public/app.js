// Renders every chart on the page with vega-embed: specs come from the server's chart builders,
// inline as JSON data blocks ([data-spec-id]) or from an endpoint ([data-spec]). Expressions are
// evaluated by vega-interpreter (no eval, strict CSP). Charts are SVG so they print sharply.
import { expressionInterpreter } from "/assets/vendor/vega-interpreter.js";

const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

async function specOf(element) {
  if (element.dataset.specId) {
    const block = document.getElementById(element.dataset.specId);
    if (!block) throw new Error(`chart spec ${element.dataset.specId} is missing`);
    return JSON.parse(block.textContent);
  }
  const response = await fetch(element.dataset.spec, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`chart spec ${element.dataset.spec}: HTTP ${response.status}`);
  return response.json();
}

async function render(element) {
  const spec = await specOf(element);
  await window.vegaEmbed(element, spec, {
    ast: true,
    expr: expressionInterpreter,
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
    i18n:
      lang === "zh"
        ? { PNG_ACTION: "下载 PNG", SVG_ACTION: "下载 SVG", CLICK_TO_VIEW_ACTIONS: "下载" }
        : undefined,
    downloadFileName: element.id || "chart",
    config: {
      font: getComputedStyle(document.documentElement).fontFamily,
      view: { stroke: "#e4e4e4" },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eeeeee" },
      title: { fontSize: 14, anchor: "start", offset: 10 },
    },
  });
  element.dataset.rendered = "true";
}

for (const element of document.querySelectorAll("[data-spec], [data-spec-id]")) {
  render(element).catch((error) => {
    element.dataset.rendered = "error";
    element.textContent = String(error.message);
    console.error(error);
  });
}

// Filters live in the URL: changing one reloads the view with the new query string.
for (const form of document.querySelectorAll("form.filters")) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
}
