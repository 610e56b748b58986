import type { Database } from "../../db/index.ts";
import type { PageContext } from "./pageContext.ts";
import { type ScoreRow, scoreRows } from "./scoreRows.ts";

/** The organizations a view shows: the chosen one, or all. */
export const viewOrgIds = (ctx: PageContext): string[] =>
  ctx.filters.org ? [ctx.filters.org] : ctx.orgs.map((o) => o.organization_id);

/** The district's figures of the view's wave and level, every index: the overview's scorecard. */
export function districtRows(db: Database, ctx: PageContext): Promise<ScoreRow[]> {
  const f = ctx.filters;
  return scoreRows(db, ctx, {
    wave_id: f.wave,
    unit_level: "district",
    org_level: [f.level, ""],
    group_var: "",
    aspect: "",
    organization_id: viewOrgIds(ctx),
  });
}

/** Every township's figure of the view's wave, level and index: tiers, heat table and changes. */
export function townshipRows(db: Database, ctx: PageContext): Promise<ScoreRow[]> {
  const f = ctx.filters;
  return scoreRows(db, ctx, {
    wave_id: f.wave,
    unit_level: "township",
    org_level: [f.level, ""],
    group_var: "",
    aspect: "",
    index_id: f.index,
    organization_id: viewOrgIds(ctx),
  });
}

/**
 * The significant changes since the last wave (the mart's is_change_significant), largest first
 * in size whatever their sign, at most `limit`: a sort of the mart's figures, no statistics.
 */
export function biggestChanges(rows: ScoreRow[], limit = 10): ScoreRow[] {
  return rows
    .filter((r) => r.is_change_significant && r.change_0_100 !== null)
    .sort(
      (a, b) =>
        Math.abs(b.change_0_100!) - Math.abs(a.change_0_100!) || a.unit_code.localeCompare(b.unit_code),
    )
    .slice(0, limit);
}
