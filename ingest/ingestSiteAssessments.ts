import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Database, Session } from "../db/index.ts";
import { quoteIdent } from "../db/index.ts";
import { type MessageKey, messages } from "../messages/catalogue.ts";
import { constraintSentence, type Item } from "../study/index.ts";
import { readXlsformCodebook } from "../study/readXlsformCodebook.ts";
import type { SiteStudy } from "../study/sites/index.ts";
import { detectEncoding, detectFormat } from "./detectFile.ts";
import { expressionToSql } from "./expressionToSql.ts";
import { IngestRefusal } from "./IngestRefusal.ts";
import { prepareCsv, prepareRead } from "./prepareRead.ts";
import { rejectSentence } from "./rejectSentence.ts";

/** One rejected cell of an upload: where, what, and why in both languages (rejectSentence). */
export interface SiteUploadReject {
  row: number;
  column: string;
  value: string | null;
  zh: string;
  en: string;
}

export interface SiteUploadResult {
  upload_id: string;
  file: string;
  n_rows: number;
  n_landed: number;
  /** Landed rows that replaced an earlier upload's row of the same site, half-year and assessor. */
  n_replaced: number;
  n_rejected: number;
  rejects: SiteUploadReject[];
  /** The half-years of the landed rows. */
  periods: string[];
}

/** The table of landed assessment uploads (models/sites/withLandedAssessments reads it). */
const landedTable = (studyId: string) => `site_assessment_uploads__${studyId}`;

/**
 * Check a file of assessment forms (CSV in UTF-8 or GBK, or .xlsx, read by the ingest's own
 * readers) against the study's XLSForm (`assessments.codebook`): required answers, types,
 * choices (sites and assessors against the registers), constraints with the form's
 * constraint messages, the half-year (`period`, when given), one row per site, half-year and
 * assessor. Bad rows are rejected with row, column, value and reason in zh and en; the good
 * rows land whole in `site_assessment_uploads__<study>` in one transaction, replacing an
 * earlier upload's row of the same site, half-year and assessor, and `onLanded` runs in the
 * same transaction (the CLI rebuilds the site marts there). A file whose rows are all bad is
 * refused (IngestRefusal) and nothing changes.
 */
