import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { packageRoot } from "../../db/packageRoot.ts";

const ROOT = packageRoot(import.meta.dirname);
const ENTRY = join(ROOT, "server/editor/sqlEditor.js");

/** Where `npm run build` (bin/build.js) writes the editor's bundle. */
export const EDITOR_BUNDLE = join(ROOT, "dist/vendor/sql-editor.js");

/**
 * The SQL console's editor (sqlEditor.js) and CodeMirror in one minified ES module, for
 * /assets/vendor/sql-editor.js: browsers cannot resolve bare imports like `@codemirror/view`.
 */
export async function bundleEditor(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    write: false,
    legalComments: "eof",
  });
  return result.outputFiles[0]!.text;
}

/** The build's bundle, or (sources run without a build, or edited since) one made now. */
export async function editorBundle(): Promise<string> {
  const built = existsSync(EDITOR_BUNDLE) && statSync(EDITOR_BUNDLE).mtimeMs >= statSync(ENTRY).mtimeMs;
  return built ? readFileSync(EDITOR_BUNDLE, "utf8") : bundleEditor();
}
