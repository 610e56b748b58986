// The SQL console: one read-only statement at a time in the server's sandbox, in a CodeMirror
// editor completing the snapshot's tables and columns; results as a table and a quick Vega-Lite
// chart, downloads, and the user's saved queries (kept on the server, /api/v1/queries).
import { createSqlEditor } from "/assets/vendor/sql-editor.js";
import { expressionInterpreter } from "/assets/vendor/vega-interpreter.js";

const S = JSON.parse(document.querySelector(".console").dataset.strings);
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const $ = (id) => document.getElementById(id);
// where an earlier version kept saved queries: offered once for import, then removed
const LOCAL_SAVED = "barometer.savedQueries";
const fill = (template, params) =>
  template.replace(/\{(\w+)\}/g, (w, k) => (k in params ? String(params[k]) : w));

const textarea = $("sql");
const editor = createSqlEditor($("editor"), { doc: textarea.value, onRun: () => run(), label: "SQL" });
textarea.hidden = true;

async function post(sql, maxRows, format) {
  return fetch(`/api/v1/sql${format ? `?format=${format}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ sql, max_rows: maxRows }),
  });
}

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text === null || text === undefined ? "" : String(text);
  return el;
}

const NUMERIC = /INT|DOUBLE|DECIMAL|FLOAT|REAL|NUMERIC/i;

/** Fill the chart's column choices after a run: x the first non-numeric column, y the first numeric one. */
function chartChoices(columns) {
  const numeric = columns.findIndex((c) => NUMERIC.test(c.type));
  const firstLabel = columns.findIndex((c, i) => i !== numeric && !NUMERIC.test(c.type));
  const label = firstLabel >= 0 ? firstLabel : columns.findIndex((_c, i) => i !== numeric);
  const fill = (select, options, chosen) => {
    select.replaceChildren();
    for (const [value, text] of options) {
      const o = cell("option", text);
      o.value = String(value);
      select.append(o);
    }
    select.value = String(chosen);
  };
  fill($("chart-x"), [[-1, "#"], ...columns.map((c, i) => [i, c.name])], label);
  fill(
    $("chart-y"),
    columns.map((c, i) => [i, c.name]).filter(([i]) => NUMERIC.test(columns[i].type)),
    numeric,
  );
  $("chart-options").hidden = numeric < 0;
}

/**
 * The quick chart of the chosen columns. Rows already one per x are drawn as they are; when
 * several rows share an x they are averaged by default (a sum of estimates means nothing), or
 * summed or counted when the analyst says so.
 */
function quickChart(columns, rows) {
  const x = Number($("chart-x").value);
  const y = Number($("chart-y").value);
  if (!(y >= 0) || rows.length === 0) return null;
  const values = rows.slice(0, 500).map((r, i) => ({ x: x >= 0 ? String(r[x]) : String(i + 1), y: r[y] }));
  let aggregate = $("chart-agg").value;
  if (aggregate === "auto")
    aggregate = new Set(values.map((v) => v.x)).size === values.length ? "none" : "mean";
  const yTitle = aggregate === "none" ? columns[y].name : `${aggregate}(${columns[y].name})`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 220,
    data: { values },
    mark: { type: "bar", tooltip: true, color: "#0072B2" },
    encoding: {
      x: { field: "x", type: "nominal", title: x >= 0 ? columns[x].name : "#", sort: null },
      y:
        aggregate === "count"
          ? { aggregate: "count", type: "quantitative", title: yTitle }
          : aggregate === "none"
            ? { field: "y", type: "quantitative", title: yTitle }
            : { field: "y", aggregate, type: "quantitative", title: yTitle },
    },
  };
}

let last = null;

async function drawChart() {
  $("chart").replaceChildren();
  if (!last) return;
  const spec = quickChart(last.columns, last.rows);
  if (!spec) return;
  await window.vegaEmbed($("chart"), spec, {
    ast: true,
    expr: expressionInterpreter,
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  });
  $("chart").dataset.rows = String(Math.min(last.rows.length, 500));
}

