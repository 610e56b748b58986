import { type Lang, message } from "../../messages/catalogue.ts";
import type { Staleness } from "../analytics.ts";
import { isDiskFull } from "../diskFull.ts";
import { html, type Raw } from "../html.ts";

/** The reason in words for analysts: a full disk by name, anything else without server details. */
function reasonIn(stale: Staleness, lang: Lang): string {
  if (isDiskFull({ message: stale.reason })) return message("ops.disk_full", lang);
  return lang === "zh" ? "刷新失败，详见服务器日志" : "the refresh failed; see the server's log";
}

/** The stale-snapshot note in both languages (the SQL API sends both; the console shows one). */
export function staleMessages(stale: Staleness): { zh: string; en: string } {
  const at = stale.as_of.replace("T", " ").slice(0, 19);
  return {
    zh: message("ops.snapshot_stale", "zh", { reason: reasonIn(stale, "zh"), at }),
    en: message("ops.snapshot_stale", "en", { reason: reasonIn(stale, "en"), at }),
  };
}

/** The note as a banner on a page (notebooks). */
export function staleBanner(stale: Staleness | undefined, lang: Lang): Raw | string {
  if (!stale) return "";
  return html`<p class="error stale-snapshot" role="alert">${staleMessages(stale)[lang]}</p>`;
}
