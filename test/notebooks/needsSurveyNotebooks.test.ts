import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestStudyResponses } from "../../ingest/index.ts";
import { notebookMessage } from "../../messages/notebooks.ts";
import { runModels } from "../../models/index.ts";
import {
  findNotebook,
  loadNotebook,
  localize,
  NOTEBOOKS_DIR,
  NotebookError,
  renderBody,
  renderNotebook,
} from "../../notebooks/engine/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { loadStudy } from "../../study/index.ts";
import { validateVegaLite } from "../helpers/vegaLite.ts";

// Notebooks on a study that is not the demo (issue 14): the needs survey example
// (examples/needs-survey), its own indicators and quarterly waves, in a real sandbox over the
// server's snapshot. township-changes is written for any study and must show this study's
// figures exactly as the mart holds them; the demo's own notebooks (participation, ...) declare
// their study and are refused here with the catalogue's message.

const ROOT = join(import.meta.dirname, "../..");
let db: Database;
let analytics: Analytics;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-needs-nb-"));
  const study = await loadStudy(resolve(ROOT, "examples/needs-survey"));
  db = await openDatabase(join(dir, "needs.duckdb"));
  await ingestStudyResponses(db, study, { user: "t", hmacKey: Buffer.from("k") });
  await runModels(db, study);
  analytics = new Analytics(db);
  await analytics.start();
}, 300_000);
afterAll(async () => {
  await analytics?.stop();
  if (db) await closeDatabase(db);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const townshipChanges = () => loadNotebook(findNotebook(NOTEBOOKS_DIR, "township-changes")!);
const rowsOf = (rendered: Awaited<ReturnType<typeof renderNotebook>>, block: string) => {
  const section = rendered.sections.find((s) => s.kind === "table" && s.result.name === block);
  if (section?.kind !== "table") throw new Error(`no table ${block}`);
  const { columns, rows } = section.result;
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])));
};

