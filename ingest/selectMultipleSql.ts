import type { Choice } from "../study/index.ts";
import type { OptionColumns } from "./mapOptionColumns.ts";

/** 问卷星 joins the option labels of a multiple choice with this character ("技能培训┋法律援助"). */
export const WJX_JOIN = "┋";

/** Cells of a 0/1 option column that mean "chosen" and "not chosen" (compared lower-cased). */
const CHOSEN = ["1", "1.0", "true", "yes", "y", "是", "√", "✓"];
const NOT_CHOSEN = ["0", "0.0", "false", "no", "n", "否"];

type Bind = (value: string) => string;

const labelCase = (x: string, choices: readonly Choice[], bind: Bind) => {
  const codes = new Set(choices.map((c) => c.name));
  const whens: string[] = [];
  const seen = new Set<string>(codes);
  for (const c of choices)
    for (const label of [c.label.zh, c.label.en]) {
      if (seen.has(label)) continue;
      seen.add(label);
      whens.push(`when ${bind(label)} then ${bind(c.name)}`);
    }
  return whens.length ? `case ${x} ${whens.join(" ")} else ${x} end` : x;
};

/**
 * A select_multiple answer as it lands, whichever of the shapes exports use: codes separated
 * by spaces (XLSForm, Kobo: `1 3 5`), or option labels joined by ┋ (问卷星 by option text:
 * `技能培训┋法律援助`; one label alone, spaces and all, is one option): each part a code (a
 * label becomes its code), the codes in the list's order, each once; parts that are neither
 * stay, after them, for the code check to name. `raw` is the trimmed cell (null when empty).
 */
export function selectMultipleSql(raw: string, choices: readonly Choice[], bind: Bind): string {
  const codes = `[${choices.map((c) => bind(c.name)).join(", ")}]::varchar[]`;
  const labels = [...new Set(choices.flatMap((c) => [c.label.zh, c.label.en]))];
  const isLabel = labels.length
    ? `list_contains([${labels.map((l) => bind(l)).join(", ")}], ${raw})`
    : "false";
  const parts = `case when contains(${raw}, ${bind(WJX_JOIN)}) then string_split(${raw}, ${bind(WJX_JOIN)})
      when ${isLabel} then [${raw}] else string_split(${raw}, ' ') end`;
  const asCodes = `list_transform(${parts}, _x -> ${labelCase("trim(_x)", choices, bind)})`;
  return `case when ${raw} is null then null else array_to_string(list_transform([${asCodes}], _p ->
      list_concat(list_filter(${codes}, _c -> list_contains(_p, _c)),
                  list_distinct(list_filter(_p, _x -> _x <> '' and not list_contains(${codes}, _x)))))[1], ' ') end`;
}

const flagValues = (choices: readonly Choice[], code: string) => {
  const choice = choices.find((c) => c.name === code);
  // the option's label, as an export by option text writes it; never its code (a 2 in the
  // column of option 2 is more likely a typo than a choice)
  return [...new Set([...CHOSEN, ...(choice ? [choice.label.zh, choice.label.en] : [])])].map((v) =>
    v.toLowerCase(),
  );
};

/**
 * The answer of a select_multiple item exported as one 0/1 column per option: the codes of
 * the options marked chosen (1, TRUE, 是, or the option's own label), space-separated
 * in the list's order; null when none is. `cell(column)` is SQL for a cell as read.
 */
export function optionColumnsSql(
  options: OptionColumns,
  choices: readonly Choice[],
  cell: (column: string) => string,
  bind: Bind,
): string {
  const ordered = [...options.columns].sort(
    (a, b) => choices.findIndex((c) => c.name === a.code) - choices.findIndex((c) => c.name === b.code),
  );
  const picks = ordered.map(
    (c) =>
      `case when list_contains([${flagValues(choices, c.code)
        .map((v) => bind(v))
        .join(", ")}], lower(trim(${cell(c.column)}))) then ${bind(c.code)} end`,
  );
  return `nullif(concat_ws(' ', ${picks.join(", ")}), '')`;
}

/**
 * For each option column, boolean SQL true when its cell is neither chosen nor not chosen
 * (a 2, a typo): the checks name that column and cell.
 */
export function optionColumnChecks(
  options: OptionColumns,
  choices: readonly Choice[],
  cell: (column: string) => string,
  bind: Bind,
): { column: string; header: string; condition: string; value: string }[] {
  return options.columns.map((c) => {
    const allowed = [...flagValues(choices, c.code), ...NOT_CHOSEN];
    const v = `nullif(trim(${cell(c.column)}), '')`;
    return {
      column: c.column,
      header: c.header,
      value: v,
      condition: `${v} is not null and not list_contains([${allowed.map((a) => bind(a)).join(", ")}], lower(${v}))`,
    };
  });
}
