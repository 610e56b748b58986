import { randomBytes } from "node:crypto";
import { join } from "node:path";
import express from "express";
import { backupDatabase, type Database } from "../../db/index.ts";
import { listUploads } from "../../ingest/index.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { listTokens, listUsers, revokeTokens, setUserDisabled } from "../auth/manageUsers.ts";
import type { Sessions } from "../auth/sessions.ts";
import { audit, createToken, createUser, ROLES, type Role, setPassword } from "../auth/users.ts";
import { HttpError } from "../HttpError.ts";
import type { Writer } from "../writer.ts";

/** A plain error of the user functions as a 4xx: an unknown user is 404, anything else 400. */
export function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const text = (error as Error).message;
  return /^no user /.test(text)
    ? new HttpError(404, "no_user", text)
    : new HttpError(400, "bad_request", text);
}

/** A new random password (shown once) when none is given. */
export const newPassword = () => randomBytes(12).toString("base64url");

const NAME = /^[A-Za-z0-9_.@-]{2,64}$/;

function nameParam(value: unknown): string {
  if (typeof value !== "string" || !NAME.test(value))
    throw new HttpError(400, "bad_parameter", "malformed user name");
  return value;
}

/**
 * Operations for admins: a consistent backup while serving (under <database>.backups/), and
 * users and tokens (the admin page and `barometer user` while the server runs use these).
 * Every change is audited under the admin's name; revocations take effect at once.
 */
export function adminRouter(db: Database, writer: Writer, sessions: Sessions): express.Router {
  const router = express.Router();
  const json = express.json({ limit: "16kb" });
  const who = (res: express.Response) => principal(res)!.user_name;
  const change = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw asHttpError(error);
    } finally {
      sessions.forgetLookups();
    }
  };
  const body = (req: express.Request) => (req.body ?? {}) as Record<string, unknown>;

  router.post("/admin/backup", requireRole("users"), async (_req, res) => {
    const folder = join(`${db.path}.backups`, new Date().toISOString().replace(/[:.]/g, "-"));
    const manifest = await writer.run(() => backupDatabase(db, folder));
    await audit(db, principal(res)!.user_name, "backup", { folder });
    res.status(201).json({ folder, ...manifest });
  });

  // every upload of every study (`barometer upload list` while the server runs)
  router.get("/admin/uploads", requireRole("uploads"), async (_req, res) => {
    res.json({ uploads: await listUploads(db) });
  });
  router.get("/admin/users", requireRole("users"), async (_req, res) => {
    res.json({ users: await listUsers(db) });
  });
  router.post("/admin/users", requireRole("users"), json, async (req, res) => {
    const { user, role, password } = body(req);
    const name = nameParam(user);
    if (typeof role !== "string" || !ROLES.includes(role as Role))
      throw new HttpError(400, "bad_parameter", `role must be one of ${ROLES.join(", ")}`);
    const generated = role === "assessment" || typeof password === "string" ? undefined : newPassword();
    await change(() =>
      createUser(
        db,
        name,
        role as Role,
        role === "assessment" ? null : ((password as string) ?? generated!),
        who(res),
      ),
    );
    res.status(201).json({ user: name, role, ...(generated ? { password: generated } : {}) });
  });
  router.post("/admin/users/:name/disable", requireRole("users"), async (req, res) => {
    const name = nameParam(req.params.name);
    await change(() => setUserDisabled(db, name, true, who(res)));
    res.json({ user: name, disabled: true });
  });
  router.post("/admin/users/:name/enable", requireRole("users"), async (req, res) => {
    const name = nameParam(req.params.name);
    await change(() => setUserDisabled(db, name, false, who(res)));
    res.json({ user: name, disabled: false });
  });
  router.post("/admin/users/:name/password", requireRole("users"), json, async (req, res) => {
    const name = nameParam(req.params.name);
    const given = body(req).password;
    const password = typeof given === "string" ? given : newPassword();
    await change(() => setPassword(db, name, password, who(res)));
    res.json({ user: name, ...(typeof given === "string" ? {} : { password }), tokens_revoked: true });
  });
  router.get("/admin/tokens", requireRole("users"), async (req, res) => {
    const user = req.query.user === undefined ? undefined : nameParam(req.query.user);
    res.json({ tokens: await listTokens(db, user) });
  });
  router.post("/admin/users/:name/tokens", requireRole("users"), json, async (req, res) => {
    const name = nameParam(req.params.name);
    const label = body(req).label;
    const text = typeof label === "string" && label.trim() ? label.trim().slice(0, 200) : "api";
    const token = await change(() => createToken(db, name, text, who(res)));
    res.status(201).json({ user: name, label: text, token });
  });
  router.post("/admin/users/:name/tokens/revoke", requireRole("users"), json, async (req, res) => {
    const name = nameParam(req.params.name);
    const { token_id: id, all } = body(req);
    if (id === undefined && all !== true)
      throw new HttpError(
        400,
        "bad_parameter",
        "give token_id, or all: true to revoke every token of the user",
      );
    if (id !== undefined && typeof id !== "string")
      throw new HttpError(400, "bad_parameter", "token_id is text");
    const n = await change(() => revokeTokens(db, name, id as string | undefined, who(res)));
    res.json({ user: name, revoked: n });
  });
  return router;
}
