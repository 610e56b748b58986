import express from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, message } from "../../messages/catalogue.ts";
import { principal } from "../auth/authenticate.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { SESSION_COOKIE, type Sessions } from "../auth/sessions.ts";
import { SignInLimits, type SignInLock } from "../auth/signInLimits.ts";
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

/** The sign-in page; after a failure it says so, and under a lock how long to wait. */
function form(lang: Lang, next: string, failed: boolean | { lockedMinutes: number }): string {
  const t = (k: Parameters<typeof message>[0]) => message(k, lang);
  const alert =
    typeof failed === "object"
      ? message("ui.sign_in_locked", lang, { minutes: failed.lockedMinutes })
      : failed
        ? t("ui.sign_in_failed")
        : "";
  return layout(
    lang,
    t("ui.sign_in"),
    html`<h1>${t("ui.sign_in")}</h1>
${alert ? html`<p class="error" role="alert">${alert}</p>` : ""}
<form method="post" action="${lang === "en" ? "/signin?lang=en" : "/signin"}" class="signin">
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
  options: { secureCookies: boolean; limits?: SignInLimits },
): express.Router {
  const router = express.Router();
  const limits = options.limits ?? new SignInLimits();
  // a lock answers with the sign-in page, in the user's language, saying how long to wait
  const locked = (res: express.Response, lang: Lang, next: string, lock: SignInLock) => {
    const seconds = Math.max(1, Math.ceil((lock.until - Date.now()) / 1000));
    res
      .status(429)
      .set("Retry-After", String(seconds))
      .type("html")
      .send(form(lang, next, { lockedMinutes: Math.ceil(seconds / 60) }));
  };
  router.get("/signin", (req, res) => {
    res.type("html").send(form(langOf(req.query.lang), safeNext(req.query.next), false));
  });
  router.post("/signin", express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
    // Login CSRF: a sign-in must come from our own page.
    const origin = req.get("origin");
    if (origin && hostOf(origin) !== req.get("host"))
      throw new HttpError(403, "bad_origin", "sign-in from another site");
    const { user, password, next } = (req.body ?? {}) as Record<string, string | undefined>;
    const lang = langOf(req.query.lang);
    const address = req.ip ?? req.socket.remoteAddress ?? "";
    const held = limits.lockOf(user ?? "", address);
    if (held) {
      await audit(db, user ?? null, "sign_in_refused_locked", { ip: address, scope: held.scope });
      locked(res, lang, safeNext(next), held);
      return;
    }
    const rows = await db.query<{ user_name: string; password_hash: string | null }>(
      "select user_name, password_hash from users where user_name = $1 and not disabled",
      [user ?? ""],
    );
    const ok = rows[0] ? await verifyPassword(password ?? "", rows[0].password_hash) : false;
    await audit(db, user ?? null, ok ? "sign_in" : "sign_in_failed", { ip: req.ip });
    if (!ok) {
      const lock = limits.failed(user ?? "", address);
      if (lock) {
        await audit(db, user ?? null, "sign_in_locked", {
          ip: address,
          scope: lock.scope,
          until: new Date(lock.until).toISOString(),
        });
        locked(res, lang, safeNext(next), lock);
        return;
      }
      res
        .status(401)
        .type("html")
        .send(form(lang, safeNext(next), true));
      return;
    }
    limits.succeeded(rows[0]!.user_name, address);
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
