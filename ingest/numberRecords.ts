import { once } from "node:events";
import { createReadStream, createWriteStream, statSync, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { startWorker } from "../db/startWorker.ts";
import { copyOnThreads } from "./transcodeToUtf8.ts";

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Copy a UTF-8 CSV with every record's number written in front of it, as a first column:
 * `n<delim>` before the header, then `2<delim>`, `3<delim>`, ... (the header is record 1),
 * so every read of the copy knows where each record came from. DuckDB's parallel CSV
 * reader has no row number of its own, and numbering rows in SQL (a window, or the rowid of
 * an order-preserving copy) costs more than the rest of the ingest put together.
 *
 * Records are split as DuckDB splits them (RFC 4180, quote and escape `"`): a quote opens a
 * quoted value only at the start of a field, `""` inside one is a quote, and a line break
 * inside one belongs to the value. A blank line (DuckDB skips it) gets no number but is
 * counted, so numbers stay the rows a spreadsheet shows. Lines are neither added nor
 * removed, so DuckDB's "line N" in an error is the line of the original file. A leading BOM
 * is dropped. Returns the number of the last record. `source` is a file, or the chunks of
 * one (a transcoded file). For a file, `signal` stops the copy (it then rejects, and the
 * target is left incomplete), and `chunkBytes` is the read size (tests vary it to put chunk
 * boundaries everywhere).
 */
export async function numberRecords(
  source: string | AsyncIterable<Buffer>,
  target: string,
  delimiter: string,
  options: { signal?: AbortSignal; chunkBytes?: number } = {},
): Promise<number> {
  const out = createWriteStream(target, { highWaterMark: 1 << 20 });
  try {
    const chunks =
      typeof source === "string"
        ? createReadStream(source, { highWaterMark: options.chunkBytes ?? 1 << 20, signal: options.signal })
        : source;
    return await copyNumbered(chunks, out, delimiter);
  } catch (error) {
    // closed (its file opened first, if that was under way) before the caller hears of it, so
    // the caller may remove the folder
    out.destroy();
    await finished(out).catch(() => undefined);
    throw error;
  }
}

async function copyNumbered(
  source: AsyncIterable<unknown>,
  out: WriteStream,
  delimiter: string,
): Promise<number> {
  const delim = delimiter.charCodeAt(0);
  let record = 0;
  let inQuote = false;
  // the previous chunk ended inside a quoted value on a quote: escaped or closing, decided by the next byte
  let quotePending = false;
  // the next byte starts a record (it gets its number, unless the line is blank)
  let recordStart = true;
  // the next byte starts a field (a quote there opens a quoted value)
  let fieldStart = true;
  // a CR ended the previous chunk at the start of a record: blank line if the next byte is LF
  let carry: Buffer | null = null;
  let first = true;

  const copy = new CopyBuffer(delim);

  for await (const data of source) {
    let chunk = data as Buffer;
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    let from = 0; // start of the part of `chunk` not yet copied to `pieces`
    let pos = 0;
    const end = chunk.length;
    const after = (at: number) => (at < 0 ? end : at);
    let nextQuote = -1;
    if (quotePending) {
      quotePending = false;
      if (chunk[0] === QUOTE) pos = 1;
      else {
        inQuote = false;
        fieldStart = false;
      }
    }
    while (pos < end) {
      if (recordStart) {
        const b = chunk[pos]!;
        if (b === CR && pos + 1 >= end) {
          // CR at the end of the chunk: wait for the next to know if the line is blank
          copy.bytes(chunk, from, pos);
          carry = Buffer.from(chunk.subarray(pos));
          from = end;
          break;
        }
        record++;
        if (b === NL || (b === CR && chunk[pos + 1] === NL)) {
          // a blank line: counted, not numbered
          pos += b === NL ? 1 : 2;
          continue;
        }
        copy.bytes(chunk, from, pos);
        copy.number(record);
        from = pos;
        recordStart = false;
        fieldStart = true;
      }
      if (inQuote) {
        const q = chunk.indexOf(QUOTE, pos);
        nextQuote = after(q);
        if (q < 0) {
          pos = end;
          break;
        }
        if (q + 1 >= end) {
          quotePending = true;
          pos = end;
          break;
        }
        if (chunk[q + 1] === QUOTE) pos = q + 2;
        else {
          inQuote = false;
          fieldStart = false;
          pos = q + 1;
        }
        continue;
      }
      const nl = chunk.indexOf(NL, pos);
      const limit = nl < 0 ? end : nl;
      // a quote before the end of the line that starts a field opens a quoted value (the
      // next quote is searched for only once passed: most chunks have none)
      while (
        nextQuote < limit &&
        (nextQuote < pos || !(nextQuote === pos ? fieldStart : chunk[nextQuote - 1] === delim))
      )
        nextQuote = after(chunk.indexOf(QUOTE, Math.max(pos, nextQuote + 1)));
      if (nextQuote < limit) {
        const q = nextQuote;
        inQuote = true;
        pos = q + 1;
        continue;
      }
      if (nl < 0) {
        fieldStart = chunk[end - 1] === delim;
        pos = end;
        break;
      }
      pos = nl + 1;
      recordStart = true;
    }
    if (from < end) copy.bytes(chunk, from, end);
    let drained = true;
    for (const piece of copy.take()) drained = out.write(piece) && drained;
    if (!drained) await once(out, "drain");
  }
  if (carry) {
    // a lone CR at the very end: a blank line
    out.write(carry);
    record++;
  }
  out.end();
  await once(out, "finish");
  return record;
}

const DIGIT_0 = 0x30;
const LETTER_N = 0x6e;

/**
 * The copy being written: spans of the input and record numbers, into buffers of about a
 * megabyte handed to the stream as they fill (one allocation per megabyte, not two per
 * record).
 */
class CopyBuffer {
  private static readonly SIZE = 1 << 20;
  private buffer = Buffer.allocUnsafe(CopyBuffer.SIZE);
  private used = 0;
  private full: Buffer[] = [];

  constructor(private readonly delim: number) {}

  /** Copy `source[from, to)`. */
  bytes(source: Buffer, from: number, to: number): void {
    while (from < to) {
      if (this.used === this.buffer.length) this.rotate();
      const n = Math.min(to - from, this.buffer.length - this.used);
      source.copy(this.buffer, this.used, from, from + n);
      this.used += n;
      from += n;
    }
  }

  /** The record's number and the delimiter (the header, record 1, gets `n`). */
  number(record: number): void {
    if (this.used + 24 > this.buffer.length) this.rotate();
    const b = this.buffer;
    if (record === 1) {
      b[this.used++] = LETTER_N;
    } else {
      let digits = 1;
      for (let x = record; x >= 10; x = Math.floor(x / 10)) digits++;
      for (let i = digits - 1, x = record; i >= 0; i--, x = Math.floor(x / 10))
        b[this.used + i] = DIGIT_0 + (x % 10);
      this.used += digits;
    }
    b[this.used++] = this.delim;
  }

  /** What was written since the last call, handed over (the copy starts new buffers). */
  take(): Buffer[] {
    const out = this.full;
    if (this.used > 0) out.push(this.buffer.subarray(0, this.used));
    this.full = [];
    this.buffer = Buffer.allocUnsafe(CopyBuffer.SIZE);
    this.used = 0;
    return out;
  }

  private rotate(): void {
    this.full.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(CopyBuffer.SIZE);
    this.used = 0;
  }
}

/**
 * numberRecords of a UTF-8 file, on a thread of its own when the file is large and there is
 * a second core (copyOnThreads): the copy is then made while this thread scans the same file
 * for its hash and checks. Same result, same errors (by name, message and code), same `signal`.
 */
export async function numberFile(
  source: string,
  target: string,
  delimiter: string,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  if (!copyOnThreads(statSync(source).size)) return numberRecords(source, target, delimiter, options);
  options.signal?.throwIfAborted();
  const worker = startWorker(import.meta.url, "./numberWorker");
  const abort = () => worker.postMessage({ abort: true });
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      worker.on(
        "message",
        (m: { records?: number; error?: { name: string; message: string; code?: string } }) => {
          if (m.error) reject(Object.assign(new Error(m.error.message), m.error));
          else resolve(m.records!);
        },
      );
      worker.on("error", reject);
      worker.on("exit", (code) => reject(new Error(`the numbering thread stopped (exit code ${code})`)));
      worker.postMessage({ source, target, delimiter });
    });
  } finally {
    options.signal?.removeEventListener("abort", abort);
    await worker.terminate();
  }
}
