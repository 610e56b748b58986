import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { Session } from "../db/index.ts";
import type { Study } from "../study/index.ts";
import type { FileFormat, TextEncoding } from "./detectFile.ts";
import type { IngestOptions, IngestProgress } from "./IngestOptions.ts";
import { type PreparedRead, prepareCsv } from "./prepareRead.ts";
import { prescanText } from "./prescanText.ts";
import { readSettled } from "./readSettled.ts";

/** What one read of the file's bytes learns, before DuckDB sees the file. */
export interface Scan {
  readonly format: FileFormat;
  readonly size: number;
  readonly sha256: string;
  /** A CSV's encoding as found (UTF-8 unless a byte says otherwise); null for Excel and Parquet. */
  readonly encoding: TextEncoding | null;
  /**
   * A CSV's copy with each record's number in front, made while the file was scanned, in the
   * encoding declared or else UTF-8 (transcoded from GB18030 when the scan found the file to
   * be GB18030); null when it is not a CSV. Whoever ends the upload awaits it (readSettled)
   * before removing its folder.
   */
  readonly copy: Promise<PreparedRead> | null;
  /** The loaded upload of the wave with the same bytes, when there is one: the file is not loaded again. */
  readonly loadedAs: string | null;
}

/**
 * Scan: one streaming read of the file for its sha256 and, for a CSV, its encoding and the
 * checks that refuse a file outright (prescanText), while a second stream copies it with
 * each record's number in front (prepareCsv), on the bet that it is in the encoding
 * declared, else UTF-8 (most files); when the scan finds a byte that is not UTF-8, that copy
 * is stopped and a transcoded one started. The copy is thrown away when the scan refuses the
 * file. Excel and Parquet files only need the hash. Then the wave's uploads
 * are asked whether these bytes are loaded already (the copy stops then).
 */
export async function scanUpload(
  db: Session,
  upload: {
    study: Study;
    waveId: string;
    path: string;
    file: string;
    format: FileFormat;
    size: number;
    encoding?: IngestOptions["encoding"];
    /** The folder of the upload's work copies. */
    work: string;
  },
  report: (progress: IngestProgress) => void,
): Promise<Scan> {
  const { path, file, format, size } = upload;
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    report({ phase: "scan", done, total: size });
  };
  const loadedAs = (sha256: string) => loadedUpload(db, upload.study.id, upload.waveId, sha256);
  if (format !== "csv") {
    const sha256 = await sha256File(path, onBytes);
    return { format, size, sha256, encoding: null, copy: null, loadedAs: await loadedAs(sha256) };
  }
  const declared = upload.encoding === "gbk" ? "gb18030" : upload.encoding;
  const stopCopy = new AbortController();
  let copy: Promise<PreparedRead> | null = prepareCsv(path, file, join(upload.work, "numbered.csv"), {
    encoding: declared ?? "utf-8",
    signal: stopCopy.signal,
  });
  copy.catch(() => undefined);
  const stopTranscode = new AbortController();
  // a file found to be GB18030 (nearly always in its first megabyte) is transcoded from then
  // on, beside the rest of the scan; its progress is reported once the scan is done
  let scanning = true;
  let transcoded = 0;
  const onTranscoded = (n: number) => {
    transcoded += n;
    if (!scanning) report({ phase: "transcode", done: transcoded, total: size });
  };
  const onNotUtf8 = () => {
    stopCopy.abort();
    if (declared !== undefined) return;
    const utf8Copy = copy;
    copy = (async () => {
      await readSettled(utf8Copy);
      return prepareCsv(path, file, join(upload.work, "numbered-utf8.csv"), {
        encoding: "gb18030",
        signal: stopTranscode.signal,
        onBytes: onTranscoded,
      });
    })();
    copy.catch(() => undefined);
  };
  try {
    const scan = await prescanText(path, { file, declared, onBytes, onNotUtf8 });
    const twin = await loadedAs(scan.sha256);
    if (twin !== null) {
      stopCopy.abort();
      stopTranscode.abort();
    }
    scanning = false;
    if (transcoded > 0) report({ phase: "transcode", done: transcoded, total: size });
    return { format, size, sha256: scan.sha256, encoding: scan.encoding, copy, loadedAs: twin };
  } catch (error) {
    stopCopy.abort();
    stopTranscode.abort();
    await readSettled(copy);
    throw error;
  }
}

async function loadedUpload(
  db: Session,
  studyId: string,
  waveId: string,
  sha256: string,
): Promise<string | null> {
  const same = await db.query<{ upload_id: string }>(
    "select upload_id from uploads where study_id = $1 and wave_id = $2 and sha256 = $3 and status = 'loaded'",
    [studyId, waveId, sha256],
  );
  return same[0]?.upload_id ?? null;
}

async function sha256File(path: string, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return hash.digest("hex");
}
