/**
 * The primary figure (study.yaml `small_area.unit_levels.<level>.primary`) through the product,
 * on a copy of the demo study whose townships have `primary: model`: published_scores takes
 * sae_estimates' model-based figure as each township's primary one (the direct one stays
 * beside it, not primary), tiers and rank_intervals rank those, and the scores API, the
 * figures API, the overview and the printed report show them, each labelled with its method.
 * Against: sae_estimates' own rows, the tier rule recomputed here (analysis/assignTiers), and
 * the positions of the model-based estimates sorted by hand. The demo's own configuration
 * (township primary: direct) keeps index_scores' figures and tiers exactly:
 * test/models/indicatorPresets.test.ts.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assignTiers } from "../../analysis/tierProbabilities.ts";
import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";
import { runModels } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { listenOnLoopback } from "../helpers/listen.ts";

const t = (name: string) => `"${name}__mass_org_evaluation"`;
let dir: string;
let db: Database;
let study: Study;
let server: Server;
let base: string;
let token: string;
let cookie: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-primary-"));
  const studyDir = join(dir, "study");
  cpSync(DEMO_STUDY_DIR, studyDir, { recursive: true });
  const yaml = readFileSync(join(studyDir, "study.yaml"), "utf8");
  const edited = yaml
    .replace("township: { publish: both, primary: direct }", "township: { publish: both, primary: model }")
    // fewer bootstrap replicates: this test is about which figure is primary, not its MSE
    .replace(/bootstrap_reps: \d+/, "bootstrap_reps: 20");
  expect(edited).toContain("primary: model }\n    village");
  writeFileSync(join(studyDir, "study.yaml"), edited);
  study = await loadStudy(studyDir);
  expect(study.small_area?.unit_levels.township.primary).toBe("model");
  db = await openDatabase(join(dir, "primary.duckdb"));
  await ingestStudyResponses(db, study, { user: "test", hmacKey: Buffer.from("test-key") });
  await runModels(db, study);
  ({ server, base } = await listenOnLoopback(createApp({ db, sessionSecret: randomBytes(32) })));
  await createUser(db, "p_admin", "admin", "a-long-test-password");
  token = await createToken(db, "p_admin", "test");
  const signin = await fetch(`${base}/signin`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "user=p_admin&password=a-long-test-password&next=/",
    redirect: "manual",
  });
  cookie = String(signin.headers.get("set-cookie")).split(";")[0]!;
}, 600_000);
afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (db) await closeDatabase(db);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = async (path: string) => {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return res.json() as Promise<{ rows: Record<string, unknown>[] }>;
};

describe("township primary: model", () => {
  it("published_scores: every modelled township total's primary figure is sae_estimates' model-based one; the direct one stays beside it", async () => {
    const [r] = await db.query<{ model: number; same: number; direct_beside: number; other_primary: number }>(
      `with m as (select * from ${t("sae_estimates")} where unit_level = 'township' and method <> 'direct')
       select
         (select count(*)::int from m) as model,
         (select count(*)::int from m join ${t("published_scores")} p
            using (wave_id, organization_id, index_id, org_level, unit_level, unit_code, method)
          where p.is_primary and p.aspect = '' and p.group_var = '' and m.is_primary
            and p.estimate_0_100 is not distinct from if(m.is_withheld, null, m.estimate_0_100)
            and p.se_0_100 is not distinct from if(m.is_withheld, null, m.rmse_0_100)) as same,
         (select count(*)::int from m join ${t("published_scores")} p
            using (wave_id, organization_id, index_id, org_level, unit_level, unit_code)
          where p.method = 'direct' and not p.is_primary and p.aspect = '' and p.group_var = '') as direct_beside,
         (select count(*)::int from ${t("published_scores")} p
          where p.unit_level = 'township' and p.is_primary and p.method <> 'direct'
            and not list_contains(string_split($indices, ','), p.index_id)) as other_primary`,
      { indices: study.small_area!.indices.join(",") },
    );
    expect(r!.model).toBeGreaterThan(1000);
    expect(r!.same).toBe(r!.model);
    expect(r!.direct_beside).toBe(r!.model);
    // an index without a model (the composite) keeps its direct figure as primary
    expect(r!.other_primary).toBe(0);
    const [c] = await db.query<{ n: number }>(
      `select count(*)::int as n from ${t("published_scores")}
       where unit_level = 'township' and is_primary and method = 'direct' and index_id = 'composite'`,
    );
    expect(c!.n).toBeGreaterThan(0);
  });

  it("tiers and rank intervals rank the model-based figures (the tier rule recomputed here)", async () => {
    const rows = await db.query<{
      g: string;
      unit_code: string;
      method: string;
      estimate_0_100: number;
      ci_low_0_100: number;
      ci_high_0_100: number;
      tier: number;
      rank: number;
    }>(
      `select p.wave_id || '|' || p.organization_id || '|' || p.index_id || '|' || p.aspect || '|' || p.org_level as g,
              p.unit_code, p.method, p.estimate_0_100, p.ci_low_0_100, p.ci_high_0_100, p.tier::int as tier,
              r.rank::int as rank
       from ${t("published_scores")} p
       join ${t("rank_intervals")} r using (wave_id, organization_id, index_id, aspect, org_level, unit_code)
       where p.tier is not null and p.index_id = 'awareness'
       order by g, p.estimate_0_100 desc, p.unit_code`,
    );
    const [{ ranked }] = (await db.query<{ ranked: number }>(
      `select count(*)::int as ranked from ${t("published_scores")} where tier is not null and index_id = 'awareness'`,
    )) as [{ ranked: number }];
    expect(rows.length).toBe(ranked);
    expect(rows.length).toBeGreaterThan(100);
    expect(new Set(rows.map((r) => r.method))).toEqual(new Set(["fay_herriot"]));
    const groups = new Map<string, typeof rows>();
    for (const r of rows) groups.set(r.g, [...(groups.get(r.g) ?? []), r]);
    for (const g of groups.values()) {
      const tiers = assignTiers(
        g.map((r) => r.estimate_0_100),
        g.map((r) => r.ci_low_0_100),
        g.map((r) => r.ci_high_0_100),
      );
      g.forEach((r, i) => {
        expect(r.tier, `${r.g} ${r.unit_code}`).toBe(tiers[i]);
        expect(r.rank, `${r.g} ${r.unit_code}`).toBe(i + 1);
      });
    }
  });

  it("the scores API answers the primary (model-based) figures by default, the direct ones with figure=direct, each with its method", async () => {
    const res = await fetch(`${base}/api/v1/releases`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ study: study.id, wave: "2026" }),
    });
    expect(res.status).toBe(201);
    const { release_id: id } = (await res.json()) as { release_id: string };
    const q = "organization=union&level=township&index=awareness&org_level=township";
    const primary = (await api(`/releases/${id}/scores?${q}`)).rows;
    const model = (await api(`/releases/${id}/scores?${q}&figure=model`)).rows;
    const direct = (await api(`/releases/${id}/scores?${q}&figure=direct`)).rows;
    expect(primary.length).toBeGreaterThan(30);
    expect(primary.every((r) => r.method === "fay_herriot" && r.is_primary === true)).toBe(true);
    expect(model).toEqual(primary);
    expect(direct.length).toBe(primary.length);
    expect(direct.every((r) => r.method === "direct" && r.is_primary === false)).toBe(true);
    // the figures are the mart's, and the ranked ones carry their rank and tier
    const mart = await db.query<{ unit_code: string; estimate_0_100: number | null; tier: number | null }>(
      `select unit_code, estimate_0_100, tier::int as tier from ${t("published_scores")}
       where wave_id = '2026' and organization_id = 'union' and unit_level = 'township' and index_id = 'awareness'
         and org_level = 'township' and aspect = '' and group_var = '' and is_primary order by unit_code`,
    );
    expect(primary.map((r) => [r.unit_code, r.estimate_0_100, r.tier])).toEqual(
      mart.map((m) => [m.unit_code, m.estimate_0_100, m.tier]),
    );
    expect(primary.some((r) => typeof r.rank === "number")).toBe(true);
    expect(direct.every((r) => r.rank === null && r.tier === null)).toBe(true);
    // an unknown figure is refused by the route's schema
    const bad = await fetch(`${base}/api/v1/releases/${id}/scores?figure=best`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(400);

    // the live figures API says the same
    const live = (await api(`/studies/${study.id}/figures?wave=2026&unit_level=township&index=awareness`))
      .rows;
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((r) => r.method === "fay_herriot" && r.is_primary === true)).toBe(true);
    const liveDirect = (
      await api(`/studies/${study.id}/figures?wave=2026&unit_level=township&index=awareness&figure=direct`)
    ).rows;
    expect(liveDirect.every((r) => r.method === "direct")).toBe(true);
    expect(liveDirect.length).toBe(live.length);

    // the printed report labels the ranked model-based figures
    for (const lang of ["zh", "en"] as const) {
      const page = await fetch(`${base}/releases/${id}/report?lang=${lang}`, { headers: { cookie } });
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain(`class="model-based"`);
      expect(text).toContain(`>${message("sae.model_based", lang)}</span>`);
    }
  });

  it("the overview's ranking and scorecards label every model-based figure (zh and en)", async () => {
    for (const lang of ["zh", "en"] as const) {
      const res = await fetch(`${base}/?wave=2026&index=awareness&lang=${lang}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const text = await res.text();
      // the note under the tier chart (its words HTML-escaped on the page)
      expect(text).toContain(message("sae.ranked_model_based", lang).replaceAll("'", "&#39;"));
      const table = text.slice(
        text.indexOf('class="figures ranks"'),
        text.indexOf("</table>", text.indexOf('class="figures ranks"')),
      );
      const rows = table.split("<tr data-unit=").slice(1);
      expect(rows.length).toBeGreaterThan(10);
      for (const row of rows) expect(row).toContain(`>${message("sae.model_based", lang)}</span>`);
      // a township's page: its modelled figures marked, the composite (direct) not
      const unit = await (
        await fetch(`${base}/units/T07?wave=2026&lang=${lang}`, { headers: { cookie } })
      ).text();
      expect(unit).toContain(`class="model-based"`);
    }
  });
});
