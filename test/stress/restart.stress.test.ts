import { readdirSync } from "node:fs";
import { join } from "node:path";
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
  waitForSandbox,
} from "./serverProcess.ts";

// The server process restarted (SIGTERM, then kill -9) while clients poll, and killed with
// SIGKILL at several moments of an analytics snapshot refresh. Expected bodies are the
// server's own answers before any restart (nothing changes the data in between); expected
// respondent counts are hand counts of the rows each upload file holds.

const FIGURES = `/api/v1/studies/${STUDY}/figures?wave=2026&unit_level=township`;
const SNAPSHOT = /^analytics-\d{6,}\.duckdb$/;
const COUNT_SQL = `select count(*)::int as n from int_responses_calibrated__${STUDY} where wave_id = '2026'`;

let dbPath: string;
let token: string;
let port: number;
let server: ServerChild | undefined;

beforeAll(async () => {
  const demo = await prepareDemo();
  ({ token } = demo);
  dbPath = demo.db;
  port = await freePort();
}, 180_000);

afterAll(async () => {
  if (server) await stopServer(server, "SIGKILL");
});

type Outcome = { kind: "ok" } | { kind: "refused"; why: string } | { kind: "wrong"; why: string };

/** Connection-level failures a client may see while no server listens or one goes away. */
const CLEAN_NETWORK = /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed|socket hang up/;

async function poll(url: string, expected: string): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why = `${e.message} ${e.cause?.code ?? ""} ${e.cause?.message ?? ""}`;
    return CLEAN_NETWORK.test(why) ? { kind: "refused", why } : { kind: "wrong", why };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    // the connection dropped mid-body: the client sees a failure, not a body
    const why = String((error as Error & { cause?: unknown }).cause ?? error);
    return CLEAN_NETWORK.test(why) ? { kind: "refused", why } : { kind: "wrong", why };
  }
  if (res.status === 200)
    return text === expected
      ? { kind: "ok" }
      : { kind: "wrong", why: `200 with another body (${text.length} chars)` };
  // an error answer must be the app's JSON error, never a page or an empty body
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string" && typeof body.error.message === "string")
      return { kind: "refused", why: `${res.status} ${body.error.code}` };
  } catch {
    // falls through
  }
  return { kind: "wrong", why: `${res.status} ${text.slice(0, 200)}` };
}

/** The 2026 respondents as the dashboard sees them: the awareness index is asked of everyone. */
async function respondentsInMarts(url: string): Promise<number> {
  const res = await fetch(
    `${url}/api/v1/studies/${STUDY}/figures?wave=2026&unit_level=district&index=awareness`,
    {
      headers: { Authorization: `Bearer ${token}` },
    },
  );
  const rows = ((await res.json()) as { rows: { n: number }[] }).rows;
  expect(new Set(rows.map((r) => r.n)).size).toBe(1);
  return rows[0]!.n;
}

async function sql(
  url: string,
  query: string,
): Promise<{ status: number; body: { rows?: unknown[][]; error?: unknown } }> {
  const res = await fetch(`${url}/api/v1/sql`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ sql: query }),
  });
  return { status: res.status, body: (await res.json()) as { rows?: unknown[][] } };
}

describe("server restarts while clients poll", () => {
  it("fails cleanly while it is down (refused or a JSON error, never a wrong body) and answers after", async () => {
    server = await startServer(dbPath, port);
    const base = server.url;
    const expected = {
      health: await (await fetch(`${base}/api/v1/health`)).text(),
      figures: await (
        await fetch(`${base}${FIGURES}`, { headers: { Authorization: `Bearer ${token}` } })
      ).text(),
    };
    expect(JSON.parse(expected.health)).toEqual({ status: "ok" });
    expect((JSON.parse(expected.figures) as { rows: unknown[] }).rows.length).toBeGreaterThan(100);

    let phase = "up";
    let polling = true;
    // each request is logged with the phase it started in and the one it ended in
    const log: { phase: string; ended: string; what: string; outcome: Outcome }[] = [];
    const client = (what: "health" | "figures", path: string) =>
      (async () => {
        while (polling) {
          const started = phase;
          const outcome = await poll(`${base}${path}`, expected[what]);
          log.push({ phase: started, ended: phase, what, outcome });
          await sleep(10);
        }
      })();
    const clients = [
      client("health", "/api/v1/health"),
      client("figures", FIGURES),
      client("figures", FIGURES),
    ];

    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      await sleep(1000);
      phase = `${signal}: going down`;
      await stopServer(server, signal);
      phase = `${signal}: down`;
      await sleep(300);
      phase = `${signal}: starting`;
      server = await startServer(dbPath, port);
      phase = `${signal}: back`;
    }
    await sleep(1500);
    polling = false;
    await Promise.all(clients);

    const wrong = log.filter((l) => l.outcome.kind === "wrong");
    expect(wrong, JSON.stringify(wrong.slice(0, 5))).toEqual([]);
    for (const signal of ["SIGTERM", "SIGKILL"]) {
      // while no server listened, the clients were refused (and noticed)
      expect(log.some((l) => l.phase === `${signal}: down` && l.outcome.kind === "refused")).toBe(true);
      // once it was back, every request made while it stayed up succeeded
      const back = log.filter((l) => l.phase === `${signal}: back` && l.ended === l.phase);
      expect(back.length).toBeGreaterThan(5);
      expect(
        back.filter((l) => l.outcome.kind !== "ok"),
        JSON.stringify(back.slice(0, 3)),
      ).toEqual([]);
    }
    await stopServer(server);
    server = undefined;
  });
});

