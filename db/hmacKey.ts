import { createHmac } from "node:crypto";
import type { Database } from "./Database.ts";
import { loadSecret, readSecret, secretSource, secretsFile } from "./secrets.ts";

/** What the database stores of the key: an HMAC of a fixed text under it (the key cannot be derived from it). */
export function keyFingerprint(key: Buffer): string {
  return createHmac("sha256", key).update("barometer hmac key fingerprint v1").digest("hex").slice(0, 32);
}

/**
 * The HMAC key that pseudonymises personal columns, checked against the fingerprint the
 * database recorded when it was first used. A database that has a fingerprint never gets a
 * new key made for it: restored without its secrets.json, or given another
 * BAROMETER_HMAC_KEY, it is refused with what to do, because the same phone number would
 * hash differently and respondents could no longer be linked across uploads.
 */
export async function hmacKey(db: Database): Promise<Buffer> {
  const [stored] = await db.query<{ fingerprint: string }>(
    "select fingerprint from key_fingerprints where key_name = 'hmac'",
  );
  const found = readSecret(db.path, "hmac");
  if (stored && !found)
    throw new Error(
      `${db.path} was written with an HMAC key (fingerprint ${stored.fingerprint}) that is not here: ` +
        `put the secrets.json of its backup at ${secretsFile(db.path)} (mode 600), or set BAROMETER_HMAC_KEY to that key. ` +
        "A new key would hash personal data differently, so none is made.",
    );
  const key = found ?? loadSecret(db.path, "hmac");
  const fingerprint = keyFingerprint(key);
  if (!stored) {
    await db.run(
      "insert into key_fingerprints (key_name, fingerprint) values ('hmac', $1) on conflict do nothing",
      [fingerprint],
    );
    return key;
  }
  if (stored.fingerprint !== fingerprint)
    throw new Error(
      `the HMAC key from ${secretSource(db.path, "hmac") === "environment" ? "BAROMETER_HMAC_KEY" : secretsFile(db.path)} ` +
        `(fingerprint ${fingerprint}) is not the key ${db.path} was written with (fingerprint ${stored.fingerprint}): ` +
        "use the secrets.json backed up with this database (or its BAROMETER_HMAC_KEY). Refusing to hash personal data with another key.",
    );
  return key;
}
