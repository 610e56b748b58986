import { join } from "node:path";
import express from "express";
import { z } from "zod";
import type { Database } from "../../db/index.ts";
import { type MessageKey, message } from "../../messages/catalogue.ts";
import { readRelease, runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";
import { readThemeCodebook, saveThemeCodebook, type Theme } from "../../themes/index.ts";
import { apiRoute, mount } from "../api/apiRoute.ts";
import { Id, RecordId } from "../api/params.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { HttpError } from "../HttpError.ts";
import { html, type Raw } from "../html.ts";
import type { Writer } from "../writer.ts";
import { langOf, martOf } from "./api.ts";
import { layout } from "./layout.ts";
import { type PageContext, pageContext, titleIn } from "./pageContext.ts";

interface ThemeRow {
  item: string;
  organization_id: string;
  theme_id: string;
  unit_code: string;
  estimate_0_100: number | null;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  n: number | null;
  is_withheld: boolean;
  change_0_100: number | null;
  change_p_value: number | null;
}

const one = (v: number | null) => (v === null ? "" : (Math.round(v * 10) / 10).toFixed(1));

/** The theme codebook file of a study (study.yaml open_answers.codebook), or undefined. */
async function codebookPath(db: Database, study: string): Promise<string | undefined> {
  const rows = await db.query<{ study_dir: string }>("select study_dir from studies where study_id = $1", [
    study,
  ]);
  if (!rows[0]) return undefined;
  const def = await loadStudy(rows[0].study_dir);
  return def.open_answers ? join(def.dir, def.open_answers.codebook) : undefined;
}

/** A row of the theme_scores mart (a theme's share of the answers to one open question). */
const ThemeRow = z.looseObject({
  item: z.string(),
  organization_id: z.string(),
  theme_id: z.string(),
  unit_level: z.string(),
  unit_code: z.string(),
  group_var: z.string(),
  group_value: z.string(),
  estimate_0_100: z.number().nullable(),
  n: z.int().nullable(),
  is_withheld: z.boolean(),
});

export const studyThemes = apiRoute({
  method: "get",
  path: "/studies/:study/themes",
  summary: "Theme shares of the open answers (theme_scores), at district or township level",
  capability: "figures",
  params: z.object({ study: Id }),
  query: z.object({
    level: z.enum(["district", "township"]).default("district"),
    wave: Id.optional(),
    item: z.string().max(64).meta({ description: "an open question" }).optional(),
  }),
  responses: {
    200: { description: "theme shares", schema: z.object({ rows: z.array(ThemeRow) }) },
    404: { description: "no theme figures for this study" },
  },
});

export const releaseThemes = apiRoute({
  method: "get",
  path: "/releases/:id/themes",
  summary: "A release's frozen theme shares (checked against the release's sha256, like its scores)",
  capability: "scores",
  params: z.object({ id: RecordId }),
  responses: {
    200: {
      description: "theme shares",
      schema: z.object({ release_id: z.string(), rows: z.array(ThemeRow) }),
    },
    404: { description: "no such release, or it holds no theme shares" },
  },
});

/**
 * The open-answer pages: theme shares per question (/themes), one theme with its townships and
 * masked example answers (/themes/:item/:theme), the codebook editor for analysts
 * (/themes/codebook), and the JSON of theme_scores (/api/v1/studies/:study/themes).
 */
export function themesRouter(db: Database, writer: Writer): express.Router {
  const router = express.Router();
  const api = express.Router();
  router.use("/api/v1", api);

  mount(api, studyThemes, [], async (_req, res, { params, query }) => {
    const mart = await martOf(db, "theme_scores", params.study);
    if (!mart) throw new HttpError(404, "not_found", "no theme figures for this study");
    const level = query.level;
    const rows = await db.query(
      `select * from ${mart} where unit_level = $1 and ($2 = '' or wave_id = $2) and ($3 = '' or item = $3)
       order by wave_id, item, unit_code, group_var, group_value, theme_id`,
      [level, query.wave ?? "", query.item ?? ""],
    );
    res.json({ rows });
  });

  // a release's frozen theme shares (checked against the release's sha256, like its scores)
  mount(api, releaseThemes, [], async (_req, res, { params }) => {
    let release: Awaited<ReturnType<typeof readRelease>>;
    try {
      release = await readRelease(db, params.id);
    } catch (error) {
      throw new HttpError(404, "not_found", (error as Error).message);
    }
    const { file, record } = release;
    if (!file.theme_columns) throw new HttpError(404, "not_found", "this release holds no theme shares");
    const columns = file.theme_columns;
    res.set("ETag", `"${record.sha256}"`).json({
      release_id: record.release_id,
      rows: (file.theme_rows ?? []).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))),
    });
  });

  router.get("/themes", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const ctx = await pageContext(db, req.query);
    const mart = ctx && (await martOf(db, "theme_scores", ctx.study.study_id));
    const path = ctx && (await codebookPath(db, ctx.study.study_id));
    if (!ctx || !mart || !path) {
      res
        .type("html")
        .send(
          layout(lang, t("themes.title"), html`<p class="empty">${t("themes.none")}</p>`, principal(res)),
        );
      return;
    }
    const names = themeNames(readThemeCodebook(path).themes, lang, t);
    const rows = await db.query<ThemeRow>(
      `select * from ${mart} where wave_id = $1 and unit_level = 'district' and group_var = ''
       order by item, estimate_0_100 desc nulls last, theme_id`,
      [ctx.filters.wave],
    );
    const wave = ctx.waves.find((w) => w.wave_id === ctx.filters.wave)!;
    const q = lang === "en" ? "&lang=en" : "";
    // in the order of the organizations
    const orgRank = (item: string) => {
      const k = ctx.orgs.findIndex(
        (o) => o.organization_id === rows.find((r) => r.item === item)?.organization_id,
      );
      return k < 0 ? ctx.orgs.length : k;
    };
    const items = [...new Set(rows.map((r) => r.item))].sort(
      (a, b) => orgRank(a) - orgRank(b) || (a < b ? -1 : 1),
    );
    const sections = items.map((item) => {
      const org = ctx.orgs.find(
        (o) => o.organization_id === rows.find((r) => r.item === item)?.organization_id,
      );
      const heading = org ? (lang === "zh" ? org.name_zh : org.name_en) : t("themes.question", { item });
      return html`<section class="themes"><h2>${heading}</h2>
${shareTable(
  rows.filter((r) => r.item === item),
  (r) =>
    r.theme_id.startsWith("_")
      ? names(r.theme_id)
      : html`<a href="/themes/${item}/${r.theme_id}?wave=${ctx.filters.wave}${q}">${names(r.theme_id)}</a>`,
  t,
)}</section>`;
    });
    const body = html`<div class="page-head"><h1>${t("themes.title")} <span class="wave">${titleIn(wave, lang)}</span></h1></div>
<p class="note">${t("themes.intro")}</p>
${sections}
${["admin", "analyst"].includes(principal(res)?.role ?? "") ? html`<p><a href="/themes/codebook${lang === "en" ? "?lang=en" : ""}">${t("themes.codebook")}</a></p>` : ""}`;
    res.type("html").send(
      layout(lang, `${t("themes.title")} · ${t("ui.app_name")}`, body, principal(res), {
        url: req.originalUrl,
      }),
    );
  });

  router.get("/themes/codebook", requireRole("editThemes", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string | number> = {}) =>
      message(k, lang, p as Record<string, string>);
    const ctx = await pageContext(db, req.query);
    const path = ctx && (await codebookPath(db, ctx.study.study_id));
    if (!ctx || !path) {
      res
        .type("html")
        .send(
          layout(lang, t("themes.codebook"), html`<p class="empty">${t("themes.none")}</p>`, principal(res)),
        );
      return;
    }
    const book = readThemeCodebook(path);
    const uncodedMart = await martOf(db, "open_answers_uncoded", ctx.study.study_id);
    const uncoded = uncodedMart
      ? await db.query<{ item: string; answer: string; n_answers: number }>(
          `select item, answer, sum(n_answers)::integer as n_answers from ${uncodedMart} group by all order by n_answers desc, answer limit 50`,
        )
      : [];
    const saved = typeof req.query.saved === "string" ? req.query.saved : "";
    const who = principal(res);
    const body = html`<div class="page-head"><h1>${t("themes.codebook")} <span class="wave">${t("themes.codebook_version", { version: book.version })}</span></h1></div>
${saved ? html`<p class="notice">${t("themes.saved", { version: saved })}</p>` : ""}
<p class="note">${t("themes.codebook_help")}</p>
<form method="post" action="/themes/codebook?study=${ctx.study.study_id}${lang === "en" ? "&lang=en" : ""}" class="codebook">
<input type="hidden" name="_csrf" value="${who?.csrf ?? ""}">
<input type="hidden" name="version" value="${book.version}">
<table><thead><tr><th>${t("themes.theme")}</th><th>${t("themes.keywords")}</th><th>${t("themes.phrases")}</th><th>${t("themes.exclusions")}</th></tr></thead><tbody>
${book.themes.map(
  (th) => html`<tr><th>${lang === "zh" ? th.name.zh : th.name.en}<br><code>${th.id}</code></th>
<td><textarea name="keywords.${th.id}" rows="3" cols="30">${th.keywords.join(", ")}</textarea></td>
<td><textarea name="phrases.${th.id}" rows="3" cols="24">${th.phrases.map((p) => p.join("+")).join(", ")}</textarea></td>
<td><textarea name="exclusions.${th.id}" rows="3" cols="18">${th.exclusions.join(", ")}</textarea></td></tr>`,
)}
</tbody></table>
<button type="submit">${t("themes.save")}</button>
</form>
<h2>${t("themes.uncoded_list")}</h2>
<table class="uncoded"><tbody>${uncoded.map((u) => html`<tr><td>${u.answer}</td><td>${u.n_answers}</td></tr>`)}</tbody></table>`;
    res
      .type("html")
      .send(
        layout(lang, `${t("themes.codebook")} · ${t("ui.app_name")}`, body, who, { url: req.originalUrl }),
      );
  });

  router.post(
    "/themes/codebook",
    // the form is read first: its _csrf field is what requireRole checks
    express.urlencoded({ extended: false, limit: "1mb" }),
    requireRole("editThemes", { page: true }),
    async (req, res) => {
      const study = typeof req.query.study === "string" ? req.query.study : "";
      const path = await codebookPath(db, study);
      if (!path) throw new HttpError(404, "not_found", "this study has no theme codebook");
      const form = req.body as Record<string, string>;
      const list = (v: string | undefined) =>
        (v ?? "")
          .split(/[,，、\n]/)
          .map((s) => s.trim())
          .filter(Boolean);
      const book = readThemeCodebook(path);
      const themes = book.themes.map((th) => ({
        ...th,
        keywords: list(form[`keywords.${th.id}`]),
        phrases: list(form[`phrases.${th.id}`])
          .map((p) =>
            p
              .split("+")
              .map((w) => w.trim())
              .filter(Boolean),
          )
          .filter((p) => p.length >= 2),
        exclusions: list(form[`exclusions.${th.id}`]),
      }));
      const who = principal(res)!;
      const next = await writer.run(async () => {
        let saved: ReturnType<typeof saveThemeCodebook>;
        try {
          saved = saveThemeCodebook(
            path,
            { themes },
            { version: Number(form.version), by: who.user_name, at: new Date().toISOString().slice(0, 10) },
          );
        } catch (error) {
          throw new HttpError(409, "codebook_not_saved", (error as Error).message);
        }
        const rows = await db.query<{ study_dir: string }>(
          "select study_dir from studies where study_id = $1",
          [study],
        );
        await runModels(db, await loadStudy(rows[0]!.study_dir));
        return saved;
      });
      res.redirect(
        303,
        `/themes/codebook?study=${study}&saved=${next.version}${req.query.lang === "en" ? "&lang=en" : ""}`,
      );
    },
  );

  router.get("/themes/:item/:theme", requireRole("overview", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const ctx = await pageContext(db, req.query);
    const mart = ctx && (await martOf(db, "theme_scores", ctx.study.study_id));
    const examplesMart = ctx && (await martOf(db, "theme_examples", ctx.study.study_id));
    const path = ctx && (await codebookPath(db, ctx.study.study_id));
    if (!ctx || !mart || !examplesMart || !path) throw new HttpError(404, "not_found", "no such theme");
    const item = String(req.params.item);
    const theme = String(req.params.theme);
    const names = themeNames(readThemeCodebook(path).themes, lang, t);
    const rows = await db.query<ThemeRow>(
      `select * from ${mart} where wave_id = $1 and item = $2 and theme_id = $3 and group_var = ''
       order by unit_level, estimate_0_100 desc nulls last, unit_code`,
      [ctx.filters.wave, item, theme],
    );
    if (rows.length === 0) throw new HttpError(404, "not_found", "no such theme");
    const examples = await db.query<{ answer: string }>(
      `select answer from ${examplesMart} where wave_id = $1 and item = $2 and theme_id = $3 order by example_rank`,
      [ctx.filters.wave, item, theme],
    );
    const district = rows.filter((r) => r.unit_code === "");
    const townships = rows.filter((r) => r.unit_code !== "" && !r.is_withheld);
    const body = html`<div class="page-head"><h1>${names(theme)}</h1></div>
${shareTable(district, () => names(theme), t)}
<h2>${t("themes.examples")}</h2>
${examples.length ? html`<ul class="examples">${examples.map((e) => html`<li>${e.answer}</li>`)}</ul>` : html`<p class="empty">${t("themes.no_examples")}</p>`}
<h2>${t("themes.by_township")}</h2>
${shareTable(townships, (r) => r.unit_code, t)}`;
    res
      .type("html")
      .send(
        layout(lang, `${names(theme)} · ${t("ui.app_name")}`, body, principal(res), { url: req.originalUrl }),
      );
  });

  return router;
}

