import { join } from "node:path";
import express from "express";
import { backupDatabase, type Database } from "../../db/index.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { audit } from "../auth/users.ts";
import type { Writer } from "../writer.ts";

/** Operations for admins: a consistent backup while serving, under <database>.backups/. */
export function adminRouter(db: Database, writer: Writer): express.Router {
  const router = express.Router();
  router.post("/admin/backup", requireRole("users"), async (_req, res) => {
    const folder = join(`${db.path}.backups`, new Date().toISOString().replace(/[:.]/g, "-"));
    const manifest = await writer.run(() => backupDatabase(db, folder));
    await audit(db, principal(res)!.user_name, "backup", { folder });
    res.status(201).json({ folder, ...manifest });
  });
  return router;
}
