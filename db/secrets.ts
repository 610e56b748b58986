import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type SecretName = "hmac" | "session";

/**
 * Secrets live outside the database and the repository: in the environment
 * (BAROMETER_HMAC_KEY, BAROMETER_SESSION_SECRET) or in `secrets.json` beside the database
 * file, created with random keys and mode 600 on first use. Never logged.
 */
export function loadSecret(databasePath: string, name: SecretName): Buffer {
  const env = name === "hmac" ? process.env.BAROMETER_HMAC_KEY : process.env.BAROMETER_SESSION_SECRET;
  if (env) return Buffer.from(env, "utf8");
  const file = join(dirname(databasePath), "secrets.json");
  let secrets: Partial<Record<SecretName, string>> = {};
  if (existsSync(file)) secrets = JSON.parse(readFileSync(file, "utf8")) as typeof secrets;
  if (!secrets[name]) {
    secrets[name] = randomBytes(32).toString("hex");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return Buffer.from(secrets[name]!, "hex");
}
