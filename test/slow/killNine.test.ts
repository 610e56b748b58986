import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStudy } from "../helpers/tinyStudy.ts";
import { countRows, killChild, runChild, writeLargeFile } from "../ingest/killDuringIngest.ts";

// All or nothing: a child process ingesting a file is killed with SIGKILL in the middle of
// the load; the database must then be exactly as before, and the same file must load on a
// rerun. The slow variant (more moments, a bigger file) is test/stress/killNine.stress.test.ts.

describe("kill -9 during an ingest", () => {
  it("leaves the database as before, and the rerun loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "barometer-kill-"));
    const dbPath = join(dir, "kill.duckdb");
    const studyDir = writeStudy();
    writeLargeFile(join(dir, "first.csv"), 1000, "a");
    writeLargeFile(join(dir, "big.csv"), 200_000, "k");
    await runChild(dbPath, studyDir, join(dir, "first.csv"));
    const before = await countRows(dbPath);
    expect(before).toEqual({ uploads: 1, loaded: 1, raw: 980, quarantine: 20, quarantine_rows: 20 });
    const moments = [
      { phase: "validate", afterMs: 0 },
      { phase: "land", afterMs: 0 },
    ];
    for (const when of moments) {
      const { phases, killed } = await killChild(dbPath, studyDir, join(dir, "big.csv"), when);
      expect(killed, `killed at ${JSON.stringify(when)} (reached ${phases.join(" > ")})`).toBe(true);
      expect(await countRows(dbPath)).toEqual(before);
    }
    const lines = await runChild(dbPath, studyDir, join(dir, "big.csv"));
    expect(lines.at(-1)).toBe('result {"status":"loaded","rows":200000}');
    expect(await countRows(dbPath)).toEqual({
      uploads: 2,
      loaded: 2,
      raw: 980 + 196_000,
      quarantine: 20 + 4000,
      quarantine_rows: 20 + 4000,
    });
  });
});
