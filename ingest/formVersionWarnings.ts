import type { Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { type MessageKey, messages } from "../messages/catalogue.ts";
import type { Codebook } from "../study/index.ts";
import { normalizeLabel } from "./mapColumns.ts";

export interface IngestWarning {
  code: MessageKey;
  zh: string;
  en: string;
}

/** Headers collection tools give the form's version (ODK Central, Kobo, SurveyCTO, plain) and its id. */
const VERSION_HEADERS = new Set([
  "formversion",
  "form_version",
  "formdef_version",
  "__version__",
  "_version_",
  "version",
]);
const FORM_ID_HEADERS = new Set(["form_id", "formid", "_xform_id_string", "xform_id_string"]);

/**
 * The form versions (and ids) a file says its rows were collected with, against the codebook
 * of its wave (the XLSForm `settings` sheet's `version` and `form_id`; without a settings
 * version, the codebook's version in study.yaml): one warning per mismatch, naming the
 * values found. Rows are still checked against the wave's codebook; a mismatch is said, not
 * refused (a new form version often changes nothing the codebook checks). Only a column
 * that is not a codebook item is read, once, and only when the file has one.
 */
export async function formVersionWarnings(
  session: Session,
  read: { plainSource: string; params: Record<string, string>; header: string[]; columns: string[] },
  codebook: Codebook,
  file: string,
): Promise<IngestWarning[]> {
  const warnings: IngestWarning[] = [];
  const expected = [
    {
      headers: VERSION_HEADERS,
      want: codebook.settings.version ?? codebook.version,
      key: "warn.form_version",
    },
    { headers: FORM_ID_HEADERS, want: codebook.settings.formId, key: "warn.form_id" },
  ] as const;
  for (const { headers, want, key } of expected) {
    if (!want) continue;
    const at = read.header.findIndex((h) => headers.has(normalizeLabel(h)) && !codebook.item(h.trim()));
    if (at < 0) continue;
    const column = quoteIdent(read.columns[at]!);
    const sql = `select distinct trim(${column}) as v from ${read.plainSource} where nullif(trim(${column}), '') is not null limit 6`;
    const used = new Set([...sql.matchAll(/\$(\w+)/g)].map((m) => m[1]!));
    const params = Object.fromEntries(Object.entries(read.params).filter(([k]) => used.has(k)));
    const found = (await session.query<{ v: string }>(sql, params)).map((r) => r.v).sort();
    const other = found.filter((v) => v !== want);
    if (other.length === 0) continue;
    warnings.push({
      code: key,
      ...messages(key, {
        file,
        column: read.header[at]!,
        found: other.slice(0, 5).join(", "),
        expected: want,
        codebook: codebook.file,
      }),
    });
  }
  return warnings;
}
