import { type Expr, parseExpression, referencedItems } from "./expression.ts";

export const ITEM_TYPES = ["select_one", "select_multiple", "integer", "decimal", "text", "date"] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

export interface Choice {
  readonly name: string;
  readonly label: { readonly zh: string; readonly en: string };
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
  readonly relevant: { readonly text: string; readonly expr: Expr } | null;
  readonly personal: boolean;
  /** Where it was defined, for messages: "codebook.xlsx, sheet survey, row 12". */
  readonly source: string;
}

export interface Codebook {
  readonly version: string;
  readonly file: string;
  readonly items: readonly Item[];
  readonly choices: ReadonlyMap<string, readonly Choice[]>;
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
  personal: string;
  source: string;
}

export interface ChoiceRow {
  listName: string;
  name: string;
  labelZh: string;
  labelEn: string;
  source: string;
}

const STRUCTURAL = new Set([
  "begin group",
  "end group",
  "begin_group",
  "end_group",
  "begin repeat",
  "end repeat",
  "note",
  "calculate",
  "start",
  "end",
  "today",
  "deviceid",
]);
const TRUE_WORDS = new Set(["yes", "true", "1", "true()"]);
const FALSE_WORDS = new Set(["", "no", "false", "0", "false()"]);

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
    });
    choices.set(row.listName, list);
  }

  const items: Item[] = [];
  const byName = new Map<string, Item>();
  for (const row of survey) {
    const typeText = row.type.trim().replace(/\s+/g, " ");
    if (!typeText && !row.name) continue;
    if (STRUCTURAL.has(typeText)) continue;
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
    const parse = (text: string, column: string) => {
      if (!text.trim()) return null;
      try {
        return { text: text.trim(), expr: parseExpression(text) };
      } catch (error) {
        throw new Error(
          `${row.source}, column ${column} of item ${row.name}: cannot parse ${JSON.stringify(text)}: ${(error as Error).message}`,
        );
      }
    };
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
      relevant: parse(row.relevant, "relevant"),
      personal: flag(row.personal, row.source, "personal"),
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
  return {
    version,
    file,
    items,
    choices,
    item: (name) => byName.get(name),
  };
}
