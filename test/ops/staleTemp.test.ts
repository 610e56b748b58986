import { execFile, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// Issue 13: a release `.tmp` file a full disk left behind (mode 0444) made every later release
// of that wave fail when the server is not root, and a killed upload's staged file and numbered
// copies accumulated. The release runs here as an unprivileged user (uid 65534 when the tests
// run as root), as a real `barometer release` process; what must happen is plain: it succeeds
// and the leftovers are gone.

const BIN = resolve(import.meta.dirname, "../../bin/barometer.js");
const NOBODY = 65534;
let dir: string;
let path: string;

function chownTree(p: string): void {
  chownSync(p, NOBODY, NOBODY);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownTree(join(p, n));
}

beforeAll(async () => {
  const demo = await demoDatabase();
  dir = demo.dir;
  path = demo.db.path;
  await closeDatabase(demo.db);
}, 900_000);

// As root the check needs the checkout readable by that user (a clone in a mode-0700 temp folder
// is not); there it cannot run as meant (root may write a 0444 file), so it says so and skips.
const root = process.getuid?.() === 0;
const nobodyReads =
  !root ||
  spawnSync(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(BIN)})`], {
    uid: NOBODY,
    gid: NOBODY,
  }).status === 0;
if (!nobodyReads) console.warn(`staleTemp: skipped, uid ${NOBODY} cannot read ${BIN}`);

describe("stale temp files", () => {
  it.runIf(nobodyReads)(
    "a read-only release .tmp and a killed upload's copies do not stop the next release",
    async () => {
      const releases = `${path}.releases`;
      mkdirSync(releases, { recursive: true });
      const stale = join(releases, "mass_org_evaluation-2026-r1.json.tmp");
      writeFileSync(stale, "half a release, the disk was full");
      chmodSync(stale, 0o444);
      const staged = join(`${path}.tmp`, "uploads-AbC123");
      const numbered = join(`${path}.tmp`, "barometer-ingest-XyZ789");
      mkdirSync(staged, { recursive: true });
      mkdirSync(numbered, { recursive: true });
      writeFileSync(join(staged, "4f1c0ffee"), Buffer.alloc(1 << 20, 0x41));
      writeFileSync(join(numbered, "numbered.csv"), "1,a\n2,b\n");
      if (root) chownTree(dir);
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [BIN, "--db", path, "release", "--study", "mass_org_evaluation", "--wave", "2026"],
        root ? { uid: NOBODY, gid: NOBODY } : {},
      );
      expect(JSON.parse(stdout).release_id).toBe("mass_org_evaluation-2026-r1");
      expect(existsSync(join(releases, "mass_org_evaluation-2026-r1.json"))).toBe(true);
      expect(existsSync(stale)).toBe(false);
      expect(readdirSync(`${path}.tmp`)).toEqual([]);
      expect(stderr).toContain(`removed ${staged}, left by a stopped process`);
    },
    300_000,
  );
});
