import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile, rawTableName } from "../../ingest/index.ts";
import { relationName, runModels } from "../../models/index.ts";
import { loadStudy, MODEL_COLUMNS } from "../../study/index.ts";
import { CODEBOOK, STUDY, writeStudy } from "../helpers/tinyStudy.ts";

// Item names that the models also use for their own columns (issue 14). Before the check,
// an item named base_weight loaded, and every model run failed in a contract on a column
// DuckDB had renamed (base_weight_1), naming neither the model's column nor the item.

const KEY = Buffer.from("test-key");

/** The tiny study's codebook with one more item, a number named `name`. */
const codebookWith = (name: string) =>
  `${CODEBOOK.replace(
    "choices:",
    `  - { type: decimal, name: ${name}, label: { zh: 额外数字, en: Extra number } }\nchoices:`,
  )}`;

const dbs: Database[] = [];
afterAll(async () => {
  for (const db of dbs) await closeDatabase(db);
});

describe("an item named like a model column", () => {
  it("is refused at load, naming the item, where it is defined and what to rename", async () => {
    const dir = writeStudy({ "codebook.yaml": codebookWith("base_weight") });
    await expect(loadStudy(dir)).rejects.toThrow(
      'codebook.yaml, survey item 10: item name "base_weight" is a column the models add; rename the item in the codebook (for example to "q_base_weight") and the column in the response files',
    );
  });

  it.each(MODEL_COLUMNS.filter((c) => c !== "respondent_id"))("is refused for %s", async (name) => {
    const dir = writeStudy({ "codebook.yaml": codebookWith(name) });
    await expect(loadStudy(dir)).rejects.toThrow(`item name "${name}" is a column the models add`);
  });

  it("is refused when it would read as a score column or the engine's", async () => {
    await expect(loadStudy(writeStudy({ "codebook.yaml": codebookWith("awareness__x") }))).rejects.toThrow(
      'item name "awareness__x" is the score columns of indicator awareness',
    );
    await expect(loadStudy(writeStudy({ "codebook.yaml": codebookWith("__bm_w") }))).rejects.toThrow(
      "the prefix __bm_",
    );
  });

  it("is accepted when it is the study's own design column for that purpose", async () => {
    const study = STUDY.replace(
      "calibration:",
      "design: { base_weights: { method: column, column: base_weight } }\ncalibration:",
    );
    const dir = writeStudy({ "study.yaml": study, "codebook.yaml": codebookWith("base_weight") });
    expect((await loadStudy(dir)).design.base_weights).toEqual({ method: "column", column: "base_weight" });
  });
});

describe("MODEL_COLUMNS", () => {
  it("names every column the models add beside the answers in the wide relations", async () => {
    const dir = writeStudy({
      "codebook.yaml": codebookWith("extra"),
      "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,200\nT2,V4,100\n",
    });
    const study = await loadStudy(dir);
    const rows = ["rid,town,village,sex,age,aw_union,league,phone,name,extra"];
    const places = [
      ["T1", "V1"],
      ["T1", "V2"],
      ["T2", "V3"],
      ["T2", "V4"],
    ];
    for (let i = 0; i < 60; i++) {
      const [town, village] = places[i % 4]!;
      rows.push(
        `r${i},${town},${village},${(i % 2) + 1},${20 + i},${i % 5 ? 1 : 2},1,1380000${i},某人,${i / 2}`,
      );
    }
    const file = join(dir, "wave.csv");
    writeFileSync(file, `${rows.join("\n")}\n`);
    const db = await openDatabase(join(dir, "db.duckdb"));
    dbs.push(db);
    const report = await ingestFile(db, { study, waveId: "2024", path: file, user: "t", hmacKey: KEY });
    expect(report.accepted, JSON.stringify(report.errors)).toBe(60);
    await runModels(db, study);
    const items = new Set(study.codebookByVersion.get("v1")!.items.map((i) => i.name));
    const added = new Set<string>();
    for (const relation of [
      rawTableName(study.id),
      ...["stg_responses", "int_responses_base_weighted", "int_scores_wide", "int_responses_calibrated"].map(
        (m) => relationName(m, study.id),
      ),
    ]) {
      const columns = await db.query<{ column_name: string }>(
        `select column_name from (describe "${relation}")`,
      );
      for (const { column_name: c } of columns) if (!items.has(c) && !c.includes("__")) added.add(c);
    }
    expect([...added].sort()).toEqual([...MODEL_COLUMNS].sort());
  });
});
