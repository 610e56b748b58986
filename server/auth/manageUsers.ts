import type { Session } from "../../db/index.ts";
import { audit, type Role } from "./users.ts";

/**
 * Users and tokens as an admin manages them (the admin page, the admin API and `barometer
 * user` on the file): list, disable and enable a user, list and revoke tokens. A token is
 * named by its id, the first 16 hex digits of its sha256 (the token itself is never stored).
 * Each change is audited under `by`.
 */
export interface UserRow {
  user_name: string;
  role: Role;
  disabled: boolean;
  created_at: string;
  n_tokens: number;
}

export interface TokenRow {
  token_id: string;
  token_prefix: string;
  user_name: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export async function listUsers(db: Session): Promise<UserRow[]> {
  return db.query<UserRow>(
    `select u.user_name, u.role, u.disabled, strftime(u.created_at, '%Y-%m-%d %H:%M') as created_at,
       (select count(*) from api_tokens t where t.user_name = u.user_name and t.revoked_at is null)::integer as n_tokens
     from users u order by u.user_name`,
  );
}

export async function listTokens(db: Session, user?: string): Promise<TokenRow[]> {
  return db.query<TokenRow>(
    `select left(token_sha256, 16) as token_id, token_prefix, user_name, label,
       strftime(created_at, '%Y-%m-%d %H:%M') as created_at, strftime(revoked_at, '%Y-%m-%d %H:%M') as revoked_at
     from api_tokens where $1::varchar is null or user_name = $1 order by created_at, token_sha256`,
    [user ?? null],
  );
}

async function mustExist(db: Session, name: string): Promise<void> {
  const rows = await db.query("select 1 from users where user_name = $1", [name]);
  if (!rows.length) throw new Error(`no user ${name}`);
}

/** Disable (signs the user's sessions out; tokens stop working) or enable a user. */
export async function setUserDisabled(
  db: Session,
  name: string,
  disabled: boolean,
  by: string,
): Promise<void> {
  await mustExist(db, name);
  if (disabled && name === by) throw new Error("you cannot disable yourself");
  await db.run("update users set disabled = $2 where user_name = $1", [name, disabled]);
  if (disabled) await db.run("delete from sessions where user_name = $1", [name]);
  await audit(db, by, disabled ? "user.disable" : "user.enable", { user: name });
}

/**
 * Revoke one token of a user (by its id, or a unique start of it) or, with `tokenId`
 * undefined, all of the user's tokens. Returns how many were revoked.
 */
export async function revokeTokens(
  db: Session,
  name: string,
  tokenId: string | undefined,
  by: string,
): Promise<number> {
  await mustExist(db, name);
  if (tokenId !== undefined && !/^[0-9a-f]{4,64}$/.test(tokenId))
    throw new Error(`token id ${JSON.stringify(tokenId)}: give the hex id \`barometer user tokens\` shows`);
  const matching = await db.query<{ token_sha256: string }>(
    `select token_sha256 from api_tokens where user_name = $1 and revoked_at is null
       and ($2::varchar is null or starts_with(token_sha256, $2))`,
    [name, tokenId ?? null],
  );
  if (tokenId !== undefined && matching.length !== 1)
    throw new Error(
      matching.length
        ? `token id ${tokenId} matches ${matching.length} tokens of ${name}; give more digits`
        : `${name} has no active token ${tokenId}`,
    );
  for (const t of matching)
    await db.run("update api_tokens set revoked_at = now() where token_sha256 = $1", [t.token_sha256]);
  await audit(db, by, "token.revoke", {
    user: name,
    tokens: matching.map((t) => t.token_sha256.slice(0, 16)),
  });
  return matching.length;
}
