import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase, restoreDatabase } from "../../db/index.ts";
import { createRelease, readRelease } from "../../models/index.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import type { Study } from "../../study/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// A backup made by the running app (its database open, as `barometer serve` holds it),
// restored into a new folder, gives identical scores and releases.

let db: Database;
let study: Study;
let token: string;

beforeAll(async () => {
  ({ db, study } = await demoDatabase());
  await createUser(db, "root", "admin", "a-long-test-password");
  token = await createToken(db, "root", "test");
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("backup and restore", () => {
  it("a backup taken while serving restores into a new folder with identical scores and releases", async () => {
    const release = await createRelease(db, study, "2025", "tester");
    const app = createApp({ db, sessionSecret: randomBytes(32) });
    const denied = await request(app).post("/api/v1/admin/backup");
    expect(denied.status).toBe(401);
    const res = await request(app).post("/api/v1/admin/backup").set("Authorization", `Bearer ${token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const folder = res.body.folder as string;
    expect(res.body.files.map((f: { path: string }) => f.path)).toContain(
      `demo.duckdb.releases/${release.file_name}`,
    );

    const target = join(mkdtempSync(join(tmpdir(), "barometer-restore-")), "restored.duckdb");
    restoreDatabase(folder, target);
    const restored = await openDatabase(target);
    try {
      const q = "select * from index_scores__mass_org_evaluation order by all";
      expect(await restored.query(q)).toEqual(await db.query(q));
      const again = await readRelease(restored, release.release_id);
      expect(again.record.sha256).toBe(release.sha256);
      const uploads = "select upload_id, status, n_accepted from uploads order by upload_id";
      expect(await restored.query(uploads)).toEqual(await db.query(uploads));
    } finally {
      await closeDatabase(restored);
    }
    expect(() => restoreDatabase(folder, target)).toThrow(`${target} exists; restore into a new file`);
  });
});
