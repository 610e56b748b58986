import { createReadStream, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { startWorker } from "../db/startWorker.ts";
import { IngestRefusal } from "./IngestRefusal.ts";

/** Files from this size are copied by threads beside this one (smaller: a thread costs more than it saves). */
const THREADED_BYTES = 16 << 20;

/**
 * Whether a file of `bytes` is copied (transcoded, numbered) on threads beside this one: from
 * 16 MB when there is a second core. BAROMETER_COPY_THREADS=0 never, =1 always (tests).
 */
export function copyOnThreads(bytes: number): boolean {
  const setting = process.env.BAROMETER_COPY_THREADS;
  if (setting === "0" || setting === "1") return setting === "1";
  return availableParallelism() > 1 && bytes >= THREADED_BYTES;
}
/** The size of the pieces (whole lines) handed to the threads. */
const PIECE_BYTES = 4 << 20;

/**
 * A GB18030/GBK text file re-encoded as UTF-8, streamed in chunks (DuckDB's CSV reader
 * cannot decode GBK). Bytes that are not valid GB18030 refuse the file, naming the first
 * line that holds them (`file` names the file in the message): a decode never puts U+FFFD
 * in place of what the team wrote. `onBytes` counts the bytes of the file read so far.
 *
 * A large file is decoded by two threads, a piece of whole lines at a time, while this thread
 * numbers the records and hashes the file (decoding is most of the work of a GBK upload).
 * A line feed byte is never part of a GB18030 character, so pieces cut after a line feed
 * decode exactly as the whole file does. Small files, and any file on one core, are decoded
 * here (copyOnThreads).
 */
export async function* transcodeToUtf8(
  source: string,
  encoding: string,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void; file?: string } = {},
): AsyncGenerator<Buffer> {
  const refuse = async () =>
    new IngestRefusal("refuse.bad_gbk", {
      file: options.file ?? source,
      line: await firstUndecodableLine(source, encoding),
    });
  if (copyOnThreads(statSync(source).size)) yield* transcodeInThreads(source, encoding, 2, refuse, options);
  else yield* transcodeHere(source, encoding, refuse, options);
}

async function* transcodeHere(
  source: string,
  encoding: string,
  refuse: () => Promise<IngestRefusal>,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void },
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20, signal: options.signal })) {
    let text: string;
    try {
      text = decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      throw await refuse();
    }
    options.onBytes?.((chunk as Buffer).length);
    if (text) yield Buffer.from(text, "utf8");
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw await refuse();
  }
  if (rest) yield Buffer.from(rest, "utf8");
}

type Decoded = { utf8: Buffer; bytes: number } | { bad: true };

async function* transcodeInThreads(
  source: string,
  encoding: string,
  threads: number,
  refuse: () => Promise<IngestRefusal>,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void },
): AsyncGenerator<Buffer> {
  const workers = Array.from({ length: threads }, () => startWorker(import.meta.url, "./transcodeWorker"));
  const waiting = new Map<
    number,
    { resolve: (d: Decoded) => void; reject: (e: Error) => void; bytes: number }
  >();
  for (const worker of workers) {
    worker.on("message", (m: { seq: number; utf8?: Uint8Array; bad?: true }) => {
      const w = waiting.get(m.seq);
      if (!w) return;
      waiting.delete(m.seq);
      w.resolve(
        m.bad ? { bad: true } : { utf8: Buffer.from(m.utf8!.buffer, 0, m.utf8!.length), bytes: w.bytes },
      );
    });
    const fail = (error: Error) => {
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`a transcode thread stopped (exit code ${code})`)));
  }
  // pieces in the order of the file, decoding; at most two per thread at a time
  const queue: Promise<Decoded>[] = [];
  let seq = 0;
  const send = (bytes: Uint8Array) => {
    const id = seq++;
    const decoded = new Promise<Decoded>((resolve, reject) =>
      waiting.set(id, { resolve, reject, bytes: bytes.length }),
    );
    decoded.catch(() => undefined);
    workers[id % threads]!.postMessage({ seq: id, encoding, bytes }, [bytes.buffer as ArrayBuffer]);
    queue.push(decoded);
  };
  const take = async (): Promise<Buffer> => {
    const decoded = await queue.shift()!;
    if ("bad" in decoded) throw await refuse();
    options.onBytes?.(decoded.bytes);
    return decoded.utf8;
  };
  try {
    let carry: Buffer = Buffer.alloc(0);
    for await (const data of createReadStream(source, {
      highWaterMark: PIECE_BYTES,
      signal: options.signal,
    })) {
      const chunk = carry.length ? Buffer.concat([carry, data as Buffer]) : (data as Buffer);
      const cut = chunk.lastIndexOf(10) + 1;
      carry = Buffer.from(chunk.subarray(cut));
      if (cut === 0) continue;
      send(new Uint8Array(chunk.subarray(0, cut)));
      while (queue.length >= 2 * threads) yield await take();
    }
    if (carry.length) send(new Uint8Array(carry));
    while (queue.length) yield await take();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The number (from 1) of the first line of the file that does not decode. A line feed byte
 * is never part of a GB18030 character, so lines can be decoded one by one.
 */
export async function firstUndecodableLine(path: string, encoding: string): Promise<number> {
  let line = 1;
  let carry = Buffer.alloc(0);
  const fails = (bytes: Buffer) => {
    try {
      new TextDecoder(encoding, { fatal: true }).decode(bytes);
      return false;
    } catch {
      return true;
    }
  };
  for await (const data of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = carry.length ? Buffer.concat([carry, data as Buffer]) : (data as Buffer);
    let from = 0;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, from)) {
      if (fails(chunk.subarray(from, at))) return line;
      line++;
      from = at + 1;
    }
    carry = Buffer.from(chunk.subarray(from));
  }
  return line;
}
