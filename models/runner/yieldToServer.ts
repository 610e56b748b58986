/**
 * Let the process answer what is waiting (figures, health checks, page loads) before the
 * next piece of a long computation. The models run inside the server, on its one event loop:
 * a model that computes for seconds without a break holds every request, cached ones too.
 * Call it between pieces of a few hundred milliseconds at most.
 */
export function yieldToServer(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
