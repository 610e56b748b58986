import autocannon from "autocannon";
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
  type UploadAnswer,
  upload,
} from "./serverProcess.ts";

// A real `barometer serve` on 127.0.0.1 under autocannon load (the overview's figures and a
// release's scores), while four uploads arrive at once through the API, each followed by the
// server's model run. Expected counts are hand counts of the rows each file holds; the
// "before" state is counted in the database before the server starts, the "after" state by
// reopening the file after it stops.

const FIGURES = `/api/v1/studies/${STUDY}/figures?wave=2026&unit_level=township`;
const LOAD_MS_MAX = 120_000;

let dbPath: string;
let token: string;
let releaseId: string;
let server: ServerChild | undefined;

/** Respondents per wave, of loaded uploads only, straight from the database file. */
async function respondentsPerWave(): Promise<Record<string, number>> {
  const db = await openDatabase(dbPath);
  try {
    const rows = await db.query<{ wave_id: string; n: number }>(
      `select r.wave_id, count(*)::int as n
       from raw_responses__${STUDY} r join uploads u using (upload_id)
       where u.status = 'loaded' group by 1 order by 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.wave_id, r.n]));
  } finally {
    await closeDatabase(db);
  }
}

interface FigureRow {
  organization_id: string;
  index_id: string;
  aspect: string;
  unit_level: string;
  n: number | null;
}

/**
 * What one dashboard read says about the state of `wave`: the awareness index is asked of every
 * respondent, so its district n is the wave's respondent count, and it must be the same for
 * all three organizations of one answer (a mix of two model runs would show two counts).
 */
function respondentsSeen(rows: FigureRow[]): { n: number; rows: number } {
  const counts = new Set(
    rows.filter((r) => r.unit_level === "district" && r.index_id === "awareness").map((r) => r.n),
  );
  if (counts.size !== 1)
    throw new Error(`one answer shows several respondent counts: ${[...counts].join(", ")}`);
  return { n: [...counts][0] as number, rows: rows.length };
}

async function readWave(url: string, wave: string): Promise<{ n: number; rows: number }> {
  const res = await fetch(`${url}/api/v1/studies/${STUDY}/figures?wave=${wave}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`figures ${wave}: HTTP ${res.status} ${await res.text()}`);
  return respondentsSeen(((await res.json()) as { rows: FigureRow[] }).rows);
}

/** Every sum of a subset of `parts`, added to `base`. */
function subsetSums(base: number, parts: number[]): Set<number> {
  let sums = new Set([base]);
  for (const p of parts) sums = new Set([...sums, ...[...sums].map((s) => s + p)]);
  return sums;
}

beforeAll(async () => {
  const demo = await prepareDemo({ release: true });
  ({ token } = demo);
  dbPath = demo.db;
  releaseId = demo.releaseId!;
}, 180_000);

afterAll(async () => {
  if (server) await stopServer(server, "SIGKILL");
});

describe("four uploads and their model runs while the server is under load", () => {
  it("lands each upload once or says why, never errors a read, never shows a half-updated wave, loses no row", async () => {
    const before = await respondentsPerWave();
    server = await startServer(dbPath, await freePort());
    const { url } = server;
    const baseline = { "2026": await readWave(url, "2026"), "2024": await readWave(url, "2024") };
    // the database and the dashboard agree before anything happens
    expect(baseline["2026"].n).toBe(before["2026"]);
    expect(baseline["2024"].n).toBe(before["2024"]);

    // A: 40 new 2026 respondents; D: the same bytes under another name (recognised, not loaded
    // twice); B: 30 rows for 2026 of which 2 reuse ids already in the wave (quarantined with a
    // reason); C: 35 new 2024 respondents.
    const a = newRespondents("2026", "9", 1, 40);
    const b = newRespondents("2026", "8", 41, 30)
      .replace(/^2026-80001,/m, "2026-00001,")
      .replace(/^2026-80002,/m, "2026-00002,");
    const c = newRespondents("2024", "9", 1, 35);
    const files = [
      { name: "a.csv", wave: "2026", csv: a },
      { name: "b.csv", wave: "2026", csv: b },
      { name: "c.csv", wave: "2024", csv: c },
      { name: "a-again.csv", wave: "2026", csv: a },
    ];

    const headers = { Authorization: `Bearer ${token}` };
    const load = (path: string) => {
      let instance: autocannon.Instance | undefined;
      const result = new Promise<autocannon.Result>((ok, fail) => {
        instance = autocannon(
          { url: `${url}${path}`, connections: 2, duration: LOAD_MS_MAX / 1000, headers },
          (error, r) => (error ? fail(error) : ok(r)),
        );
      });
      return { result, stop: () => instance?.stop() };
    };
    const figuresLoad = load(FIGURES);
    const scoresLoad = load(`/api/v1/releases/${releaseId}/scores?level=township&index=awareness`);

    // a dashboard polling both waves for as long as the uploads take
    let uploading = true;
    const seen: { wave: "2024" | "2026"; n: number; rows: number }[] = [];
    const poller = (async () => {
      while (uploading) {
        for (const wave of ["2026", "2024"] as const) seen.push({ wave, ...(await readWave(url, wave)) });
        await sleep(20);
      }
    })();

    await sleep(500); // the load is running before the uploads arrive
    const started = Date.now();
    const answers: UploadAnswer[] = await Promise.all(
      // each answer after its model run: the figures are read right after
      files.map((f) => upload(url, token, f.wave, f.name, f.csv, { wait: "figures" })),
    );
    const uploadMs = Date.now() - started;
    uploading = false;
    await poller;
    figuresLoad.stop();
    scoresLoad.stop();
    const [figures, scores] = await Promise.all([figuresLoad.result, scoresLoad.result]);

    // every upload answered, with a status that says what happened
    for (const [i, ans] of answers.entries())
      expect(ans.status, `${files[i]!.name}: ${JSON.stringify(ans.body)}`).toBe(200);
    const [ansA, ansB, ansC, ansD] = answers as [UploadAnswer, UploadAnswer, UploadAnswer, UploadAnswer];
    // A and its copy: one loaded, the other recognised as that very upload
    const pair = [ansA.body, ansD.body].sort((x, y) => x.status.localeCompare(y.status));
    expect(pair.map((p) => p.status)).toEqual(["duplicate", "loaded"]);
    expect(pair[0]!.upload_id).toBe(pair[1]!.upload_id);
    expect(pair[1]).toMatchObject({ rows: 40, accepted: 40, rejected: 0, model_run_error: null });
    expect(ansB.body).toMatchObject({
      status: "loaded",
      rows: 30,
      accepted: 28,
      rejected: 2,
      model_run_error: null,
    });
    expect(ansB.body.errors).toEqual([
      expect.objectContaining({ reason: "reject.duplicate_id_in_wave", count: 2 }),
    ]);
    expect(ansC.body).toMatchObject({
      status: "loaded",
      rows: 35,
      accepted: 35,
      rejected: 0,
      model_run_error: null,
    });
    const loadedIds = [pair[1]!.upload_id, ansB.body.upload_id, ansC.body.upload_id];
    expect(new Set(loadedIds).size).toBe(3);

    // reads never failed, under load or while polling
    expect(figures.errors, "figures: connection errors").toBe(0);
    expect(figures.non2xx, "figures: non-2xx answers").toBe(0);
    expect(scores.errors, "scores: connection errors").toBe(0);
    expect(scores.non2xx, "scores: non-2xx answers").toBe(0);
    expect(figures.requests.total).toBeGreaterThan(10);
    expect(scores.requests.total).toBeGreaterThan(10);

    // every dashboard read showed the wave as one of the states the serialized uploads pass
    // through (none, some or all of that wave's loads), never a mix; the same figures, too
    const states = {
      "2026": subsetSums(before["2026"]!, [40, 28]),
      "2024": subsetSums(before["2024"]!, [35]),
    };
    expect(seen.length).toBeGreaterThan(4);
    for (const s of seen) {
      expect(states[s.wave].has(s.n), `${s.wave}: ${s.n} respondents seen`).toBe(true);
      expect(s.rows).toBe(baseline[s.wave].rows);
    }
    const after = { "2026": await readWave(url, "2026"), "2024": await readWave(url, "2024") };
    expect(after["2026"].n).toBe(before["2026"]! + 68);
    expect(after["2024"].n).toBe(before["2024"]! + 35);

    // the analysts' snapshot catches up with the last model run (the refresh is asynchronous)
    // (the uploads are serialized in any order, so wait for the counts of every wave)
    const expectedCounts = [
      ["2024", before["2024"]! + 35],
      ["2025", before["2025"]],
      ["2026", before["2026"]! + 68],
    ];
    let snapshotCounts: unknown;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
      const res = await fetch(`${url}/api/v1/sql`, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({
          sql: `select wave_id, count(*)::int as n from int_responses_calibrated__${STUDY} group by 1 order by 1`,
        }),
      });
      expect(res.status).toBe(200);
      snapshotCounts = ((await res.json()) as { rows: unknown[] }).rows;
      if (JSON.stringify(snapshotCounts) === JSON.stringify(expectedCounts)) break;
    }
    expect(snapshotCounts, `the server's log:\n${server!.log().slice(-4000)}`).toEqual(expectedCounts);

    // no row lost or doubled: the database file, reopened after the server stops
    await stopServer(server);
    server = undefined;
    const final = await respondentsPerWave();
    expect(final).toEqual({
      "2024": before["2024"]! + 35,
      "2025": before["2025"],
      "2026": before["2026"]! + 68,
    });
    console.log(
      `uploads ${uploadMs} ms; figures ${figures.requests.total} requests (p99 ${figures.latency.p99} ms); ` +
        `scores ${scores.requests.total} (p99 ${scores.latency.p99} ms); ${seen.length} dashboard polls, ` +
        `respondent counts seen: ${[...new Set(seen.map((s) => `${s.wave}:${s.n}`))].join(" ")}`,
    );
  });
});
