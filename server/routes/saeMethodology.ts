import { SAE_VALIDATION } from "../../analysis/sae/validation.ts";
import type { Database } from "../../db/index.ts";
import { type MessageKey, message } from "../../messages/catalogue.ts";
import { html } from "../html.ts";
import { martOf } from "./api.ts";

/** The methodology page's small-area section (two paragraphs), when the study has model-based figures. */
export async function saeMethodology(
  db: Database,
  study: string,
  lang: "zh" | "en",
): Promise<ReturnType<typeof html> | ""> {
  const mart = await martOf(db, "sae_diagnostics", study);
  if (!mart) return "";
  const [d] = await db.query<{ bootstrap_reps: number; max_rrmse: number }>(
    `select bootstrap_reps, max_rrmse from ${mart} limit 1`,
  );
  if (!d) return "";
  const t = (k: MessageKey, p: Record<string, string> = {}) => message(k, lang, p);
  return html`<section class="sae-method"><h2>${t("sae.method_title")}</h2>
<p>${t("sae.method_p1")}</p>
<p>${t("sae.method_p2", {
    reps: String(d.bootstrap_reps),
    max_rrmse: String(Math.round(d.max_rrmse * 100)),
    ratio: String(Math.round(SAE_VALIDATION.rmseRatioSmall * 100) / 100),
    coverage: String(Math.round(SAE_VALIDATION.villageCoverage * 1000) / 10),
  })}</p></section>`;
}
