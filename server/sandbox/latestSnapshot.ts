import { readdirSync } from "node:fs";
import { join } from "node:path";

export interface SnapshotFile {
  path: string;
  version: number;
}

const NAME = /^analytics-(\d{6,})\.duckdb$/;

/** The name of snapshot `version`: `analytics-000042.duckdb`. */
export function snapshotName(version: number): string {
  return `analytics-${String(version).padStart(6, "0")}.duckdb`;
}

/** Every complete snapshot in `dir`, oldest first (temp files of unfinished writes are not listed). */
export function listSnapshots(dir: string): SnapshotFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .flatMap((name) => {
      const match = NAME.exec(name);
      return match ? [{ path: join(dir, name), version: Number(match[1]) }] : [];
    })
    .sort((a, b) => a.version - b.version);
}

/** The newest complete snapshot in `dir`, or undefined when there is none yet. */
export function latestSnapshot(dir: string): SnapshotFile | undefined {
  return listSnapshots(dir).at(-1);
}
