import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// `npm ci` refuses a lockfile that leaves out another platform's optional packages
// (npm/cli#8320: npm 11 writes such a lockfile from an installed tree). Every optional
// dependency that a locked package names must itself be locked, for every platform, so that
// `npm ci` in CI and on a fresh machine accepts the committed file.
type Lock = {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
};

describe("package-lock.json", () => {
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lock;

  it("locks every optional dependency of every locked package, whatever its platform", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const nested = `${path}/node_modules/${name}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`]) {
          missing.push(`${name} (wanted by ${path || "the root"})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("locks every dependency that package.json declares", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as Record<string, Record<string, string>>;
    const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    const unlocked = declared.filter((name) => !lock.packages[`node_modules/${name}`]);
    expect(unlocked).toEqual([]);
  });
});
