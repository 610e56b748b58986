import { message } from "../messages/catalogue.ts";
import { showValue } from "./IngestRefusal.ts";

/**
 * One rejected cell as a sentence in both languages: row, column, value, reason ("第 11 行
 * village = T01V999：抽样框中没有此村（社区）"). The value is shown as showValue shows it
 * (quoted when it has spaces or is long, cut short); a missing one says so.
 */
export function rejectSentence(
  row: number,
  column: string,
  value: string | null,
  reason: { zh: string; en: string },
): { zh: string; en: string } {
  const say = (lang: "zh" | "en") =>
    message("reject.sentence", lang, {
      row,
      column,
      value: value === null ? message("reject.no_value", lang) : showPlain(value),
      reason: reason[lang],
    });
  return { zh: say("zh"), en: say("en") };
}

/** A plain code as it is (T01V999); anything with spaces, quotes or control characters quoted. */
function showPlain(value: string): string {
  // \p{Cc}: control characters
  return /^[^\s"'\\\p{Cc}]{1,60}$/u.test(value) ? value : showValue(value);
}
