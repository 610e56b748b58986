import type { PreparedRead } from "./prepareRead.ts";

/** Wait until a read prepared ahead is done with its files, whatever its outcome; null. */
export async function readSettled(read: Promise<PreparedRead> | null): Promise<null> {
  await read?.then((r) => r.numbered).catch(() => undefined);
  return null;
}
