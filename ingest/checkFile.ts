import type { Session } from "../db/index.ts";
import type { Codebook, Study } from "../study/index.ts";
import { codeProbes } from "./codeProbes.ts";
import { csvRefusal } from "./csvRefusal.ts";
import { noteRepeatedIds } from "./findRepeatedIds.ts";
import { formVersionWarnings, type IngestWarning } from "./formVersionWarnings.ts";
import { IngestRefusal } from "./IngestRefusal.ts";
import { CODES, SHORT_LIST } from "./isCodeSql.ts";
import type { UploadPlan } from "./planUpload.ts";
import { tempTextTable } from "./tempTextTable.ts";
import { usedParams } from "./usedParams.ts";

/**
 * Rows read to guess which select_one columns hold codes only, as read (most files: they
 * land as read, skipping the trim, the label mapping and the code check, which are
 * identities or passes on such a column). A column with another cell in these rows is
 * certainly not clean; for the others, the row checks confirm the guess on every row.
 */
export const GUESS_ROWS = 4096;

/** What the checks of the file as a whole found, for the row checks and the report. */
export interface FileCheck {
  /** The select_one items whose cells in the first GUESS_ROWS rows are all codes, as read. */
  readonly guessed: ReadonlySet<string>;
  /** What the file says without being refused: a form version other than the codebook's. */
  readonly warnings: IngestWarning[];
}

/**
 * Check the file as a whole, before its rows: a file without the respondent id, the frame's
 * stratum and PSU or a required item is refused (IngestRefusal, naming them); the first rows
 * say which columns hold codes only (a guess the row checks confirm); the form version is
 * compared with the codebook's. Also sets up, on this session and outside the upload's
 * transaction, what the row checks read: the long choice lists' codes, the frame's strata and
 * PSUs, and the (as yet no) ids known to repeat.
 */
export async function checkFile(session: Session, plan: UploadPlan): Promise<FileCheck> {
  const { study, codebook, mapping, read, file } = plan;
  const present = new Set(mapping.mapped.map((m) => m.item));
  const needed = [
    study.respondent_id,
    study.frame.stratum,
    study.frame.psu,
    ...codebook.items.filter((i) => i.required).map((i) => i.name),
  ];
  const missing = [...new Set(needed)].filter((n) => !present.has(n));
  if (missing.length > 0)
    throw new IngestRefusal("refuse.missing_columns", { file, columns: missing.join(", ") });
  // Every pass reads the file natively, in parallel; nothing depends on the order rows
  // come in (source_row says where each came from; reports sort by it), so this
  // session's inserts run on every core too. The setting is this connection's own.
  await session.run("set preserve_insertion_order = false");
  await stageCodes(session, codebook);
  // The guess reads the file itself where it is UTF-8 (the copy with the record numbers may
  // still be being written), else the copy.
  if (read.plainNumbered !== null) await read.numbered;
  const { probes, params: probeParams } = codeProbes(codebook, mapping);
  const sampleSql = `select ${probes.map((p, i) => `${p.sql} as p${i}`).join(", ")}
          from (select * from ${read.plainSource} limit ${GUESS_ROWS})`;
  const [found] = probes.length
    ? await session
        .query<Record<string, boolean>>(sampleSql, usedParams({ ...read.params, ...probeParams }, sampleSql))
        .catch((error: unknown) => {
          throw csvRefusal(error, file, read.plainNumbered, plan.personalFrom) ?? error;
        })
    : [];
  const guessed = new Set(probes.filter((_, i) => found?.[`p${i}`] === false).map((p) => p.item));
  await read.numbered;
  const warnings = await formVersionWarnings(session, read, codebook, file);
  await noteRepeatedIds(session, []);
  await stageFrame(session, study);
  return { guessed, warnings };
}

/** The frame's strata and PSUs, for the checks. */
const stageFrame = (session: Session, study: Study) =>
  tempTextTable(
    session,
    "_frame",
    ["stratum", "psu"],
    study.units.map((u) => [u.stratum, u.psu]),
  );

/** The codes of every long choice list, for hash lookups (see isCodeSql). */
const stageCodes = (session: Session, codebook: Codebook) =>
  tempTextTable(
    session,
    CODES,
    ["list", "code"],
    [...codebook.choices].flatMap(([list, choices]) =>
      choices.length <= SHORT_LIST ? [] : choices.map((c) => [list, c.name]),
    ),
  );
