import { quoteIdent } from "../db/index.ts";
import { type MessageKey, message, messages } from "../messages/catalogue.ts";
import { type Codebook, constraintSentence, type Item, type Study } from "../study/index.ts";
import { choiceFilterCheck } from "./choiceFilterCheck.ts";
import { EXCEL_ERRORS } from "./excelErrors.ts";
import { expressionToSql } from "./expressionToSql.ts";
import type { hmacSql } from "./hmacSql.ts";
import { isCodeSql } from "./isCodeSql.ts";
import type { ColumnMapping } from "./mapColumns.ts";
import type { PersonalAction } from "./personalRules.ts";
import { optionColumnChecks, optionColumnsSql, selectMultipleSql } from "./selectMultipleSql.ts";

export interface Validation {
  /**
   * `select source_row, <one column per codebook item, labels mapped to codes>, <the
   * original cells, under other names>` from the cells as read: the rows as they land, and
   * what `cells` reads. Use as a CTE or subquery. `where` filters the source rows before any
   * mapping (on source_row only). `source` replaces the staged source (the same cells,
   * some read typed: see PreparedRead.typedSource).
   */
  mapped: (where?: string, source?: string) => string;
  /** SQL over the mapped rows: the original cells, as a JSON list (build it on few rows only). */
  cells: string;
  /** Boolean SQL over the mapped rows: the row fails at least one check (cheap: no structs built). */
  isBad: string;
  /** List-of-struct SQL over the mapped rows: every check it fails, {c: column, v: value, k: reason}. */
  errors: string;
  params: Record<string, string | number>;
  /** (reason code, column header) -> texts, for the quarantine table. */
  reasons: { key: MessageKey; column: string; zh: string; en: string }[];
}

/** Temp table of the failing rows only: source_row, rid (the respondent id), cells (JSON list), errors. */
export const CHECKED = "_bad";

/**
 * The reason of an error that is not the row's but the ingest's (never shown or stored): a
 * column taken to hold codes only (`clean`) has another cell, in this row, in column `c`
 * (the item's name). The checks are wrong for that column, and must run again with it not
 * clean.
 */
export const NOT_CLEAN = "_not_clean";

/**
 * The reason of another error that is the ingest's, not the row's: the personal column `c`
 * (the item's name) holds a marked hash (`hmac:…`) in this row. checkRows refuses a column
 * that mixes them with clear values, and otherwise takes these entries off again.
 */
export const HMAC_MARKED_CELL = "_hmac_marked";

/** The personal-data rules as the checks apply them: what shows of a personal cell. */
export interface PersonalMasks {
  rules: ReadonlyMap<string, PersonalAction>;
  hmac: ReturnType<typeof hmacSql>;
}

/** A whole number as text: optional sign, at most 18 digits (fits a BIGINT). */
const INTEGER_TEXT = "^[+-]?[0-9]{1,18}$";
/** A decimal number as text: 12, -3.5, .5, 1e3, 2.5E-2. */
const DECIMAL_TEXT = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$";

/**
 * Build the one SQL pass that maps every cell to a codebook code and checks every row:
 * types, allowed codes (or their labels), XLSForm constraints, required answers (respecting
 * `relevant`), respondent id present and unique, stratum and PSU known to the frame.
 */