function themeNames(themes: readonly Theme[], lang: "zh" | "en", t: (k: MessageKey) => string) {
  return (id: string): string => {
    if (id === "_blank") return t("themes.blank");
    if (id === "_uncoded") return t("themes.uncoded");
    const theme = themes.find((th) => th.id === id);
    return theme ? (lang === "zh" ? theme.name.zh : theme.name.en) : id;
  };
}

function shareTable(
  rows: ThemeRow[],
  label: (r: ThemeRow) => string | Raw,
  t: (k: MessageKey) => string,
): Raw {
  return html`<table class="theme-shares"><thead><tr><th>${t("themes.theme")}</th><th>${t("themes.share")}</th><th>${t("themes.ci")}</th><th>${t("themes.change")}</th><th>${t("themes.n")}</th></tr></thead><tbody>
${rows.map((r) =>
  r.is_withheld
    ? html`<tr class="withheld"><th>${label(r)}</th><td colspan="4">${t("themes.withheld")}</td></tr>`
    : html`<tr><th>${label(r)}</th><td>${one(r.estimate_0_100)}</td><td>${one(r.ci_low_0_100)}–${one(r.ci_high_0_100)}</td><td>${
        r.change_0_100 === null
          ? ""
          : `${r.change_0_100 > 0 ? "+" : ""}${one(r.change_0_100)}${r.change_p_value !== null && r.change_p_value < 0.05 ? t("themes.significant") : ""}`
      }</td><td>${r.n ?? ""}</td></tr>`,
)}
</tbody></table>`;
}

