import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInflateRaw } from "node:zlib";
import { IngestRefusal } from "./IngestRefusal.ts";

const MB = 1 << 20;

/** How far a workbook may inflate: 100 times its size, at least 100 MB, at most 4 GB. */
export function inflateLimit(size: number): number {
  return Math.min(Math.max(100 * size, 100 * MB), 4096 * MB);
}

export interface ZipEntry {
  name: string;
  method: number;
  compressed: number;
  declared: number;
  localOffset: number;
}

/**
 * Inflate every entry of a zip (an .xlsx) without keeping anything, counting the bytes that
 * come out, and refuse as soon as the total passes the limit: declared sizes in a zip are
 * whatever its author wrote, so only inflating shows the truth. Also refuses a zip that is
 * truncated or damaged (no central directory, an entry that does not inflate). Memory stays
 * at one chunk whatever the zip holds.
 */
export async function checkZip(
  path: string,
  size: number,
  file: string,
  limit = inflateLimit(size),
): Promise<void> {
  const corrupt = (detail: string) => new IngestRefusal("refuse.xlsx_corrupt", { file, detail });
  const bomb = () =>
    new IngestRefusal("refuse.zip_bomb", {
      file,
      limit_mb: Math.round(limit / MB),
      ratio: Math.floor(limit / Math.max(size, 1)),
    });
  const entries = await readDirectory(path, size, file, corrupt);
  if (entries.reduce((sum, e) => sum + e.declared, 0) > limit) throw bomb();
  let total = 0;
  const handle = await open(path, "r");
  try {
    for (const entry of entries) {
      const local = Buffer.alloc(30);
      await handle.read(local, 0, 30, entry.localOffset);
      if (local.readUInt32LE(0) !== 0x04034b50) throw corrupt(`entry ${entry.name} has no local header`);
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (start + entry.compressed > size) throw corrupt(`entry ${entry.name} runs past the end of the file`);
      if (entry.compressed === 0) continue;
      if (entry.method === 0) {
        total += entry.compressed;
        if (total > limit) throw bomb();
        continue;
      }
      if (entry.method !== 8)
        throw corrupt(`entry ${entry.name} uses unsupported compression ${entry.method}`);
      const source = createReadStream(path, { start, end: start + entry.compressed - 1 });
      const inflate = createInflateRaw();
      source.on("error", (e) => inflate.destroy(e));
      source.pipe(inflate);
      try {
        for await (const out of inflate) {
          total += (out as Buffer).length;
          if (total > limit) throw bomb();
        }
      } catch (error) {
        if (error instanceof IngestRefusal) throw error;
        throw corrupt(`entry ${entry.name} does not inflate (${(error as Error).message})`);
      } finally {
        source.destroy();
        inflate.destroy();
      }
    }
  } finally {
    await handle.close();
  }
}

/** The entries the zip's central directory lists; refuses a truncated or damaged zip (see checkZip). */
export async function readDirectory(
  path: string,
  size: number,
  file: string,
  corrupt: (d: string) => Error,
): Promise<ZipEntry[]> {
  const handle = await open(path, "r");
  try {
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new IngestRefusal("refuse.xlsx_truncated", { file });
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff) throw corrupt("ZIP64 workbooks are not supported");
    if (dirOffset + dirSize > size) throw corrupt("the zip directory points past the end of the file");
    const dir = Buffer.alloc(dirSize);
    await handle.read(dir, 0, dirSize, dirOffset);
    const entries: ZipEntry[] = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== 0x02014b50)
        throw corrupt(`the zip directory is damaged at entry ${i + 1}`);
      const nameLength = dir.readUInt16LE(at + 28);
      const entry: ZipEntry = {
        method: dir.readUInt16LE(at + 10),
        compressed: dir.readUInt32LE(at + 20),
        declared: dir.readUInt32LE(at + 24),
        localOffset: dir.readUInt32LE(at + 42),
        name: dir.toString("utf8", at + 46, at + 46 + nameLength),
      };
      if (entry.compressed === 0xffffffff || entry.localOffset === 0xffffffff)
        throw corrupt("ZIP64 workbooks are not supported");
      entries.push(entry);
      at += 46 + nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
    }
    return entries;
  } finally {
    await handle.close();
  }
}
