import type { Request } from "express";
import express from "express";
import type { Database } from "../../db/index.ts";
import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { listReleases, type ReleaseRecord, readRelease } from "../../models/index.ts";
import { principal, requireRole } from "../auth/authenticate.ts";
import { HttpError } from "../HttpError.ts";
import { html } from "../html.ts";
import { renderPdf } from "../report/renderPdf.ts";
import { reportData } from "../report/reportData.ts";
import { type ReportKind, reportDocument, reportFooter, townshipCodes } from "../report/reportPage.ts";
import { sitesReportData, sitesReportDocument } from "../report/sitesReport.ts";
import { langOf } from "./api.ts";
import { layout } from "./layout.ts";
import { studyLabels } from "./studyLabels.ts";

/** What a report route prints: its release, its page's HTML, its file name. */
interface Printable {
  record: ReleaseRecord;
  page: () => string;
  fileName: string;
  /** The query string that asks for the same report. */
  query: URLSearchParams;
}

/**
 * The report a request names: a survey release's district bulletin, `township=T01` one
 * township, `township=all` every township; a demonstration-sites release's half-year report.
 */
async function whichReport(db: Database, req: Request, lang: Lang): Promise<Printable> {
  const query = new URLSearchParams();
  if (lang === "en") query.set("lang", "en");
  const id = String(req.params.id);
  const suffix = lang === "en" ? "-en" : "";
  const data = await reportData(db, id).catch((error) => {
    if (error instanceof HttpError && error.code === "report_kind") return undefined;
    throw error;
  });
  if (!data) {
    const { record, file } = await readRelease(db, id);
    const sites = await sitesReportData(db, record, file);
    if (!sites) throw new HttpError(409, "report_kind", `release ${id}: no report is made for its kind`);
    return { record, page: () => sitesReportDocument(sites, lang), fileName: `${id}${suffix}.pdf`, query };
  }
  const asked = typeof req.query.township === "string" ? req.query.township : "";
  let which: ReportKind = { kind: "district" };
  if (asked) {
    const all = townshipCodes(data);
    if (asked !== "all" && !all.includes(asked))
      throw new HttpError(
        404,
        "no_unit",
        message("report.no_unit", lang, { release: data.record.release_id, unit: asked }),
      );
    which = { kind: "townships", codes: asked === "all" ? all : [asked] };
    query.set("township", asked);
  }
  const labels = await studyLabels(db, data.record.study_id);
  const part =
    which.kind === "district" ? "" : which.codes.length === 1 ? `-${which.codes[0]}` : "-townships";
  return {
    record: data.record,
    page: () => reportDocument(data, lang, which, labels),
    fileName: `${data.record.release_id}${part}${suffix}.pdf`,
    query,
  };
}

/**
 * The releases page and each release's printable report: as a page of the app
 * (`/releases/:id/report`) and as an A4 PDF printed from that page by Chromium
 * (`/releases/:id/report.pdf`), with the asker's own credentials.
 */
export function reportRouter(db: Database): express.Router {
  const router = express.Router();
  router.get("/releases", requireRole("releases", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
    const suffix = lang === "en" ? "?lang=en" : "";
    const releases = (await listReleases(db)).reverse();
    const surveyStudies = new Set(
      (await db.query<{ study_id: string }>("select study_id from studies")).map((r) => r.study_id),
    );
    const rows = releases.map((r) => {
      const links = html`<a href="/releases/${r.release_id}/report.pdf${suffix}" download>${t("report.download_pdf")}</a>
${surveyStudies.has(r.study_id) ? html`<a href="/releases/${r.release_id}/report.pdf?township=all${lang === "en" ? "&lang=en" : ""}" download>${t("report.download_townships")}</a>` : ""}
${lang === "zh" ? html`<a href="/releases/${r.release_id}/report.pdf?lang=en" download>${t("report.english")}</a>` : ""}`;
      return html`<tr data-release="${r.release_id}"><td><code>${r.release_id}</code></td><td>${r.wave_id}</td><td>${r.created_at.slice(0, 16).replace("T", " ")}</td><td class="num">${r.n_rows}</td><td>${r.superseded_by ? t("releases.superseded", { release: r.superseded_by }) : ""}</td><td class="actions">${links}</td></tr>`;
    });
    const body = html`<h1>${t("releases.title")}</h1>
<p class="note">${t("releases.intro")}</p>
${
  releases.length
    ? html`<div class="scroll"><table class="grid releases"><thead><tr><th>${t("releases.id")}</th><th>${t("releases.wave")}</th><th>${t("releases.created")}</th><th>${t("releases.figures")}</th><th></th><th>${t("releases.report")}</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="empty">${t("releases.none")}</p>`
}`;
    res.type("html").send(layout(lang, t("releases.title"), body, principal(res), { url: req.originalUrl }));
  });

  router.get("/releases/:id/report", requireRole("releases", { page: true }), async (req, res) => {
    const report = await whichReport(db, req, langOf(req.query.lang));
    res.type("html").send(report.page());
  });

  router.get("/releases/:id/report.pdf", requireRole("releases", { page: true }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const report = await whichReport(db, req, lang);
    const pdf = await renderPdf({
      url: `${selfUrl(req)}/releases/${encodeURIComponent(report.record.release_id)}/report?${report.query}`,
      headers: credentialsOf(req),
      footer: reportFooter(report, lang),
      lang,
    });
    res
      .type("application/pdf")
      .set("Content-Disposition", `attachment; filename="${report.fileName}"`)
      .send(pdf);
  });
  return router;
}

/** This server as its own loopback client sees it (the address the request came in on). */
function selfUrl(req: Request): string {
  const address = req.socket.localAddress ?? "127.0.0.1";
  const host =
    address.includes(":") && !address.startsWith("::ffff:")
      ? `[${address}]`
      : address.replace(/^::ffff:/, "");
  return `http://${host}:${req.socket.localPort}`;
}

/** The asker's own credentials, handed to the browser that prints: it sees what they may see. */
function credentialsOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const cookie = req.get("cookie");
  const authorization = req.get("authorization");
  if (cookie) out.cookie = cookie;
  if (authorization) out.authorization = authorization;
  return out;
}
