import express from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { requireRole } from "../auth/authenticate.ts";
import { districtIndexChart } from "../charts/districtIndexChart.ts";
import { HttpError } from "../HttpError.ts";

export function langOf(value: unknown): Lang {
  return value === "en" ? "en" : "zh";
}

function param(value: unknown, name: string, pattern = /^[A-Za-z0-9_-]{1,64}$/): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw new HttpError(400, "bad_parameter", `parameter ${name} is missing or malformed`);
  return value;
}

interface EstimateRow {
  wave_id: string;
  organization_id: string;
  name_zh: string;
  name_en: string;
  estimate_0_100: number | null;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  se_0_100: number | null;
  n_respondents: number;
  n_effective: number | null;
}

/** District figures of one index for every organization and wave, from the marts. */
export async function districtFigures(db: Database, study: string, index: string): Promise<EstimateRow[]> {
  return db.query<EstimateRow>(
    `select e.wave_id, e.organization_id, o.name_zh, o.name_en, e.estimate_0_100, e.ci_low_0_100, e.ci_high_0_100,
            e.se_0_100, e.n_respondents, e.n_effective
     from index_estimates e
     join organizations o using (study_id, organization_id)
     where e.study_id = $1 and e.index_id = $2 and e.level = 'district'
     order by o.sort_order, e.wave_id`,
    [study, index],
  );
}

export function apiRouter(db: Database): express.Router {
  const router = express.Router();
  router.get("/health", async (_req, res) => {
    await db.query("select 1");
    res.json({ status: "ok" });
  });
  router.get("/studies", requireRole("studies"), async (_req, res) => {
    const studies = await db.query("select study_id, title_zh, title_en from studies order by study_id");
    const waves = await db.query(
      "select study_id, wave_id, title_zh, title_en, codebook_version from waves order by study_id, wave_id",
    );
    res.json({
      studies: studies.map((s) => ({ ...s, waves: waves.filter((w) => w.study_id === s.study_id) })),
    });
  });
  router.get("/estimates", requireRole("estimates"), async (req, res) => {
    const study = param(req.query.study, "study");
    const index = param(req.query.index ?? "awareness", "index");
    res.json({ study, index, level: "district", rows: await districtFigures(db, study, index) });
  });
  router.get("/charts/district", requireRole("charts"), async (req, res) => {
    const study = param(req.query.study, "study");
    const lang = langOf(req.query.lang);
    const rows = await districtFigures(db, study, "awareness");
    const spec = districtIndexChart(
      rows.map((r) => ({
        organization: lang === "zh" ? r.name_zh : r.name_en,
        wave: r.wave_id,
        estimate: r.estimate_0_100,
        ciLow: r.ci_low_0_100,
        ciHigh: r.ci_high_0_100,
        n: r.n_respondents,
      })),
      {
        title: message("ui.awareness_district", lang),
        value: message("ui.rate_pct", lang),
        wave: message("ui.wave", lang),
        organization: message("ui.organization", lang),
      },
    );
    res.json(spec);
  });
  return router;
}
