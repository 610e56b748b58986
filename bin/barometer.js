#!/usr/bin/env node
// The `barometer` command. Runs the build in dist/ (bin/build.js, run by `npm install`) when
// it is newer than every source file; otherwise the TypeScript sources through tsx's loader,
// so a clone works with plain Node 20 and an edited source is never run stale.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { newestSource } from "./sources.js";

const ROOT = join(import.meta.dirname, "..");
const BUILT = join(ROOT, "dist/.built");

function fresh() {
  if (process.env.BAROMETER_NO_DIST === "1" || !existsSync(BUILT)) return false;
  try {
    return statSync(BUILT).mtimeMs >= newestSource(ROOT);
  } catch {
    return false;
  }
}

let main;
if (fresh()) {
  ({ main } = await import("../dist/cli/main.js"));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/main.ts"));
}
process.exitCode = await main(process.argv);
