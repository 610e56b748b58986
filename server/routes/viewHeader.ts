import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { uploadsWithFiguresPending } from "../../models/index.ts";
import { html, type Raw } from "../html.ts";
import { indexName, latestRelease, nameIn, type PageContext, titleIn, viewQuery } from "./pageContext.ts";

const option = (value: string, label: string, selected: boolean): Raw =>
  html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;

/**
 * The filters of a view as a plain GET form, so the URL always says what is shown and a view
 * can be shared; app.js submits it on change. Hidden in print, where the header says the same.
 */
export function filterForm(ctx: PageContext, lang: Lang, action: string, show: { org?: boolean } = {}): Raw {
  const t = (k: MessageKey) => message(k, lang);
  const f = ctx.filters;
  return html`<form class="filters no-print" method="get" action="${action}" aria-label="${t("page.filters")}">
${ctx.studies.length > 1 ? html`<label>${t("page.filter_study")} <select name="study">${ctx.studies.map((s) => option(s.study_id, titleIn(s, lang), s.study_id === f.study))}</select></label>` : html`<input type="hidden" name="study" value="${f.study}">`}
<label>${t("page.filter_wave")} <select name="wave">${ctx.waves.map((w) => option(w.wave_id, titleIn(w, lang), w.wave_id === f.wave))}</select></label>
${
  show.org === false
    ? ""
    : html`<label>${t("page.filter_org")} <select name="org">${option("", t("page.all_orgs"), f.org === "")}${ctx.orgs.map((o) => option(o.organization_id, nameIn(o, lang), o.organization_id === f.org))}</select></label>`
}
<label>${t("page.filter_level")} <select name="level">${(["township", "village"] as const).map((l) => option(l, t(`level.${l}`), l === f.level))}</select></label>
<label>${t("page.filter_index")} <select name="index">${ctx.indices.map((i) => option(i, indexName(ctx, i, lang), i === f.index))}</select></label>
${lang === "en" ? html`<input type="hidden" name="lang" value="en">` : ""}
<button type="submit">${t("page.filter_apply")}</button>
<a class="print-link" href="${action}${viewQuery(f, lang, { print: "1" })}">${t("page.print")}</a>
</form>`;
}

/**
 * What a printed page must say about itself: study, wave, filters in words, and the release the
 * figures belong to (or that they are working figures).
 */
export async function releaseLine(
  db: Database,
  ctx: PageContext,
  lang: Lang,
  unit = "",
  township?: string,
): Promise<Raw> {
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  const f = ctx.filters;
  const wave = ctx.waves.find((w) => w.wave_id === f.wave)!;
  const org = ctx.orgs.find((o) => o.organization_id === f.org);
  const release = await latestRelease(db, f.study, f.wave);
  const pending = await uploadsWithFiguresPending(db, f.study);
  // the direct figures come first after an upload; the model-based ones follow
  const directPending = pending.size ? await uploadsWithFiguresPending(db, f.study, "direct") : pending;
  const parts = [
    `${t("page.filter_wave")}: ${titleIn(wave, lang)}`,
    unit,
    `${t("page.filter_org")}: ${org ? nameIn(org, lang) : t("page.all_orgs")}`,
    `${t("page.filter_level")}: ${t(`level.${f.level}`)}`,
    `${t("page.filter_index")}: ${indexName(ctx, f.index, lang)}`,
  ].filter(Boolean);
  return html`<p class="release-line">
<span class="filters-text">${parts.join(" · ")}</span>
<span class="release">${release ? t("print.release", { release: release.release_id, created: release.created_at }) : t("print.no_release")}</span>
${
  directPending.size
    ? html`<span class="notice updating" role="status">${t("page.figures_updating", { n: String(directPending.size) })}</span>`
    : pending.size
      ? html`<span class="notice updating" role="status">${t("page.model_figures_updating", { n: String(pending.size) })}</span>`
      : ""
}
${release ? html`<a class="report-link no-print" href="${reportHref(release.release_id, lang, township)}" download>${t(township ? "report.download_township" : "report.download_pdf")}</a>` : ""}
</p>`;
}

/** The printed report of a release (the district's, or one township's). */
function reportHref(release: string, lang: Lang, township?: string): string {
  const query = new URLSearchParams();
  if (township) query.set("township", township);
  if (lang === "en") query.set("lang", "en");
  const text = query.toString();
  return `/releases/${encodeURIComponent(release)}/report.pdf${text ? `?${text}` : ""}`;
}
