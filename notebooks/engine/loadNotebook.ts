import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseNotebook } from "./parseNotebook.ts";
import type { Notebook } from "./types.ts";

/** Where the shipped notebooks live. */
export const NOTEBOOKS_DIR = resolve(import.meta.dirname, "..");

/** A notebook's name: its file name without `.md`; only these names are looked up in a folder. */
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Read and parse the notebook file at `path`. */
export function loadNotebook(path: string): Notebook {
  return parseNotebook(basename(path).replace(/\.md$/, ""), readFileSync(path, "utf8"));
}

/** The notebook `name` in `dir`, or undefined when there is none (a name is never a path). */
export function findNotebook(dir: string, name: string): string | undefined {
  if (!NAME.test(name)) return undefined;
  const path = join(dir, `${name}.md`);
  return existsSync(path) ? path : undefined;
}

/** The notebooks in `dir`, by name. */
export function listNotebooks(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md") && f !== "README.md" && NAME.test(f.slice(0, -3)))
    .map((f) => f.slice(0, -3))
    .sort();
}
