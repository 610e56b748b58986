import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir } from "../../server/packageDir.ts";

/** The browser side of notebooks: client.js with `expressionInterpreter` in scope. */
export function clientScript(): string {
  return readFileSync(join(import.meta.dirname, "client.js"), "utf8");
}

/**
 * vega-interpreter as a script body that defines `expressionInterpreter` from the vega bundle
 * already on the page (its one import, vega-util, is part of that bundle): for the
 * self-contained file, which cannot import modules by URL.
 */
export function inlineInterpreter(): string {
  return readFileSync(join(packageDir("vega-interpreter"), "build/vega-interpreter.js"), "utf8")
    .replace(
      /^import \{([^}]*)\} from 'vega-util';/m,
      (_m, names: string) => `const {${names}} = globalThis.vega;`,
    )
    .replace(
      /^export \{ expression as expressionInterpreter \};/m,
      "const expressionInterpreter = expression;",
    )
    .replace(/^\/\/# sourceMappingURL=.*$/m, "");
}

/** The vega, vega-lite and vega-embed builds, in load order, from node_modules. */
export function vegaBuilds(): string[] {
  return [
    join(packageDir("vega"), "build/vega.min.js"),
    join(packageDir("vega-lite"), "build/vega-lite.min.js"),
    join(packageDir("vega-embed"), "build/vega-embed.min.js"),
  ].map((path) => readFileSync(path, "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, ""));
}
