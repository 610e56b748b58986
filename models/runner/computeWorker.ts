// The compute thread (see offThread.ts): runs the tasks of computeTasks.ts asked by the main thread.
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { computeTasks } from "./computeTasks.ts";

interface Ask {
  id: number;
  task: keyof typeof computeTasks;
  args: unknown[];
}

// below the main thread's priority, so requests are answered first when the cores are busy
// (on Linux the nice value is per thread: this lowers only the compute thread)
try {
  setPriority(10);
} catch {
  // not allowed here: the thread runs at the process's priority
}

parentPort!.on("message", ({ id, task, args }: Ask) => {
  try {
    const run = computeTasks[task] as (...a: unknown[]) => unknown;
    parentPort!.postMessage({ id, result: run(...args) });
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ id, error: { message: e.message, stack: e.stack } });
  }
});
