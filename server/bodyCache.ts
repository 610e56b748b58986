import type { CachedBody } from "./cachedBody.ts";

/**
 * Response bodies by key, bounded in bytes (each body's plain form plus its gzip form once
 * made), least recently used out first. A count of entries bounds nothing: one figures answer
 * is a megabyte, another a hundred bytes. Callers build keys from the parameters they
 * understand only, so a parameter the server ignores cannot make a new entry.
 *
 * @example
 *   const cache = new BodyCache(64 * 1024 * 1024);
 *   const body = cache.get(key) ?? cache.set(key, new CachedBody(json));
 */
export class BodyCache {
  readonly maxBytes: number;
  readonly #entries = new Map<string, CachedBody>();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(key: string): CachedBody | undefined {
    const body = this.#entries.get(key);
    if (body) {
      // most recently used last
      this.#entries.delete(key);
      this.#entries.set(key, body);
      this.trim(); // gzip forms made since the last look count too
    }
    return body;
  }

  /** Keep `body` under `key` (unless it alone passes the budget) and return it. */
  set(key: string, body: CachedBody): CachedBody {
    this.#entries.delete(key);
    if (body.bytes <= this.maxBytes) this.#entries.set(key, body);
    this.trim();
    return body;
  }

  /** Drop the least recently used bodies until the rest fit (also after gzip forms were made). */
  trim(): void {
    let total = this.bytes;
    for (const [key, body] of this.#entries) {
      if (total <= this.maxBytes) break;
      this.#entries.delete(key);
      total -= body.bytes;
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The bytes held now. */
  get bytes(): number {
    let total = 0;
    for (const body of this.#entries.values()) total += body.bytes;
    return total;
  }
}
