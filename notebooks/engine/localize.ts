import type { Lang } from "../../messages/catalogue.ts";

/**
 * A chart spec in one language: any object that is exactly `{ zh, en }` of two strings (a title,
 * an axis label, a field: `{ "zh": "occupation_zh", "en": "occupation_en" }`) or of two arrays (a
 * scale's domain) becomes its value in `lang`; everything else is copied as is.
 *
 * @example localize({ title: { zh: "权数", en: "Weights" } }, "en") // { title: "Weights" }
 */
export function localize<T>(value: T, lang: Lang): T {
  if (Array.isArray(value)) return value.map((v) => localize(v, lang)) as T;
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const o = value as Record<string, unknown>;
  const both = (test: (v: unknown) => boolean) => test(o.zh) && test(o.en);
  if (keys.length === 2 && (both((v) => typeof v === "string") || both(Array.isArray))) return o[lang] as T;
  return Object.fromEntries(keys.map((k) => [k, localize(o[k], lang)])) as T;
}
