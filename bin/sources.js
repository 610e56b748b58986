// The folders the `barometer` command runs from, and when they last changed: bin/build.js
// compiles them to dist/, and bin/barometer.js runs dist/ only while nothing in them is newer
// than the build (otherwise the TypeScript sources, through tsx).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const SOURCE_FOLDERS = [
  "cli",
  "db",
  "study",
  "ingest",
  "models",
  "analysis",
  "server",
  "notebooks",
  "messages",
  "examples",
];

/** Files under the source folders (node_modules, data and dist never), as paths relative to `root`. */
export function sourceFiles(root) {
  const out = [];
  const walk = (rel) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(rel, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return out;
}

/** The newest modification time of any source file or folder (a new or deleted file changes its folder's). */
export function newestSource(root) {
  let newest = 0;
  const walk = (rel) => {
    const dirStat = statSync(join(root, rel));
    newest = Math.max(newest, dirStat.mtimeMs);
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(rel, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(join(root, path)).mtimeMs);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return newest;
}
