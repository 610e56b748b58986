import express from "express";
import type { Database } from "../../db/index.ts";
import { type MessageKey, message } from "../../messages/catalogue.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { html } from "../html.ts";
import { langOf, reportingRules } from "./api.ts";
import { chartScripts } from "./chartBlock.ts";
import { downloadLinks } from "./figureTable.ts";
import { layout } from "./layout.ts";
import { methodologyPage } from "./methodology.ts";
import { overviewCharts } from "./overviewCharts.ts";
import { districtRows } from "./overviewRows.ts";
import { indexName, pageContext, titleIn, viewQuery } from "./pageContext.ts";
import { scorecardTable } from "./scorecardTable.ts";
import { tableDownload } from "./tableDownload.ts";
import { themesSection } from "./themes.ts";
import { unitPage } from "./unit.ts";
import { filterForm, releaseLine } from "./viewHeader.ts";

export function pagesRouter(db: Database): express.Router {
  const router = express.Router();
  router.get("/", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const print = req.query.print === "1";
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const ctx = await pageContext(db, req.query);
    if (!ctx) {
      res
        .type("html")
        .send(
          layout(
            lang,
            `${t("ui.overview")} · ${t("ui.app_name")}`,
            html`<p class="empty">${t("ui.no_figures")} <a href="/upload${lang === "en" ? "?lang=en" : ""}">${t("ui.go_upload")}</a></p>`,
            principal(res),
          ),
        );
      return;
    }
    const f = ctx.filters;
    const rules = await reportingRules(db, f.study);
    const wave = ctx.waves.find((w) => w.wave_id === f.wave)!;
    const district = await districtRows(db, ctx);
    const charts = await overviewCharts(db, ctx, lang, district, rules);
    const body = html`<div class="page-head">
<h1>${titleIn(ctx.study, lang)} <span class="wave">${titleIn(wave, lang)}</span></h1>
${await releaseLine(db, ctx, lang)}
</div>
${filterForm(ctx, lang, "/")}
${ctx.indexReplaced ? html`<p class="notice">${t("overview.no_index", { index: indexName(ctx, f.index, lang) })}</p>` : ""}
<section class="scorecard-section">
<h2>${t("overview.scorecard", { wave: titleIn(wave, lang) })}</h2>
<div class="table-scroll">${scorecardTable(ctx, district, lang, rules, (i) => `/${viewQuery({ ...f, index: i }, lang)}`)}</div>
${downloadLinks("/tables/scorecard", ctx, lang)}
<p class="note">${t("overview.scorecard_note")} ${t("ui.method_note")}</p>
</section>
${charts}
${await themesSection(db, ctx, lang)}
${chartScripts}`;
    res.type("html").send(
      layout(lang, `${t("ui.overview")} · ${t("ui.app_name")}`, body, principal(res), {
        url: req.originalUrl,
        print,
      }),
    );
  });
  router.get("/tables/:view.:format", requireRole("overview", { page: true }), (req, res) =>
    tableDownload(db, req, res),
  );
  router.get("/units/:code/tables/:view.:format", requireRole("overview", { page: true }), (req, res) =>
    tableDownload(db, req, res),
  );
  router.get("/units/:code", requireRole("overview", { page: true }), (req, res) => unitPage(db, req, res));
  router.get("/methodology", requireRole("overview", { page: true }), (req, res) =>
    methodologyPage(db, req, res),
  );
  return router;
}
