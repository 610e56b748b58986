/**
 * The model runs' compute thread: a task runs on a worker thread (not the server's event
 * loop), gives what the same function gives in the calling thread, and an error inside it
 * reaches the caller with its message. BAROMETER_COMPUTE_THREAD=0 keeps tasks in the caller.
 */
import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { computeTasks } from "../../models/runner/computeTasks.ts";
import { forgetComputed, offThread, tasksRun } from "../../models/runner/offThread.ts";
import { parseThemeCodebook } from "../../themes/index.ts";

afterEach(() => {
  delete process.env.BAROMETER_COMPUTE_THREAD;
  delete process.env.BAROMETER_COMPUTE_THREADS;
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

  it("codes open answers by the codebook it is given, not one an earlier run used", async () => {
    const files = { codebookPath: "codebook.yaml" };
    const v1 = parseThemeCodebook(
      "version: 1\nthemes:\n  - id: care\n    name: { zh: 托管, en: care }\n    keywords: [托管]\n",
    );
    const v2 = parseThemeCodebook(
      "version: 2\nthemes:\n  - id: jobs\n    name: { zh: 就业, en: jobs }\n    keywords: [就业]\n",
    );
    const answers = ["希望增加暑期托管", "多办就业培训", ""];
    const first = await offThread("codeAnswers", files, v1, answers);
    const second = await offThread("codeAnswers", files, v2, answers);
    expect(first.map((c) => c.themes)).toEqual([["care"], [], []]);
    expect(second.map((c) => c.themes)).toEqual([[], ["jobs"], []]);
    expect(second[2]!.isBlank).toBe(true);
    expect(second).toEqual(computeTasks.codeAnswers(files, v2, answers));
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

  it("spreads tasks given at once over the pool's threads, each result the caller's own", async () => {
    process.env.BAROMETER_COMPUTE_THREADS = "2";
    // two tasks at once: the second goes to a thread of its own, not behind the first
    const ids = await Promise.all([offThread("threadId"), offThread("threadId")]);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain(threadId);
    // many rankings at once, spread over both threads, equal the same calls made here
    const groups = Array.from({ length: 12 }, (_, g) => {
      const est = [60 + g, 62, 70 - g / 2, 55, 66];
      const cov = est.map((_, i) => est.map((_, j) => (i === j ? 4 + i + g : 0)));
      return { est, cov, low: est.map((e) => e - 4), high: est.map((e) => e + 4) };
    });
    const options = { level: 0.95, draws: 300, seed: 11 };
    const there = await Promise.all(
      groups.map((x) => offThread("rankAndTiers", x.est, x.cov, x.low, x.high, options)),
    );
    groups.forEach((x, g) => {
      expect(there[g]).toEqual(computeTasks.rankAndTiers(x.est, x.cov, x.low, x.high, options));
    });
  });

  it("remembers a ranking by its input: the same input is not computed again, each caller gets its own copy", async () => {
    forgetComputed();
    const est = [70, 66, 61, 58];
    const cov = est.map((_, i) => est.map((_, j) => (i === j ? 9 : 0)));
    const low = est.map((e) => e - 6);
    const high = est.map((e) => e + 6);
    const options = { level: 0.95, draws: 200, seed: 3 };
    const before = tasksRun();
    const first = await offThread("rankAndTiers", est, cov, low, high, options);
    expect(tasksRun()).toBe(before + 1);
    first.sets[0]!.rank = 99; // a caller's change stays its own
    const again = await offThread("rankAndTiers", est, cov, low, high, options);
    expect(tasksRun()).toBe(before + 1);
    expect(again).toEqual(computeTasks.rankAndTiers(est, cov, low, high, options));
    // another input (one estimate moved) is computed
    const moved = await offThread("rankAndTiers", [70, 66, 61, 68], cov, low, high, options);
    expect(tasksRun()).toBe(before + 2);
    expect(moved).toEqual(computeTasks.rankAndTiers([70, 66, 61, 68], cov, low, high, options));
    forgetComputed();
    await offThread("rankAndTiers", est, cov, low, high, options);
    expect(tasksRun()).toBe(before + 3);
  });

  it("stays in the calling thread with BAROMETER_COMPUTE_THREADS=0", async () => {
    process.env.BAROMETER_COMPUTE_THREADS = "0";
    expect(await offThread("threadId")).toBe(threadId);
  });

  it("stays in the calling thread with BAROMETER_COMPUTE_THREAD=0", async () => {
    process.env.BAROMETER_COMPUTE_THREAD = "0";
    expect(await offThread("threadId")).toBe(threadId);
  });
});
