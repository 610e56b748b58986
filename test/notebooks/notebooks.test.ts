import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findNotebook,
  loadNotebook,
  localize,
  NOTEBOOKS_DIR,
  NotebookError,
  parseNotebook,
  renderBody,
  renderNotebook,
} from "../../notebooks/engine/index.ts";
import { validateVegaLite } from "../helpers/vegaLite.ts";
import { type NotebookFixture, notebookFixture, SHIPPED } from "./fixture.ts";

// The shipped notebooks run on the demo study (three waves, models built) in a real sandbox
// child over a real snapshot; counts are checked against the same queries run directly on
// the database, and chart specs against the Vega-Lite JSON schema.

const ROOT = join(import.meta.dirname, "../..");
let f: NotebookFixture;

beforeAll(async () => {
  f = await notebookFixture();
});
afterAll(async () => {
  await f?.close();
});

function notebookText(sql: string, extra = ""): string {
  return `---
title: { zh: 测试, en: Test }
params:
  wave: { type: string, default: "2026" }
---

Some prose.

\`\`\`sql name=first
select wave_id, count(*) as n from stg_responses__mass_org_evaluation group by wave_id order by wave_id
\`\`\`

\`\`\`sql name=second
${sql}
\`\`\`
${extra}`;
}

async function failure(text: string, params: Record<string, string> = {}): Promise<NotebookError> {
  const error = await renderNotebook(parseNotebook("broken", text), { sandbox: f.sandbox, params }).catch(
    (e) => e,
  );
  expect(error).toBeInstanceOf(NotebookError);
  return error as NotebookError;
}

