import { basename } from "node:path";
import express from "express";
import type { Lang } from "../../messages/catalogue.ts";
import { type NotebookMessageKey, notebookMessage } from "../../messages/notebooks.ts";
import {
  clientScript,
  findNotebook,
  listNotebooks,
  loadNotebook,
  NOTEBOOK_CSS,
  NOTEBOOKS_DIR,
  NotebookError,
  type ParamSpec,
  type ParamValue,
  renderBody,
  renderNotebook,
  snapshotStudies,
} from "../../notebooks/engine/index.ts";
import type { Staleness } from "../analytics.ts";
import { allowed, principal, requireRole } from "../auth/index.ts";
import { HttpError } from "../HttpError.ts";
import { html, type Raw } from "../html.ts";
import type { SqlSandbox } from "../sandbox/index.ts";
import { langOf } from "./api.ts";
import { layout } from "./layout.ts";
import { staleBanner } from "./staleBanner.ts";

export interface NotebooksRouterOptions {
  /** The server's SQL sandbox, started over the current analytics snapshot (snapshotTables lists what it must hold). */
  sandbox: SqlSandbox;
  /** Whether the snapshot is behind the database (a failed refresh): a banner says so. */
  staleness?: () => Staleness | undefined;
  /** Where the notebooks are (default: the shipped notebooks/ folder). */
  dir?: string;
}

/** Query-string keys of the page itself; every other key is a notebook parameter. */
const RESERVED = new Set(["lang", "suppress", "study"]);

/**
 * `/notebooks` (the list) and `/notebooks/{name}` (one notebook run on the sandbox and
 * rendered, with a GET form for its parameters), both for the study of `?study=` (default: the
 * snapshot's first). The list shows the notebooks for any study and those declared for this
 * one; a notebook declared for another study is named apart and refused if asked for (422).
 * Readers see suppressed output; analysts and admins may add `suppress=0`. A notebook that
 * fails answers 422 with the place and cause.
 */
