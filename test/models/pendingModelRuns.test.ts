import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import {
  modelSteps,
  pendingModelRuns,
  runDirectStep,
  runLaterStep,
  uploadFigures,
  uploadsWithFiguresPending,
} from "../../models/index.ts";
import type { Study } from "../../study/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// Which uploads the figures hold, when a run after an upload comes in two steps (the direct
// figures, then the rest: models/runInTwoSteps.ts), over a real DuckDB file (the tiny study).
// A process that stops between the steps leaves the upload pending for the restart's rerun.

let db: Database;
let study: Study;
let responses: (n: number, from: number) => string;

beforeAll(async () => {
  ({ db, study, responses } = await tinyDatabase());
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("pending figures with runs in two steps", () => {
  it("an upload is pending until the second step; the direct figures hold it after the first", async () => {
    const loaded = await ingestFile(db, {
      study,
      waveId: "2024",
      path: responses(20, 500),
      user: "test",
      hmacKey: Buffer.from("test-key"),
    });
    expect(loaded.status).toBe("loaded");
    const id = loaded.upload_id!;
    const pending = async () => ({
      all: [...(await uploadsWithFiguresPending(db, study.id))],
      direct: [...(await uploadsWithFiguresPending(db, study.id, "direct"))],
    });
    expect(await pending()).toEqual({ all: [id], direct: [id] });
    expect(await uploadFigures(db, id)).toMatchObject({ pending: true, directPending: true });

    const steps = (await modelSteps(db, study))!;
    const first = await runDirectStep(db, study, steps);
    expect(await pending()).toEqual({ all: [id], direct: [] });
    expect(await uploadFigures(db, id)).toMatchObject({ pending: true, directPending: false });
    // a process that stops here: its restart finds the study and runs its models again
    expect((await pendingModelRuns(db)).map((p) => [p.study_id, p.upload_ids])).toEqual([[study.id, [id]]]);

    await runLaterStep(db, study, steps, first);
    expect(await pending()).toEqual({ all: [], direct: [] });
    expect(await uploadFigures(db, id)).toMatchObject({ pending: false, directPending: false });
    expect(await pendingModelRuns(db)).toEqual([]);
  }, 120_000);
});
