import { type Expr, parseExpression, referencedItems } from "./expression.ts";

export const ITEM_TYPES = ["select_one", "select_multiple", "integer", "decimal", "text", "date"] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

export interface Choice {
  readonly name: string;
  readonly label: { readonly zh: string; readonly en: string };
  /** The choices sheet's other columns (what a `choice_filter` tests: `township` of a village). */
  readonly filters: Readonly<Record<string, string>>;
}

export interface Item {
  readonly name: string;
  readonly type: ItemType;
  /** Choice list of select_one / select_multiple items. */
  readonly list: string | null;
  readonly label: { readonly zh: string; readonly en: string };
  readonly required: boolean;
  readonly constraint: { readonly text: string; readonly expr: Expr } | null;
  readonly constraintMessage: { readonly zh: string; readonly en: string } | null;
  /** Its own `relevant` and-ed with those of the groups it sits in. */
  readonly relevant: { readonly text: string; readonly expr: Expr } | null;
  /**
   * Cascading select: which choices are allowed, from the choices sheet's columns and other
   * answers (`township = ${township}`): equalities joined by `and`.
   */
  readonly choiceFilter: { readonly text: string; readonly expr: Expr } | null;
  readonly personal: boolean;
  /** How a personal item is kept: dropped or pseudonymised (`barometer::personal`: yes, drop or hmac). */
  readonly personalAction: "drop" | "hmac" | null;
  /** Where it was defined, for messages: "codebook.xlsx, sheet survey, row 12". */
  readonly source: string;
}

export interface Codebook {
  readonly version: string;
  readonly file: string;
  readonly items: readonly Item[];
  readonly choices: ReadonlyMap<string, readonly Choice[]>;
  /** The XLSForm `settings` sheet: the form's id and version as collection tools stamp them. */
  readonly settings: { readonly formId: string | null; readonly version: string | null };
  /** Rows read and set aside: `calculate` (computed by the collection tool, not an answer), `note`. */
  readonly ignored: readonly { readonly name: string; readonly type: string; readonly source: string }[];
  item(name: string): Item | undefined;
}

/** One row of the survey sheet, as read from XLSX or YAML (cells as text). */
export interface SurveyRow {
  type: string;
  name: string;
  labelZh: string;
  labelEn: string;
  required: string;
  constraint: string;
  constraintMessageZh: string;
  constraintMessageEn: string;
  relevant: string;
  choiceFilter?: string;
  personal: string;
  source: string;
}

export interface ChoiceRow {
  listName: string;
  name: string;
  labelZh: string;
  labelEn: string;
  /** Other columns of the row (column name -> text), for choice filters. */
  filters?: Record<string, string>;
  source: string;
}

/** Rows that hold no answer: structure and metadata the collection tool fills in. */
const STRUCTURAL = new Set(["begin repeat", "end repeat", "start", "end", "today", "deviceid"]);
/** Rows kept out of the items but noted (Codebook.ignored): not answers the respondent gave. */
const NOTED = new Set(["note", "calculate"]);
const BEGIN_GROUP = new Set(["begin group", "begin_group"]);
const END_GROUP = new Set(["end group", "end_group"]);
const TRUE_WORDS = new Set(["yes", "true", "1", "true()"]);
const FALSE_WORDS = new Set(["", "no", "false", "0", "false()"]);

/** `barometer::personal`: yes (dropped at ingest), drop, hmac (pseudonymised), or no. */
function personalAction(value: string, where: string): "drop" | "hmac" | null {
  const v = value.trim().toLowerCase();
  if (v === "hmac") return "hmac";
  if (v === "drop") return "drop";
  return flag(value, where, "barometer::personal") ? "drop" : null;
}

function flag(value: string, where: string, column: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new Error(`${where}, column ${column}: expected yes or no, found ${JSON.stringify(value)}`);
}

/**
 * Build the codebook from rows read out of an XLSForm (or its YAML twin), checking what a
 * survey codebook must get right: known types, unique item names, choice lists that exist
 * and have unique codes, expressions that parse and refer to known items.
 */
