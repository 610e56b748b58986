import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Benchmarks time `barometer` as users run it: from the build in dist/ (`npm install` builds
 * it). Build it first when it is missing or older than a source file.
 */
export async function ensureBuilt(root: string): Promise<void> {
  const { newestSource } = (await import(join(root, "bin/sources.js"))) as {
    newestSource: (root: string) => number;
  };
  const built = join(root, "dist/.built");
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource(root)) {
    process.stderr.write("building dist/ first (npm run build)\n");
    spawnSync(process.execPath, [join(root, "bin/build.js")], { stdio: "inherit" });
  }
}
