import { type Lang, message } from "../../messages/catalogue.ts";
import { html, type Raw } from "../html.ts";
import type { reportingRules } from "./api.ts";
import { indexName, nameIn, type PageContext } from "./pageContext.ts";
import { arrowOf, changeText, fmt1, methodMark, type ScoreRow, withheldText } from "./scoreRows.ts";

type Rules = Awaited<ReturnType<typeof reportingRules>>;

/** One cell of the scorecard: the figure, its interval, and an arrow only if the change is significant. */
export function figureCell(row: ScoreRow | undefined, lang: Lang, rules: Rules): Raw {
  if (!row) return html`<td class="na">—</td>`;
  if (row.is_withheld)
    return html`<td class="withheld" title="${withheldText(row.withheld_reason, lang, rules)}">${message("fig.withheld", lang)}<small>${withheldText(row.withheld_reason, lang, rules)}</small></td>`;
  const arrow = arrowOf(row);
  const up = (row.change_0_100 ?? 0) > 0;
  return html`<td class="figure${row.is_unreliable ? " unreliable" : ""}" title="${changeText(row, lang)}"><span class="est">${fmt1(row.estimate_0_100)}</span>${arrow ? html` <span class="arrow ${up ? "up" : "down"}">${arrow}</span>` : ""}<small><span class="nowrap">${fmt1(row.ci_low_0_100)}–${fmt1(row.ci_high_0_100)}</span> · <span class="nowrap n">n ${row.n ?? "—"}</span>${row.is_unreliable ? html` · ${message("flag.unreliable", lang)}` : ""}${methodMark(row, lang)}</small></td>`;
}

/** The organizations × indices table leaders read first. */
export function scorecardTable(
  ctx: PageContext,
  rows: ScoreRow[],
  lang: Lang,
  rules: Rules,
  indexHref: (index: string) => string,
): Raw {
  const indices = ctx.scorecard;
  const orgs = ctx.orgs.filter((o) => !ctx.filters.org || o.organization_id === ctx.filters.org);
  return html`<table class="scorecard">
<thead><tr><th>${message("ui.organization", lang)}</th>${indices.map((i) => html`<th class="${i === ctx.filters.index ? "current" : ""}"><a href="${indexHref(i)}">${indexName(ctx, i, lang)}</a></th>`)}</tr></thead>
<tbody>${orgs.map(
    (o) =>
      html`<tr><th scope="row">${nameIn(o, lang)}</th>${indices.map((i) =>
        figureCell(
          rows.find((r) => r.organization_id === o.organization_id && r.index_id === i),
          lang,
          rules,
        ),
      )}</tr>`,
  )}</tbody>
</table>`;
}
