import type { Request } from "express";
import type { Lang } from "../messages/catalogue.ts";

/** The language of an API answer: `?lang=`, else the client's Accept-Language, else zh-CN. */
export function requestLang(req: Request): Lang {
  const asked = req.query?.lang;
  if (asked === "en" || asked === "zh") return asked;
  return req.acceptsLanguages("zh", "en") === "en" ? "en" : "zh";
}
