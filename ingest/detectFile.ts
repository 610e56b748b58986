import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

export type FileFormat = "csv" | "xlsx" | "parquet";
/** Formats recognised only to be refused with a reason: SPSS system files. */
export type DetectedFormat = FileFormat | "sav";
export type TextEncoding = "utf-8" | "gb18030";

/** The format, from the first bytes (never from the file name, which the user controls). */
export async function detectFormat(path: string): Promise<DetectedFormat> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    const magic = head.subarray(0, 4).toString("latin1");
    if (bytesRead >= 4 && magic === "PAR1") return "parquet";
    // SPSS system files: $FL2 (uncompressed or bytecode-compressed), $FL3 (zlib, .zsav)
    if (bytesRead >= 4 && (magic === "$FL2" || magic === "$FL3")) return "sav";
    if (bytesRead >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
      return "xlsx";
    return "csv";
  } finally {
    await handle.close();
  }
}

/**
 * UTF-8 (with or without BOM) when the whole file decodes as UTF-8, otherwise GB18030 (a
 * superset of GBK: what Excel on a Chinese Windows writes). Reads the file once, streaming.
 */
export async function detectEncoding(path: string): Promise<{ encoding: TextEncoding; bom: boolean }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let first = true;
  let bom = false;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      if (first) {
        bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
        first = false;
      }
      decoder.decode(bytes, { stream: true });
    }
    decoder.decode();
    return { encoding: "utf-8", bom };
  } catch {
    return { encoding: "gb18030", bom: false };
  }
}
