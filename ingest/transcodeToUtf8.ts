import { createReadStream } from "node:fs";

/**
 * A GB18030/GBK text file re-encoded as UTF-8, streamed in chunks (DuckDB's CSV reader
 * cannot decode GBK). Bytes that are not valid GB18030 become U+FFFD, which validation then
 * reports. `onBytes` counts the bytes of the file read so far.
 */
export async function* transcodeToUtf8(
  source: string,
  encoding: string,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20, signal: options.signal })) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    options.onBytes?.((chunk as Buffer).length);
    if (text) yield Buffer.from(text, "utf8");
  }
  const rest = decoder.decode();
  if (rest) yield Buffer.from(rest, "utf8");
}
