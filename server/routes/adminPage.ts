import express from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { listTokens, listUsers, revokeTokens, setUserDisabled } from "../auth/manageUsers.ts";
import type { Sessions } from "../auth/sessions.ts";
import { createToken, createUser, ROLES, type Role, setPassword } from "../auth/users.ts";
import { html, type Raw } from "../html.ts";
import { asHttpError, newPassword } from "./adminApi.ts";
import { langOf } from "./api.ts";
import { layout } from "./layout.ts";

type T = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A POST form to `action` with the CSRF token and one submit button. */
function postForm(action: string, csrf: string, label: string, extra: Raw | string = "", confirm = ""): Raw {
  return html`<form method="post" action="${action}" class="inline"${confirm ? html` data-confirm="${confirm}"` : ""}><input type="hidden" name="_csrf" value="${csrf}">${extra}<button type="submit">${label}</button></form>`;
}

async function adminBody(db: Database, t: T, csrf: string, q: string): Promise<Raw> {
  const users = await listUsers(db);
  const tokens = await listTokens(db);
  const roleOptions = ROLES.map((r) => html`<option value="${r}">${t(`role.${r}`)}</option>`);
  const userRows = users.map((u) => {
    const base = `/admin/users/${encodeURIComponent(u.user_name)}`;
    return html`<tr data-user="${u.user_name}"><td>${u.user_name}</td><td>${t(`role.${u.role}`)}</td>
<td>${u.disabled ? t("admin.disabled") : t("admin.active")}</td><td>${u.created_at}</td><td class="num">${u.n_tokens}</td>
<td class="actions">${
      u.disabled
        ? postForm(`${base}/enable${q}`, csrf, t("admin.enable"))
        : postForm(
            `${base}/disable${q}`,
            csrf,
            t("admin.disable"),
            "",
            t("admin.disable_confirm", { user: u.user_name }),
          )
    }${
      u.role === "assessment"
        ? ""
        : postForm(
            `${base}/password${q}`,
            csrf,
            t("admin.reset_password"),
            "",
            t("admin.reset_confirm", { user: u.user_name }),
          )
    }${postForm(
      `${base}/tokens${q}`,
      csrf,
      t("admin.create_token"),
      html`<input name="label" placeholder="${t("admin.label")}" maxlength="200" aria-label="${t("admin.label")}">`,
    )}</td></tr>`;
  });
  const tokenRows = tokens.map(
    (
      k,
    ) => html`<tr data-token="${k.token_id}"><td><code>${k.token_id}</code></td><td>${k.user_name}</td><td>${k.label}</td>
<td>${k.created_at}</td><td>${k.revoked_at ?? ""}</td><td>${
      k.revoked_at
        ? ""
        : postForm(
            `/admin/users/${encodeURIComponent(k.user_name)}/tokens/revoke${q}`,
            csrf,
            t("admin.revoke"),
            html`<input type="hidden" name="token_id" value="${k.token_id}">`,
          )
    }</td></tr>`,
  );
  return html`<h1>${t("admin.title")}</h1>
<h2>${t("admin.users")}</h2>
<table class="grid admin-users"><thead><tr><th>${t("admin.user")}</th><th>${t("admin.role")}</th><th>${t("admin.status")}</th><th>${t("admin.created")}</th><th>${t("admin.n_tokens")}</th><th>${t("admin.actions")}</th></tr></thead>
<tbody>${userRows}</tbody></table>
<h2>${t("admin.add_user")}</h2>
<form method="post" action="/admin/users${q}" class="add-user"><input type="hidden" name="_csrf" value="${csrf}">
<label>${t("admin.user")} <input name="user" required pattern="[A-Za-z0-9_.@\\-]{2,64}"></label>
<label>${t("admin.role")} <select name="role">${roleOptions}</select></label>
<button type="submit">${t("admin.add")}</button></form>
<h2>${t("admin.tokens")}</h2>
${
  tokens.length
    ? html`<table class="grid admin-tokens"><thead><tr><th>${t("admin.token_id")}</th><th>${t("admin.user")}</th><th>${t("admin.label")}</th><th>${t("admin.created")}</th><th>${t("admin.revoked")}</th><th>${t("admin.actions")}</th></tr></thead>
<tbody>${tokenRows}</tbody></table>`
    : html`<p>${t("admin.no_tokens")}</p>`
}
<script src="/assets/admin.js"></script>`;
}

