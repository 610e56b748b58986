import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";

/**
 * Re-encode a GB18030/GBK text file as UTF-8, streaming (DuckDB's CSV reader cannot decode
 * GBK). Bytes that are not valid GB18030 become U+FFFD, which validation then reports.
 */
export async function transcodeToUtf8(
  source: string,
  target: string,
  encoding: string,
  onBytes?: (n: number) => void,
): Promise<void> {
  const decoder = new TextDecoder(encoding);
  const out = createWriteStream(target);
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    onBytes?.((chunk as Buffer).length);
    if (!out.write(text)) await once(out, "drain");
  }
  out.end(decoder.decode());
  await once(out, "finish");
}
