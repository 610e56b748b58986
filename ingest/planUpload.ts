import type { Codebook, Study } from "../study/index.ts";
import { hmacSql } from "./hmacSql.ts";
import type { IngestOptions } from "./IngestOptions.ts";
import { IngestRefusal, showValue } from "./IngestRefusal.ts";
import { type ColumnMapping, mapColumns, normalizeLabel } from "./mapColumns.ts";
import { type PersonalAction, personalRules } from "./personalRules.ts";
import type { PreparedRead } from "./prepareRead.ts";
import type { Scan } from "./scanUpload.ts";

/** How many ids one part of the search for repeated ids holds, unless IngestOptions say. */
const ID_PART_ROWS = 2_000_000;

/**
 * Everything the stages after it need to know about one upload, decided once: the file as
 * scanned and read, its columns mapped to the wave's codebook, what happens to its personal
 * columns, and what the caller asked for. Nothing changes it; the checks, the landing, the
 * search for repeated ids and the record all read it.
 */
export interface UploadPlan {
  readonly uploadId: string;
  readonly study: Study;
  readonly waveId: string;
  readonly codebook: Codebook;
  /** The file's name as shown and stored (displayName). */
  readonly file: string;
  readonly scan: Scan;
  readonly read: PreparedRead;
  readonly mapping: ColumnMapping;
  /** Personal item -> what the ingest does with it (study.yaml `personal_data`). */
  readonly rules: ReadonlyMap<string, PersonalAction>;
  readonly hmac: ReturnType<typeof hmacSql>;
  readonly hmacKey: Buffer;
  /** The file's personal columns, by header, as the result reports them. */
  readonly personal: readonly { column: string; action: PersonalAction }[];
  /**
   * Where the file's first personal column is (from 0), for a delimited file: a line quoted
   * in a message stops before it (csvRefusal).
   */
  readonly personalFrom: { delimiter: string; from: number } | undefined;
  /** The loaded upload this one supersedes, if any. */
  readonly replace: string | null;
  readonly strict: boolean;
  readonly user: string;
  /** How many ids one part of the search for repeated ids holds. */
  readonly idPartRows: number;
}

/**
 * Plan: map the file's header to the wave's codebook (mapColumns) and fix everything the
 * stages after it need into one read-only plan. A header that names a codebook item twice
 * is refused here (IngestRefusal): which column holds the answer is the team's call.
 */
export function planUpload(
  scan: Scan,
  read: PreparedRead,
  options: IngestOptions,
  upload: { file: string; uploadId: string },
): UploadPlan {
  const { study, waveId } = options;
  const codebook = study.codebookForWave(waveId);
  refuseDuplicateHeaders(read.header, codebook, upload.file);
  const mapping = mapColumns(read.header, read.columns, codebook);
  const rules = personalRules(study);
  const personal = mapping.mapped.flatMap((m) => {
    const action = rules.get(m.item);
    return action ? [{ column: m.header, action }] : [];
  });
  const personalAt = mapping.mapped
    .filter((m) => rules.has(m.item))
    .map((m) => read.columns.indexOf(m.column))
    .filter((i) => i >= 0);
  const personalFrom =
    personalAt.length > 0 && read.delimiter !== null
      ? { delimiter: read.delimiter, from: Math.min(...personalAt) }
      : undefined;
  return Object.freeze({
    uploadId: upload.uploadId,
    study,
    waveId,
    codebook,
    file: upload.file,
    scan,
    read,
    mapping,
    rules,
    hmac: hmacSql(options.hmacKey),
    hmacKey: options.hmacKey,
    personal,
    personalFrom,
    replace: options.replace ?? null,
    strict: options.strict ?? false,
    user: options.user,
    idPartRows: options.idPartRows ?? ID_PART_ROWS,
  });
}

/**
 * A header that names a codebook item twice is refused: which column holds the answer is
 * the team's call. Duplicated platform columns (not in the codebook) are only ignored.
 */
function refuseDuplicateHeaders(header: string[], codebook: Codebook, file: string): void {
  const names = new Set(
    codebook.items.flatMap((i) => [
      i.name.toLowerCase(),
      normalizeLabel(i.label.zh),
      normalizeLabel(i.label.en),
    ]),
  );
  const positions = new Map<string, number[]>();
  header.forEach((h, i) => {
    positions.set(h, [...(positions.get(h) ?? []), i + 1]);
  });
  for (const [h, at] of positions) {
    if (at.length > 1 && (names.has(h.trim().toLowerCase()) || names.has(normalizeLabel(h))))
      throw new IngestRefusal("refuse.duplicate_header", {
        file,
        column: showValue(h),
        positions: at.join(", "),
      });
  }
}