describe("shipped notebooks", () => {
  const validate = validateVegaLite;

  for (const name of SHIPPED) {
    it(`${name} renders with every chart valid and fed by its query`, async () => {
      const notebook = loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!);
      const rendered = await renderNotebook(notebook, { sandbox: f.sandbox });
      const charts = rendered.sections.filter((s) => s.kind === "chart");
      expect(charts.length).toBeGreaterThan(0);
      for (const chart of charts) {
        expect(
          validate(localize(chart.spec, "en")),
          `${name}: ${chart.query}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
        ).toBe(true);
      }
      // every table shown rests on suppressed figures: no unsuppressed mart anywhere
      expect(JSON.stringify(notebook.blocks)).not.toMatch(/index_estimates/);
    });
  }

  it("participation: the occupation estimates agree with a hand-written weighted mean", async () => {
    const rendered = await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, "participation")!), {
      sandbox: f.sandbox,
    });
    const section = rendered.sections.find((s) => s.kind === "table" && s.result.name === "by_occupation");
    if (section?.kind !== "table") throw new Error("no by_occupation table");
    const cols = section.result.columns.map((c) => c.name);
    const row = section.result.rows.find(
      (r) => r[0] === "union" && r[cols.indexOf("occupation_en")] === "Farming",
    )!;
    // the point estimate of a proportion is the weighted share: Σw·y / Σw
    const [expected] = await f.db.query<{ p: number }>(
      `select 100 * sum(c.weight * s.participation__union__township / 100) / sum(c.weight) as p
       from int_scores_wide__mass_org_evaluation s join int_responses_calibrated__mass_org_evaluation c using (wave_id, respondent_id)
       where s.wave_id = '2026' and s.occupation = '1'`,
    );
    expect(row[cols.indexOf("estimate")] as number).toBeCloseTo(expected!.p, 6);
    expect(row[cols.indexOf("ci_low")] as number).toBeLessThan(expected!.p);
    expect(row[cols.indexOf("is_withheld")]).toBe(false);
  });

  it("weighting: one design effect per organization, index and organization level, as in the mart (none stacked)", async () => {
    const rendered = await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, "weighting")!), {
      sandbox: f.sandbox,
      params: { wave: "2026" },
    });
    const section = rendered.sections.find((s) => s.kind === "table" && s.result.name === "design_effects");
    if (section?.kind !== "table") throw new Error("no design_effects table");
    const cols = section.result.columns.map((c) => c.name);
    const at = (r: unknown[], c: string) => r[cols.indexOf(c)];
    const keys = section.result.rows.map(
      (r) => `${at(r, "organization_id")}/${at(r, "index_id")}/${at(r, "org_level")}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    const mart = await f.db.query<{ k: string; deff: number }>(
      `select organization_id || '/' || index_id || '/' || org_level as k, deff from index_scores__mass_org_evaluation
       where wave_id = '2026' and unit_level = 'district' and group_var = '' and aspect = '' and not is_withheld and deff is not null`,
    );
    expect(keys.sort()).toEqual(mart.map((m) => m.k).sort());
    for (const r of section.result.rows) {
      const m = mart.find(
        (x) => x.k === `${at(r, "organization_id")}/${at(r, "index_id")}/${at(r, "org_level")}`,
      )!;
      expect(at(r, "deff") as number).toBeCloseTo(m.deff, 2);
    }
    // the page says what it was computed for, in the reader's language
    expect(renderBody(rendered, "zh").toString()).toMatch(/<p class="nb-params">计算参数：[^<]*= 2026/);
    expect(renderBody(rendered, "en").toString()).toMatch(/<p class="nb-params">Computed for: [^<]*= 2026/);
    // the chart shows one panel per organization level, so no bar sums two levels
    const chart = rendered.sections.find((s) => s.kind === "chart" && s.query === "design_effects");
    if (chart?.kind !== "chart") throw new Error("no design_effects chart");
    expect(JSON.stringify(chart.spec.encoding)).toContain('"row":{"field":"org_level"');
  });
});

describe("errors name the place", () => {
  it("a broken SQL block: notebook, block, line and DuckDB's message", async () => {
    const error = await failure(notebookText("select nope from stg_responses__mass_org_evaluation"));
    expect(error.place).toEqual({ notebook: "broken", block: "second", line: 14 });
    expect(error.message).toMatch(/^notebook broken, block "second", line 14: .*nope/s);
  });

  it("a syntax error", async () => {
    const error = await failure(notebookText("selec 1"));
    expect(error.message).toMatch(/block "second", line 14: syntax error at or near "selec"/);
  });

  it("an unknown parameter given by the caller", async () => {
    const error = await failure(notebookText("select 1"), { township: "x" });
    expect(error.message).toMatch(/unknown parameter "township" \(this notebook declares: wave\)/);
  });

  it("an unknown $parameter in a block", async () => {
    const error = await failure(notebookText("select * from first where wave_id = $township"));
    expect(error.message).toMatch(/block "second", line 13: unknown parameter \$township/);
  });

  it("a chart naming an unknown query, at parse time", () => {
    const text = notebookText("select 1 as x", '\n```vega-lite query=thrid\n{ "mark": "bar" }\n```\n');
    expect(() => parseNotebook("broken", text)).toThrow(
      /notebook broken, block "vega-lite query=thrid", line 17: the chart names the query "thrid", but no SQL or estimate block of that name comes before it \(known: first, second\)/,
    );
  });

  it("parameters are bound, never spliced: a quote in a value stays a value", async () => {
    const text = notebookText("select count(*) as n from first where wave_id = $wave");
    const rendered = await renderNotebook(parseNotebook("ok", text), {
      sandbox: f.sandbox,
      params: { wave: "2026' or '1'='1" },
    });
    const table = rendered.sections.find((s) => s.kind === "table" && s.result.name === "second");
    expect(table?.kind === "table" && table.result.rows).toEqual([[0]]);
  });

  it("with suppression on, reading index_estimates is refused; --no-suppress allows it", async () => {
    const text = notebookText("select count(*) as n from index_estimates__mass_org_evaluation");
    const error = await failure(text);
    expect(error.message).toMatch(
      /block "second", line 13: reads index_estimates__mass_org_evaluation, which holds figures before suppression/,
    );
    const rendered = await renderNotebook(parseNotebook("ok", text), { sandbox: f.sandbox, suppress: false });
    expect(rendered.suppress).toBe(false);
  });

  it("a block that writes is refused by the sandbox", async () => {
    const error = await failure(notebookText("copy (select 1) to '/tmp/x.csv'"));
    expect(error.place.block).toBe("second");
  });
});

describe("server route", () => {
  for (const name of SHIPPED) {
    it(`GET /notebooks/${name} renders for a viewer, in zh and en`, async () => {
      for (const lang of ["zh", "en"]) {
        const res = await request(f.app).get(`/notebooks/${name}?lang=${lang}`).set(f.as("viewer"));
        expect(res.status, res.text.slice(0, 500)).toBe(200);
        expect(res.text).toContain('class="nb-chart"');
        expect(res.text).toContain('<form method="get" class="nb-params">');
        expect(res.text).not.toContain("<script>"); // no inline scripts under the CSP
      }
    });
  }

  it("parameters come from the query string; an unknown one is a 422 naming it", async () => {
    const ok = await request(f.app)
      .get("/notebooks/township-changes?wave=2025&index=awareness")
      .set(f.as("viewer"));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<option value="2025" selected>');
    const bad = await request(f.app).get("/notebooks/weighting?township=1").set(f.as("viewer"));
    expect(bad.status).toBe(422);
    expect(bad.text).toContain("notebook weighting, line 2: unknown parameter &quot;township&quot;");
    const wrong = await request(f.app).get("/notebooks/weighting?wave=1999").set(f.as("viewer"));
    expect(wrong.status).toBe(422);
  });

  it("only analysts may turn suppression off; no sign-in redirects; unknown notebooks are 404", async () => {
    expect((await request(f.app).get("/notebooks/weighting?suppress=0").set(f.as("viewer"))).status).toBe(
      403,
    );
    const analyst = await request(f.app).get("/notebooks/weighting?suppress=0").set(f.as("analyst"));
    expect(analyst.status).toBe(200);
    expect(analyst.text).toContain("nb-warning");
    expect((await request(f.app).get("/notebooks/weighting")).status).toBe(303);
    expect((await request(f.app).get("/notebooks/..%2Fpackage").set(f.as("viewer"))).status).toBe(404);
    expect((await request(f.app).get("/notebooks/nope").set(f.as("viewer"))).status).toBe(404);
    const list = await request(f.app).get("/notebooks?lang=en").set(f.as("viewer"));
    for (const name of SHIPPED) expect(list.text).toContain(`/notebooks/${name}?lang=en`);
  });

  it("serves the chart script", async () => {
    const res = await request(f.app).get("/notebooks/assets/notebook.js");
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /^import \{ expressionInterpreter \} from "\/assets\/vendor\/vega-interpreter.js";/,
    );
  });
});

describe("CLI: barometer notebook render", () => {
  it("writes one self-contained HTML file per notebook from a database file (no server running)", () => {
    // a copy of the demo database, checkpointed first, so the CLI opens it in its own process
    const dbCopy = join(f.dir, "copy.duckdb");
    return f.db.run("checkpoint").then(() => {
      copyFileSync(f.db.path, dbCopy);
      const out = join(f.dir, "participation.html");
      const run = spawnSync(
        process.execPath,
        [
          join(ROOT, "bin/barometer.js"),
          "--db",
          dbCopy,
          "notebook",
          "render",
          join(NOTEBOOKS_DIR, "participation.md"),
          "--param",
          "wave=2025",
          "-o",
          out,
        ],
        { encoding: "utf8" },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/wrote .*participation.html \(3 charts\)/);
      const html = readFileSync(out, "utf8");
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched: opens offline
      expect(html).toContain("vega-embed");
      expect(html).not.toContain("<form"); // a file has its values fixed, no form
      expect((html.match(/class="nb-chart"/g) ?? []).length).toBe(3);
    });
  });

  it("fails with the place on a broken notebook, and on an unknown --param", () => {
    const broken = join(f.dir, "broken.md");
    writeFileSync(broken, notebookText("select nope from first"));
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        [
          join(ROOT, "bin/barometer.js"),
          "notebook",
          "render",
          ...args,
          "--snapshot",
          f.snapshotPath,
          "-o",
          join(f.dir, "x.html"),
        ],
        {
          encoding: "utf8",
        },
      );
    const a = run([broken]);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/barometer: notebook broken, block "second", line 14: .*nope/);
    const b = run([join(NOTEBOOKS_DIR, "weighting.md"), "--param", "township=1"]);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/unknown parameter "township"/);
  });
});
