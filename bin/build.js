#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` runs it): compile the TypeScript sources to
// dist/ with tsc, and copy beside them the files they read at run time (SQL models and their
// contracts, migrations, notebooks, page assets, the demo study). bin/barometer.js then starts
// in a fraction of the time tsx needs to compile at each start. It also bundles the SQL
// console's editor (CodeMirror) into dist/vendor/sql-editor.js. A failed build never fails the
// install: the command then runs the sources through tsx, as before.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sourceFiles } from "./sources.js";

const ROOT = resolve(import.meta.dirname, "..");
const DIST = join(ROOT, "dist");
const say = (m) => process.stderr.write(`[build] ${m}\n`);
const started = Date.now();

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")],
  {
    stdio: "inherit",
  },
);
if (tsc.status !== 0) {
  rmSync(DIST, { recursive: true, force: true });
  say("tsc failed; `barometer` will run the TypeScript sources through tsx (slower to start)");
  process.exit(0);
}
let copied = 0;
for (const file of sourceFiles(ROOT)) {
  if (file.endsWith(".ts")) continue;
  mkdirSync(dirname(join(DIST, file)), { recursive: true });
  copyFileSync(join(ROOT, file), join(DIST, file));
  copied++;
}
// the SQL console's editor and CodeMirror as one browser module (browsers cannot resolve bare
// imports); the server bundles it itself when run from sources without this build
try {
  const { bundleEditor, EDITOR_BUNDLE } = await import("../dist/server/editor/bundleEditor.js");
  mkdirSync(dirname(EDITOR_BUNDLE), { recursive: true });
  writeFileSync(EDITOR_BUNDLE, await bundleEditor());
} catch (error) {
  say(`the SQL editor was not bundled (${error.message}); the server will bundle it at first use`);
}
// written last: its time is the build's, against which bin/barometer.js checks the sources
writeFileSync(join(DIST, ".built"), `${new Date().toISOString()}\n`);
say(`compiled to dist/ and copied ${copied} data files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
