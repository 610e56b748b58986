import { createReadStream } from "node:fs";
import { IngestRefusal } from "./IngestRefusal.ts";

/**
 * A GB18030/GBK text file re-encoded as UTF-8, streamed in chunks (DuckDB's CSV reader
 * cannot decode GBK). Bytes that are not valid GB18030 refuse the file, naming the first
 * line that holds them (`file` names the file in the message): a decode never puts U+FFFD
 * in place of what the team wrote. `onBytes` counts the bytes of the file read so far.
 */
export async function* transcodeToUtf8(
  source: string,
  encoding: string,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void; file?: string } = {},
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const refuse = async () =>
    new IngestRefusal("refuse.bad_gbk", {
      file: options.file ?? source,
      line: await firstUndecodableLine(source, encoding),
    });
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