export function buildValidation(
  study: Study,
  codebook: Codebook,
  mapping: ColumnMapping,
  staged: {
    source: string;
    columns: string[];
    clean?: ReadonlySet<string>;
    /** Columns where an .xlsx holds an Excel error cell (see PreparedRead.excelErrors). */
    excelErrors?: ReadonlySet<string>;
  },
  existingIds: { rawTable: string; waveId: string; excludeUpload: string | null },
  personal?: PersonalMasks,
): Validation {
  const params: Record<string, string | number> = {};
  let n = 0;
  const bind = (value: string | number) => {
    const name = `p${n++}`;
    params[name] = value;
    return `$${name}`;
  };
  const reasons: Validation["reasons"] = [];
  const reason = (
    key: MessageKey,
    column: string,
    p: Record<string, string> = {},
    texts: { zh: string; en: string } = messages(key, p),
  ) => {
    if (!reasons.some((r) => r.key === key && r.column === column)) reasons.push({ key, column, ...texts });
  };

  const fileColumn = new Map(mapping.mapped.map((m) => [m.item, m]));
  // items taken to hold codes only, as read (see codeProbes): they pass through untouched,
  // and a check on every row says where one does not (NOT_CLEAN)
  const clean = staged.clean ?? new Set<string>();
  const q = quoteIdent;
  const cell = (item: string) => {
    const m = fileColumn.get(item);
    return m ? q(m.column) : "cast(null as varchar)";
  };
  const rawName = (column: string) => q(`_raw_${column}`);
  const headerOf = (item: Item) => fileColumn.get(item.name)?.header ?? item.name;
  // Personal cells never reach the quarantine, the rejects download or a message in clear:
  // a dropped one shows as nothing, a pseudonymised one as its marked hash.
  const personalOf = (item: string | undefined) =>
    item === undefined ? undefined : personal?.rules.get(item);
  // Open answers may hold names and phone numbers; the models mask them on their way out of
  // the raw table (stg_open_answers), but a rejected row never reaches the models: its open
  // answers are left out of the quarantine copy and the messages, as a dropped column is.
  const openItems = new Set((study.open_answers?.items ?? []).map((o) => o.item));
  const masked = (item: string | undefined, value: string) => {
    if (item !== undefined && openItems.has(item)) return "cast(null as varchar)";
    const action = personalOf(item);
    if (action === "drop") return "cast(null as varchar)";
    if (action === "hmac") return personal!.hmac.shown(value);
    return value;
  };
  if (personal && [...personal.rules.values()].includes("hmac")) Object.assign(params, personal.hmac.params);

  const isCode = (value: string, list: string, codes: string[]) => isCodeSql(value, list, codes, bind);

  // 1. map labels to codes for select items
  const mappedCols = codebook.items.map((item) => {
    const raw = cell(item.name);
    const choices = item.list ? (codebook.choices.get(item.list) ?? []) : [];
    if (item.type === "select_multiple" && choices.length > 0 && fileColumn.has(item.name))
      return fileColumn.get(item.name)!.by === "options"
        ? `${raw} as ${q(item.name)}`
        : `${selectMultipleSql(raw, choices, bind)} as ${q(item.name)}`;
    if (
      item.type !== "select_one" ||
      choices.length === 0 ||
      !fileColumn.has(item.name) ||
      clean.has(item.name)
    ) {
      return `${raw} as ${q(item.name)}`;
    }
    // Codes pass through after one list lookup; only cells that are not codes go through the
    // label CASE (a long chain of comparisons for a list like villages).
    const codes = new Set(choices.map((c) => c.name));
    const whens: string[] = [];
    const seen = new Set<string>(codes);
    for (const c of choices) {
      for (const label of [c.label.zh, c.label.en]) {
        if (seen.has(label)) continue;
        seen.add(label);
        whens.push(`when ${bind(label)} then ${bind(c.name)}`);
      }
    }
    if (whens.length === 0) return `${raw} as ${q(item.name)}`;
    return `case when ${isCode(raw, item.list!, [...codes])} then ${raw} else case ${raw} ${whens.join(" ")} else ${raw} end end as ${q(item.name)}`;
  });

  // 2. checks, each a struct {c: column header, v: value, k: reason key} when it fails
  const checks: string[] = [];
  const conditions: string[] = [];
  const fail = (
    cond: string,
    item: Item | null,
    header: string,
    value: string,
    key: MessageKey,
    p: Record<string, string> = {},
    texts?: { zh: string; en: string },
  ) => {
    reason(key, header, p, texts);
    flag(cond, header, masked(item?.name, value), key);
  };
  const flag = (cond: string, column: string, value: string, key: string) => {
    conditions.push(`coalesce(${cond}, false)`);
    checks.push(`case when ${cond} then {'c': ${bind(column)}, 'v': ${value}, 'k': ${bind(key)}} end`);
  };
  const ctxFor = (self: string) => ({ self, item: (name: string) => q(name), bind });

  const rid = q(study.respondent_id);
  const ridHeader = fileColumn.get(study.respondent_id)?.header ?? study.respondent_id;
  fail(`${rid} is null`, null, ridHeader, "cast(null as varchar)", "reject.missing_id");
  fail(`${rid} in (select id from _dup_ids)`, null, ridHeader, rid, "reject.duplicate_id_in_file");
  fail(
    `${rid} in (select respondent_id from ${q(existingIds.rawTable)} where wave_id = ${bind(existingIds.waveId)}
       and upload_id in (select upload_id from uploads where status = 'loaded'
                         and upload_id <> ${bind(existingIds.excludeUpload ?? "")}))`,
    null,
    ridHeader,
    rid,
    "reject.duplicate_id_in_wave",
  );

  const excelErrors = staged.excelErrors ?? new Set<string>();
  for (const item of codebook.items) {
    if (!fileColumn.has(item.name) && !item.required) continue;
    const header = headerOf(item);
    // a marked hash passes the checks a clear value gets (it was checked, or not, before it
    // was hashed); checkRows refuses a column that mixes the two
    const hashed = personalOf(item.name) === "hmac" && fileColumn.has(item.name);
    const v = hashed
      ? `(case when ${personal!.hmac.marked(q(item.name))} then null else ${q(item.name)} end)`
      : q(item.name);
    if (hashed)
      flag(personal!.hmac.marked(q(item.name)), item.name, "cast(null as varchar)", HMAC_MARKED_CELL);
    // an Excel error cell (#N/A) is named as such, and no other check reads it as an answer
    const fileCol = fileColumn.get(item.name)?.column;
    let present = `${v} is not null`;
    if (fileCol !== undefined && excelErrors.has(fileCol)) {
      const errorList = `[${EXCEL_ERRORS.map((e) => bind(e)).join(", ")}]::varchar[]`;
      fail(`list_contains(${errorList}, ${v})`, item, header, v, "reject.excel_error");
      present = `(${v} is not null and not list_contains(${errorList}, ${v}))`;
    }
    if (item.type === "integer")
      // DuckDB's cast is lenient ('30.5' -> 31, '1e2' -> 100, '3_0' -> 30): the text must be digits
      fail(
        `${present} and not regexp_full_match(${v}, ${bind(INTEGER_TEXT)})`,
        item,
        header,
        v,
        "reject.not_integer",
      );
    if (item.type === "decimal")
      fail(
        `${present} and not regexp_full_match(${v}, ${bind(DECIMAL_TEXT)})`,
        item,
        header,
        v,
        "reject.not_decimal",
      );
    if (item.type === "date")
      fail(`${present} and try_cast(${v} as date) is null`, item, header, v, "reject.not_date");
    if (item.list) {
      const codes = (codebook.choices.get(item.list) ?? []).map((c) => c.name);
      if (item.type === "select_one") {
        const unknown = `${present} and not ${isCode(v, item.list, codes)}`;
        // a column taken to hold codes only: the guess, checked on every row (named by the item)
        if (clean.has(item.name)) flag(unknown, item.name, "cast(null as varchar)", NOT_CLEAN);
        else fail(unknown, item, header, v, "reject.unknown_code", { list: item.list });
      } else {
        const list = `[${codes.map((c) => bind(c)).join(", ")}]::varchar[]`;
        fail(
          `${present} and len(list_filter(string_split(${v}, ' '), x -> x <> '' and not list_contains(${list}, x))) > 0`,
          item,
          header,
          v,
          "reject.unknown_code",
          { list: item.list },
        );
      }
    }
    const optionColumns = mapping.options?.find((o) => o.item === item.name);
    if (optionColumns && item.list)
      for (const check of optionColumnChecks(
        optionColumns,
        codebook.choices.get(item.list) ?? [],
        (column) => rawName(column),
        bind,
      ))
        fail(check.condition, item, check.header, check.value, "reject.not_option_flag");
    if (item.choiceFilter && item.list && item.type === "select_one" && fileColumn.has(item.name)) {
      const check = choiceFilterCheck(item, codebook, present, bind);
      fail(check.condition, item, header, v, "reject.choice_filter", {}, check.texts);
    }
    if (item.required && item.name !== study.respondent_id) {
      const relevant = item.relevant
        ? `coalesce(${expressionToSql(item.relevant.expr, ctxFor(v))}, false)`
        : "true";
      fail(
        `${q(item.name)} is null and ${relevant}`,
        item,
        header,
        "cast(null as varchar)",
        "reject.required",
      );
    }
    if (item.constraint) {
      const c = expressionToSql(item.constraint.expr, ctxFor(v));
      // what the rule asks, as the codebook says it or as a sentence: never the raw rule
      const sentence = constraintSentence(item, codebook);
      fail(
        `${present} and not coalesce(${c}, false)`,
        item,
        header,
        v,
        "reject.constraint",
        {},
        {
          zh: message("reject.constraint", "zh", { constraint: sentence.zh }),
          en: message("reject.constraint", "en", { constraint: sentence.en }),
        },
      );
    }
  }

  const stratum = q(study.frame.stratum);
  const psu = q(study.frame.psu);
  const stratumHeader = fileColumn.get(study.frame.stratum)?.header ?? study.frame.stratum;
  const psuHeader = fileColumn.get(study.frame.psu)?.header ?? study.frame.psu;
  fail(
    `${stratum} is not null and ${stratum} not in (select stratum from _frame)`,
    null,
    stratumHeader,
    stratum,
    "reject.unknown_stratum",
  );
  fail(
    `${psu} is not null and ${psu} not in (select psu from _frame)`,
    null,
    psuHeader,
    psu,
    "reject.unknown_psu",
  );
  fail(
    `${psu} in (select psu from _frame) and ${stratum} in (select stratum from _frame)
       and ${stratum} || chr(0) || ${psu} not in (select stratum || chr(0) || psu from _frame)`,
    null,
    psuHeader,
    psu,
    "reject.psu_not_in_stratum",
  );

  // Cells are trimmed once, in an inner select, then mapped; the untrimmed cells ride along
  // under other names for the quarantine copy.
  const itemOfColumn = new Map(mapping.mapped.map((m) => [m.column, m.item]));
  const cellShown = (column: string) => {
    const item = itemOfColumn.get(column);
    // hashed as it would land: trimmed, an empty cell is no value
    return personalOf(item) === "hmac"
      ? masked(item, `nullif(trim(${rawName(column)}), '')`)
      : masked(item, rawName(column));
  };
  const inner = [
    "source_row",
    ...staged.columns.map((c) => `${q(c)} as ${rawName(c)}`),
    ...mapping.mapped.map((m) => {
      const options = m.by === "options" ? mapping.options.find((o) => o.item === m.item) : undefined;
      if (options) {
        const list = codebook.item(m.item)?.list;
        const choices = list ? (codebook.choices.get(list) ?? []) : [];
        return `${optionColumnsSql(options, choices, q, bind)} as ${q(m.column)}`;
      }
      return clean.has(m.item) ? q(m.column) : `nullif(trim(${q(m.column)}), '') as ${q(m.column)}`;
    }),
  ];
  const mapped = (where?: string, source = staged.source) => `select source_row,
    ${mappedCols.join(",\n    ")},
    ${staged.columns.map(rawName).join(", ")}
  from (select ${inner.join(", ")} from ${source}${where ? ` where ${where}` : ""})`;
  return {
    mapped,
    cells: `to_json(list_value(${staged.columns.map(cellShown).join(", ")}))`,
    isBad: `(${conditions.join("\n    or ")})`,
    errors: `list_filter([${checks.join(",\n    ")}], e -> e is not null)`,
    params,
    reasons,
  };
}
