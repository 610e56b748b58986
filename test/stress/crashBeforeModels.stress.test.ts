import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/index.ts";
import {
  freePort,
  newRespondents,
  prepareDemo,
  type ServerChild,
  STUDY,
  sleep,
  startServer,
  stopServer,
  upload,
} from "./serverProcess.ts";

// Issue 13: kill -9 of `barometer serve` after an upload's commit, during the model run that
// follows it; restart; the upload must reach every figure (the restart reruns the models), the
// history must say "pending" in between, and the interrupted run must not stay `running`.
// Expected counts: the hand count of respondents in each upload file; "every figure" is checked
// on the database file afterwards: each mart table's respondents of the wave against staging.

const TRIALS = Number(process.env.BAROMETER_CRASH_TRIALS ?? 1);

let db: string;
let token: string;
let port: number;
let server: ServerChild | undefined;

beforeAll(async () => {
  ({ db, token } = await prepareDemo());
  port = await freePort();
}, 1_200_000);
afterAll(async () => {
  if (server) await stopServer(server, "SIGKILL");
});

type HistoryRow = { upload_id: string; file_name: string; figures_pending: boolean };
async function history(url: string): Promise<HistoryRow[]> {
  const res = await fetch(`${url}/api/v1/uploads?study=${STUDY}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { uploads: HistoryRow[] }).uploads;
}

describe("kill -9 between an upload's commit and its model run", () => {
  it(`the upload reaches every figure after a restart (${TRIALS} trials)`, async () => {
    let added = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      server = await startServer(db, port, 180_000);
      const name = `crash-${trial}.csv`;
      const n = 30 + trial;
      const sent = upload(
        server.url,
        token,
        "2026",
        name,
        newRespondents("2026", String(trial + 1), 1, n),
      ).catch(() => null);
      // committed, models not yet run: the history lists it as pending; kill right then
      let seen: HistoryRow | undefined;
      const deadline = Date.now() + 120_000;
      while (!seen && Date.now() < deadline) {
        seen = (await history(server.url)).find((u) => u.file_name === name);
        if (!seen) await sleep(20);
      }
      expect(seen?.figures_pending, `trial ${trial}: the upload never showed as pending`).toBe(true);
      await stopServer(server, "SIGKILL");
      // the report comes at the commit, so the client may have it (saying the figures are
      // updating) or the kill came before it reached the client
      const answer = await sent;
      if (answer) expect(answer.body).toMatchObject({ status: "loaded", figures: "updating" });
      added += n;

      server = await startServer(db, port, 180_000);
      const until = Date.now() + 600_000;
      for (;;) {
        const row = (await history(server.url)).find((u) => u.upload_id === seen!.upload_id);
        if (row && !row.figures_pending) break;
        if (Date.now() > until) throw new Error(`trial ${trial}: figures still pending\n${server.log()}`);
        await sleep(250);
      }
      expect(server.log()).toMatch(/interrupted by a stop|not yet in its figures/);
      await stopServer(server, "SIGTERM");
      server = undefined;
    }

    const file = await openDatabase(db, { readOnly: true });
    try {
      const [counts] = await file.query<{
        staged: number;
        calibrated: number;
        wide: number;
        reports: number;
        running: number;
      }>(
        `select
           (select count(*) from stg_responses__${STUDY} where wave_id = '2026')::integer as staged,
           (select count(*) from int_responses_calibrated__${STUDY} where wave_id = '2026')::integer as calibrated,
           (select count(*) from int_scores_wide__${STUDY} where wave_id = '2026')::integer as wide,
           (select count(*) from upload_reports__${STUDY} where file_name like 'crash-%')::integer as reports,
           (select count(*) from model_runs where status = 'running')::integer as running`,
      );
      const [original] = await file.query<{ n: number }>(
        `select count(*)::integer as n from stg_responses__${STUDY} where wave_id = '2026' and upload_id not in
           (select upload_id from uploads where file_name like 'crash-%')`,
      );
      expect(counts).toEqual({
        staged: original!.n + added,
        calibrated: original!.n + added,
        wide: original!.n + added,
        reports: TRIALS,
        running: 0,
      });
    } finally {
      await closeDatabase(file);
    }
  }, 3_600_000);
});
