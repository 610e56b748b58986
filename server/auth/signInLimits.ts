/** What a lock holds: one user from one address, or one address for every user. */
export type LockScope = "user_address" | "address";

export interface SignInLock {
  scope: LockScope;
  /** When the lock ends, ms since the epoch. */
  until: number;
}

export interface SignInLimitsOptions {
  /** Failures of one user from one address, within the window, that lock that pair (5). */
  pairFailures?: number;
  /** Failures from one address, any users, within the window, that lock the address (50). */
  addressFailures?: number;
  /** How far back failures count, ms (15 minutes). */
  windowMs?: number;
  /** How long a lock lasts, ms (15 minutes). */
  lockMs?: number;
  /** Most (user, address) pairs and addresses remembered at once; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

/**
 * The sign-in limit (OWASP Authentication Cheat Sheet, "Login Throttling"): only failed
 * sign-ins count. Five failures of one user from one address in 15 minutes lock that pair
 * for 15 minutes; fifty failures from one address lock the address. A lock never reaches a
 * user at another address, so an attacker cannot lock the right people out, and many
 * correct sign-ins from one office (one NAT address) are never refused. A success clears
 * the pair's failures. Kept in memory: a restart forgets them.
 */
export class SignInLimits {
  readonly #pairs = new Map<string, Entry>();
  readonly #addresses = new Map<string, Entry>();
  readonly #o: Required<SignInLimitsOptions>;

  constructor(options: SignInLimitsOptions = {}) {
    this.#o = {
      pairFailures: 5,
      addressFailures: 50,
      windowMs: 15 * 60 * 1000,
      lockMs: 15 * 60 * 1000,
      maxEntries: 100_000,
      now: Date.now,
      ...options,
    };
  }

  /** The lock that holds this user at this address now, if any. */
  lockOf(user: string, address: string): SignInLock | null {
    const now = this.#o.now();
    const byAddress = this.#addresses.get(address);
    if (byAddress && byAddress.lockedUntil > now) return { scope: "address", until: byAddress.lockedUntil };
    const pair = this.#pairs.get(pairKey(user, address));
    if (pair && pair.lockedUntil > now) return { scope: "user_address", until: pair.lockedUntil };
    return null;
  }

  /** Count a failed sign-in; the lock it starts, if it starts one. */
  failed(user: string, address: string): SignInLock | null {
    const now = this.#o.now();
    const until = now + this.#o.lockMs;
    const byAddress = this.#count(this.#addresses, address, now);
    if (byAddress.failures.length >= this.#o.addressFailures) {
      byAddress.lockedUntil = until;
      byAddress.failures = [];
      return { scope: "address", until };
    }
    const pair = this.#count(this.#pairs, pairKey(user, address), now);
    if (pair.failures.length >= this.#o.pairFailures) {
      pair.lockedUntil = until;
      pair.failures = [];
      return { scope: "user_address", until };
    }
    return null;
  }

  /** A correct sign-in: the pair's failures are forgotten. */
  succeeded(user: string, address: string): void {
    this.#pairs.delete(pairKey(user, address));
  }

  #count(map: Map<string, Entry>, key: string, now: number): Entry {
    const entry = map.get(key) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => t > now - this.#o.windowMs);
    entry.failures.push(now);
    map.delete(key); // most recent last, so the oldest are the first to go
    map.set(key, entry);
    if (map.size > this.#o.maxEntries) this.#prune(map, now);
    return entry;
  }

  #prune(map: Map<string, Entry>, now: number): void {
    for (const [key, entry] of map) {
      if (entry.lockedUntil <= now && entry.failures.every((t) => t <= now - this.#o.windowMs))
        map.delete(key);
    }
    for (const key of map.keys()) {
      if (map.size <= this.#o.maxEntries) break;
      map.delete(key);
    }
  }
}

function pairKey(user: string, address: string): string {
  return `${user}\u0000${address}`;
}
