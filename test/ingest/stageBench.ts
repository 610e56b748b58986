// Runs the ingest's stages one by one on a file for the tiny study, so each stage's test can
// start from the stages before it (as ingestFile runs them) and look at what its own returns.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { closeDatabase, type Database, type OwnSession, openDatabase } from "../../db/index.ts";
import { checkFile, type FileCheck } from "../../ingest/checkFile.ts";
import { detectFormat, type FileFormat } from "../../ingest/detectFile.ts";
import type { IngestOptions } from "../../ingest/IngestOptions.ts";
import { planUpload, type UploadPlan } from "../../ingest/planUpload.ts";
import { readSettled } from "../../ingest/readSettled.ts";
import { readUpload } from "../../ingest/readUpload.ts";
import { registerStudy } from "../../ingest/registerStudy.ts";
import { type Scan, scanUpload } from "../../ingest/scanUpload.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { writeStudy } from "../helpers/tinyStudy.ts";

export const KEY = Buffer.from("test-hmac-key");
export const HEADER = "rid,town,village,sex,age,aw_union,league,phone,name";

export interface Bench {
  dir: string;
  db: Database;
  study: Study;
  /** A file in the bench's folder. */
  file(name: string, content: string | Buffer): string;
  /** The options ingestFile would get for this file. */
  options(path: string, extra?: Partial<IngestOptions>): IngestOptions;
  close(): Promise<void>;
}

export async function openBench(): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), "barometer-stage-test-"));
  const study = await loadStudy(writeStudy());
  const db = await openDatabase(join(dir, "test.duckdb"));
  await registerStudy(db, study);
  return {
    dir,
    db,
    study,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    options: (path, extra = {}) => ({ study, waveId: "2024", path, user: "tester", hmacKey: KEY, ...extra }),
    close: () => closeDatabase(db),
  };
}

/** Scan a file as ingestFile does, into a work folder of its own (removed after `work`). */
export async function withScan<T>(
  bench: Bench,
  options: IngestOptions,
  work: (scan: Scan, folder: string) => Promise<T>,
  report: Parameters<typeof scanUpload>[2] = () => undefined,
): Promise<T> {
  const folder = mkdtempSync(join(bench.dir, "work-"));
  let scan: Scan | undefined;
  try {
    const format = (await detectFormat(options.path)) as FileFormat;
    scan = await scanUpload(
      bench.db,
      { ...options, file: basename(options.path), format, size: statSync(options.path).size, work: folder },
      report,
    );
    return await work(scan, folder);
  } finally {
    await readSettled(scan?.copy ?? null);
    rmSync(folder, { recursive: true, force: true });
  }
}

/** scan → read → plan → check the file, then `work` on the same session (where the checks' temp tables are). */
export function withPlan<T>(
  bench: Bench,
  options: IngestOptions,
  work: (session: OwnSession, plan: UploadPlan, fileCheck: FileCheck) => Promise<T>,
): Promise<T> {
  return withScan(bench, options, (scan, folder) =>
    bench.db.withSession(async (session) => {
      const file = basename(options.path);
      const read = await readUpload(session, scan, { ...options, file, work: folder }, () => undefined);
      try {
        const plan = planUpload(scan, read, options, { file, uploadId: `up_test_${basename(folder)}` });
        return await work(session, plan, await checkFile(session, plan));
      } finally {
        await read.numbered.catch(() => undefined);
      }
    }),
  );
}
