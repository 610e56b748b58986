import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The folder of Barometer's package.json, found upwards from `from` (a module's folder): the
 * same from the TypeScript sources and from their build in dist/, so paths that must not
 * depend on how the command runs (the demo study, the sources hashed into the methodology
 * version) point at the sources either way.
 */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
