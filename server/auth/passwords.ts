import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const N = 16384;
const KEYLEN = 32;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N, r: 8, p: 1 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** scrypt hash as `scrypt$N$salt$hash` (hex). */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 10) throw new Error("a password needs at least 10 characters");
  const salt = randomBytes(16);
  return `scrypt$${N}$${salt.toString("hex")}$${(await derive(password, salt)).toString("hex")}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (!stored) return false;
  const [scheme, n, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || Number(n) !== N || !salt || !hash) return false;
  const expected = Buffer.from(hash, "hex");
  const actual = await derive(password, Buffer.from(salt, "hex"));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
