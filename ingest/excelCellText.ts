/**
 * One cell of an .xlsx sheet as its XML holds it: the type attribute `t`, the cached value
 * `v` (a formula cell's result), the text of an inline string, and the number format its
 * style gives it.
 */
export interface RawCell {
  /** `s` shared string, `str` formula text, `inlineStr`, `b` boolean, `e` error, `d` ISO date, `n` (or absent) number. */
  t: string;
  v: string;
  inline: string;
  /** The cell's number format code ("yyyy-mm-dd", "General", ...), resolved from its style. */
  format: string;
}

/** How a number format shows a number: as a date, a date-time, a time of day, an elapsed time, or a number. */
export type NumberKind = "date" | "datetime" | "time" | "elapsed" | "number";

/** Excel's built-in number formats that show dates and times (ids without a format code in the file). */
const BUILT_IN: Record<number, string> = {
  14: "yyyy-mm-dd",
  15: "d-mmm-yy",
  16: "d-mmm",
  17: "mmm-yy",
  18: "h:mm AM/PM",
  19: "h:mm:ss AM/PM",
  20: "h:mm",
  21: "h:mm:ss",
  22: "yyyy-mm-dd h:mm",
  45: "mm:ss",
  46: "[h]:mm:ss",
  47: "mm:ss.0",
  // zh-CN: the ids Excel on a Chinese Windows writes for its date and time formats
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: "m-d-yy",
  31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"',
  33: 'h"时"mm"分"ss"秒"',
  34: '上午/下午h"时"mm"分"',
  35: '上午/下午h"时"mm"分"ss"秒"',
  36: 'yyyy"年"m"月"',
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  55: '上午/下午h"时"mm"分"',
  56: '上午/下午h"时"mm"分"ss"秒"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
};

/** The format code of a built-in number format id ("General" for the plain ones). */
export function builtInFormat(id: number): string {
  return BUILT_IN[id] ?? "General";
}

/**
 * What a number format shows: only the first section counts (the one for positive numbers);
 * quoted text, escapes and [colour]/[$-804] blocks say nothing, [h] [m] [s] are elapsed time,
 * and an m is minutes next to h or s, else a month.
 */
export function numberKind(format: string): NumberKind {
  const first = format.split(";")[0] ?? "";
  const elapsed = /\[(h+|m+|s+)\]/i.test(first);
  const code = first
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/(am\/pm|a\/p|上午\/下午)/gi, "")
    .toLowerCase();
  if (elapsed) return "elapsed";
  if (code === "general" || code === "@") return "number";
  const time = /[hs]/.test(code);
  const date = /[yd]/.test(code) || (/m/.test(code) && !time);
  if (date && time) return "datetime";
  if (date) return "date";
  if (time) return "time";
  return "number";
}

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * An Excel serial date as the calendar date and time it stands for (UTC fields). In the 1900
 * system day 1 is 1900-01-01 and day 60 the 29 February 1900 that Lotus believed in (Excel
 * keeps it): days after it count from 1899-12-30, days before from 1899-12-31. In the 1904
 * system (old Mac workbooks) day 0 is 1904-01-01. Rounded to the second.
 */
export function serialToDate(serial: number, date1904: boolean): Date | null {
  if (!Number.isFinite(serial) || serial < 0) return null;
  if (!date1904 && Math.floor(serial) === 60) return null;
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : serial < 60
      ? Date.UTC(1899, 11, 31)
      : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.round(serial * 86_400) * 1000);
}

const ymd = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const hms = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/** A number as Excel shows it in General format: at most 15 significant digits (0.1 + 0.2 is 0.3). */
export function numberText(text: string): string {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) return text;
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(15)));
}

/**
 * A cell as the person who typed it means it: a date as 2024-09-12, a date-time as
 * 2024-09-12 14:30:00, a time of day as 14:30:00 (elapsed time as 26:15:00), a boolean as
 * 1 or 0, a number as Excel shows it in General format, text (shared, inline or rich) as
 * written, a formula by its cached value, an error as its code (#N/A). `isError` says the
 * last: the checks name it instead of reading it as an answer.
 */
export function excelCellText(cell: RawCell, date1904: boolean): { text: string; isError: boolean } {
  switch (cell.t) {
    case "inlineStr":
      return { text: cell.inline, isError: false };
    case "s":
    case "str":
      return { text: cell.v, isError: false };
    case "b":
      return { text: cell.v === "" ? "" : Number(cell.v) !== 0 ? "1" : "0", isError: false };
    case "e":
      return { text: cell.v, isError: true };
    case "d": {
      // an ISO 8601 date written as such (strict OOXML): keep the parts the format shows
      const kind = numberKind(cell.format);
      const [date = "", time = ""] = cell.v.split("T");
      const clock = time.replace(/(Z|[+-]\d\d:?\d\d)$/, "").slice(0, 8);
      if (kind === "time") return { text: clock, isError: false };
      if (kind === "datetime" || (clock !== "" && clock !== "00:00:00"))
        return { text: `${date} ${clock}`.trim(), isError: false };
      return { text: date, isError: false };
    }
    default: {
      if (cell.v === "") return { text: "", isError: false };
      const kind = numberKind(cell.format);
      if (kind === "number") return { text: numberText(cell.v), isError: false };
      const serial = Number(cell.v);
      if (kind === "elapsed") {
        const seconds = Math.round(serial * 86_400);
        const h = Math.floor(seconds / 3600);
        return {
          text: `${pad(h)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`,
          isError: false,
        };
      }
      if (kind === "time") {
        const d = new Date(Math.round((((serial % 1) + 1) % 1) * 86_400) * 1000);
        return { text: hms(new Date(d.getTime() % DAY_MS)), isError: false };
      }
      const d = serialToDate(serial, date1904);
      if (!d) return { text: numberText(cell.v), isError: false };
      if (kind === "datetime") return { text: `${ymd(d)} ${hms(d)}`, isError: false };
      return { text: ymd(d), isError: false };
    }
  }
}
