import express from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { html } from "../html.ts";
import { langOf, martOf } from "./api.ts";
import { layout } from "./layout.ts";

/** The strings a page's script needs, handed over as data (no inline script: strict CSP). */
function strings(lang: Lang, keys: MessageKey[]): string {
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, message(k, lang)])));
}

/**
 * The SQL console's first query: the district figures of the first study's first indicator
 * (not a composite) by wave and organization, at its first organization level.
 */
async function starterQuery(db: Database): Promise<string> {
  const [study] = await db.query<{ study_id: string }>(
    "select study_id from studies order by study_id limit 1",
  );
  const scores = study ? await martOf(db, "index_scores", study.study_id) : undefined;
  const seed = study ? await martOf(db, "seed_indicators", study.study_id) : undefined;
  if (!study || !scores || !seed) return "select study_id, title_zh, title_en from studies";
  const [first] = await db.query<{ index_id: string; org_level: string }>(
    `select i.index_id, min(s.org_level) as org_level
     from ${seed} i join ${scores} s using (index_id)
     where i.estimator <> 'composite' and i.parent_id = '' and s.unit_level = 'district'
     group by i.index_id, i.sort_order order by i.sort_order limit 1`,
  );
  if (!first) return `select * from ${scores} limit 100`;
  const table = scores.replaceAll('"', "");
  return `select wave_id, organization_id, estimate_0_100
from ${table}
where unit_level = 'district' and index_id = '${first.index_id.replaceAll("'", "''")}' and group_var = '' and aspect = '' and org_level = '${first.org_level.replaceAll("'", "''")}'
order by 1, 2`;
}

