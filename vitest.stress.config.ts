import { defineConfig } from "vitest/config";

// The slow suites: faults with real processes killed at several moments, load. `.ci/run` runs them.
export default defineConfig({
  test: {
    include: ["test/stress/**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    // a page, a server and DuckDB share 2 cores with another test file: what a poll waits for can
    // take seconds there (vitest's default is 1 s); a poll that holds returns at once all the same
    expect: { poll: { timeout: 15_000 } },
    fileParallelism: false,
  },
});
