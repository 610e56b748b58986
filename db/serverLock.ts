import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * The note `barometer serve` leaves beside the database file it owns, so that other commands
 * can say who holds the file and where to send writes.
 */
export interface ServerLock {
  pid: number;
  url: string;
  startedAt: string;
}

export function serverLockPath(databasePath: string): string {
  return `${databasePath}.server.json`;
}

export function writeServerLock(databasePath: string, lock: ServerLock): void {
  writeFileSync(serverLockPath(databasePath), `${JSON.stringify(lock, null, 2)}\n`);
}

export function removeServerLock(databasePath: string): void {
  rmSync(serverLockPath(databasePath), { force: true });
}

/** The running server holding this database, or undefined (a stale note of a dead pid is ignored). */
export function readServerLock(databasePath: string): ServerLock | undefined {
  const path = serverLockPath(databasePath);
  if (!existsSync(path)) return undefined;
  try {
    const lock = JSON.parse(readFileSync(path, "utf8")) as ServerLock;
    process.kill(lock.pid, 0);
    return lock;
  } catch {
    return undefined;
  }
}