/** Pages for the statistics team (upload) and analysts (SQL console). */
export function workbenchRouter(db: Database): express.Router {
  const router = express.Router();
  router.get("/upload", requireRole("uploads", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey) => message(k, lang);
    const studies = await db.query<{ study_id: string; title_zh: string; title_en: string }>(
      "select study_id, title_zh, title_en from studies order by study_id",
    );
    const waves = await db.query<{ study_id: string; wave_id: string }>(
      "select study_id, wave_id from waves order by study_id, wave_id",
    );
    const body = html`<h1>${t("ui.upload_title")}</h1>
<form id="upload-form" class="upload" data-strings="${strings(lang, ["ui.preview", "ui.mapped_to", "ui.not_in_codebook", "ui.sending", "ui.rows", "ui.encoding", "ui.delimiter", "ui.upload_report", "ui.status", "ui.download_rejects", "ops.figures_pending", "ui.summary", "ui.status_loaded", "ui.status_refused", "ui.status_duplicate", "ui.status_retracted", "ui.status_superseded", "ui.col_upload", "ui.col_wave", "ui.col_file", "ui.col_read", "ui.col_accepted", "ui.col_rejected", "ui.col_by", "ui.col_at", "ui.col_actions", "ui.col_column", "ui.col_reason", "ui.col_count", "ui.col_examples", "ui.retract", "ui.replace", "ui.confirm_retract", "ui.retracted_upload", "ui.replacing", "ui.cancel_replace", "ui.replace_offer", "ui.replace_this", "ui.validating", "ui.figures_updating", "ui.figures_direct_updated", "ui.figures_updated", "ui.figures_failed", "ui.confirm_replace"])}" data-lang="${lang}">
<label>${t("ui.study")} <select name="study" id="study">${studies.map((s) => html`<option value="${s.study_id}">${lang === "zh" ? s.title_zh : s.title_en}</option>`)}</select></label>
<label>${t("ui.wave")} <select name="wave" id="wave">${waves.map((w) => html`<option value="${w.wave_id}" data-study="${w.study_id}">${w.wave_id}</option>`)}</select></label>
<label>${t("ui.encoding")} <select name="encoding" id="encoding"><option value="">${t("ui.auto")}</option><option value="utf-8">UTF-8</option><option value="gbk">GBK / GB18030</option></select></label>
<label class="check"><input type="checkbox" name="strict" id="strict" value="true"> ${t("ui.strict")}</label>
<div id="drop" class="drop" tabindex="0">${t("ui.drop_file")}<input type="file" id="file" name="file" accept=".csv,.txt,.xlsx,.parquet"></div>
<p id="replacing" class="warning" hidden><span id="replacing-text"></span> <button type="button" id="cancel-replace">${t("ui.cancel_replace")}</button></p>
<button type="submit" id="send" disabled>${t("ui.send")}</button>
</form>
<section id="upload-rules" class="note"><p>${t("ui.upload_rules")}</p><p>${t("ui.duplicate_ids_policy")}</p></section>
<section id="preview" hidden><h2>${t("ui.preview")}</h2><p id="preview-meta"></p><div class="scroll"><table id="preview-table" class="grid"></table></div></section>
<section id="report" hidden aria-live="polite"><h2>${t("ui.upload_report")}</h2><p id="upload-progress" class="progress" hidden><progress id="upload-bar" max="1"></progress> <span id="upload-progress-text"></span></p><div id="report-body"></div><p id="figures-state" class="figures-state" role="status" hidden><progress id="figures-bar" hidden></progress> <span id="figures-text"></span></p></section>
<section><h2>${t("ui.upload_history")}</h2><div class="scroll"><table id="history" class="grid"></table></div></section>
<script src="/assets/vendor/papaparse.min.js"></script>
<script type="module" src="/assets/upload.js"></script>`;
    res.type("html").send(layout(lang, t("ui.upload_title"), body, principal(res)));
  });

  router.get("/sql", requireRole("sql", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const starter = await starterQuery(db);
    const t = (k: MessageKey) => message(k, lang);
    const body = html`<h1>${t("ui.sql_title")}</h1>
<div class="console" data-strings="${strings(lang, ["ui.truncated", "ui.rows", "ui.save_query", "ui.saved_queries", "ui.no_rows", "ui.query_name", "ui.confirm_delete_query", "ui.import_local_queries", "ui.query_saved"])}">
<aside id="schema" class="schema"><h2>${t("ui.schema")}</h2><ul id="schema-list"></ul></aside>
<div class="editor-pane">
<textarea id="sql" spellcheck="false" rows="8" aria-label="SQL">${starter}</textarea>
<div id="editor" class="sql-editor"></div>
<div class="toolbar"><button id="run" type="button">${t("ui.run")} (Ctrl+Enter)</button>
<label>${t("ui.row_limit")} <input id="max-rows" type="number" value="1000" min="1" max="100000"></label>
<button id="save" type="button">${t("ui.save_query")}</button>
<select id="saved" aria-label="${t("ui.saved_queries")}"><option value="">${t("ui.saved_queries")}</option></select>
<button id="delete-saved" type="button" disabled>${t("ui.delete_query")}</button>
<a id="dl-csv" href="#" data-format="csv">CSV</a> <a id="dl-xlsx" href="#" data-format="xlsx">XLSX</a> <a id="dl-arrow" href="#" data-format="arrow">Arrow</a></div>
<p id="status" role="status"></p>
<div class="toolbar chart-options" id="chart-options" hidden><label>${t("ui.chart_x")} <select id="chart-x"></select></label>
<label>${t("ui.chart_y")} <select id="chart-y"></select></label>
<label>${t("ui.chart_agg")} <select id="chart-agg"><option value="auto">${t("ui.agg_auto")}</option><option value="none">${t("ui.agg_none")}</option><option value="mean">${t("ui.agg_mean")}</option><option value="sum">${t("ui.agg_sum")}</option><option value="count">${t("ui.agg_count")}</option></select></label></div>
<div id="chart" class="chart"></div>
<div class="scroll"><table id="result" class="grid"></table></div>
</div></div>
<script src="/assets/vendor/vega.min.js"></script>
<script src="/assets/vendor/vega-lite.min.js"></script>
<script src="/assets/vendor/vega-embed.min.js"></script>
<script type="module" src="/assets/sql.js"></script>`;
    res.type("html").send(layout(lang, t("ui.sql_title"), body, principal(res)));
  });
  return router;
}
