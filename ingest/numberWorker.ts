// A numbering thread (see numberFile in numberRecords.ts): copies one UTF-8 file with its
// records' numbers in front, and can be told to stop.
import { parentPort } from "node:worker_threads";
import { numberRecords } from "./numberRecords.ts";

const stop = new AbortController();
parentPort!.on("message", (m: { abort?: true; source?: string; target?: string; delimiter?: string }) => {
  if (m.abort) {
    stop.abort();
    return;
  }
  numberRecords(m.source!, m.target!, m.delimiter!, { signal: stop.signal }).then(
    (records) => parentPort!.postMessage({ records }),
    (error: Error & { code?: string }) =>
      parentPort!.postMessage({ error: { name: error.name, message: error.message, code: error.code } }),
  );
});
