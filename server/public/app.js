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

// ---- fitting a chart to its container (a phone is 390 px wide; the specs are drawn for a desk) ----

const MIN_PLOT = 140; // narrower than this a chart stops shrinking and its box scrolls instead
const AXIS_PAD = 36; // axis ticks, padding and the view's stroke beside the y labels

/** Approximate width of text in px: CJK and full-width characters are square, Latin about half. */
function textWidth(text, fontSize) {
  let w = 0;
  for (const ch of String(text)) w += /[\u2E80-\uFFEF]/.test(ch) ? fontSize : fontSize * 0.56;
  return w;
}

/** A title's lines within `width`: Latin breaks at spaces, Chinese anywhere but before closing punctuation. */
function wrapLines(text, width, fontSize) {
  if (textWidth(text, fontSize) <= width) return [text];
  const tokens = /\s/.test(text) ? text.split(/(?<=\s)/) : [...text];
  const lines = [];
  let line = "";
  for (const token of tokens) {
    if (line && textWidth(line + token, fontSize) > width && !/^[，。、：；）」』,.:;)]/.test(token)) {
      lines.push(line.trimEnd());
      line = "";
    }
    line += token;
  }
  if (line) lines.push(line.trimEnd());
  return lines;
}

function wrapTitle(view, width, fontSize) {
  if (!view.title) return;
  const title = typeof view.title === "string" ? { text: view.title } : view.title;
  if (typeof title.text !== "string") return;
  const lines = wrapLines(title.text, width, title.fontSize ?? fontSize);
  view.title = lines.length > 1 ? { ...title, text: lines } : view.title;
}

/** Narrow one view (a single or layered chart) to `available` px: its plot, y labels and title. */
function fitView(view, available) {
  const labelRoom = Math.min(160, Math.round(available * 0.3));
  const plot = Math.max(MIN_PLOT, available - labelRoom - AXIS_PAD);
  const y = view.encoding?.y;
  if (y?.axis?.labelLimit && y.axis.labelLimit > labelRoom) y.axis = { ...y.axis, labelLimit: labelRoom };
  if (typeof view.width === "number" && view.width > plot) view.width = plot;
  if (view.width && typeof view.width === "object" && view.width.step) {
    const sort = view.encoding?.x?.sort;
    const columns = Array.isArray(sort) ? sort.length : 0;
    if (columns && columns * view.width.step > plot) {
      view.width = plot;
      // bottom labels narrower than their text ("2024年度调查") are turned, not run together
      const x = view.encoding.x;
      const longest = Math.max(...sort.map((label) => textWidth(label, 11)));
      if (x.axis?.orient !== "top" && longest > plot / columns - 4)
        x.axis = { ...x.axis, labelAngle: -40, labelAlign: "right", labelBaseline: "middle" };
      // headers on top wrap at spaces: their longest word must fit its column (bold: 10% wider)
      if (x.axis?.orient === "top") {
        const word = Math.max(...sort.flatMap((label) => label.split(" ")).map((w) => textWidth(w, 1.1)));
        const size = Math.max(
          8,
          Math.min(x.axis.labelFontSize ?? 11, Math.floor((plot / columns - 8) / word)),
        );
        x.axis = { ...x.axis, labelFontSize: size };
      }
    }
  }
  wrapTitle(view, available, 13);
}

/** Legends on top wrap into as many columns as fit, instead of one row wider than the screen. */
function stackLegends(node, available) {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) stackLegends(child, available);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === "legend" && value && typeof value === "object" && value.orient === "top")
      node.legend = { ...value, columns: Math.max(1, Math.floor(available / 170)) };
    else if (key !== "data") stackLegends(value, available);
  }
}

/**
 * The spec refitted to a container `available` px wide: views wider than it are narrowed (never
 * widened: on a desk the charts keep their drawn size), panels side by side that do not fit are
 * stacked, and titles wrap. Pure: returns a new spec.
 */
function fitToWidth(spec, available) {
  const out = structuredClone(spec);
  if (out.hconcat) {
    const need = out.hconcat.reduce((sum, v) => sum + (typeof v.width === "number" ? v.width : 200) + 100, 0);
    if (need > available) {
      out.vconcat = out.hconcat;
      delete out.hconcat;
    }
  }
  const views = out.hconcat ?? out.vconcat;
  if (views) {
    const share = out.hconcat ? available / out.hconcat.length : available;
    for (const view of views) fitView(view, share);
  } else fitView(out, available);
  wrapTitle(out, available, 14);
  if (available < 600) stackLegends(out, available);
  return out;
}

const rendered = new Map();

async function render(element) {
  const drawn = await specOf(element);
  const printing = document.body.classList.contains("print");
  // vega-embed keeps 38 px on the right for its actions menu
  const available = element.clientWidth - 40;
  const spec = printing || available <= 0 ? drawn : fitToWidth(drawn, available);
  element.dataset.fittedTo = printing ? "print" : String(element.clientWidth);
  rendered.get(element)?.finalize();
  rendered.set(
    element,
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
    }),
  );
  element.dataset.rendered = "true";
}

for (const element of document.querySelectorAll("[data-spec], [data-spec-id]")) {
  render(element).catch((error) => {
    element.dataset.rendered = "error";
    element.textContent = String(error.message);
    console.error(error);
  });
}

// a turned phone or a resized window redraws the charts to their new width
let lastWidth = window.innerWidth;
let resizing;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    if (Math.abs(window.innerWidth - lastWidth) < 40) return;
    lastWidth = window.innerWidth;
    for (const element of rendered.keys()) render(element).catch((error) => console.error(error));
  }, 250);
});

// Filters live in the URL: changing one reloads the view with the new query string.
for (const form of document.querySelectorAll("form.filters")) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
}