export function buildCodebook(
  version: string,
  file: string,
  survey: SurveyRow[],
  choiceRows: ChoiceRow[],
  settings: Codebook["settings"] = { formId: null, version: null },
): Codebook {
  const choices = new Map<string, Choice[]>();
  const choiceSource = new Map<string, string>();
  for (const row of choiceRows) {
    if (!row.listName && !row.name) continue;
    if (!row.listName)
      throw new Error(`${row.source}: list_name is empty (choice ${JSON.stringify(row.name)})`);
    if (!row.name) throw new Error(`${row.source}: choice name (code) is empty in list ${row.listName}`);
    const list = choices.get(row.listName) ?? [];
    const key = `${row.listName}\u0000${row.name}`;
    const earlier = choiceSource.get(key);
    if (earlier) {
      throw new Error(
        `${row.source}: duplicate choice code ${JSON.stringify(row.name)} in list ${row.listName} (first at ${earlier})`,
      );
    }
    choiceSource.set(key, row.source);
    list.push({
      name: row.name,
      label: { zh: row.labelZh || row.name, en: row.labelEn || row.labelZh || row.name },
      filters: { ...row.filters },
    });
    choices.set(row.listName, list);
  }

  const items: Item[] = [];
  const byName = new Map<string, Item>();
  const ignored: { name: string; type: string; source: string }[] = [];
  // the relevant of every group the row sits in (null for a group without one)
  const groups: ({ text: string; expr: Expr } | null)[] = [];
  for (const row of survey) {
    const typeText = row.type.trim().replace(/\s+/g, " ");
    if (!typeText && !row.name) continue;
    if (STRUCTURAL.has(typeText)) continue;
    if (NOTED.has(typeText)) {
      ignored.push({ name: row.name, type: typeText, source: row.source });
      continue;
    }
    if (BEGIN_GROUP.has(typeText)) {
      groups.push(parseExpr(row, row.relevant, "relevant"));
      continue;
    }
    if (END_GROUP.has(typeText)) {
      if (groups.length === 0) throw new Error(`${row.source}: end_group without a begin_group`);
      groups.pop();
      continue;
    }
    const [type, list = null] = typeText.split(" ");
    if (!ITEM_TYPES.includes(type as ItemType)) {
      throw new Error(
        `${row.source}: unsupported type ${JSON.stringify(row.type)} for item ${JSON.stringify(row.name)} (supported: ${ITEM_TYPES.join(", ")})`,
      );
    }
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(row.name)) {
      throw new Error(`${row.source}: invalid item name ${JSON.stringify(row.name)}`);
    }
    const earlier = byName.get(row.name);
    if (earlier)
      throw new Error(`${row.source}: duplicate item name ${row.name} (first at ${earlier.source})`);
    const isSelect = type === "select_one" || type === "select_multiple";
    if (isSelect && !list) throw new Error(`${row.source}: ${type} item ${row.name} names no choice list`);
    if (isSelect && list && !choices.has(list)) {
      throw new Error(
        `${row.source}: item ${row.name} uses choice list ${JSON.stringify(list)}, which the choices sheet does not define`,
      );
    }
    const parse = (text: string, column: string) => parseExpr(row, text, column);
    const own = parse(row.relevant, "relevant");
    const relevant = [...groups, own].filter((r): r is { text: string; expr: Expr } => r !== null);
    const choiceFilter = row.choiceFilter?.trim()
      ? parseChoiceFilter(row, list, choices.get(list ?? "") ?? [])
      : null;
    const item: Item = {
      name: row.name,
      type: type as ItemType,
      list: isSelect ? list : null,
      label: { zh: row.labelZh || row.name, en: row.labelEn || row.labelZh || row.name },
      required: flag(row.required, row.source, "required"),
      constraint: parse(row.constraint, "constraint"),
      constraintMessage:
        row.constraintMessageZh || row.constraintMessageEn
          ? {
              zh: row.constraintMessageZh || row.constraintMessageEn,
              en: row.constraintMessageEn || row.constraintMessageZh,
            }
          : null,
      relevant:
        relevant.length === 0
          ? null
          : relevant.length === 1
            ? relevant[0]!
            : {
                text: relevant.map((r) => `(${r.text})`).join(" and "),
                expr: relevant
                  .map((r) => r.expr)
                  .reduce((left, right) => ({ kind: "binary", op: "and", left, right })),
              },
      choiceFilter,
      personal: personalAction(row.personal, row.source) !== null,
      personalAction: personalAction(row.personal, row.source),
      source: row.source,
    };
    items.push(item);
    byName.set(item.name, item);
  }
  if (items.length === 0) throw new Error(`${file}: the survey sheet defines no items`);
  for (const item of items) {
    for (const [column, part] of [
      ["constraint", item.constraint],
      ["relevant", item.relevant],
      ["choice_filter", item.choiceFilter],
    ] as const) {
      if (!part) continue;
      for (const ref of referencedItems(part.expr)) {
        if (!byName.has(ref)) {
          throw new Error(
            `${item.source}, column ${column} of item ${item.name}: refers to unknown item \${${ref}}`,
          );
        }
      }
    }
  }
  if (groups.length > 0) throw new Error(`${file}: a begin_group has no end_group`);
  return {
    version,
    file,
    items,
    choices,
    settings,
    ignored,
    item: (name) => byName.get(name),
  };
}

