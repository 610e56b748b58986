import { setTimeout as sleep } from "node:timers/promises";
import { BodyCache } from "./bodyCache.ts";
import type { CachedBody } from "./cachedBody.ts";

/**
 * Answers that a model run makes old, kept in a {@link BodyCache}. After `invalidate()` (a
 * model run finished) an old answer is not thrown away: the first request for it starts one
 * rebuild (single flight: concurrent requests share it) and waits for it at most `patienceMs`;
 * when the rebuild is slower (the database is busy with the next upload), the old answer is
 * sent meanwhile, marked old (only while `serveOldWhile()` holds). So a burst of requests after each model run costs one query,
 * not one each, and readers never queue behind writers.
 *
 * @example
 *   const figures = new RefreshingCache(64 * 1024 * 1024);
 *   modelEvents.on("finished", () => figures.invalidate());
 *   const { body, stale } = await figures.get(key, async () => new CachedBody(await query()));
 */
export class RefreshingCache {
  readonly #bodies: BodyCache;
  readonly #made = new WeakMap<CachedBody, number>();
  readonly #building = new Map<string, { generation: number; building: Promise<CachedBody> }>();
  readonly #patienceMs: number;
  readonly #serveOld: () => boolean;
  #generation = 0;

  /**
   * `serveOldWhile`: whether an old answer may be sent now (default: always). The server says
   * "while a write runs": once the uploads are done, a reader waits for the new figures, so
   * whoever just uploaded sees them.
   */
  constructor(maxBytes: number, options: { patienceMs?: number; serveOldWhile?: () => boolean } = {}) {
    this.#bodies = new BodyCache(maxBytes);
    this.#patienceMs = options.patienceMs ?? 50;
    this.#serveOld = options.serveOldWhile ?? (() => true);
  }

  /** The data changed: every kept answer is now old (still sent while its rebuild runs). */
  invalidate(): void {
    this.#generation++;
  }

  /**
   * The answer for `key`: the kept one when current; else one built by `make` (shared with
   * any build already running for `key`); else, when that takes longer than the patience and an
   * older answer is kept, the older one with `stale: true`.
   */
  async get(key: string, make: () => Promise<CachedBody>): Promise<{ body: CachedBody; stale: boolean }> {
    const held = this.#bodies.get(key);
    if (held && this.#made.get(held) === this.#generation) return { body: held, stale: false };
    const building = this.#build(key, make);
    if (!held || !this.#serveOld()) return { body: await building, stale: false };
    // a failed rebuild leaves the old answer in place; the next request tries again
    const fresh = await Promise.race([
      building.catch(() => undefined),
      sleep(this.#patienceMs, undefined, { ref: false }),
    ]);
    return fresh ? { body: fresh, stale: false } : { body: held, stale: true };
  }

  #build(key: string, make: () => Promise<CachedBody>): Promise<CachedBody> {
    const generation = this.#generation;
    const running = this.#building.get(key);
    // a build begun before the last invalidation may have read the old data: not shared
    if (running?.generation === generation) return running.building;
    const building = (async () => {
      const body = await make();
      await body.gzip(); // made once here, not by the first reader that accepts gzip
      this.#made.set(body, generation);
      // a build that an invalidation overtook is still the newest answer there is
      const kept = this.#bodies.get(key);
      if (!kept || (this.#made.get(kept) ?? -1) <= generation) this.#bodies.set(key, body);
      return body;
    })().finally(() => {
      if (this.#building.get(key)?.building === building) this.#building.delete(key);
    });
    this.#building.set(key, { generation, building });
    return building;
  }

  get size(): number {
    return this.#bodies.size;
  }
}
