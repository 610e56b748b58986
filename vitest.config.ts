import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/stress/**", "test/slow/**", "node_modules/**"],
    testTimeout: 180_000, // an upload and a model run take a minute when two files run at once on 2 cores
    hookTimeout: 120_000,
    pool: "forks",
    // a page, a server and DuckDB share 2 cores with another test file: what a poll waits for can
    // take seconds there (vitest's default is 1 s); a poll that holds returns at once all the same
    expect: { poll: { timeout: 15_000 } },
    // two files at once even on 2 cores (vitest's default there is one): most of a test file's
    // time is a child process, a browser or DuckDB waiting, and the default run stays under
    // 10 minutes on CI's 2-core machine (9 min measured; one at a time took 14)
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
