import { createHash, randomBytes } from "node:crypto";
import type { Session } from "../../db/index.ts";
import { hashPassword } from "./passwords.ts";

export const ROLES = ["admin", "uploader", "analyst", "viewer", "assessment"] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  user_name: string;
  role: Role;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export async function audit(
  db: Session,
  user: string | null,
  action: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.run("insert into audit_log (user_name, action, detail) values ($1, $2, $3)", [
    user,
    action,
    JSON.stringify(detail),
  ]);
}

/** Create a user. The assessment role signs in only with API tokens, so it has no password. */
export async function createUser(
  db: Session,
  name: string,
  role: Role,
  password: string | null,
  by?: string,
): Promise<void> {
  if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(name))
    throw new Error(`user name ${JSON.stringify(name)}: use 2–64 letters, digits, _ . @ -`);
  if (!ROLES.includes(role))
    throw new Error(`unknown role ${JSON.stringify(role)} (roles: ${ROLES.join(", ")})`);
  const existing = await db.query("select 1 from users where user_name = $1", [name]);
  if (existing.length) throw new Error(`user ${name} already exists`);
  const hash = password === null ? null : await hashPassword(password);
  await db.run(
    "insert into users (user_name, role, password_hash, password_changed_at) values ($1, $2, $3, now())",
    [name, role, hash],
  );
  await audit(db, by ?? null, "user.create", { user: name, role });
}

export async function setPassword(db: Session, name: string, password: string, by: string): Promise<void> {
  const rows = await db.query("select 1 from users where user_name = $1", [name]);
  if (!rows.length) throw new Error(`no user ${name}`);
  await db.run("update users set password_hash = $2, password_changed_at = now() where user_name = $1", [
    name,
    await hashPassword(password),
  ]);
  await db.run("delete from sessions where user_name = $1", [name]);
  // a reset is what an admin does when an account may be in other hands: its tokens go too
  await db.run("update api_tokens set revoked_at = now() where user_name = $1 and revoked_at is null", [
    name,
  ]);
  await audit(db, by, "user.password_reset", { user: name, tokens_revoked: true });
}

/** A new API token: returned once, stored only as its sha256. */
export async function createToken(db: Session, name: string, label: string, by?: string): Promise<string> {
  const rows = await db.query("select 1 from users where user_name = $1", [name]);
  if (!rows.length) throw new Error(`no user ${name}`);
  const token = `bmt_${randomBytes(24).toString("base64url")}`;
  await db.run(
    "insert into api_tokens (token_sha256, token_prefix, user_name, label) values ($1, $2, $3, $4)",
    [sha256(token), token.slice(0, 8), name, label],
  );
  await audit(db, by ?? null, "token.create", { user: name, label, prefix: token.slice(0, 8) });
  return token;
}

export async function userByToken(db: Session, token: string): Promise<User | undefined> {
  const rows = await db.query<User>(
    `select u.user_name, u.role from api_tokens t join users u using (user_name)
     where t.token_sha256 = $1 and t.revoked_at is null and not u.disabled`,
    [sha256(token)],
  );
  return rows[0];
}
