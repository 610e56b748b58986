import { join } from "node:path";
import type { Session } from "../db/index.ts";
import type { IngestProgress } from "./IngestOptions.ts";
import { type PreparedRead, prepareCsv, prepareRead } from "./prepareRead.ts";
import type { Scan } from "./scanUpload.ts";

/**
 * Read: how DuckDB is to read the file's cells, each with its record's number (see
 * PreparedRead). A CSV uses the copy the scan made; one the scan found to be GB18030 is
 * transcoded now, on the way into a copy of its own (reported as "transcode"); an .xlsx is
 * streamed into a CSV first, a Parquet file is read as it is.
 */
export async function readUpload(
  session: Session,
  scan: Scan,
  upload: { path: string; file: string; sheet?: string; work: string },
  report: (progress: IngestProgress) => void,
): Promise<PreparedRead> {
  const { path, file, work } = upload;
  let copy = scan.copy;
  if (scan.format === "csv" && copy === null) {
    let done = 0;
    copy = prepareCsv(path, file, join(work, "numbered-utf8.csv"), {
      encoding: "gb18030",
      onBytes: (n) => {
        done += n;
        report({ phase: "transcode", done, total: scan.size });
      },
    });
    await copy.then((read) => read.numbered);
  }
  report({ phase: "read", done: 0, total: 1 });
  return (
    copy ??
    prepareRead(session, scan.format, path, {
      file,
      tmpCsv: join(work, "sheet.csv"),
      numberedCsv: join(work, "numbered.csv"),
      sheet: upload.sheet,
    })
  );
}