describe("township-changes on the needs survey", () => {
  it("offers the study's own waves and indicators, the latest wave and the composite by default", async () => {
    const rendered = await renderNotebook(townshipChanges(), { sandbox: analytics.sandbox });
    expect(rendered.study).toBe("needs_survey");
    const param = (name: string) => rendered.params.find((p) => p.name === name)!;
    expect(param("wave").choices).toEqual(["2025Q1", "2025Q2", "2025Q3", "2025Q4"]);
    expect(param("index").choices).toEqual([
      "service_index",
      "benefit_rate",
      "satisfied_beneficiaries",
      "satisfaction_beneficiaries",
      "needs",
    ]);
    expect(param("index").choiceLabels?.benefit_rate).toEqual({ zh: "受益率", en: "Benefit rate" });
    expect(rendered.values).toEqual({ wave: "2025Q4", index: "service_index" });
    expect(renderBody(rendered, "zh").toString()).toMatch(
      /计算参数：研究 = 某区总工会职工需求调查（示例）；波次 = 2025年第四季度 \(<code>2025Q4<\/code>\)/,
    );
    for (const chart of rendered.sections.filter((s) => s.kind === "chart"))
      expect(validateVegaLite(localize(chart.spec, "en")), chart.query).toBe(true);
  });

  for (const index of ["benefit_rate", "needs"])
    it(`shows ${index}'s change per township as index_scores__needs_survey holds it`, async () => {
      const rendered = await renderNotebook(townshipChanges(), {
        sandbox: analytics.sandbox,
        params: { wave: "2025Q3", index },
      });
      const shown = rowsOf(rendered, "changes");
      const mart = await db.query<Record<string, unknown>>(
        `select organization_id, aspect, unit_code, round(estimate_0_100, 1) as estimate_0_100,
                round(change_0_100, 1) as change_0_100, is_change_significant, previous_wave_id
         from index_scores__needs_survey
         where wave_id = '2025Q3' and index_id = $index and unit_level = 'township' and group_var = ''
           and change_0_100 is not null
         order by organization_id, aspect, change_0_100 desc`,
        { index },
      );
      expect(mart.length).toBeGreaterThan(0);
      // 8 townships (needs: times 7 options), less those whose figure is withheld in either wave
      expect(mart.length).toBeLessThanOrEqual(index === "needs" ? 7 * 8 : 8);
      const key = (r: Record<string, unknown>) => [
        r.organization_id,
        r.aspect,
        r.unit_code,
        r.estimate_0_100,
        r.change_0_100,
        r.previous_wave_id,
      ];
      // the same figures (the order within a panel may differ on ties of the rounded change)
      const sorted = (rows: Record<string, unknown>[]) =>
        rows.map(key).sort((a, b) => (String(a) < String(b) ? -1 : 1));
      expect(sorted(shown)).toEqual(sorted(mart));
      expect(new Set(shown.map((r) => r.previous_wave_id))).toEqual(new Set(["2025Q2"]));
      if (index === "needs")
        // one panel per option, headed by the organization's name from the study
        expect(new Set(shown.map((r) => r.panel_en))).toEqual(
          new Set([
            "District trade union · 1",
            "District trade union · 2",
            "District trade union · 3",
            "District trade union · 4",
            "District trade union · 5",
            "District trade union · 6",
            "District trade union · 7",
          ]),
        );
    });

  it("refuses an indicator or wave the study does not have, naming its own", async () => {
    const error = await renderNotebook(townshipChanges(), {
      sandbox: analytics.sandbox,
      params: { index: "awareness" },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(NotebookError);
    expect(error.message).toMatch(/"awareness" is not one of service_index, benefit_rate/);
  });
});

describe("notebooks written for the demo study", () => {
  it("are refused on the needs survey with the catalogue's message", async () => {
    for (const name of ["participation", "data-quality", "weighting"]) {
      const notebook = loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!);
      expect(notebook.study).toBe("mass_org_evaluation");
      const error = await renderNotebook(notebook, {
        sandbox: analytics.sandbox,
        study: "needs_survey",
        lang: "zh",
      }).catch((e) => e);
      expect(error).toBeInstanceOf(NotebookError);
      expect(error.detail).toBe(
        notebookMessage("notebook.other_study", "zh", {
          name,
          study: "mass_org_evaluation",
          chosen: "needs_survey",
        }),
      );
      // and without a study asked for: this snapshot has none of theirs
      const alone = await renderNotebook(notebook, { sandbox: analytics.sandbox }).catch((e) => e);
      expect(alone.detail).toBe(
        notebookMessage("notebook.unknown_study", "en", {
          study: "mass_org_evaluation",
          known: "needs_survey",
        }),
      );
    }
  });
});

describe("the notebook list", () => {
  it("on the server: lists the notebooks for any study, names the others apart, refuses them", async () => {
    const app = createApp({ db, analytics, sessionSecret: randomBytes(32), logError: () => {} });
    await createUser(db, "nb_viewer", "viewer", "a-long-test-password");
    const auth = { Authorization: `Bearer ${await createToken(db, "nb_viewer", "t")}` };
    const list = await request(app).get("/notebooks?lang=en").set(auth);
    expect(list.status).toBe(200);
    expect(list.text).toContain('href="/notebooks/township-changes?lang=en&amp;study=needs_survey"');
    expect(list.text).not.toContain('href="/notebooks/participation');
    expect(list.text).toContain(
      notebookMessage("notebook.other_studies", "en", {
        count: 3,
        names:
          "data-quality (mass_org_evaluation), participation (mass_org_evaluation), weighting (mass_org_evaluation)",
      }),
    );
    const page = await request(app)
      .get("/notebooks/township-changes?study=needs_survey&index=needs")
      .set(auth);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="benefit_rate">受益率</option>');
    expect(page.text).toContain('<input type="hidden" name="study" value="needs_survey">');
    const refused = await request(app).get("/notebooks/participation?lang=en").set(auth);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("the snapshot holds no study mass_org_evaluation");
  });

  it("in the CLI: `barometer notebook render --study` runs a notebook for any study, refuses the demo's", async () => {
    await db.run("checkpoint");
    const copy = join(dir, "copy.duckdb");
    copyFileSync(db.path, copy);
    const render = (name: string, out: string, ...extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          join(ROOT, "bin/barometer.js"),
          "--db",
          copy,
          "notebook",
          "render",
          join(NOTEBOOKS_DIR, `${name}.md`),
          "--study",
          "needs_survey",
          ...extra,
          "-o",
          join(dir, out),
        ],
        { encoding: "utf8" },
      );
    const ok = render("township-changes", "changes.html", "--param", "index=needs", "--lang", "zh");
    expect(ok.status, ok.stderr).toBe(0);
    const html = readFileSync(join(dir, "changes.html"), "utf8");
    expect(html).toContain(
      "研究 = 某区总工会职工需求调查（示例）；波次 = 2025年第四季度 (<code>2025Q4</code>)；指标 = 服务需求 (<code>needs</code>)",
    );
    const refused = render("participation", "participation.html", "--lang", "en");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      notebookMessage("notebook.other_study", "en", {
        name: "participation",
        study: "mass_org_evaluation",
        chosen: "needs_survey",
      }),
    );
  }, 120_000);

  it("in the CLI: `barometer notebook list --study` names the study each is for", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "bin/barometer.js"), "notebook", "list", "--study", "needs_survey", "--lang", "en"],
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "township-changes\tany study\tWhich townships changed significantly since the last wave",
    ]);
    expect(run.stderr).toContain("3 more notebooks apply to other studies only");
  });
});