/**
 * The overview's themes section: for each organization's open question, its three most raised
 * themes in the wave with their CIs and change (suppressed figures are left out). Empty when the
 * study has no open answers.
 */
export async function themesSection(
  db: Database,
  ctx: PageContext,
  lang: "zh" | "en",
): Promise<Raw | string> {
  const mart = await martOf(db, "theme_scores", ctx.study.study_id);
  const path = mart && (await codebookPath(db, ctx.study.study_id));
  if (!mart || !path) return "";
  const t = (k: MessageKey) => message(k, lang);
  const names = themeNames(readThemeCodebook(path).themes, lang, t);
  const rows = await db.query<ThemeRow & { theme_rank: number }>(
    `select * from (
       select *, row_number() over (partition by item order by estimate_0_100 desc nulls last, theme_id) as theme_rank
       from ${mart}
       where wave_id = $1 and unit_level = 'district' and group_var = '' and not is_withheld and theme_id not like '\\_%' escape '\\'
     ) where theme_rank <= 3 order by item, theme_rank`,
    [ctx.filters.wave],
  );
  if (rows.length === 0) return "";
  const q = lang === "en" ? "&lang=en" : "";
  const items = [...new Set(rows.map((r) => r.item))];
  return html`<section class="themes-overview"><h2>${t("themes.title")}</h2>
${items.map((item) => {
  const org = ctx.orgs.find((o) => o.organization_id === rows.find((r) => r.item === item)?.organization_id);
  return html`<h3>${org ? (lang === "zh" ? org.name_zh : org.name_en) : item}</h3>
${shareTable(
  rows.filter((r) => r.item === item),
  (r) => html`<a href="/themes/${item}/${r.theme_id}?wave=${ctx.filters.wave}${q}">${names(r.theme_id)}</a>`,
  t,
)}`;
})}
<p class="note"><a href="/themes?wave=${ctx.filters.wave}${q}">${t("themes.intro")}</a></p></section>`;
}
