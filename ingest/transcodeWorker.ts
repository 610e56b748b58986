// A transcode thread (see transcodeToUtf8.ts): decodes whole lines of GB18030 text to UTF-8.
import { parentPort } from "node:worker_threads";

interface Piece {
  seq: number;
  encoding: string;
  bytes: Uint8Array;
}

parentPort!.on("message", ({ seq, encoding, bytes }: Piece) => {
  let out: Buffer;
  try {
    out = Buffer.from(new TextDecoder(encoding, { fatal: true }).decode(bytes), "utf8");
  } catch {
    parentPort!.postMessage({ seq, bad: true });
    return;
  }
  // a copy of its own, so the buffer handed over holds these bytes only
  const own = new Uint8Array(out.length);
  own.set(out);
  parentPort!.postMessage({ seq, utf8: own }, [own.buffer]);
});
