import type { Request } from "express";
import { message } from "../messages/catalogue.ts";
import { HttpError } from "./HttpError.ts";
import { requestLang } from "./requestLang.ts";

/**
 * The request-body parsers' own errors (too large, malformed JSON, an unknown charset) as the
 * 4xx they are, with a message from the catalogue; undefined for any other error.
 */
export function bodyError(error: unknown, req: Request): HttpError | undefined {
  const e = error as { type?: unknown; status?: unknown; limit?: unknown } | null;
  if (!e || typeof e.type !== "string" || typeof e.status !== "number") return undefined;
  if (e.status < 400 || e.status >= 500) return undefined;
  const lang = requestLang(req);
  if (e.type === "entity.too.large") {
    const limit = typeof e.limit === "number" ? `${Math.round(e.limit / 1024)} kB` : "";
    return new HttpError(413, "body_too_large", message("api.body_too_large", lang, { limit }));
  }
  if (e.type === "entity.parse.failed") return new HttpError(400, "bad_json", message("api.bad_json", lang));
  return new HttpError(e.status, "bad_body", message("api.bad_body", lang, { reason: e.type }));
}