describe("kill -9 during an analytics snapshot refresh", () => {
  const snapshotDir = () => `${dbPath}.snapshots`;
  const tempFiles = () =>
    readdirSync(snapshotDir()).filter((f) => f.endsWith(".tmp") || f.endsWith(".tmp.wal"));

  /** Every file named as a complete snapshot opens and holds every relation of the first one, none empty. */
  async function checkSnapshots(relations: string[] | null): Promise<string[]> {
    const names = readdirSync(snapshotDir()).filter((f) => SNAPSHOT.test(f));
    expect(names.length).toBeGreaterThan(0);
    let seen: string[] = [];
    for (const name of names) {
      const db = await openDatabase(join(snapshotDir(), name), { readOnly: true, migrate: false });
      try {
        const rows = await db.query<{ name: string }>(
          "select table_name as name from duckdb_tables() order by 1",
        );
        seen = rows.map((r) => r.name);
        if (relations) expect(seen, name).toEqual(relations);
        const [count] = await db.query<{ n: number }>(COUNT_SQL);
        expect(count!.n, name).toBeGreaterThan(0);
      } finally {
        await closeDatabase(db);
      }
    }
    return seen;
  }

  it("restarts with the sandbox answering from a complete snapshot, at several moments of the refresh", async () => {
    server = await startServer(dbPath, port);
    await waitForSandbox(server.url, token);
    const relations = await checkSnapshots(null);
    expect(relations).toContain(`int_responses_calibrated__${STUDY}`);
    const first = await sql(server.url, COUNT_SQL);
    expect(first.status).toBe(200);
    let respondents = await respondentsInMarts(server.url);
    expect(first.body.rows![0]![0]).toBe(respondents);

    // "temp": kill as soon as the refresh's temp file appears; the others: that many ms after
    // the upload (and its model run) answered, when the refresh has just been started
    const moments = ["temp", 0, 60, 150, 400] as const;
    const hits: string[] = [];
    for (const [i, moment] of moments.entries()) {
      const csv = newRespondents("2026", String(i + 1), 1 + i * 10, 10);
      let watching = moment === "temp";
      const watcher = (async () => {
        while (watching) {
          if (tempFiles().length > 0) {
            server!.child.kill("SIGKILL");
            return;
          }
          await sleep(2);
        }
      })();
      // the answer waits for the model run (wait=figures), so the moments below fall in the
      // snapshot refresh that follows it, not in the model run
      const answer = await upload(server.url, token, "2026", `kill-${i}.csv`, csv, { wait: "figures" }).catch(
        (e: Error) => e,
      );
      if (moment !== "temp") {
        await sleep(moment);
        server.child.kill("SIGKILL");
      }
      watching = false;
      await watcher;
      // a refresh can finish between two looks for its temp file: then kill after it
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
      await server.exited;
      const leftover = tempFiles();
      hits.push(`${moment}: ${leftover.length ? "mid-write" : "outside the write"}`);
      server = await startServer(dbPath, port);
      await waitForSandbox(server.url, token);
      // the upload (one transaction) either landed with its model run or not at all; the
      // dashboard's figures, read from the live marts, say which
      const previous = respondents;
      respondents = await respondentsInMarts(server.url);
      expect([previous, previous + 10]).toContain(respondents);
      if (!(answer instanceof Error)) expect(answer.body.status).toBe("loaded");
      if (!(answer instanceof Error)) expect(respondents).toBe(previous + 10);
      // every complete-looking snapshot is whole; temp files are never taken for one
      await checkSnapshots(relations);
      const res = await sql(server.url, COUNT_SQL);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const n = res.body.rows![0]![0] as number;
      // the sandbox answers from the last complete snapshot: the last run's or the one before
      expect([previous, respondents]).toContain(n);
      hits[hits.length - 1] += `, sandbox ${n === respondents ? "current" : "one run behind"}`;
    }
    // at least one kill landed inside a snapshot write, so the window was really exercised
    expect(
      hits.some((h) => h.includes("mid-write")),
      hits.join("; "),
    ).toBe(true);

    // the next model run refreshes the snapshot again and the sandbox catches up
    const last = await upload(server.url, token, "2026", "after.csv", newRespondents("2026", "6", 200, 10), {
      wait: "figures",
    });
    expect(last.body).toMatchObject({
      status: "loaded",
      accepted: 10,
      figures: "updated",
      model_run_error: null,
    });
    respondents += 10;
    let n = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && n !== respondents; await sleep(250))
      n = (await sql(server.url, COUNT_SQL)).body.rows![0]![0] as number;
    expect(n).toBe(respondents);
    await checkSnapshots(relations);
    console.log(`snapshot kills: ${hits.join("; ")}`);
    await stopServer(server);
    server = undefined;
  });
});