export async function ingestSiteAssessments(
  db: Database,
  study: SiteStudy,
  path: string,
  options: {
    file?: string;
    period?: string;
    user?: string;
    onLanded?: (session: Session) => Promise<unknown>;
  } = {},
): Promise<SiteUploadResult> {
  const file = options.file ?? basename(path);
  const form = study.config.assessments.codebook;
  if (!form) throw new IngestRefusal("sites.upload.no_codebook", { study: study.config.id });
  const codebook = await readXlsformCodebook(join(study.dir, form), study.config.id);
  const format = await detectFormat(path);
  if (format !== "csv" && format !== "xlsx") throw new IngestRefusal("sites.upload.format", { file });
  const tmp = mkdtempSync(join(tmpdir(), "barometer-sites-upload-"));
  try {
    const numberedCsv = join(tmp, "numbered.csv");
    const read =
      format === "xlsx"
        ? await prepareRead(db, "xlsx", path, { file, tmpCsv: join(tmp, "sheet.csv"), numberedCsv })
        : await prepareCsv(path, file, numberedCsv, { encoding: (await detectEncoding(path)).encoding });
    await read.numbered;
    const columnOf = new Map(read.header.map((h, i) => [h.trim(), read.columns[i] as string]));
    const items = codebook.items.filter((it) => columnOf.has(it.name));
    for (const it of codebook.items) {
      if (columnOf.has(it.name) || !it.required) continue;
      if (it.name === "period" && options.period) continue;
      throw new IngestRefusal("sites.upload.missing_column", { file, column: it.name });
    }
    const q = quoteIdent;
    const cells = `(select source_row, ${items
      .map((it) => `nullif(trim(${q(columnOf.get(it.name) as string)}), '') as ${q(it.name)}`)
      .join(", ")} from ${read.source})`;
    // the reader's values that the cells' subquery binds (not those of its plain read)
    const sourceParams = Object.fromEntries(
      Object.entries(read.params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(read.source)),
    );
    const rows = await db.query<Record<string, string | null> & { source_row: number }>(
      `select * from ${cells} order by source_row`,
      sourceParams,
    );
    if (rows.length === 0) throw new IngestRefusal("sites.upload.empty", { file });
    for (const r of rows) {
      r.source_row = Number(r.source_row);
      if (options.period && !columnOf.has("period")) r.period = options.period;
    }

    const rejects: SiteUploadReject[] = [];
    const bad = new Set<number>();
    const reject = (
      row: number,
      column: string,
      value: string | null,
      reason: { zh: string; en: string },
    ) => {
      bad.add(row);
      rejects.push({ row, column, value, ...rejectSentence(row, column, value, reason) });
    };
    const say = (key: MessageKey, params: Record<string, string> = {}) => messages(key, params);
    const registers: Record<string, { ids: Set<string>; key: MessageKey }> = {
      site_id: { ids: new Set(study.sites.map((s) => s.site_id)), key: "sites.upload.unknown_site" },
      assessor_id: {
        ids: new Set(study.assessors.map((a) => a.assessor_id)),
        key: "sites.upload.unknown_assessor",
      },
    };
    // cells whose type is wrong are not also tested against the constraint
    const typeBad = new Set<string>();
    for (const r of rows) {
      for (const it of codebook.items) {
        const value = r[it.name] ?? null;
        const why = typeProblem(
          it,
          value,
          codebook.choices.get(it.list ?? "")?.map((c) => c.name),
        );
        const register = registers[it.name];
        if (value === null) {
          if (it.required) reject(r.source_row, it.name, null, say("reject.required"));
        } else if (register && !register.ids.has(value)) {
          reject(r.source_row, it.name, value, say(register.key));
          typeBad.add(`${r.source_row}/${it.name}`);
        } else if (why) {
          reject(r.source_row, it.name, value, why);
          typeBad.add(`${r.source_row}/${it.name}`);
        }
      }
      if (options.period && r.period && r.period !== options.period)
        reject(
          r.source_row,
          "period",
          r.period,
          say("sites.upload.other_period", { period: options.period }),
        );
    }
    // constraints, in DuckDB as the survey ingest checks them (expressionToSql)
    for (const it of items) {
      if (!it.constraint) continue;
      const params: Record<string, string | number> = { ...sourceParams };
      let n = 0;
      // numbers compare as numbers, also between two answers (projects done <= planned)
      const answer = (name: string) => {
        const type = codebook.item(name)?.type;
        if (!columnOf.has(name)) return "cast(null as varchar)";
        return type === "integer" || type === "decimal" ? `try_cast(${q(name)} as double)` : q(name);
      };
      const condition = expressionToSql(it.constraint.expr, {
        self: answer(it.name),
        item: answer,
        bind: (value) => {
          n += 1;
          params[`c${n}`] = value;
          return `$c${n}`;
        },
      });
      const failed = await db.query<{ source_row: number; value: string }>(
        `select source_row, ${q(it.name)} as value from ${cells}
         where ${q(it.name)} is not null and not coalesce(${condition}, false)`,
        params,
      );
      const sentence = constraintSentence(it, codebook);
      for (const f of failed) {
        const row = Number(f.source_row);
        if (typeBad.has(`${row}/${it.name}`)) continue;
        reject(row, it.name, f.value, {
          zh: messages("reject.constraint", { constraint: sentence.zh }).zh,
          en: messages("reject.constraint", { constraint: sentence.en }).en,
        });
      }
    }
    const keyOf = (r: Record<string, string | null>) => `${r.site_id}\u0000${r.period}\u0000${r.assessor_id}`;
    const seen = new Map<string, number>();
    for (const r of rows) {
      if (bad.has(r.source_row)) continue;
      const k = keyOf(r);
      if (seen.has(k))
        reject(r.source_row, "assessor_id", r.assessor_id ?? null, say("sites.upload.duplicate_in_file"));
      else seen.set(k, r.source_row);
    }
    rejects.sort((a, b) => a.row - b.row);
    const good = rows.filter((r) => !bad.has(r.source_row));
    if (good.length === 0) {
      const first = rejects[0] as SiteUploadReject;
      throw new IngestRefusal("sites.upload.all_bad", {
        file,
        rows: rows.length,
        first_zh: first.zh,
        first_en: first.en,
      });
    }

    const uploadId = `sites-${new Date().toISOString().replace(/[-:.TZ]/g, "")}-${Math.random().toString(36).slice(2, 8)}`;
    const table = q(landedTable(study.config.id));
    let replaced = 0;
    await db.transaction(async (session) => {
      await session.run(
        `create table if not exists ${table} (
           upload_id varchar, file varchar, landed_by varchar, landed_at timestamptz, source_row integer,
           site_id varchar, period varchar, assessor_id varchar, assessed_on varchar, answers_json varchar,
           primary key (site_id, period, assessor_id))`,
      );
      for (const r of good) {
        const key = [r.site_id, r.period, r.assessor_id] as string[];
        const [{ n: before } = { n: 0 }] = await session.query<{ n: number }>(
          `select count(*)::integer as n from ${table} where site_id = $1 and period = $2 and assessor_id = $3`,
          key,
        );
        if (before > 0) {
          replaced += 1;
          await session.run(
            `delete from ${table} where site_id = $1 and period = $2 and assessor_id = $3`,
            key,
          );
        }
        const answers = Object.fromEntries(codebook.items.map((it) => [it.name, r[it.name] ?? null]));
        await session.run(`insert into ${table} values ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9)`, [
          uploadId,
          file,
          options.user ?? "cli",
          r.source_row,
          ...key,
          r.assessed_on as string,
          JSON.stringify(answers),
        ]);
      }
      await options.onLanded?.(session);
    });
    return {
      upload_id: uploadId,
      file,
      n_rows: rows.length,
      n_landed: good.length,
      n_replaced: replaced,
      n_rejected: rows.length - good.length,
      rejects,
      periods: [...new Set(good.map((r) => r.period as string))].sort(),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether a cell holds an answer of its item's type (or a choice of its list); the reason if not. */
function typeProblem(
  item: Item,
  value: string | null,
  choices?: string[],
): { zh: string; en: string } | null {
  if (value === null) return null;
  const x = Number(value);
  if (item.type === "decimal" && (value.trim() === "" || !Number.isFinite(x)))
    return messages("reject.not_decimal");
  if (item.type === "integer" && !(Number.isFinite(x) && Number.isInteger(x)))
    return messages("reject.not_integer");
  if (item.type === "date") {
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const time = Date.parse(`${value}T00:00:00Z`);
    const ok = d && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
    if (!ok) return messages("reject.not_date");
  }
  if (item.type === "select_one" && choices && !choices.includes(value))
    return messages("reject.unknown_code", { list: item.list ?? "" });
  return null;
}
