import { randomBytes } from "node:crypto";
import { join } from "node:path";
import express from "express";
import { z } from "zod";
import { backupDatabase, type Database } from "../../db/index.ts";
import { listUploads } from "../../ingest/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { principal } from "../auth/authenticate.ts";
import { listTokens, listUsers, revokeTokens, setUserDisabled } from "../auth/manageUsers.ts";
import type { Sessions } from "../auth/sessions.ts";
import { audit, createToken, createUser, ROLES, setPassword } from "../auth/users.ts";
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

const UserName = z.string().regex(/^[A-Za-z0-9_.@-]{2,64}$/, "malformed user name");
const UserParam = z.object({ name: UserName });
const Stamp = z.string().nullable();

export const backup = apiRoute({
  method: "post",
  path: "/admin/backup",
  summary: "A consistent backup while serving, under <database>.backups/, with the files' sha256",
  capability: "users",
  responses: {
    201: {
      description: "the backup's folder and manifest",
      schema: z.looseObject({
        folder: z.string(),
        created_at: z.string(),
        files: z.array(z.object({ path: z.string(), sha256: z.string() })),
        hmac_key: z.enum(["secrets.json", "environment", "none"]),
      }),
    },
  },
});

export const adminUploads = apiRoute({
  method: "get",
  path: "/admin/uploads",
  summary: "Every upload of every study (`barometer upload list` while the server runs)",
  capability: "uploads",
  responses: {
    200: {
      description: "uploads",
      schema: z.object({ uploads: z.array(z.looseObject({ upload_id: z.string() })) }),
    },
  },
});

export const users = apiRoute({
  method: "get",
  path: "/admin/users",
  summary: "Users with their role and number of live tokens",
  capability: "users",
  responses: {
    200: {
      description: "users",
      schema: z.object({
        users: z.array(
          z.object({
            user_name: z.string(),
            role: z.enum(ROLES),
            disabled: z.boolean(),
            created_at: z.string(),
            n_tokens: z.int(),
          }),
        ),
      }),
    },
  },
});

export const createUserRoute = apiRoute({
  method: "post",
  path: "/admin/users",
  summary:
    "Create a user (a password is generated and shown once when none is given; assessment clients have none)",
  capability: "users",
  body: z.object({ user: UserName, role: z.enum(ROLES), password: z.string().optional() }),
  responses: {
    201: {
      description: "created",
      schema: z.object({ user: z.string(), role: z.enum(ROLES), password: z.string().optional() }),
    },
  },
});

const disabled = (value: boolean) =>
  apiRoute({
    method: "post",
    path: `/admin/users/:name/${value ? "disable" : "enable"}`,
    summary: value ? "Disable a user (their sessions and tokens stop at once)" : "Enable a user again",
    capability: "users",
    params: UserParam,
    responses: {
      200: { description: "done", schema: z.object({ user: z.string(), disabled: z.literal(value) }) },
      404: { description: "no such user" },
    },
  });
export const disableUser = disabled(true);
export const enableUser = disabled(false);

export const passwordRoute = apiRoute({
  method: "post",
  path: "/admin/users/:name/password",
  summary: "Set a user's password (generated and shown once when none is given); their tokens are revoked",
  capability: "users",
  params: UserParam,
  body: z.object({ password: z.string().optional() }),
  responses: {
    200: {
      description: "set",
      schema: z.object({
        user: z.string(),
        password: z.string().optional(),
        tokens_revoked: z.literal(true),
      }),
    },
    404: { description: "no such user" },
  },
});

export const tokens = apiRoute({
  method: "get",
  path: "/admin/tokens",
  summary: "API tokens (never the secret: its id and first characters), of one user or all",
  capability: "users",
  query: z.object({ user: UserName.optional() }),
  responses: {
    200: {
      description: "tokens",
      schema: z.object({
        tokens: z.array(
          z.object({
            token_id: z.string(),
            token_prefix: z.string(),
            user_name: z.string(),
            label: z.string(),
            created_at: z.string(),
            revoked_at: Stamp,
          }),
        ),
      }),
    },
  },
});

export const createTokenRoute = apiRoute({
  method: "post",
  path: "/admin/users/:name/tokens",
  summary: "Create an API token for a user (shown once)",
  capability: "users",
  params: UserParam,
  body: z.object({ label: z.string().optional() }),
  responses: {
    201: {
      description: "created",
      schema: z.object({ user: z.string(), label: z.string(), token: z.string() }),
    },
    404: { description: "no such user" },
  },
});

export const revokeRoute = apiRoute({
  method: "post",
  path: "/admin/users/:name/tokens/revoke",
  summary: "Revoke one token of a user (token_id) or all of them (all: true)",
  capability: "users",
  params: UserParam,
  body: z
    .object({ token_id: z.string().optional(), all: z.boolean().optional() })
    .refine(
      (b) => b.token_id !== undefined || b.all === true,
      "give token_id, or all: true to revoke every token of the user",
    ),
  responses: {
    200: { description: "revoked", schema: z.object({ user: z.string(), revoked: z.int() }) },
    404: { description: "no such user" },
  },
});

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

  mount(router, backup, [], async (_req, res) => {
    const folder = join(`${db.path}.backups`, new Date().toISOString().replace(/[:.]/g, "-"));
    const manifest = await writer.run(() => backupDatabase(db, folder));
    await audit(db, principal(res)!.user_name, "backup", { folder });
    res.status(201).json({ folder, ...manifest });
  });

  // every upload of every study (`barometer upload list` while the server runs)
  mount(router, adminUploads, [], async (_req, res) => {
    res.json({ uploads: await listUploads(db) });
  });
  mount(router, users, [], async (_req, res) => {
    res.json({ users: await listUsers(db) });
  });
  mount(router, createUserRoute, [json], async (_req, res, { body: { user: name, role, password } }) => {
    const generated = role === "assessment" || typeof password === "string" ? undefined : newPassword();
    await change(() =>
      createUser(db, name, role, role === "assessment" ? null : (password ?? generated!), who(res)),
    );
    res.status(201).json({ user: name, role, ...(generated ? { password: generated } : {}) });
  });
  mount(router, disableUser, [], async (_req, res, { params: { name } }) => {
    await change(() => setUserDisabled(db, name, true, who(res)));
    res.json({ user: name, disabled: true });
  });
  mount(router, enableUser, [], async (_req, res, { params: { name } }) => {
    await change(() => setUserDisabled(db, name, false, who(res)));
    res.json({ user: name, disabled: false });
  });
  mount(router, passwordRoute, [json], async (_req, res, { params: { name }, body }) => {
    const given = body.password;
    const password = typeof given === "string" ? given : newPassword();
    await change(() => setPassword(db, name, password, who(res)));
    res.json({ user: name, ...(typeof given === "string" ? {} : { password }), tokens_revoked: true });
  });
  mount(router, tokens, [], async (_req, res, { query }) => {
    res.json({ tokens: await listTokens(db, query.user) });
  });
  mount(router, createTokenRoute, [json], async (_req, res, { params: { name }, body }) => {
    const label = body.label;
    const text = typeof label === "string" && label.trim() ? label.trim().slice(0, 200) : "api";
    const token = await change(() => createToken(db, name, text, who(res)));
    res.status(201).json({ user: name, label: text, token });
  });
  mount(router, revokeRoute, [json], async (_req, res, { params: { name }, body: { token_id: id } }) => {
    const n = await change(() => revokeTokens(db, name, id, who(res)));
    res.json({ user: name, revoked: n });
  });
  return router;
}
