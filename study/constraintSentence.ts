import { type MessageKey, message } from "../messages/catalogue.ts";
import type { Codebook, Item } from "./codebook.ts";
import type { Expr } from "./expression.ts";

type Lang = "zh" | "en";
type Rule = { key: MessageKey; params: Record<string, string> };

const FLIP: Record<string, string> = { ">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "=", "!=": "!=" };
const BOUND: Record<string, MessageKey> = {
  ">=": "constraint.at_least",
  ">": "constraint.more_than",
  "<=": "constraint.at_most",
  "<": "constraint.less_than",
  "=": "constraint.equal",
  "!=": "constraint.not_equal",
};

/**
 * What a constraint asks, as a sentence a leader can read, in both languages: the item's
 * `constraint_message` when the codebook gives one, else a sentence made from the rule
 * ("年龄应在 16 到 100 之间" for `. >= 16 and . <= 100`) for the rules codebooks use (bounds
 * on the answer, today(), another answer, regex, string-length, count-selected); anything
 * else says the answer is not one the codebook allows, never the raw rule.
 */
export function constraintSentence(item: Item, codebook?: Codebook): { zh: string; en: string } {
  if (item.constraintMessage) return { ...item.constraintMessage };
  const rules = item.constraint ? describe(item.constraint.expr, codebook) : null;
  const say = (lang: Lang) => {
    const parts = (rules ?? [{ key: "constraint.other" as MessageKey, params: {} }]).map((r) =>
      message(r.key, lang, r.params),
    );
    return message("constraint.sentence", lang, {
      label: item.label[lang],
      rule: parts.join(message("constraint.and", lang)),
    });
  };
  return { zh: say("zh"), en: say("en") };
}

/** The rules of a constraint, one per part joined by `and`; null when a part has no sentence. */
function describe(expr: Expr, codebook?: Codebook): Rule[] | null {
  if (expr.kind === "binary" && expr.op === "and") {
    const left = describe(expr.left, codebook);
    const right = describe(expr.right, codebook);
    if (!left || !right) return null;
    const both = [...left, ...right];
    // a lower and an upper inclusive bound: "between"
    const low = both.find((r) => r.key === "constraint.at_least");
    const high = both.find((r) => r.key === "constraint.at_most");
    if (both.length === 2 && low && high)
      return [{ key: "constraint.between", params: { min: low.params.value!, max: high.params.value! } }];
    return both;
  }
  if (expr.kind === "binary" && expr.op in BOUND) {
    let { left, right } = expr;
    let op = expr.op;
    if (right.kind === "self" || isSelfFunction(right)) {
      [left, right] = [right, left];
      op = FLIP[op]!;
    }
    const value = operand(right, codebook);
    if (value === null) return null;
    if (left.kind === "self") {
      if (right.kind === "call" && right.name === "today")
        return op === "<=" || op === "<" ? [{ key: "constraint.not_after_today", params: {} }] : null;
      return [{ key: BOUND[op]!, params: { value } }];
    }
    if (left.kind === "call" && left.name === "string-length" && (op === "<=" || op === "<"))
      return [
        { key: "constraint.max_length", params: { value: op === "<" ? String(Number(value) - 1) : value } },
      ];
    if (left.kind === "call" && left.name === "count-selected" && (op === "<=" || op === "<"))
      return [
        { key: "constraint.max_selected", params: { value: op === "<" ? String(Number(value) - 1) : value } },
      ];
    return null;
  }
  if (expr.kind === "call" && expr.name === "regex" && expr.args[0]?.kind === "self")
    return [{ key: "constraint.format", params: {} }];
  return null;
}

const isSelfFunction = (e: Expr) =>
  e.kind === "call" &&
  (e.name === "string-length" || e.name === "count-selected") &&
  e.args[0]?.kind === "self";

/** A bound as shown: a number, a quoted text, today, or another item's question ("“年龄”的回答"). */
function operand(e: Expr, codebook?: Codebook): string | null {
  if (e.kind === "number") return String(e.value);
  if (e.kind === "string") return e.value;
  if (e.kind === "neg" && e.operand.kind === "number") return String(-e.operand.value);
  if (e.kind === "call" && e.name === "today") return "today";
  if (e.kind === "ref") return `“${codebook?.item(e.name)?.label.zh ?? e.name}”`;
  return null;
}
