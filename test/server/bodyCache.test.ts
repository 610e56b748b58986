import { describe, expect, it } from "vitest";
import { BodyCache } from "../../server/bodyCache.ts";
import { CachedBody } from "../../server/cachedBody.ts";

// The answers cache is bounded in bytes (plain bodies plus the gzip forms made for them), not
// in entries: checked against byte counts written out by hand.

describe("BodyCache", () => {
  it("holds at most its byte budget, dropping the least recently used first", () => {
    const cache = new BodyCache(10_000);
    cache.set("a", new CachedBody("a".repeat(4000)));
    cache.set("b", new CachedBody("b".repeat(4000)));
    cache.get("a"); // a is now the most recently used
    cache.set("c", new CachedBody("c".repeat(4000)));
    expect([
      cache.get("a") !== undefined,
      cache.get("b") !== undefined,
      cache.get("c") !== undefined,
    ]).toEqual([true, false, true]);
    expect(cache.bytes).toBe(8000);
  });

  it("keeps nothing of a body larger than the whole budget", () => {
    const cache = new BodyCache(1000);
    const body = cache.set("big", new CachedBody("x".repeat(1001)));
    expect(body.identity.length).toBe(1001); // still served, just not kept
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it("counts the gzip forms once made", async () => {
    const cache = new BodyCache(1_000_000);
    const random = (n: number) =>
      Array.from({ length: n }, (_, i) => ((i * 7919) % 97).toString(36)).join("");
    const body = cache.set("a", new CachedBody(random(5000)));
    const zipped = await body.gzip();
    expect(cache.bytes).toBe(body.identity.length + zipped.length);
  });

  it("stays within its budget whatever 900 distinct keys ask for", () => {
    const cache = new BodyCache(64 * 1024);
    for (let i = 0; i < 900; i++) cache.set(`k${i}`, new CachedBody("y".repeat(1024)));
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.size).toBe(64);
  });
});
