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
  const found = readSecret(databasePath, name);
  if (found) return found;
  const file = secretsFile(databasePath);
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

/** The file that holds the secrets of the databases in a folder. */
export const secretsFile = (databasePath: string) => join(dirname(databasePath), "secrets.json");

/** Where a secret comes from: the environment, secrets.json, or nowhere yet. */
export function secretSource(databasePath: string, name: SecretName): "environment" | "secrets.json" | null {
  if (name === "hmac" ? process.env.BAROMETER_HMAC_KEY : process.env.BAROMETER_SESSION_SECRET)
    return "environment";
  return readSecret(databasePath, name) ? "secrets.json" : null;
}

/** The secret if the environment or secrets.json has it; never creates one. */
export function readSecret(databasePath: string, name: SecretName): Buffer | undefined {
  const env = name === "hmac" ? process.env.BAROMETER_HMAC_KEY : process.env.BAROMETER_SESSION_SECRET;
  if (env) return Buffer.from(env, "utf8");
  const file = secretsFile(databasePath);
  if (!existsSync(file)) return undefined;
  const secrets = JSON.parse(readFileSync(file, "utf8")) as Partial<Record<SecretName, string>>;
  return secrets[name] ? Buffer.from(secrets[name], "hex") : undefined;
}