async function run() {
  const sql = editor.value;
  const maxRows = Number($("max-rows").value) || 1000;
  $("status").textContent = "…";
  const res = await post(sql, maxRows);
  const body = await res.json();
  const table = $("result");
  table.replaceChildren();
  $("chart").replaceChildren();
  $("chart-options").hidden = true;
  last = null;
  if (!res.ok) {
    $("status").textContent = `${body.error.code}: ${body.error.message}`;
    $("status").className = "error";
    return;
  }
  $("status").className = body.stale_snapshot ? "error stale-snapshot" : "";
  $("status").textContent =
    `${body.rows.length} ${S["ui.rows"]}${body.truncated ? ` (${S["ui.truncated"]})` : ""} · ${body.elapsedMs} ms` +
    (body.stale_snapshot
      ? ` · ${document.documentElement.lang.startsWith("zh") ? body.stale_snapshot.zh : body.stale_snapshot.en}`
      : "");
  const head = document.createElement("tr");
  for (const c of body.columns) head.append(cell("th", c.name));
  table.append(head);
  for (const r of body.rows) {
    const tr = document.createElement("tr");
    for (const v of r) tr.append(cell("td", typeof v === "object" && v !== null ? JSON.stringify(v) : v));
    table.append(tr);
  }
  last = body;
  chartChoices(body.columns);
  await drawChart();
}

async function download(format) {
  const res = await post(editor.value, Number($("max-rows").value) || 1000, format);
  if (!res.ok) {
    $("status").textContent = (await res.json()).error.message;
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  // the server names the file (its first table and the time)
  const disposition = res.headers.get("content-disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  a.download = star ? decodeURIComponent(star[1]) : plain ? plain[1] : `query.${format}`;
  a.click();
  URL.revokeObjectURL(url);
}

async function queries(method = "GET", body, path = "") {
  const res = await fetch(`/api/v1/queries${path}`, {
    method,
    headers: { "content-type": "application/json", "X-CSRF-Token": csrf },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error.message);
  return answer;
}

let saved = [];

async function listSaved(chosen = "") {
  ({ queries: saved } = await queries());
  const select = $("saved");
  select.replaceChildren(cell("option", S["ui.saved_queries"]));
  select.firstChild.value = "";
  for (const q of saved) {
    const o = cell("option", q.name);
    o.value = q.name;
    select.append(o);
  }
  select.value = chosen;
  $("delete-saved").disabled = !chosen;
}

/** Queries an earlier version saved in this browser: imported into the account if the user says so, else dropped. */
async function offerLocalQueries() {
  let local = [];
  try {
    local = JSON.parse(localStorage.getItem(LOCAL_SAVED) ?? "[]");
  } catch {}
  if (!Array.isArray(local) || local.length === 0) return;
  if (confirm(fill(S["ui.import_local_queries"], { n: local.length }))) {
    for (const q of local)
      if (q?.name && q?.sql) await queries("POST", { name: String(q.name), sql: String(q.sql) });
  }
  localStorage.removeItem(LOCAL_SAVED);
}

async function schema() {
  const res = await post(
    "select table_name, column_name, data_type from information_schema.columns order by table_name, ordinal_position",
    20000,
  );
  if (!res.ok) return;
  const { rows } = await res.json();
  const byTable = new Map();
  const completion = {};
  for (const [t, c, type] of rows) {
    byTable.set(t, [...(byTable.get(t) ?? []), `${c} ${type}`]);
    completion[t] = [...(completion[t] ?? []), c];
  }
  editor.setSchema(completion);
  const list = $("schema-list");
  list.replaceChildren();
  for (const [t, cols] of byTable) {
    const li = document.createElement("li");
    const details = document.createElement("details");
    details.append(cell("summary", t));
    const ul = document.createElement("ul");
    for (const c of cols) ul.append(cell("li", c));
    details.append(ul);
    li.append(details);
    list.append(li);
  }
}

$("run").addEventListener("click", run);
for (const id of ["chart-x", "chart-y", "chart-agg"]) $(id).addEventListener("change", drawChart);
for (const id of ["dl-csv", "dl-xlsx", "dl-arrow"]) {
  $(id).addEventListener("click", (e) => {
    e.preventDefault();
    download(e.currentTarget.dataset.format);
  });
}
$("save").addEventListener("click", async () => {
  const chosen = $("saved").value;
  const name = prompt(S["ui.query_name"], chosen)?.trim();
  if (!name) return;
  try {
    await queries("POST", { name, sql: editor.value });
    await listSaved(name);
    $("status").className = "";
    $("status").textContent = fill(S["ui.query_saved"], { name });
  } catch (e) {
    $("status").className = "error";
    $("status").textContent = e.message;
  }
});
$("saved").addEventListener("change", (e) => {
  const q = saved.find((s) => s.name === e.target.value);
  if (q) editor.value = q.sql;
  $("delete-saved").disabled = !q;
});
$("delete-saved").addEventListener("click", async () => {
  const name = $("saved").value;
  if (!name || !confirm(fill(S["ui.confirm_delete_query"], { name }))) return;
  await queries("DELETE", undefined, `/${encodeURIComponent(name)}`);
  await listSaved();
});
offerLocalQueries().then(() => listSaved());
schema();
