import { createHash, type Hash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../../db/packageRoot.ts";
import type { Study } from "../../study/index.ts";

// the sources, also when this runs from the build in dist/ (the same version either way)
const ROOT = packageRoot(import.meta.dirname);

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    })
    .sort();
}

/**
 * The methodology a figure was made with: Barometer's semver plus a hash of the models, the
 * statistics engine and the study definition (study.yaml, codebooks, frame, margins).
 */
export function methodologyVersion(study: Study): string {
  code ??= codeVersion();
  const hash = code.sources.copy().update(study.definitionSha256);
  return `${code.version}+${hash.digest("hex").slice(0, 12)}`;
}

/** The sources are read once per process (a running process runs the code it loaded). */
let code: { version: string; sources: Hash } | undefined;

function codeVersion(): { version: string; sources: Hash } {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  const hash = createHash("sha256");
  for (const dir of ["models", "analysis"]) {
    for (const file of files(join(ROOT, dir))) {
      hash.update(relative(ROOT, file));
      hash.update(readFileSync(file));
    }
  }
  return { version: pkg.version, sources: hash };
}
