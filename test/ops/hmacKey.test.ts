import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  backupDatabase,
  closeDatabase,
  hmacKey,
  keyFingerprint,
  openDatabase,
  restoreDatabase,
  secretsFile,
} from "../../db/index.ts";

// Issue 13: backups left out the HMAC key, so a restored database silently made a new one and
// the same phone number hashed differently before and after. Now the key's fingerprint is in
// the database, the key is in the backup (secrets.json, mode 600), and a database refuses a key
// that is not its own. The expected hash is Node's createHmac under the original key.

const BIN = resolve(import.meta.dirname, "../../bin/barometer.js");
const PHONE = "13800138000";
const hash = (key: Buffer) => createHmac("sha256", key).update(PHONE).digest("hex");
const saved = process.env.BAROMETER_HMAC_KEY;
afterEach(() => {
  if (saved === undefined) delete process.env.BAROMETER_HMAC_KEY;
  else process.env.BAROMETER_HMAC_KEY = saved;
});

describe("the HMAC key travels with its database", () => {
  it("a backup restored elsewhere hashes a phone number exactly as before", async () => {
    delete process.env.BAROMETER_HMAC_KEY;
    const path = join(mkdtempSync(join(tmpdir(), "barometer-key-")), "k.duckdb");
    const db = await openDatabase(path);
    const key = await hmacKey(db);
    const [row] = await db.query<{ fingerprint: string }>("select fingerprint from key_fingerprints");
    expect(row?.fingerprint).toBe(keyFingerprint(key));
    const folder = join(mkdtempSync(join(tmpdir(), "barometer-key-backup-")), "b");
    const manifest = await backupDatabase(db, folder);
    await closeDatabase(db);
    expect(manifest.hmac_key).toBe("secrets.json");
    expect(manifest.files.map((f) => f.path)).toContain("secrets.json");
    expect(statSync(join(folder, "secrets.json")).mode & 0o777).toBe(0o600);

    const target = join(mkdtempSync(join(tmpdir(), "barometer-key-restore-")), "r.duckdb");
    restoreDatabase(folder, target);
    expect(statSync(secretsFile(target)).mode & 0o777).toBe(0o600);
    const restored = await openDatabase(target);
    try {
      expect(hash(await hmacKey(restored))).toBe(hash(key));
    } finally {
      await closeDatabase(restored);
    }
  });

  it("refuses a missing key (making none) and another key, saying what to do", async () => {
    delete process.env.BAROMETER_HMAC_KEY;
    const path = join(mkdtempSync(join(tmpdir(), "barometer-key-")), "k.duckdb");
    const db = await openDatabase(path);
    try {
      await hmacKey(db);
      rmSync(secretsFile(path));
      await expect(hmacKey(db)).rejects.toThrow(
        /was written with an HMAC key \(fingerprint [0-9a-f]{32}\) that is not here/,
      );
      expect(existsSync(secretsFile(path))).toBe(false);
      process.env.BAROMETER_HMAC_KEY = "some-other-key";
      await expect(hmacKey(db)).rejects.toThrow(
        /the HMAC key from BAROMETER_HMAC_KEY \(fingerprint [0-9a-f]{32}\) is not the key/,
      );
    } finally {
      await closeDatabase(db);
    }
  });

  it("barometer serve refuses to start with another key", async () => {
    delete process.env.BAROMETER_HMAC_KEY;
    const path = join(mkdtempSync(join(tmpdir(), "barometer-key-")), "k.duckdb");
    const db = await openDatabase(path);
    await hmacKey(db);
    await closeDatabase(db);
    const failed = await promisify(execFile)(process.execPath, [BIN, "--db", path, "serve", "--port", "0"], {
      env: { ...process.env, BAROMETER_HMAC_KEY: "not-the-key" },
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(
      /^barometer: the HMAC key from BAROMETER_HMAC_KEY .* is not the key .* was written with/,
    );
  }, 60_000);
});
