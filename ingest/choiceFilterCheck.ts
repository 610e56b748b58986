import { quoteIdent } from "../db/index.ts";
import { message } from "../messages/catalogue.ts";
import { type Codebook, choiceFilterPairs, type Item } from "../study/index.ts";
import { isCodeSql } from "./isCodeSql.ts";

/** Joins the parts of a key (a choice and the answers its filter names): a character no code holds. */
const SEP = "\u001f";

/**
 * The check of a cascading select (XLSForm `choice_filter`, such as `township = ${township}`
 * on a village item): the row's choice must be one the filter allows given the row's other
 * answers, as the choices sheet says (its `township` column), not only as the frame says.
 * Boolean SQL over the mapped row, true when the row fails: a known code whose (code, other
 * answers) is not a pair the choices sheet lists. A row missing one of those answers is left
 * to the other checks. The pairs are bound values, looked up by hash.
 */
export function choiceFilterCheck(
  item: Item,
  codebook: Codebook,
  present: string,
  bind: (value: string) => string,
): { condition: string; texts: { zh: string; en: string } } {
  const q = quoteIdent;
  const pairs = choiceFilterPairs(item.choiceFilter!.expr).filter((p) => p !== null);
  const choices = codebook.choices.get(item.list!) ?? [];
  const value = (filters: Readonly<Record<string, string>>, column: string) =>
    filters[column] ?? filters[column.toLowerCase()] ?? "";
  const keys = choices.map((c) => [c.name, ...pairs.map((p) => value(c.filters, p.column))].join(SEP));
  const v = q(item.name);
  const key = `concat_ws(chr(${SEP.charCodeAt(0)}), ${v}, ${pairs.map((p) => q(p.item)).join(", ")})`;
  const condition = [
    present,
    isCodeSql(
      v,
      item.list!,
      choices.map((c) => c.name),
      bind,
    ),
    ...pairs.map((p) => `${q(p.item)} is not null`),
    `${key} not in (select unnest([${keys.map((k) => bind(k)).join(", ")}]::varchar[]))`,
  ].join(" and ");
  const say = (lang: "zh" | "en") =>
    message("reject.choice_filter", lang, {
      parent: pairs
        .map((p) => codebook.item(p.item)?.label[lang] ?? p.item)
        .join(lang === "zh" ? "、" : ", "),
      column: pairs.map((p) => p.column).join(", "),
      list: item.list!,
    });
  return { condition, texts: { zh: say("zh"), en: say("en") } };
}
