import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../db/startWorker.ts";
import { type ComputeTasks, computeTasks } from "./computeTasks.ts";

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/**
 * The model runs' compute thread. A model run happens inside the server, whose one event loop
 * also answers every request: seconds of statistics there (small-area bootstraps, rank
 * intervals, segmenting open answers) would hold the figures, pages and health checks until
 * they end. `offThread` runs such a task (a pure function of plain data, listed in
 * computeTasks.ts) on one worker thread, started at the first call and kept (unreferenced, so a
 * CLI command still exits) while the process lives; tasks queue there in order.
 *
 * With one core, or BAROMETER_COMPUTE_THREAD=0, tasks run in the calling thread.
 *
 * @example
 *   const figures = await offThread("smallAreaFigures", input);
 */
export function offThread<K extends keyof ComputeTasks>(
  task: K,
  ...args: Parameters<ComputeTasks[K]>
): Promise<ReturnType<ComputeTasks[K]>> {
  if (!useThread()) {
    const run = computeTasks[task] as (...a: unknown[]) => ReturnType<ComputeTasks[K]>;
    return Promise.resolve().then(() => run(...args));
  }
  const worker = computeThread();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    if (pending.size === 1) worker.ref();
    worker.postMessage({ id, task, args });
  });
}

let thread: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function useThread(): boolean {
  return process.env.BAROMETER_COMPUTE_THREAD !== "0" && availableParallelism() > 1;
}

function computeThread(): Worker {
  if (thread) return thread;
  const worker = startWorker(import.meta.url, "./computeWorker");
  worker.on(
    "message",
    ({
      id,
      result,
      error,
    }: {
      id: number;
      result?: unknown;
      error?: { message: string; stack?: string };
    }) => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      if (error) {
        const e = new Error(error.message);
        e.stack = error.stack ?? e.stack;
        p.reject(e);
      } else p.resolve(result);
    },
  );
  // a thread that died (out of memory, a crash) fails what it held; the next task starts a new one
  const fail = (error: Error) => {
    if (thread === worker) thread = null;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the compute thread stopped (exit code ${code})`)));
  worker.unref();
  thread = worker;
  return worker;
}
