/**
 * The server is the one writing process of its database file; its writes (uploads with the
 * model run after them, retractions, releases) also run one at a time, in arrival order.
 */
export class Writer {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
