import type { Lang } from "../../messages/catalogue.ts";

/**
 * A chart spec in one language: any object that is exactly `{ zh, en }` (a title, an axis
 * label) becomes the string in `lang`; everything else is copied as is.
 *
 * @example localize({ title: { zh: "权数", en: "Weights" } }, "en") // { title: "Weights" }
 */
export function localize<T>(value: T, lang: Lang): T {
  if (Array.isArray(value)) return value.map((v) => localize(v, lang)) as T;
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const o = value as Record<string, unknown>;
  if (keys.length === 2 && typeof o.zh === "string" && typeof o.en === "string") return o[lang] as T;
  return Object.fromEntries(keys.map((k) => [k, localize(o[k], lang)])) as T;
}