/**
 * The admin page: users and roles, disable and enable, password resets and API tokens (new
 * passwords and tokens shown once, on the answer page). Plain forms with the session's CSRF
 * token; every change goes through the same functions as the admin API, audited, and empties
 * the server's lookup cache so a revocation holds at the next request.
 */
export function adminPageRouter(db: Database, sessions: Sessions): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: "8kb" });
  const guard = requireRole("users", { page: true });
  const context = (req: express.Request, res: express.Response) => {
    const lang: Lang = langOf(req.query.lang);
    const t: T = (k, p = {}) => message(k, lang, p);
    return { lang, t, who: principal(res)!, q: lang === "en" ? "?lang=en" : "" };
  };

  router.get("/admin", guard, async (req, res) => {
    const { lang, t, who, q } = context(req, res);
    res.type("html").send(
      layout(lang, t("admin.title"), await adminBody(db, t, who.csrf ?? "", q), who, {
        url: req.originalUrl,
      }),
    );
  });

  /** Do `work`, then answer with a page saying what happened (and the once-shown secret). */
  const act =
    (work: (req: express.Request, by: string, t: T) => Promise<{ text: string; secret?: string }>) =>
    async (req: express.Request, res: express.Response) => {
      const { lang, t, who, q } = context(req, res);
      let body: Raw;
      let status = 200;
      try {
        const done = await work(req, who.user_name, t);
        body = html`<h1>${t("admin.title")}</h1><p class="notice" role="status">${done.text}</p>${
          done.secret ? html`<p><code class="once-secret">${done.secret}</code></p>` : ""
        }`;
      } catch (error) {
        const e = asHttpError(error);
        status = e.status;
        body = html`<h1>${t("admin.title")}</h1><p class="error" role="alert">${t("admin.failed", { reason: e.message })}</p>`;
      } finally {
        sessions.forgetLookups();
      }
      res
        .status(status)
        .type("html")
        .send(
          layout(
            lang,
            t("admin.title"),
            html`${body}<p><a href="/admin${q}">${t("admin.back")}</a></p>`,
            who,
          ),
        );
    };
  const field = (req: express.Request, name: string) => {
    const v = (req.body as Record<string, unknown>)[name];
    return typeof v === "string" ? v.trim() : "";
  };
  const name = (req: express.Request) => String(req.params.name);

  router.post(
    "/admin/users",
    form,
    guard,
    act(async (req, by, t) => {
      const user = field(req, "user");
      const role = field(req, "role") as Role;
      if (!ROLES.includes(role)) throw new Error(`role must be one of ${ROLES.join(", ")}`);
      const password = role === "assessment" ? null : newPassword();
      await createUser(db, user, role, password, by);
      return {
        text: `${t("admin.user_added", { user, role: t(`role.${role}`) })}${password ? ` ${t("admin.once_password", { user })}` : ""}`,
        ...(password ? { secret: password } : {}),
      };
    }),
  );
  for (const [verb, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const)
    router.post(
      `/admin/users/:name/${verb}`,
      form,
      guard,
      act(async (req, by, t) => {
        await setUserDisabled(db, name(req), disabled, by);
        return { text: t("admin.done", { what: `${t(`admin.${verb}`)} ${name(req)}` }) };
      }),
    );
  router.post(
    "/admin/users/:name/password",
    form,
    guard,
    act(async (req, by, t) => {
      const password = newPassword();
      await setPassword(db, name(req), password, by);
      return { text: t("admin.once_password", { user: name(req) }), secret: password };
    }),
  );
  router.post(
    "/admin/users/:name/tokens",
    form,
    guard,
    act(async (req, by, t) => {
      const label = field(req, "label").slice(0, 200) || "api";
      const token = await createToken(db, name(req), label, by);
      return { text: t("admin.once_token", { user: name(req), label }), secret: token };
    }),
  );
  router.post(
    "/admin/users/:name/tokens/revoke",
    form,
    guard,
    act(async (req, by, t) => {
      const id = field(req, "token_id");
      if (!id) throw new Error("token_id is missing");
      await revokeTokens(db, name(req), id, by);
      return { text: t("admin.done", { what: `${t("admin.revoke")} ${id}` }) };
    }),
  );
  return router;
}
