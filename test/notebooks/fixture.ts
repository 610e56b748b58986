import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type express from "express";
import { closeDatabase, type Database } from "../../db/index.ts";
import { snapshotTables } from "../../notebooks/engine/index.ts";
import { Analytics } from "../../server/analytics.ts";
import type { Role } from "../../server/auth/index.ts";
import { createToken, createUser, ROLES } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import type { SqlSandbox } from "../../server/sandbox/index.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

export interface NotebookFixture {
  db: Database;
  dir: string;
  snapshotPath: string;
  sandbox: SqlSandbox;
  /** The real app, with the analytics sandbox (and so the notebooks router) wired in. */
  app: express.Express;
  /** Headers that authenticate as a user of that role (a real API token). */
  as(role: Role): Record<string, string>;
  close(): Promise<void>;
}

/**
 * The demo study's database with the server's analytics snapshot and sandbox, the real app
 * over them, and an API token per role.
 */
export async function notebookFixture(): Promise<NotebookFixture> {
  const { db } = await demoDatabase();
  const dir = mkdtempSync(join(tmpdir(), "barometer-notebooks-"));
  const analytics = new Analytics(db);
  await analytics.start();
  const snapshotPath = analytics.sandbox.snapshotPath!;
  // the server's snapshot holds at least what notebooks need
  const copied = await analytics.relations();
  for (const t of await snapshotTables(db))
    if (!copied.includes(t)) throw new Error(`the analytics snapshot lacks ${t}`);
  const tokens = new Map<Role, string>();
  for (const role of ROLES) {
    await createUser(db, `nb_${role}`, role, role === "assessment" ? null : "a-long-test-password");
    tokens.set(role, await createToken(db, `nb_${role}`, "test"));
  }
  const app = createApp({ db, analytics, sessionSecret: randomBytes(32), logError: () => {} });
  return {
    db,
    dir,
    snapshotPath,
    sandbox: analytics.sandbox,
    app,
    as: (role) => ({ Authorization: `Bearer ${tokens.get(role)}` }),
    async close() {
      await analytics.stop();
      await closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SHIPPED = ["data-quality", "participation", "township-changes", "weighting"] as const;
