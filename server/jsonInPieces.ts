import { timeSlicer } from "../db/index.ts";

/**
 * `JSON.stringify({ ...head, [key]: rows })` as UTF-8 bytes, made a thousand rows at a time with
 * a turn for the server in between: a figures answer of megabytes would otherwise hold every
 * other request while it is written out.
 */
export async function jsonInPieces(
  head: Record<string, unknown>,
  key: string,
  rows: readonly unknown[],
): Promise<Buffer> {
  const open = JSON.stringify(head);
  const pieces: Buffer[] = [
    Buffer.from(`${open.length > 2 ? `${open.slice(0, -1)},` : "{"}${JSON.stringify(key)}:[`),
  ];
  const slice = timeSlicer();
  for (let start = 0; start < rows.length; start += 1000) {
    const part = JSON.stringify(rows.slice(start, start + 1000)).slice(1, -1);
    pieces.push(Buffer.from(start > 0 && part ? `,${part}` : part));
    await slice();
  }
  pieces.push(Buffer.from("]}"));
  return Buffer.concat(pieces);
}
