import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStudy } from "../helpers/tinyStudy.ts";
import { countRows, killChild, runChild, writeLargeFile } from "../ingest/killDuringIngest.ts";

// The slow variant of test/ingest/killNine.test.ts: a 1,000,000-row file, killed with
// SIGKILL at fixed delays after the child starts and at the start of each phase; after
// every kill the database must be exactly as before, and at the end the rerun must load.

const MOMENTS = [
  // fixed delays stay well inside the load (an unloaded machine ingests 1M rows in ~5 s, and a
  // kill after the commit rightly finds the upload landed); the phase kills cover the rest
  ...[200, 600, 1000, 1500].map((afterMs) => ({ phase: null, afterMs })),
  ...["scan", "read", "validate", "land"].flatMap((phase) => [0, 300].map((afterMs) => ({ phase, afterMs }))),
];

describe("kill -9 during an ingest (1M rows, many moments)", () => {
  it("leaves the database as before after every kill, and the rerun loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "barometer-kill-stress-"));
    const dbPath = join(dir, "kill.duckdb");
    const studyDir = writeStudy();
    writeLargeFile(join(dir, "first.csv"), 1000, "a");
    writeLargeFile(join(dir, "big.csv"), 1_000_000, "k");
    await runChild(dbPath, studyDir, join(dir, "first.csv"));
    const before = await countRows(dbPath);
    let killedMidway = 0;
    for (const when of MOMENTS) {
      const { killed } = await killChild(dbPath, studyDir, join(dir, "big.csv"), when);
      if (killed) killedMidway++;
      expect(await countRows(dbPath), `after a kill at ${JSON.stringify(when)}`).toEqual(before);
    }
    expect(killedMidway).toBeGreaterThanOrEqual(MOMENTS.length - 2);
    const lines = await runChild(dbPath, studyDir, join(dir, "big.csv"));
    expect(lines.at(-1)).toBe('result {"status":"loaded","rows":1000000}');
    expect(await countRows(dbPath)).toEqual({
      uploads: 2,
      loaded: 2,
      raw: 980 + 980_000,
      quarantine: 20 + 20_000,
      quarantine_rows: 20 + 20_000,
    });
  });
});
