import type { Request, Response } from "express";
import { type Lang, message } from "../../messages/catalogue.ts";
import { principal } from "../auth/authenticate.ts";
import { html } from "../html.ts";
import { langOf } from "./api.ts";
import { layout } from "./layout.ts";

/**
 * Whether an error should be answered as a page: a browser asking for a page route. The API
 * (/api/…) and clients that do not prefer HTML get the JSON error as before.
 */
export function wantsErrorPage(req: Request): boolean {
  return !req.path.startsWith("/api/") && req.method === "GET" && req.accepts(["json", "html"]) === "html";
}

/**
 * 403, 404 and 500 (and any other status) as a page in the product's layout and the reader's
 * language, with the navigation of who is signed in. `detail` is the error's own message when it
 * was written for users (a route's HttpError), never an internal error's text.
 */
export function sendErrorPage(req: Request, res: Response, status: number, detail = ""): void {
  // as every page: Chinese unless ?lang=en
  const lang: Lang = langOf(req.query?.lang);
  const kind = status === 403 || status === 404 ? status : 500;
  const title = message(`error.${kind}_title`, lang);
  const text = message(`error.${kind}_text`, lang);
  const body = html`<section class="error-page">
<h1>${title} <span class="status">${status}</span></h1>
<p>${text}</p>
${detail && detail !== text ? html`<p class="note">${detail}</p>` : ""}
<p><a href="/${lang === "en" ? "?lang=en" : ""}">${message("error.back", lang)}</a></p>
</section>`;
  res
    .status(status)
    .type("html")
    .send(
      layout(lang, `${title} · ${message("ui.app_name", lang)}`, body, principal(res), {
        url: req.originalUrl,
      }),
    );
}
