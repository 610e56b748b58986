/**
 * The model runs' compute thread: a task runs on a worker thread (not the server's event
 * loop), gives what the same function gives in the calling thread, and an error inside it
 * reaches the caller with its message. BAROMETER_COMPUTE_THREAD=0 keeps tasks in the caller.
 */
import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { computeTasks } from "../../models/runner/computeTasks.ts";
import { offThread } from "../../models/runner/offThread.ts";

afterEach(() => {
  delete process.env.BAROMETER_COMPUTE_THREAD;
});

describe("offThread", () => {
  it("runs a task on another thread, with the same result as in this one", async () => {
    expect(await offThread("threadId")).not.toBe(threadId);
    const est = [71.2, 64.9, 80.3, 58.1, 69.4];
    const cov = est.map((_, i) => est.map((_, j) => (i === j ? [4, 9, 2.5, 16, 6][i]! : 0)));
    const low = est.map((e) => e - 5);
    const high = est.map((e) => e + 5);
    const options = { level: 0.95, draws: 400, seed: 7 };
    const there = await offThread("rankAndTiers", est, cov, low, high, options);
    expect(there).toEqual(computeTasks.rankAndTiers(est, cov, low, high, options));
    // several tasks at once come back to their own callers
    const masked = await Promise.all(
      ["电话13812345678", "无", "身份证110101199003077777"].map((a) => offThread("maskAnswers", [a])),
    );
    expect(masked.map((m) => m[0]!.text)).toEqual(
      computeTasks.maskAnswers(["电话13812345678", "无", "身份证110101199003077777"]).map((m) => m.text),
    );
    expect(masked[0]![0]!.text).not.toContain("13812345678");
  });

  it("rejects with the task's own error message", async () => {
    const bad = {
      kind: "rate" as const,
      villages: [],
      district: null,
      benchmark: "none" as const,
      reps: 10,
      seed: 1,
      level: 0.95,
    };
    let direct = "";
    try {
      computeTasks.smallAreaFigures(bad);
    } catch (error) {
      direct = (error as Error).message;
    }
    expect(direct).not.toBe("");
    await expect(offThread("smallAreaFigures", bad)).rejects.toThrow(direct);
  });

  it("stays in the calling thread with BAROMETER_COMPUTE_THREAD=0", async () => {
    process.env.BAROMETER_COMPUTE_THREAD = "0";
    expect(await offThread("threadId")).toBe(threadId);
  });
});