export function notebooksRouter(options: NotebooksRouterOptions): express.Router {
  const dir = options.dir ?? NOTEBOOKS_DIR;
  const router = express.Router();
  const script = `import { expressionInterpreter } from "/assets/vendor/vega-interpreter.js";\n${clientScript()}`;
  router.get("/notebooks/assets/notebook.js", (_req, res) => {
    res.type("application/javascript").set("Cache-Control", "no-cache").send(script);
  });
  router.get("/notebooks/assets/notebook.css", (_req, res) => {
    res.type("text/css").set("Cache-Control", "no-cache").send(NOTEBOOK_CSS);
  });

  router.get("/notebooks", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (key: NotebookMessageKey, params: Record<string, string | number> = {}) =>
      notebookMessage(key, lang, params);
    // no snapshot yet (no model run): the list still shows every notebook, none filtered
    const studies = await snapshotStudies(options.sandbox).then(
      (found) => [...found.keys()],
      () => [] as string[],
    );
    const wanted = typeof req.query.study === "string" ? req.query.study : undefined;
    const study = studies.find((s) => s === wanted) ?? studies[0];
    const items: Raw[] = [];
    const elsewhere: string[] = [];
    for (const name of listNotebooks(dir)) {
      try {
        const notebook = loadNotebook(`${dir}/${name}.md`);
        if (study && notebook.study && notebook.study !== study) {
          elsewhere.push(`${name} (${notebook.study})`);
          continue;
        }
        const query = study ? `?lang=${lang}&study=${study}` : `?lang=${lang}`;
        items.push(html`<li><a href="/notebooks/${name}${query}">${notebook.title[lang]}</a></li>`);
      } catch (error) {
        items.push(html`<li>${name}: <span class="nb-warning">${(error as Error).message}</span></li>`);
      }
    }
    const switcher =
      studies.length > 1
        ? html`<p class="nb-studies">${t("notebook.study")}: ${studies.map((s) => (s === study ? html`<strong>${s}</strong> ` : html`<a href="/notebooks?lang=${lang}&study=${s}">${s}</a> `))}</p>`
        : "";
    const others = elsewhere.length
      ? html`<p class="nb-meta">${t("notebook.other_studies", { count: elsewhere.length, names: elsewhere.join(", ") })}</p>`
      : "";
    const body = html`<h1>${t("notebook.list_title")}</h1>${switcher}${items.length ? html`<ul class="nb-list">${items}</ul>` : html`<p>${t("notebook.list_empty")}</p>`}${others}`;
    res.type("html").send(layout(lang, t("notebook.list_title"), body, principal(res)));
  });

  router.get("/notebooks/:name", requireRole("overview", { page: true }), async (req, res, next) => {
    const lang = langOf(req.query.lang);
    const name = String(req.params.name);
    const path = findNotebook(dir, name);
    if (!path) {
      next(new HttpError(404, "not_found", notebookMessage("notebook.not_found", lang, { name })));
      return;
    }
    const suppress = req.query.suppress !== "0";
    if (!suppress && !allowed("sql", principal(res)?.role)) {
      next(new HttpError(403, "forbidden", notebookMessage("notebook.unsuppressed_forbidden", lang)));
      return;
    }
    const given: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.query)) {
      if (RESERVED.has(key)) continue;
      if (typeof value !== "string") {
        next(new HttpError(400, "bad_parameter", `parameter ${key} is given more than once`));
        return;
      }
      given[key] = value;
    }
    let title = name;
    try {
      const notebook = loadNotebook(path);
      title = notebook.title[lang];
      const rendered = await renderNotebook(notebook, {
        // the fair queue counts a notebook's queries as its reader's
        sandbox: options.sandbox.forUser(principal(res)?.user_name ?? "anonymous"),
        params: given,
        suppress,
        ...(typeof req.query.study === "string" ? { study: req.query.study } : {}),
        lang,
      });
      const form = paramForm(rendered.params, rendered.values, lang, suppress, rendered.study);
      const snapshot = basename(options.sandbox.snapshotPath ?? "");
      const body = html`<link rel="stylesheet" href="/notebooks/assets/notebook.css">
${staleBanner(options.staleness?.(), lang)}
${renderBody(rendered, lang, form)}
<p class="nb-meta">${notebookMessage("notebook.rendered_at", lang, { at: new Date().toISOString(), snapshot })}</p>
<script src="/assets/vendor/vega.min.js"></script>
<script src="/assets/vendor/vega-lite.min.js"></script>
<script src="/assets/vendor/vega-embed.min.js"></script>
<script type="module" src="/notebooks/assets/notebook.js"></script>`;
      res.type("html").send(layout(lang, title, body, principal(res)));
    } catch (error) {
      if (!(error instanceof NotebookError)) {
        next(error);
        return;
      }
      const body = html`<link rel="stylesheet" href="/notebooks/assets/notebook.css">
${staleBanner(options.staleness?.(), lang)}
<h1>${title}</h1>
<h2>${notebookMessage("notebook.failed", lang)}</h2>
<pre class="nb-error">${error.message}</pre>`;
      res
        .status(422)
        .type("html")
        .send(layout(lang, title, body, principal(res)));
    }
  });
  return router;
}

function paramForm(
  params: ParamSpec[],
  values: Record<string, ParamValue>,
  lang: Lang,
  suppress: boolean,
  study: string,
): Raw | undefined {
  if (params.length === 0) return undefined;
  const field = (p: ParamSpec) => {
    const label = p.label?.[lang] ?? p.name;
    const value = String(values[p.name]);
    const choices = p.choices ?? (p.type === "boolean" ? ["true", "false"] : undefined);
    const input = choices
      ? html`<select name="${p.name}">${choices.map((c) => html`<option value="${c}"${String(c) === value ? html` selected` : ""}>${p.choiceLabels?.[String(c)]?.[lang] ?? c}</option>`)}</select>`
      : html`<input name="${p.name}" value="${value}" type="${p.type === "string" ? "text" : "number"}"${p.type === "number" ? html` step="any"` : ""}>`;
    return html`<label>${label} ${input}</label> `;
  };
  return html`<form method="get" class="nb-params"><fieldset><legend>${notebookMessage("notebook.parameters", lang)}</legend>
${params.map(field)}<input type="hidden" name="lang" value="${lang}"><input type="hidden" name="study" value="${study}">${suppress ? "" : html`<input type="hidden" name="suppress" value="0">`}
<button type="submit">${notebookMessage("notebook.run", lang)}</button></fieldset></form>`;
}
