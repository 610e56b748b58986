import { join } from "node:path";
import type { Session } from "../db/index.ts";
import type { IngestProgress } from "./IngestOptions.ts";
import { type PreparedRead, prepareRead } from "./prepareRead.ts";
import type { Scan } from "./scanUpload.ts";

/**
 * Read: how DuckDB is to read the file's cells, each with its record's number (see
 * PreparedRead). A CSV uses the copy the scan made (a GB18030 file's is transcoded, and is
 * awaited here, reported as "transcode"); an .xlsx is streamed into a CSV first, a Parquet
 * file is read as it is.
 */
export async function readUpload(
  session: Session,
  scan: Scan,
  upload: { path: string; file: string; sheet?: string; work: string },
  report: (progress: IngestProgress) => void,
): Promise<PreparedRead> {
  const { path, file, work } = upload;
  if (scan.copy !== null && scan.encoding === "gb18030") {
    await scan.copy.then((read) => read.numbered);
  }
  report({ phase: "read", done: 0, total: 1 });
  return (
    scan.copy ??
    prepareRead(session, scan.format, path, {
      file,
      tmpCsv: join(work, "sheet.csv"),
      numberedCsv: join(work, "numbered.csv"),
      sheet: upload.sheet,
    })
  );
}