function parseExpr(row: SurveyRow, text: string, column: string): { text: string; expr: Expr } | null {
  if (!text.trim()) return null;
  try {
    return { text: text.trim(), expr: parseExpression(text) };
  } catch (error) {
    throw new Error(
      `${row.source}, column ${column} of ${row.name ? `item ${row.name}` : "the row"}: cannot parse ${JSON.stringify(text)}: ${(error as Error).message}`,
    );
  }
}

/**
 * A choice_filter: equalities between a column of the item's choice list and another answer
 * (`township = \${township}`), joined by `and`: what cascading selects use. Anything else is
 * refused, naming the row.
 */
function parseChoiceFilter(
  row: SurveyRow,
  list: string | null,
  choices: readonly Choice[],
): { text: string; expr: Expr } {
  const text = row.choiceFilter!.trim();
  const where = `${row.source}, column choice_filter of item ${row.name}`;
  if (!list) throw new Error(`${where}: only a select item can have a choice filter`);
  let expr: Expr;
  try {
    expr = parseExpression(text, { choiceColumns: true });
  } catch (error) {
    throw new Error(`${where}: cannot parse ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
  const columns = new Set(choices.flatMap((c) => Object.keys(c.filters).map((k) => k.toLowerCase())));
  for (const pair of choiceFilterPairs(expr)) {
    if (!pair)
      throw new Error(
        `${where}: ${JSON.stringify(text)} is not supported; write equalities between a column of the choices sheet and an answer, joined by and (township = \${township})`,
      );
    if (!columns.has(pair.column.toLowerCase()))
      throw new Error(
        `${where}: the choices sheet has no column ${JSON.stringify(pair.column)} for list ${list} (it has: ${[...columns].join(", ") || "none"})`,
      );
  }
  return { text, expr };
}

/** The (choice column, item) pairs of a choice filter; null for a part that is not one. */
export function choiceFilterPairs(expr: Expr): ({ column: string; item: string } | null)[] {
  if (expr.kind === "binary" && expr.op === "and")
    return [...choiceFilterPairs(expr.left), ...choiceFilterPairs(expr.right)];
  if (expr.kind === "binary" && expr.op === "=") {
    const { left, right } = expr;
    if (left.kind === "column" && right.kind === "ref") return [{ column: left.name, item: right.name }];
    if (left.kind === "ref" && right.kind === "column") return [{ column: right.name, item: left.name }];
  }
  return [null];
}
