import express from "express";
import { rateLimit } from "express-rate-limit";
import type { Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { principal } from "../auth/authenticate.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { SESSION_COOKIE, type Sessions } from "../auth/sessions.ts";
import { audit } from "../auth/users.ts";
import { HttpError } from "../HttpError.ts";
import { html } from "../html.ts";
import { langOf } from "./api.ts";
import { layout } from "./layout.ts";

/** Only same-site relative paths are followed after sign-in. */
function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : "/";
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function form(lang: Lang, next: string, failed: boolean): string {
  const t = (k: Parameters<typeof message>[0]) => message(k, lang);
  return layout(
    lang,
    t("ui.sign_in"),
    html`<h1>${t("ui.sign_in")}</h1>
${failed ? html`<p class="error" role="alert">${t("ui.sign_in_failed")}</p>` : ""}
<form method="post" action="/signin" class="signin">
<input type="hidden" name="next" value="${next}">
<label>${t("ui.user_name")} <input name="user" autocomplete="username" required></label>
<label>${t("ui.password")} <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">${t("ui.sign_in")}</button>
</form>`,
  );
}

export function signInRouter(
  db: Database,
  sessions: Sessions,
  options: { secureCookies: boolean },
): express.Router {
  const router = express.Router();
  const limiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 10,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HttpError(429, "too_many_attempts", "too many sign-in attempts; wait 15 minutes")),
  });
  router.get("/signin", (req, res) => {
    res.type("html").send(form(langOf(req.query.lang), safeNext(req.query.next), false));
  });
  router.post("/signin", limiter, express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
    // Login CSRF: a sign-in must come from our own page.
    const origin = req.get("origin");
    if (origin && hostOf(origin) !== req.get("host"))
      throw new HttpError(403, "bad_origin", "sign-in from another site");
    const { user, password, next } = req.body as Record<string, string | undefined>;
    const rows = await db.query<{ user_name: string; password_hash: string | null }>(
      "select user_name, password_hash from users where user_name = $1 and not disabled",
      [user ?? ""],
    );
    const ok = rows[0] ? await verifyPassword(password ?? "", rows[0].password_hash) : false;
    await audit(db, user ?? null, ok ? "sign_in" : "sign_in_failed", { ip: req.ip });
    if (!ok) {
      res
        .status(401)
        .type("html")
        .send(form(langOf(req.query.lang), safeNext(next), true));
      return;
    }
    const session = await sessions.create(rows[0]!.user_name);
    res.cookie(SESSION_COOKIE, session.cookie, {
      httpOnly: true,
      sameSite: "lax",
      secure: options.secureCookies,
      path: "/",
      maxAge: 12 * 3600 * 1000,
    });
    res.redirect(303, safeNext(next));
  });
  router.post("/signout", express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
    const who = principal(res);
    if (who?.via === "session" && (req.body as Record<string, string> | undefined)?._csrf !== who.csrf)
      throw new HttpError(403, "csrf", "missing or wrong CSRF token");
    const cookie = req.get("cookie")?.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))?.[1];
    await sessions.destroy(cookie);
    if (who) await audit(db, who.user_name, "sign_out");
    res.clearCookie(SESSION_COOKIE, { path: "/" });
    res.redirect(303, "/signin");
  });
  return router;
}
