import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { TextEncoding } from "./detectFile.ts";
import { IngestRefusal } from "./IngestRefusal.ts";

/** No line of a survey CSV comes near this; a longer one means no line breaks, or not a CSV. */
export const MAX_LINE_BYTES = 8 << 20;
const BINARY_PROBE_BYTES = 4096;

export interface TextScan {
  sha256: string;
  encoding: TextEncoding;
  bom: boolean;
  lines: number;
}

/**
 * One streaming read of a text file that does everything needing every byte: the sha256,
 * the encoding (UTF-8 when every byte decodes as UTF-8, else GB18030), and the checks that
 * refuse a file before DuckDB sees it: binary content, NUL bytes, a line longer than
 * MAX_LINE_BYTES, invalid UTF-8 in a file declared UTF-8 (with --encoding, or by a UTF-8
 * byte order mark at its start). Stops at the first problem, so a
 * 100 MB single line costs 8 MB of reading. Refusals name the file and the line.
 * `onNotUtf8` is called once, as soon as a byte is found that is not UTF-8.
 */
export async function prescanText(
  path: string,
  options: { file: string; declared?: TextEncoding; onBytes?: (n: number) => void; onNotUtf8?: () => void },
): Promise<TextScan> {
  const hash = createHash("sha256");
  const checkUtf8 = options.declared !== "gb18030";
  let utf8 = true;
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0; // newlines before the current chunk
  let lineLength = 0; // bytes since the last newline
  let offset = 0;
  let bom = false;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const data of stream) {
      const chunk = data as Buffer;
      if (offset === 0) {
        bom = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
        const binaryAt = binaryOffset(chunk.subarray(0, BINARY_PROBE_BYTES));
        if (binaryAt >= 0) throw new IngestRefusal("refuse.binary", { file: options.file, offset: binaryAt });
      }
      const nul = chunk.indexOf(0);
      if (nul >= 0)
        throw new IngestRefusal("refuse.nul_byte", {
          file: options.file,
          line: lines + 1 + count(chunk, nul),
        });
      if (checkUtf8 && utf8) {
        const cut = boundary(chunk);
        const whole = carry.length ? Buffer.concat([carry, chunk.subarray(0, cut)]) : chunk.subarray(0, cut);
        if (!isUtf8(whole)) {
          utf8 = false;
          options.onNotUtf8?.();
          // a BOM declares UTF-8 as surely as --encoding utf-8 does
          if (options.declared === "utf-8" || bom)
            throw new IngestRefusal(bom ? "refuse.bom_not_utf8" : "refuse.not_utf8", {
              file: options.file,
              line: lines + 1 - newlinesIn(carry) + badLine(whole),
            });
        }
        carry = Buffer.from(chunk.subarray(cut));
      }
      let at = chunk.indexOf(10);
      let from = 0;
      while (at >= 0) {
        if (lineLength + at - from > MAX_LINE_BYTES) break;
        lines++;
        lineLength = 0;
        from = at + 1;
        at = chunk.indexOf(10, from);
      }
      lineLength += (at >= 0 ? at : chunk.length) - from;
      if (lineLength > MAX_LINE_BYTES)
        throw new IngestRefusal("refuse.line_too_long", {
          file: options.file,
          line: lines + 1,
          max_mb: MAX_LINE_BYTES >> 20,
        });
      hash.update(chunk);
      offset += chunk.length;
      options.onBytes?.(chunk.length);
    }
  } finally {
    stream.destroy();
  }
  if (checkUtf8 && utf8 && carry.length && !isUtf8(carry)) {
    utf8 = false;
    options.onNotUtf8?.();
    if (options.declared === "utf-8" || bom)
      throw new IngestRefusal(bom ? "refuse.bom_not_utf8" : "refuse.not_utf8", {
        file: options.file,
        line: lines + 1,
      });
  }
  return {
    sha256: hash.digest("hex"),
    encoding: options.declared ?? (utf8 ? "utf-8" : "gb18030"),
    bom,
    lines: lines + (lineLength > 0 ? 1 : 0),
  };
}

/**
 * Offset of the first control byte that no text file has, or -1. A stray NUL alone is not
 * binary (it is reported with its line); many NULs are (UTF-16 text, or binary data).
 */
function binaryOffset(head: Buffer): number {
  let nuls = 0;
  let firstNul = -1;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) {
      nuls++;
      if (firstNul < 0) firstNul = i;
    } else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) return i;
  }
  return nuls > 8 && nuls * 20 > head.length ? firstNul : -1;
}

/** End of the last complete UTF-8 sequence: the trailing partial character waits for the next chunk. */
function boundary(chunk: Buffer): number {
  for (let i = chunk.length - 1; i >= Math.max(0, chunk.length - 4); i--) {
    if ((chunk[i]! & 0xc0) !== 0x80) return i;
  }
  return chunk.length;
}

function count(chunk: Buffer, end: number): number {
  let n = 0;
  let at = chunk.indexOf(10);
  while (at >= 0 && at < end) {
    n++;
    at = chunk.indexOf(10, at + 1);
  }
  return n;
}

function newlinesIn(buffer: Buffer): number {
  return count(buffer, buffer.length);
}

/** Index (0-based) of the first line in `text` that is not valid UTF-8. */
function badLine(text: Buffer): number {
  let from = 0;
  let line = 0;
  for (;;) {
    const at = text.indexOf(10, from);
    const end = at < 0 ? text.length : at;
    if (!isUtf8(text.subarray(from, end))) return line;
    if (at < 0) return line;
    line++;
    from = at + 1;
  }
}
