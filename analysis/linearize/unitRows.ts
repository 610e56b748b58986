/**
 * Finest-stage unit -> k numbers, read only (units absent have zeros): a Map, or a domain's
 * units in one buffer (`UnitRows`).
 */
export interface UnitMap<T> {
  readonly size: number;
  get(u: number): T | undefined;
  has(u: number): boolean;
  keys(): Iterable<number>;
  [Symbol.iterator](): Iterator<[number, T]>;
}

/**
 * A domain's units and k numbers for each (its totals, or its presence flags), in one buffer, read
 * as a `UnitMap`: made without a typed-array view and a map entry per unit (at a million
 * respondents, a unit each, a domain set made two million of each: a fifth of its time, and
 * most of its garbage). `get` and the iterators make a unit's view when asked; hot loops read
 * `buffer` at `indexOf(u) · k`. Valid while the positions it was given are (`local[u]` where
 * `mark[u] === stamp`: the domain's own, reused by the next domain).
 */
export class UnitRows<T extends Float64Array | Uint8Array> implements UnitMap<T> {
  constructor(
    readonly units: readonly number[],
    readonly buffer: T,
    readonly k: number,
    private readonly mark: Int32Array,
    private readonly local: Int32Array,
    private readonly stamp: number,
  ) {}

  get size(): number {
    return this.units.length;
  }

  /** The unit's position in `units` (its numbers at `position · k` of `buffer`), or -1. */
  indexOf(u: number): number {
    return this.mark[u] === this.stamp ? this.local[u]! : -1;
  }

  has(u: number): boolean {
    return this.mark[u] === this.stamp;
  }

  get(u: number): T | undefined {
    const l = this.indexOf(u);
    return l < 0 ? undefined : this.at(l);
  }

  keys(): Iterable<number> {
    return this.units;
  }

  *[Symbol.iterator](): Iterator<[number, T]> {
    for (let l = 0; l < this.units.length; l++) yield [this.units[l]!, this.at(l)];
  }

  private at(l: number): T {
    return this.buffer.subarray(l * this.k, (l + 1) * this.k) as T;
  }
}
