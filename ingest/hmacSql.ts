import { createHash } from "node:crypto";

/**
 * How a hashed value is marked where people see it (the rejected-rows download): `hmac:`
 * and the 64 hex digits of the HMAC. The ingest keeps a marked value as it is (it never
 * hashes a hash), so a team that fixes rejected rows and uploads them again keeps the
 * respondents linkable.
 */
export const HMAC_MARK = "hmac:";
/** A marked value, whole (a cell that only starts with `hmac:` is clear text). */
export const HMAC_MARKED = "^hmac:[0-9a-f]{64}$";

/**
 * HMAC-SHA256 of a text value as a DuckDB expression, so personal data is pseudonymised
 * inside the one ingest pass: HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)) (RFC 2104).
 * The key enters as bound blobs (hex), never as SQL text.
 */
export function hmacSql(key: Buffer): {
  expression(valueSql: string): string;
  /** True where the value is a marked hash (`hmac:` and 64 hex digits). */
  marked(valueSql: string): string;
  /** As it lands in the raw table: the hash of a clear value, a marked hash without its mark. */
  landed(valueSql: string): string;
  /** As people see it: `hmac:` and the hash of a clear value; a marked hash as it is. */
  shown(valueSql: string): string;
  params: Record<string, string>;
} {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash("sha256").update(key).digest() : key).copy(block);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36));
  const opad = Buffer.from(block.map((b) => b ^ 0x5c));
  const expression = (v: string) =>
    `case when ${v} is null then null else sha256(unhex($hmac_opad) || unhex(sha256(unhex($hmac_ipad) || encode(${v})))) end`;
  const marked = (v: string) =>
    `coalesce(starts_with(${v}, '${HMAC_MARK}') and regexp_full_match(${v}, '${HMAC_MARKED}'), false)`;
  return {
    params: { hmac_ipad: ipad.toString("hex"), hmac_opad: opad.toString("hex") },
    expression,
    marked,
    landed: (v) =>
      `case when ${marked(v)} then substr(${v}, ${HMAC_MARK.length + 1}) else ${expression(v)} end`,
    shown: (v) =>
      `case when ${v} is null then null when ${marked(v)} then ${v} else '${HMAC_MARK}' || ${expression(v)} end`,
  };
}
