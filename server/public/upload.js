// The upload page: preview in the browser (papaparse: first rows, encoding, delimiter; the
// columns as the server maps them to the codebook), a progress bar while the file is sent and
// validated, then the server's validation report (it comes at the upload's commit), "figures
// updating…" until the model run after it has finished, and the history.
const form = document.getElementById("upload-form");
const S = JSON.parse(form.dataset.strings);
const lang = form.dataset.lang;
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const $ = (id) => document.getElementById(id);
let chosen = null;
/** The upload the next file replaces (chosen in the history or offered by a report), or null. */
let replacing = null;
let uploads = [];

/** A catalogue string with its {placeholders} filled. */
const say = (key, params = {}) => S[key].replace(/\{(\w+)\}/g, (_m, k) => String(params[k] ?? ""));
const statusText = (status) => S[`ui.status_${status}`] ?? status;

function replace(u) {
  replacing = u;
  $("replacing").hidden = !u;
  if (u) {
    $("replacing-text").textContent = say("ui.replacing", { id: u.upload_id, file: u.file_name });
    $("wave").value = u.wave_id;
    $("file").focus();
  }
}

async function retract(u) {
  if (!confirm(say("ui.confirm_retract", { id: u.upload_id, file: u.file_name, n: u.n_accepted }))) return;
  const res = await fetch(`/api/v1/uploads/${encodeURIComponent(u.upload_id)}/retract`, {
    method: "POST",
    headers: { "X-CSRF-Token": csrf },
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) alert(answer.error?.message ?? res.status);
  history();
  if (!res.ok) return;
  // the figures drop the retracted rows in the background: the same progress line as an upload's
  $("report").hidden = false;
  $("upload-progress").hidden = true;
  $("report-body").replaceChildren(
    cell("p", say("ui.retracted_upload", { id: u.upload_id, file: u.file_name })),
  );
  await followFigures(answer);
}

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text ?? "";
  return el;
}

function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = document.createElement("tr");
  for (const h of header) head.append(cell("th", h));
  table.append(head);
  for (const r of rows) {
    const tr = document.createElement("tr");
    for (const v of r) tr.append(cell("td", v));
    table.append(tr);
  }
}

function filterWaves() {
  for (const option of $("wave").options) option.hidden = option.dataset.study !== $("study").value;
  const first = [...$("wave").options].reverse().find((o) => !o.hidden);
  if (first) $("wave").value = first.value;
}

/** The server's mapping of these header cells to the codebook: item name by position. */
async function columnMapping(header) {
  const res = await fetch(`/api/v1/studies/${encodeURIComponent($("study").value)}/column-mapping`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ wave: $("wave").value, header }),
  });
  if (!res.ok) return new Map();
  const { mapping } = await res.json();
  const byPosition = new Map(mapping.mapped.map((m) => [Number(m.column), m.item]));
  // a select_multiple exported as one 0/1 column per option: each column is one option's code
  for (const o of mapping.options ?? [])
    for (const c of o.columns) byPosition.set(Number(c.column), `${o.item} = ${c.code}`);
  return byPosition;
}

async function preview(file) {
  const head = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  const isParquet = String.fromCharCode(...head.slice(0, 4)) === "PAR1";
  $("preview").hidden = false;
  if (isZip || isParquet) {
    $("preview-meta").textContent =
      `${file.name}: ${isZip ? "Excel (.xlsx)" : "Parquet"} — ${(file.size / 1024).toFixed(0)} KB`;
    $("preview-table").replaceChildren();
    return;
  }
  let encoding = $("encoding").value || "utf-8";
  if (!$("encoding").value) {
    try {
      // stream: a character cut at the end of the slice is held back, not taken for bad bytes
      new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    } catch {
      encoding = "gb18030";
    }
  }
  const text = new TextDecoder(encoding === "gbk" ? "gb18030" : encoding).decode(head).replace(/^\uFEFF/, "");
  const parsed = Papa.parse(text, { preview: 21, skipEmptyLines: true });
  const [header = [], ...rows] = parsed.data;
  const items = await columnMapping(header);
  const mapped = header.map((h, i) =>
    items.has(i) ? `${h} → ${items.get(i)}` : `${h} (${S["ui.not_in_codebook"]})`,
  );
  $("preview-meta").textContent =
    `${file.name}: ${S["ui.encoding"]} ${encoding}, ${S["ui.delimiter"]} ${JSON.stringify(parsed.meta.delimiter)}, ${rows.length}+ ${S["ui.rows"]}`;
  fillTable($("preview-table"), mapped, rows.slice(0, 20));
}

