import type { Lang } from "../../messages/catalogue.ts";
import {
  booleanLabels,
  type ColumnKind,
  notebookColumns,
  valueLabels,
} from "../../messages/notebookColumns.ts";
import type { StudyNames } from "./studyNames.ts";

/** Decimals of each numeric kind: the one number format of every notebook table. */
export const DECIMALS = { estimate: 1, p_value: 3, deff: 2, count: 0 } as const;

/**
 * A column's kind: the catalogue's (messages/notebookColumns.ts), else from its name (`n`,
 * `n_*` counts, `*p_value` p-values, `deff*` design effects, `*_at` times), else from the
 * value (a whole number is a count, another number an estimate).
 */
export function columnKind(name: string, sample?: unknown): ColumnKind {
  const known = notebookColumns[name]?.kind;
  if (known) return known;
  if (/^n(_|$)/.test(name)) return "count";
  if (/p_value$/.test(name)) return "p_value";
  if (/^deff/.test(name)) return "deff";
  if (/_at$/.test(name)) return "time";
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "number") return Number.isInteger(sample) ? "count" : "estimate";
  return "text";
}

/**
 * A cell as the reader sees it: numbers in their kind's format (counts 1,985; estimates 78.3;
 * p-values 0.062 or <0.001; design effects 2.47), ids by their names, times in the study's time
 * zone, null as a dash.
 *
 * @example formatValue(0.0621, "p_value", "en", names) // "0.062"
 */
export function formatValue(
  value: unknown,
  kind: ColumnKind,
  lang: Lang,
  names: StudyNames,
  column = "",
): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))) {
    const v = Number(value);
    if (kind === "count" || kind === "estimate" || kind === "deff") return fixed(v, DECIMALS[kind]);
    if (kind === "p_value") return v < 0.001 ? "<0.001" : fixed(v, DECIMALS.p_value);
    if (kind === "tolerance") return scientific(v);
  }
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  switch (kind) {
    case "boolean":
      return booleanLabels[text === "true" ? "true" : "false"][lang];
    case "time":
      return localTime(text, names.timeZone);
    case "organization":
    case "indicator":
    case "township":
    case "wave":
      return names[kind].get(text)?.[lang] ?? text;
    case "values":
      return valueLabels[column]?.[text]?.[lang] ?? text;
    default:
      return text;
  }
}

const formats = new Map(
  [0, 1, 2, 3].map((d) => [
    d,
    new Intl.NumberFormat("en-US", {
      minimumFractionDigits: d,
      maximumFractionDigits: d,
      signDisplay: "negative",
    }),
  ]),
);

/** Fixed decimals with thousands separators, without a minus sign on a value that rounds to zero. */
function fixed(v: number, decimals: number): string {
  return formats.get(decimals)!.format(v);
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** A tiny number as `5.9×10⁻⁹` (two significant digits; no letters, so it reads in any language). */
function scientific(v: number): string {
  if (v === 0) return "0";
  const [mantissa, exponent] = v.toExponential(1).split("e");
  const power = [...String(Number(exponent))].map((c) => SUPERSCRIPT[c]).join("");
  return `${mantissa}×10${power}`;
}

/** `2026-12-04 10:12:44.43+00` (DuckDB's timestamptz text) as `2026-12-04 18:12` in `timeZone`. */
export function localTime(text: string, timeZone: string): string {
  const iso = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return text;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
