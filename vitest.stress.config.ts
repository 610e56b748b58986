import { defineConfig } from "vitest/config";

// The slow suites: faults with real processes killed at several moments, load. `.ci/run` runs them.
export default defineConfig({
  test: {
    include: ["test/stress/**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    fileParallelism: false,
  },
});
