import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../db/startWorker.ts";
import { type ComputeTasks, computeTasks } from "./computeTasks.ts";

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/**
 * The model runs' compute threads. A model run happens inside the server, whose one event
 * loop also answers every request: seconds of statistics there (small-area bootstraps, rank
 * intervals, segmenting open answers) would hold the figures, pages and health checks until
 * they end. `offThread` runs such a task (a pure function of plain data, listed in
 * computeTasks.ts) on a worker thread, and the main thread waits for it without blocking.
 *
 * The threads form a small pool: one per core, at most four, each started at its first task
 * and kept (unreferenced, so a CLI command still exits) while the process lives. A task goes
 * to the thread with the fewest tasks waiting, so a model that hands out many independent
 * tasks (one small-area model per indicator, one ranking per group) uses every core while the
 * main thread waits. Tasks are pure: which thread runs one never changes its result.
 *
 * The results of the long statistical tasks (small-area models, rankings) are remembered by
 * their input, the last 600: a run after an upload to one wave computes only what changed.
 *
 * With one core, or BAROMETER_COMPUTE_THREADS=0 (or the older BAROMETER_COMPUTE_THREAD=0),
 * tasks run in the calling thread; BAROMETER_COMPUTE_THREADS=N sets the pool's size.
 *
 * @example
 *   const figures = await offThread("smallAreaFigures", input);
 */
export function offThread<K extends keyof ComputeTasks>(
  task: K,
  ...args: Parameters<ComputeTasks[K]>
): Promise<ReturnType<ComputeTasks[K]>> {
  if (!REMEMBERED.has(task)) return dispatch(task, args);
  // the same task with the same input gives the same result (pure, seeded): after an upload
  // to one wave, the other waves' small-area models and rankings are not computed again
  const key = `${task}:${createHash("sha256").update(JSON.stringify(args)).digest("base64")}`;
  let result = remembered.get(key) as Promise<ReturnType<ComputeTasks[K]>> | undefined;
  if (result)
    remembered.delete(key); // most recently used last
  else {
    result = dispatch(task, args);
    result.catch(() => remembered.delete(key));
  }
  remembered.set(key, result);
  while (remembered.size > REMEMBER_AT_MOST) remembered.delete(remembered.keys().next().value!);
  // each caller its own copy: a caller that changes its result changes no one else's
  return result.then((r) => structuredClone(r));
}

/** Tasks whose results are remembered (by their input), and how many results at most. */
const REMEMBERED = new Set<keyof ComputeTasks>(["smallAreaFigures", "rankAndTiers"]);
const REMEMBER_AT_MOST = 600;
const remembered = new Map<string, Promise<unknown>>();

/** Forget remembered results (benchmarks time a model run's own work; tests start clean). */
export function forgetComputed(): void {
  remembered.clear();
  for (const forget of forgetters) forget();
}

const forgetters: (() => void)[] = [];

/** Another memory of computed results (a model's), cleared by `forgetComputed` too. */
export function alsoForget(forget: () => void): void {
  forgetters.push(forget);
}

/** How many tasks were run (not answered from memory) in this process: for checks. */
export function tasksRun(): number {
  return runCount;
}
let runCount = 0;

function dispatch<K extends keyof ComputeTasks>(
  task: K,
  args: Parameters<ComputeTasks[K]>,
): Promise<ReturnType<ComputeTasks[K]>> {
  runCount++;
  const size = poolSize();
  if (size === 0) {
    const run = computeTasks[task] as (...a: unknown[]) => ReturnType<ComputeTasks[K]>;
    return Promise.resolve().then(() => run(...args));
  }
  const thread = leastBusy(size);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    thread.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    if (thread.pending.size === 1) thread.worker.ref();
    thread.worker.postMessage({ id, task, args });
  });
}

/** The number of compute threads: 0 runs tasks in the calling thread. */
export function poolSize(): number {
  if (process.env.BAROMETER_COMPUTE_THREAD === "0") return 0;
  const asked = process.env.BAROMETER_COMPUTE_THREADS;
  if (asked !== undefined && asked !== "") {
    const n = Number(asked);
    if (Number.isInteger(n) && n >= 0) return Math.min(n, 16);
  }
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores, 4) : 0;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

const threads: (Thread | null)[] = [];
let nextId = 1;

function leastBusy(size: number): Thread {
  let best: Thread | null = null;
  for (let i = 0; i < size; i++) {
    const t = threads[i] ?? null;
    // a free slot: a thread of its own before a busy one is shared
    if (!t) {
      if (best && best.pending.size === 0) break;
      return start(i);
    }
    if (!best || t.pending.size < best.pending.size) best = t;
  }
  return best!;
}

function start(slot: number): Thread {
  const worker = startWorker(import.meta.url, "./computeWorker");
  const thread: Thread = { worker, pending: new Map() };
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
      const p = thread.pending.get(id);
      if (!p) return;
      thread.pending.delete(id);
      if (thread.pending.size === 0) worker.unref();
      if (error) {
        const e = new Error(error.message);
        e.stack = error.stack ?? e.stack;
        p.reject(e);
      } else p.resolve(result);
    },
  );
  // a thread that died (out of memory, a crash) fails what it held; its slot starts a new one
  const fail = (error: Error) => {
    if (threads[slot] === thread) threads[slot] = null;
    for (const p of thread.pending.values()) p.reject(error);
    thread.pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the compute thread stopped (exit code ${code})`)));
  worker.unref();
  threads[slot] = thread;
  return thread;
}
