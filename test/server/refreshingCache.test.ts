import { describe, expect, it } from "vitest";
import { CachedBody } from "../../server/cachedBody.ts";
import { RefreshingCache } from "../../server/refreshingCache.ts";
import { Writer } from "../../server/writer.ts";

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((ok, no) => {
    resolve = ok;
    reject = no;
  });
  return { promise, resolve, reject };
}

const text = (b: { body: CachedBody }) => b.body.identity.toString();

describe("RefreshingCache", () => {
  it("builds once for concurrent requests and keeps the answer", async () => {
    const cache = new RefreshingCache(1 << 20);
    let builds = 0;
    const gate = deferred<void>();
    const make = async () => {
      builds++;
      await gate.promise;
      return new CachedBody("v1");
    };
    const waiting = [cache.get("k", make), cache.get("k", make), cache.get("k", make)];
    gate.resolve();
    expect((await Promise.all(waiting)).map(text)).toEqual(["v1", "v1", "v1"]);
    expect(text(await cache.get("k", make))).toBe("v1");
    expect(builds).toBe(1);
  });

  it("after a model run, sends the old answer marked stale while a slow rebuild runs, then the new one", async () => {
    const cache = new RefreshingCache(1 << 20, { patienceMs: 5 });
    await cache.get("k", async () => new CachedBody("old"));
    cache.invalidate();
    const gate = deferred<void>();
    let builds = 0;
    const slow = async () => {
      builds++;
      await gate.promise;
      return new CachedBody("new");
    };
    const first = await cache.get("k", slow);
    const second = await cache.get("k", slow);
    expect([text(first), first.stale, text(second), second.stale]).toEqual(["old", true, "old", true]);
    expect(builds).toBe(1);
    gate.resolve();
    // the shared rebuild lands; no new build is started for it
    await expect.poll(async () => text(await cache.get("k", slow))).toBe("new");
    expect((await cache.get("k", slow)).stale).toBe(false);
    expect(builds).toBe(1);
  });

  it("once the writes are done, waits for the new answer however slow (whoever uploaded sees it)", async () => {
    const writer = new Writer();
    const cache = new RefreshingCache(1 << 20, { patienceMs: 5, serveOldWhile: () => writer.busy });
    await cache.get("k", async () => new CachedBody("old"));
    const gate = deferred<void>();
    const slow = async () => {
      await gate.promise;
      return new CachedBody("new");
    };
    // during the upload and its model run: the old answer, marked
    let during: { body: CachedBody; stale: boolean } | undefined;
    await writer.run(async () => {
      cache.invalidate();
      during = await cache.get("k", slow);
      expect(writer.busy).toBe(true);
    });
    expect([text(during!), during!.stale]).toEqual(["old", true]);
    // the upload has answered: the next reader waits for the rebuild
    expect(writer.busy).toBe(false);
    const after = cache.get("k", slow);
    gate.resolve();
    const got = await after;
    expect([text(got), got.stale]).toEqual(["new", false]);
  });

  it("sends the new answer when the rebuild is quick", async () => {
    const cache = new RefreshingCache(1 << 20, { patienceMs: 60_000 });
    await cache.get("k", async () => new CachedBody("old"));
    cache.invalidate();
    const got = await cache.get("k", async () => new CachedBody("new"));
    expect([text(got), got.stale]).toEqual(["new", false]);
  });

  it("does not share a build begun before the model run with requests after it", async () => {
    const cache = new RefreshingCache(1 << 20, { patienceMs: 60_000 });
    const gate = deferred<void>();
    const before = cache.get("k", async () => {
      await gate.promise;
      return new CachedBody("read before the run");
    });
    cache.invalidate();
    const after = cache.get("k", async () => new CachedBody("read after the run"));
    expect(text(await after)).toBe("read after the run");
    gate.resolve();
    expect(text(await before)).toBe("read before the run");
    // the older build finishing late does not replace the newer answer
    expect(text(await cache.get("k", async () => new CachedBody("never")))).toBe("read after the run");
  });

  it("keeps the old answer when a rebuild fails, and a request with nothing kept gets the error", async () => {
    const cache = new RefreshingCache(1 << 20, { patienceMs: 60_000 });
    await cache.get("k", async () => new CachedBody("old"));
    cache.invalidate();
    const got = await cache.get("k", async () => {
      throw new Error("database busy");
    });
    expect([text(got), got.stale]).toEqual(["old", true]);
    await expect(
      cache.get("other", async () => {
        throw new Error("no figures");
      }),
    ).rejects.toThrow("no figures");
  });
});