function choose(file) {
  chosen = file;
  $("send").disabled = !file;
  if (file) preview(file).catch((e) => ($("preview-meta").textContent = String(e)));
}

async function history() {
  const res = await fetch(`/api/v1/uploads?study=${encodeURIComponent($("study").value)}`);
  if (!res.ok) return;
  ({ uploads } = await res.json());
  fillTable(
    $("history"),
    [
      "ui.col_upload",
      "ui.col_wave",
      "ui.col_file",
      "ui.status",
      "ui.col_read",
      "ui.col_accepted",
      "ui.col_rejected",
      "ui.col_by",
      "ui.col_at",
      "ui.col_actions",
    ].map((k) => S[k]),
    uploads.map((u) => [
      u.upload_id,
      u.wave_id,
      u.file_name,
      u.figures_pending ? `${statusText(u.status)}（${S["ops.figures_pending"]}）` : statusText(u.status),
      u.n_rows_read,
      u.n_accepted,
      u.n_rejected,
      u.uploaded_by,
      u.uploaded_at,
      "",
    ]),
  );
  // a loaded upload can be retracted or replaced, each after saying what will change
  [...$("history").rows].slice(1).forEach((tr, i) => {
    const u = uploads[i];
    if (u.status !== "loaded") return;
    const actions = tr.cells[tr.cells.length - 1];
    const r = cell("button", S["ui.replace"]);
    r.type = "button";
    r.className = "replace";
    r.addEventListener("click", () => replace(u));
    const x = cell("button", S["ui.retract"]);
    x.type = "button";
    x.className = "retract";
    x.addEventListener("click", () => retract(u));
    actions.append(r, " ", x);
  });
}

function report(result) {
  const body = $("report-body");
  body.replaceChildren();
  $("report").hidden = false;
  const summary = cell(
    "p",
    say("ui.summary", {
      file: result.file_name,
      status: statusText(result.status),
      id: result.upload_id ? (lang === "zh" ? `（${result.upload_id}）` : ` (${result.upload_id})`) : "",
      read: result.rows,
      accepted: result.accepted,
      rejected: result.rejected,
    }),
  );
  summary.className = `status-${result.status}`;
  body.append(summary);
  if (result.refusal) {
    // refused: said as an alert, not a line among the counts
    const refusal = cell("p", result.refusal[lang]);
    refusal.className = "refusal";
    refusal.setAttribute("role", "alert");
    body.append(refusal);
  }
  for (const w of result.warnings ?? []) {
    const warning = cell("p", w[lang]);
    warning.className = "warning";
    body.append(warning);
  }
  if (result.error) body.append(cell("p", result.error.message));
  if (result.errors?.length) {
    const table = document.createElement("table");
    table.className = "grid";
    fillTable(
      table,
      ["ui.col_column", "ui.col_reason", "ui.col_count", "ui.col_examples"].map((k) => S[k]),
      result.errors.map((e) => [e.column, e.message[lang], e.count, e.first.map((f) => f[lang]).join("\n")]),
    );
    body.append(table);
  }
  // ids already loaded in this wave: the likely fix is replacing the upload that holds them
  if (result.errors?.some((e) => e.reason === "reject.duplicate_id_in_wave")) {
    const held = result.held_by ?? [];
    const u = held.length === 1 ? uploads.find((x) => x.upload_id === held[0].upload_id) : undefined;
    if (u) {
      body.append(cell("p", say("ui.replace_offer", { id: u.upload_id, file: u.file_name })));
      const b = cell("button", say("ui.replace_this", { id: u.upload_id }));
      b.type = "button";
      b.id = "replace-offer";
      b.addEventListener("click", () => {
        replace(u);
        if (chosen) form.requestSubmit();
      });
      const line = document.createElement("p");
      line.append(b);
      body.append(line);
    }
  }
  if (result.upload_id && result.rejected > 0) {
    const a = cell("a", S["ui.download_rejects"]);
    a.href = `/api/v1/uploads/${encodeURIComponent(result.upload_id)}/rejects.csv?lang=${lang}`;
    body.append(a);
    // why personal columns come back empty or as hmac:… in the download
    if (result.rejects_note) body.append(cell("p", result.rejects_note[lang]));
  }
}

