import { randomBytes } from "node:crypto";
import { chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

/**
 * The admin token a running `barometer serve` writes beside its database
 * (`<database>.admin-token`, mode 600, owned by the owner of the database file), so that the
 * CLI of that owner can manage users and read through the server without a token of its own.
 * A new one at each start; removed at a clean stop; worthless once the server is gone.
 */
export const localAdminTokenPath = (databasePath: string) => `${databasePath}.admin-token`;

export function writeLocalAdminToken(databasePath: string): string {
  const token = `bml_${randomBytes(32).toString("base64url")}`;
  const path = localAdminTokenPath(databasePath);
  rmSync(path, { force: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  const owner = statSync(databasePath);
  if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(path, owner.uid, owner.gid);
  return token;
}

export function readLocalAdminToken(databasePath: string): string | undefined {
  const path = localAdminTokenPath(databasePath);
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined; // not ours to read
  }
}

export function removeLocalAdminToken(databasePath: string): void {
  rmSync(localAdminTokenPath(databasePath), { force: true });
}
