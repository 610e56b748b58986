import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Database, OwnSession } from "../db/index.ts";
import { capMemory } from "../db/index.ts";
import { checkFile, type FileCheck } from "./checkFile.ts";
import { checkRows } from "./checkRows.ts";
import { csvRefusal } from "./csvRefusal.ts";
import { detectFormat, type FileFormat } from "./detectFile.ts";
import { displayName } from "./displayName.ts";
import { rejectsNote } from "./exportRejects.ts";
import { findRepeatedIds, noteRepeatedIds } from "./findRepeatedIds.ts";
import type { IngestOptions, IngestProgress } from "./IngestOptions.ts";
import { IngestRefusal } from "./IngestRefusal.ts";
import type { IngestResult } from "./IngestResult.ts";
import { landRows } from "./landRows.ts";
import { planUpload, type UploadPlan } from "./planUpload.ts";
import type { PreparedRead } from "./prepareRead.ts";
import { purgeExpiredRejects } from "./purgeExpiredRejects.ts";
import { readSettled } from "./readSettled.ts";
import { readUpload } from "./readUpload.ts";
import { refuseStrict } from "./recordRefused.ts";
import { type Recorded, recordUpload } from "./recordUpload.ts";
import { registerStudy } from "./registerStudy.ts";
import { type Scan, scanUpload } from "./scanUpload.ts";
import { supersede } from "./supersede.ts";

/** One try of the upload's transaction: recorded (and committed), or to start over (rolled back). */
type Attempt = Recorded | { kind: "retry"; repeatedIds: string[] };

/**
 * Load one file of responses for a study wave, in stages around one read-only plan:
 * scan (one streaming read: the hash, the encoding, the checks that refuse a file outright,
 * and meanwhile a copy with each record's number in front) → read (how DuckDB reads that
 * copy, natively and in parallel) → plan (the header mapped to the codebook) → check the
 * file (required columns; which columns hold codes only, guessed from the first rows) →
 * then in one transaction: check every row (one SQL pass) → land the rows that pass → find
 * ids repeated in the file → record the quarantine and the upload. Ids that repeat unknown
 * to the checks make the transaction return "retry": it is rolled back and runs again with
 * them known (the commonest file has none, and pays nothing for them). The upload lands
 * whole (good rows plus quarantine) or not at all, also under kill -9. Refusals name the
 * file (and line, column, value where known).
 */
export async function ingestFile(db: Database, options: IngestOptions): Promise<IngestResult> {
  const { study, waveId } = options;
  const file = displayName(options.fileName ?? basename(options.path));
  const report = options.onProgress ?? (() => undefined);
  // what a refusal says it knew: the stages' outputs, as far as they came
  let format: FileFormat | null = null;
  let scan: Scan | undefined;
  let read: PreparedRead | undefined;
  let plan: UploadPlan | undefined;
  let fileCheck: FileCheck | undefined;
  const soFar = (): IngestResult =>
    resultSoFar(file, { format, encoding: scan?.encoding ?? null, read, plan, fileCheck });

  if (!study.waves.some((w) => w.id === waveId))
    return refused(
      soFar(),
      new IngestRefusal("refuse.unknown_wave", { file, study: study.id, wave: waveId }),
    );
  const size = statSync(options.path).size;
  if (size === 0) return refused(soFar(), new IngestRefusal("refuse.empty_file", { file }));
  await registerStudy(db, study);
  await purgeExpiredRejects(db);
  const restoreMemory = await capMemory(db);
  const work = mkdtempSync(join(options.tempDir ?? tmpdir(), "barometer-ingest-"));
  try {
    const detected = await detectFormat(options.path);
    if (detected === "sav") throw new IngestRefusal("refuse.spss", { file });
    format = detected;
    const scanned = await scanUpload(db, { ...options, file, format, size, work }, report);
    scan = scanned;
    if (scanned.loadedAs !== null) return { ...soFar(), upload_id: scanned.loadedAs, status: "duplicate" };
    const uploadId = newUploadId();
    return await db.withSession(async (session) => {
      read = await readUpload(session, scanned, { ...options, file, work }, report);
      try {
        plan = planUpload(scanned, read, options, { file, uploadId });
        fileCheck = await checkFile(session, plan);
        const recorded = await landWhole(session, plan, fileCheck, report);
        return resultOf(soFar(), plan, recorded);
      } finally {
        await read.numbered.catch(() => undefined);
      }
    });
  } catch (error) {
    if (error instanceof IngestRefusal) return refused(soFar(), error);
    const csv = csvRefusal(error, file, read?.delimiter ?? null, plan?.personalFrom);
    if (csv) return refused(soFar(), csv);
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    await readSettled(scan?.copy ?? null);
    rmSync(work, { recursive: true, force: true });
    await restoreMemory();
  }
}

