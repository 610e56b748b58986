import { createHash } from "node:crypto";

/**
 * HMAC-SHA256 of a text value as a DuckDB expression, so personal data is pseudonymised
 * inside the one ingest pass: HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)) (RFC 2104).
 * The key enters as bound blobs (hex), never as SQL text.
 */
export function hmacSql(key: Buffer): {
  expression(valueSql: string): string;
  params: Record<string, string>;
} {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash("sha256").update(key).digest() : key).copy(block);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36));
  const opad = Buffer.from(block.map((b) => b ^ 0x5c));
  return {
    params: { hmac_ipad: ipad.toString("hex"), hmac_opad: opad.toString("hex") },
    expression: (v) =>
      `case when ${v} is null then null else sha256(unhex($hmac_opad) || unhex(sha256(unhex($hmac_ipad) || encode(${v})))) end`,
  };
}
