/**
 * The server is the one writing process of its database file; its writes (uploads, the model
 * runs after them, retractions, releases) also run one at a time, in arrival order.
 */
export class Writer {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  run<T>(work: () => Promise<T>): Promise<T> {
    this.#pending++;
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    // registered before the caller's await: the count is down when the caller answers
    next
      .finally(() => {
        this.#pending--;
      })
      .catch(() => undefined);
    return next;
  }

  /** Resolves when no write is queued or running (whether they succeeded or not). */
  async idle(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  /** Whether a write (an upload and its model run, a release, ...) is running or waiting. */
  get busy(): boolean {
    return this.#pending > 0;
  }
}