/**
 * The upload's transaction, tried until it records: check every row → land the rows that
 * pass → find repeated ids → record. A try that finds ids repeating unknown to the checks
 * returns "retry" and is rolled back; the next one runs with them known, and reports no
 * phase again (the progress stays where it is rather than go back).
 */
async function landWhole(
  session: OwnSession,
  plan: UploadPlan,
  fileCheck: FileCheck,
  report: (progress: IngestProgress) => void,
): Promise<Recorded> {
  const once = (say: typeof report) =>
    session.transaction(
      async (tx): Promise<Attempt> => {
        say({ phase: "validate", done: 0, total: 1 });
        if (plan.replace) await supersede(tx, plan.study.id, plan.waveId, plan.replace);
        const checks = await checkRows(tx, plan, fileCheck.guessed);
        if (plan.strict && checks.rejected > 0) return refuseStrict(tx, plan, checks);
        say({ phase: "land", done: 0, total: 1 });
        await landRows(tx, plan, checks);
        const repeatedIds = await findRepeatedIds(tx, plan);
        if (repeatedIds.length > 0) return { kind: "retry", repeatedIds };
        return recordUpload(tx, plan, checks);
      },
      { keep: (attempt) => attempt.kind !== "retry" },
    );
  let attempt = await once(report);
  while (attempt.kind === "retry") {
    await noteRepeatedIds(session, attempt.repeatedIds);
    attempt = await once(() => undefined);
  }
  return attempt;
}

/** The result as far as the stages came: what a refusal or a duplicate reports. */
function resultSoFar(
  file: string,
  known: {
    format: FileFormat | null;
    encoding: string | null;
    read: PreparedRead | undefined;
    plan: UploadPlan | undefined;
    fileCheck: FileCheck | undefined;
  },
): IngestResult {
  return {
    upload_id: null,
    status: "refused",
    rows: 0,
    accepted: 0,
    rejected: 0,
    encoding: known.encoding,
    format: known.format,
    delimiter: known.read?.delimiter ?? null,
    file_name: file,
    mapping: known.plan?.mapping ?? null,
    errors: [],
    refusal: null,
    personal: [...(known.plan?.personal ?? [])],
    rejects_note: null,
    warnings: known.fileCheck?.warnings ?? [],
  };
}

const refused = (soFar: IngestResult, why: IngestRefusal): IngestResult => ({
  ...soFar,
  refusal: { code: why.code, ...why.texts },
});

/** The result of an upload its transaction recorded: loaded, or refused with its rejected rows kept. */
function resultOf(soFar: IngestResult, plan: UploadPlan, recorded: Recorded): IngestResult {
  const { rows, accepted, rejected, errors } = recorded;
  const counted = { ...soFar, upload_id: plan.uploadId, rows, accepted, rejected, errors };
  if (recorded.kind === "refused")
    return {
      ...refused(counted, recorded.refusal),
      status: "refused",
      rejects_note: rejectsNote(counted.personal),
    };
  return { ...counted, status: "loaded", rejects_note: rejected > 0 ? rejectsNote(counted.personal) : null };
}

function newUploadId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `up_${stamp}_${randomBytes(3).toString("hex")}`;
}
