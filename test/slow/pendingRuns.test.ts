import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { recoverModelRuns } from "../../server/recoverModelRuns.ts";
import { Writer } from "../../server/writer.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";
import { newRespondents } from "../stress/serverProcess.ts";

// Issue 13: a crash between an upload's commit and its model run. The state such a crash
// leaves (rows committed by the ingest, a model run left `running`, marts without the rows)
// is made here with the real ingest; then (1) the upload history says the figures are
// pending, (2) sending the same file again runs the models instead of a dead-end "duplicate",
// and (3) the server's start-up recovery fails the interrupted run and reruns the models.
// "In the figures" is checked against staging (a view over the raw rows, always current):
// the calibrated respondents of the wave equal staging's, and the upload is in upload_reports.

const S = "mass_org_evaluation";
let db: Database;
let study: Study;
let dir: string;
let token: string;
let app: ReturnType<typeof createApp>;
const writer = new Writer();

beforeAll(async () => {
  ({ db, study, dir } = await demoDatabase());
  await createUser(db, "stats", "uploader", "a-long-test-password");
  token = await createToken(db, "stats", "t");
  app = createApp({ db, writer, sessionSecret: randomBytes(32) });
}, 300_000);
afterAll(async () => {
  await writer.idle();
  if (db) await closeDatabase(db);
});

/** Respondents of the wave in staging and in the calibrated table, and whether upload_reports has `id`. */
async function figures(id: string) {
  const [row] = await db.query<{ staged: number; calibrated: number; reported: boolean }>(
    `select (select count(*) from stg_responses__${S} where wave_id = '2026')::integer as staged,
       (select count(*) from int_responses_calibrated__${S} where wave_id = '2026')::integer as calibrated,
       exists (select 1 from upload_reports__${S} where upload_id = $1) as reported`,
    [id],
  );
  return row!;
}

/** The committed half of an upload, as a kill -9 right after the ingest's commit leaves it. */
async function crashAfterCommit(name: string, csv: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, csv);
  const r = await ingestFile(db, {
    study,
    waveId: "2026",
    path,
    fileName: name,
    user: "stats",
    hmacKey: Buffer.from("k"),
  });
  expect([r.status, r.rejected]).toEqual(["loaded", 0]);
  await db.run(
    "insert into model_runs (run_id, study_id, started_at, status) values ($1, $2, now(), 'running')",
    [`run_killed_${name}`, S],
  );
  return r.upload_id!;
}

const history = async () =>
  (await request(app).get(`/api/v1/uploads?study=${S}`).set("Authorization", `Bearer ${token}`)).body
    .uploads as {
    upload_id: string;
    figures_pending: boolean;
  }[];

describe("a crash between an upload's commit and its model run", () => {
  it("shows the figures as pending, and sending the file again runs the models", async () => {
    const csv = newRespondents("2026", "7", 1, 40);
    const id = await crashAfterCommit("again.csv", csv);
    const before = await figures(id);
    expect(before.calibrated).toBe(before.staged - 40);
    expect(before.reported).toBe(false);
    expect((await history()).find((u) => u.upload_id === id)?.figures_pending).toBe(true);
    // the pages say their figures are updating, and how many uploads they lack
    const page = async () => (await request(app).get("/").set("Authorization", `Bearer ${token}`)).text;
    expect(await page()).toContain(message("page.figures_updating", "zh", { n: "1" }));

    const res = await request(app)
      .post("/api/v1/uploads")
      .set("Authorization", `Bearer ${token}`)
      .field("study", S)
      .field("wave", "2026")
      .attach("file", Buffer.from(csv), "again.csv");
    // the same bytes land nothing, but the run the crash lost is started (in the background)
    expect(res.body).toMatchObject({ status: "duplicate", figures: "updating", model_run_error: null });
    const state = () =>
      request(app).get(`/api/v1/uploads/${id}/figures`).set("Authorization", `Bearer ${token}`);
    expect((await state()).body.figures).toBe("updating");
    await writer.idle();
    expect((await state()).body).toMatchObject({ figures: "updated", model_run_error: null });
    const after = await figures(id);
    expect(after).toEqual({ staged: before.staged, calibrated: before.staged, reported: true });
    expect((await history()).find((u) => u.upload_id === id)?.figures_pending).toBe(false);
    expect(await page()).not.toContain(`class="notice updating"`);
  }, 300_000);

  it("at start, the interrupted run is failed and the models run again", async () => {
    const id = await crashAfterCommit("restart.csv", newRespondents("2026", "8", 1, 25));
    const before = await figures(id);
    expect(before.calibrated).toBe(before.staged - 25);
    const lines: string[] = [];
    expect(await recoverModelRuns(db, new Writer(), (m) => lines.push(m))).toEqual([S]);
    expect(await figures(id)).toEqual({ staged: before.staged, calibrated: before.staged, reported: true });
    const runs = await db.query<{ status: string; message: string }>(
      "select status, message from model_runs where run_id like 'run_killed_%' order by run_id",
    );
    expect(runs.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(runs[0]!.message).toMatch(/^interrupted/);
    // nothing is pending any more: a second start does nothing
    expect(await recoverModelRuns(db, new Writer(), () => undefined)).toEqual([]);
  }, 300_000);
});
