/**
 * A cooperative time slice for long loops that run on a server's event loop: `await slice()`
 * in the loop gives the process a turn (setImmediate: waiting requests are answered) once `ms`
 * milliseconds have passed since the last turn, and costs nothing otherwise.
 *
 * @example
 *   const slice = timeSlicer();
 *   for (const d of domains) { await slice(); work(d); }
 */
export function timeSlicer(ms = 10): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < ms) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
}
