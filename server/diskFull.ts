/**
 * Whether an error (or one of its causes) is the disk running full: Node's ENOSPC, or
 * DuckDB's "No space left on device" inside an IO Error. The server answers these 507 with a
 * message saying so (messages/admin.ts, ops.disk_full) instead of a bare 500.
 */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === "ENOSPC" || code === "EDQUOT") return true;
    if (typeof message === "string" && /No space left on device|ENOSPC|Disk quota exceeded/i.test(message))
      return true;
  }
  return false;
}