$("file").addEventListener("change", () => choose($("file").files[0] ?? null));
$("drop").addEventListener("dragover", (e) => e.preventDefault());
$("drop").addEventListener("drop", (e) => {
  e.preventDefault();
  choose(e.dataTransfer.files[0] ?? null);
});
$("study").addEventListener("change", () => {
  filterWaves();
  history();
});
/**
 * POST the form with XMLHttpRequest (fetch says nothing of an upload's progress): the bar
 * fills while the file is sent, then runs without an end while the server validates.
 */
function send(data) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/uploads");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) $("upload-bar").value = e.loaded / e.total;
    });
    xhr.upload.addEventListener("load", () => {
      $("upload-bar").removeAttribute("value");
      $("upload-progress-text").textContent = S["ui.validating"];
    });
    xhr.addEventListener("load", () => resolve(xhr.response ?? { error: { message: String(xhr.status) } }));
    xhr.addEventListener("error", () => reject(new Error(String(xhr.status))));
    xhr.send(data);
  });
}

/** "Figures updating…" until the model run after the upload has finished, then what it gave. */
async function followFigures(result) {
  const line = $("figures-state");
  const show = (text, busy) => {
    line.hidden = false;
    line.className = `figures-state ${busy ? "updating" : "done"}`;
    $("figures-bar").hidden = !busy;
    $("figures-text").textContent = text;
  };
  if (!result.figures_url || (result.figures !== "updating" && result.figures !== "failed")) {
    line.hidden = true;
    return;
  }
  let state = result;
  show(S["ui.figures_updating"], true);
  // the direct figures come first; model-based figures, rank intervals and open-answer themes follow
  while (state.figures === "updating" || state.figures === "direct_updated") {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await fetch(state.figures_url ?? result.figures_url);
    if (!res.ok) return;
    state = await res.json();
    if (state.figures === "direct_updated") show(S["ui.figures_direct_updated"], true);
  }
  if (state.figures === "failed")
    show(say("ui.figures_failed", { error: state.model_run_error ?? "" }), false);
  else show(S["ui.figures_updated"], false);
  history();
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!chosen) return;
  if (
    replacing &&
    !confirm(
      say("ui.confirm_replace", {
        id: replacing.upload_id,
        old: replacing.file_name,
        n: replacing.n_accepted,
        file: chosen.name,
      }),
    )
  )
    return;
  const data = new FormData();
  data.set("study", $("study").value);
  data.set("wave", $("wave").value);
  if ($("encoding").value) data.set("encoding", $("encoding").value);
  if ($("strict").checked) data.set("strict", "true");
  if (replacing) data.set("replace", replacing.upload_id);
  data.set("file", chosen, chosen.name);
  $("send").disabled = true;
  $("report").hidden = false;
  $("report-body").replaceChildren();
  $("figures-state").hidden = true;
  $("upload-progress").hidden = false;
  $("upload-bar").value = 0;
  $("upload-progress-text").textContent = S["ui.sending"];
  let result = null;
  try {
    result = await send(data);
    if (result.status === "loaded") replace(null);
    report(result);
  } catch (error) {
    $("report-body").textContent = String(error);
  } finally {
    $("upload-progress").hidden = true;
    $("send").disabled = false;
    history();
  }
  if (result) await followFigures(result);
});
$("cancel-replace").addEventListener("click", () => replace(null));
filterWaves();
history();
