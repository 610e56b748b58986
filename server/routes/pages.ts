import express from "express";
import type { Database } from "../../db/index.ts";
import { message } from "../../messages/catalogue.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { html } from "../html.ts";
import { districtFigures, langOf, reportingRules } from "./api.ts";
import { layout } from "./layout.ts";

const fmt = (v: number | null) => (v === null ? "—" : v.toFixed(1));

export function pagesRouter(db: Database): express.Router {
  const router = express.Router();
  router.get("/", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const studies = await db.query<{ study_id: string; title_zh: string; title_en: string }>(
      "select study_id, title_zh, title_en from studies order by study_id",
    );
    const study = studies.find((s) => s.study_id === req.query.study) ?? studies[0];
    const rows = study ? await districtFigures(db, study.study_id, "awareness") : [];
    const t = (k: Parameters<typeof message>[0]) => message(k, lang);
    const rules = study ? await reportingRules(db, study.study_id) : undefined;
    const withheld = (reason: string) =>
      reason === "min_n"
        ? message("withheld.min_n", lang, { min: rules?.min_n ?? "?" })
        : message("withheld.max_rse", lang, { max: rules?.max_rse ?? "?" });
    const body = rows.length
      ? html`<h1>${lang === "zh" ? study!.title_zh : study!.title_en}</h1>
<section>
<h2>${t("ui.awareness_district")}</h2>
<div id="chart-district" class="chart" data-spec="/api/v1/charts/district?study=${study!.study_id}&amp;lang=${lang}" data-rows="${rows.filter((r) => r.estimate_0_100 !== null).length}"></div>
<table class="figures">
<thead><tr><th>${t("ui.organization")}</th><th>${t("ui.wave")}</th><th>${t("ui.estimate")}</th><th>${t("ui.ci95")}</th><th>${t("ui.n")}</th><th>${t("ui.n_eff")}</th></tr></thead>
<tbody>${rows.map(
          (r) =>
            html`<tr><td>${lang === "zh" ? r.name_zh : r.name_en}</td><td>${r.wave_id}</td>${r.is_withheld ? html`<td colspan="2" class="withheld">${withheld(r.withheld_reason)}</td>` : html`<td>${fmt(r.estimate_0_100)}</td><td>${fmt(r.ci_low_0_100)} – ${fmt(r.ci_high_0_100)}</td>`}<td>${r.n ?? "—"}</td><td>${r.n_eff === null ? "—" : Math.round(r.n_eff)}</td></tr>`,
        )}</tbody>
</table>
<p class="note">${t("ui.method_note")}</p>
</section>
<script src="/assets/vendor/vega.min.js"></script>
<script src="/assets/vendor/vega-lite.min.js"></script>
<script src="/assets/vendor/vega-embed.min.js"></script>
<script type="module" src="/assets/app.js"></script>`
      : html`<p class="empty">${t("ui.no_data")}</p>`;
    res.type("html").send(layout(lang, `${t("ui.overview")} · ${t("ui.app_name")}`, body, principal(res)));
  });
  return router;
}
