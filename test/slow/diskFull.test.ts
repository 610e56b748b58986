import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";
import { runModels } from "../../models/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// Issue 13: a full disk. A real one: a small tmpfs mounted where the server writes (the
// upload staging folder, the analytics snapshots), so the kernel answers ENOSPC as it would.
// (1) An upload that does not fit is answered 507 with the catalogue's reason, and changes
// nothing; (2) a snapshot refresh that does not fit leaves the old snapshot, flagged stale in
// the SQL answer and on notebook pages, until a refresh succeeds. Mounting needs root (or
// CAP_SYS_ADMIN): without it these two tests are skipped and say why.
// (3) A deleted snapshot is rebuilt while serving: SQL answers 503 "rebuilding", then rows.
// Expected counts are the hand counts of rows in the files loaded.

const canMount =
  process.getuid?.() === 0 &&
  spawnSync("sh", ["-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d && umount $d && rmdir $d"])
    .status === 0;
const mounts: string[] = [];
function mountTmpfs(path: string, bytes: number): void {
  mkdirSync(path, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${Math.ceil(bytes / 4096) * 4096}`, "tmpfs", path]);
  mounts.push(path);
}
const unmount = (path: string) => {
  execFileSync("umount", ["-l", path]);
  mounts.splice(mounts.indexOf(path), 1);
};
afterEach(() => {
  for (const m of [...mounts]) unmount(m);
});
const opened: { db: Database; analytics?: Analytics }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.analytics?.stop();
    await closeDatabase(o.db);
  }
});

async function setup(withAnalytics: boolean) {
  const tiny = await tinyDatabase();
  await createUser(tiny.db, "ana", "admin", "a-long-test-password");
  const token = await createToken(tiny.db, "ana", "t");
  const analytics = withAnalytics ? new Analytics(tiny.db, { timeoutMs: 10_000 }) : undefined;
  opened.push({ db: tiny.db, analytics });
  return { ...tiny, token, analytics };
}

const COUNT = "select count(*)::integer as n from int_responses_calibrated__tiny";

describe("a full disk", () => {
  it.skipIf(!canMount)(
    "an upload that does not fit is answered 507 with the reason, and lands nothing",
    async () => {
      const { db, token, study } = await setup(false);
      mountTmpfs(`${db.path}.tmp`, 256 * 1024);
      const app = createApp({ db, sessionSecret: randomBytes(32), logError: () => undefined });
      const before = await db.query("select upload_id from uploads order by 1");
      const big = `rid,town\n${"r1,T1\n".repeat(120_000)}`; // 720 kB
      const res = await request(app)
        .post("/api/v1/uploads")
        .set("Authorization", `Bearer ${token}`)
        .field("study", study.id)
        .field("wave", "2024")
        .attach("file", Buffer.from(big), "big.csv");
      expect(res.status).toBe(507);
      expect(res.body.error).toEqual({
        code: "disk_full",
        message: message("ops.disk_full", "en"),
        message_zh: message("ops.disk_full", "zh"),
      });
      expect(await db.query("select upload_id from uploads order by 1")).toEqual(before);
    },
    120_000,
  );

  it.skipIf(!canMount)(
    "a snapshot refresh that does not fit is flagged in SQL answers and notebooks",
    async () => {
      const { db, token, study, analytics, responses } = await setup(true);
      // the size of one snapshot, measured on the ordinary disk
      await analytics!.start();
      const dir = `${db.path}.snapshots`;
      const size = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
      await analytics!.stop();
      rmSync(dir, { recursive: true });
      const fresh = new Analytics(db, { timeoutMs: 10_000 });
      opened.push({ db, analytics: fresh });
      mountTmpfs(dir, size * 1.5);
      await fresh.start(); // one snapshot fits
      const app = createApp({
        db,
        analytics: fresh,
        sessionSecret: randomBytes(32),
        logError: () => undefined,
      });
      const sql = () =>
        request(app).post("/api/v1/sql").set("Authorization", `Bearer ${token}`).send({ sql: COUNT });
      const ok = await sql();
      expect([ok.body.rows, ok.body.stale_snapshot]).toEqual([[[80]], undefined]);

      // 20 more respondents and a model run: the database has 100, the new snapshot does not fit
      await ingestFile(db, {
        study,
        waveId: "2024",
        path: responses(20, 80),
        user: "t",
        hmacKey: Buffer.from("test-key"),
      });
      await runModels(db, study);
      await expect(fresh.refresh()).rejects.toThrow(/No space left on device|ENOSPC|Could not write/);
      const stale = await sql();
      expect(stale.body.rows).toEqual([[80]]);
      expect(stale.body.stale_snapshot.zh).toContain(message("ops.disk_full", "zh"));
      expect(stale.body.stale_snapshot.en).toContain(message("ops.disk_full", "en"));
      const page = await request(app).get("/notebooks/weighting").set("Authorization", `Bearer ${token}`);
      expect(page.text).toContain('class="error stale-snapshot"');

      // room again: the next refresh clears the flag and SQL sees all 100
      unmount(dir);
      await fresh.refresh();
      const again = await sql();
      expect([again.body.rows, again.body.stale_snapshot]).toEqual([[[100]], undefined]);
    },
    180_000,
  );
});

describe("a deleted snapshot", () => {
  it("is rebuilt while serving: SQL answers 503 rebuilding, then rows", async () => {
    const { db, token, analytics } = await setup(true);
    const app = createApp({ db, analytics, sessionSecret: randomBytes(32) });
    const sql = () =>
      request(app).post("/api/v1/sql").set("Authorization", `Bearer ${token}`).send({ sql: COUNT });
    // start without a snapshot: the server answers at once, SQL says it is rebuilding
    const started = analytics!.start();
    const first = await sql();
    expect([first.status, first.body.error?.code]).toEqual([503, "rebuilding"]);
    // in the language of the request (Chinese when it names none, as every answer of the SQL API)
    expect(first.body.error.message).toBe(message("ops.snapshot_rebuilding", "zh"));
    await started;
    expect((await sql()).body.rows).toEqual([[80]]);

    for (const f of readdirSync(`${db.path}.snapshots`)) rmSync(join(`${db.path}.snapshots`, f));
    const gone = await sql();
    expect([gone.status, gone.body.error?.code]).toEqual([503, "rebuilding"]);
    const deadline = Date.now() + 60_000;
    let res = await sql();
    while (res.status === 503 && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 100));
      res = await sql();
    }
    expect([res.status, res.body.rows]).toEqual([200, [[80]]]);
  }, 120_000);
});
