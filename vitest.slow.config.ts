import { defineConfig } from "vitest/config";

// The slow suites that may run side by side (`npm run test:slow`, in `.ci/run`): the CLI's every
// estimate option, crash recovery between an upload and its model run, kill -9 during ingest, a
// full disk, the calibration operator against R's sweeps, the coverage simulation, the XLSX
// event-loop check, backup while serving, the model runner's contracts and releases, notebooks in
// the browser, the upload round and the theme pages in the browser, the CLI's commands, hostile files and
// the ingest's property tests, the JSON API over the demo (uploads and their model runs) and the
// SQL console in the browser. Kept out of `npm test` so it stays under 10 minutes on 2 cores.
export default defineConfig({
  test: {
    include: ["test/slow/**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    // a page, a server and DuckDB share 2 cores with another test file: what a poll waits for can
    // take seconds there (vitest's default is 1 s); a poll that holds returns at once all the same
    expect: { poll: { timeout: 15_000 } },
    maxWorkers: 2,
  },
});
