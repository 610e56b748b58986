import { pnorm } from "../../analysis/distributions/pnorm.ts";
import { quoteIdent } from "../../db/index.ts";
import type { ModelContext } from "../runner/loadModels.ts";
import { writeRows } from "../seeds/writeRows.ts";

export const dependsOn = ["index_estimates", "seed_waves"];

interface Figure {
  wave_id: string;
  organization_id: string;
  index_id: string;
  aspect: string;
  org_level: string;
  unit_level: string;
  unit_code: string;
  group_var: string;
  group_value: string;
  estimate_0_100: number;
  se_0_100: number;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  df: number | null;
  deff: number | null;
  n: number;
  n_eff: number;
}

type Reported = Omit<
  Figure,
  "estimate_0_100" | "se_0_100" | "ci_low_0_100" | "ci_high_0_100" | "n" | "n_eff"
> & {
  estimate_0_100: number | null;
  se_0_100: number | null;
  ci_low_0_100: number | null;
  ci_high_0_100: number | null;
  n: number | null;
  n_eff: number | null;
  rse: number | null;
  is_withheld: boolean;
  withheld_reason: string;
  is_unreliable: boolean;
  previous_wave_id: string;
  change_0_100: number | null;
  change_se_0_100: number | null;
  change_p_value: number | null;
  is_change_significant: boolean | null;
  change_note: string;
  tier: number | null;
};

const keyOf = (f: Figure) =>
  [
    f.organization_id,
    f.index_id,
    f.aspect,
    f.org_level,
    f.unit_level,
    f.unit_code,
    f.group_var,
    f.group_value,
  ].join("\u0000");

/**
 * The figures as leaders, the scores API, exports and leader notebooks see them.
 * - Suppression (study.yaml reporting): n < min_n or relative SE > max_rse is withheld (no
 *   estimate and no n), with the reason; relative SE > unreliable_rse is flagged.
 * - Change from the previous wave that measured the same figure: difference, SE and
 *   two-sided p-value, waves taken as independent samples (separate draws); significant when
 *   p < 1 − confidence level. A figure the previous wave did not measure says so.
 * - Tiers of townships per wave, organization and index: sorted by estimate, a township
 *   joins the current tier while its CI overlaps the CI of the tier's first township,
 *   otherwise it starts the next tier.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const figures = await session.query<Figure>(`select * from ${quoteIdent(ref("index_estimates"))}`);
  const waves = await session.query<{ wave_id: string; wave_order: number }>(
    `select wave_id, wave_order from ${quoteIdent(ref("seed_waves"))} order by wave_order`,
  );
  const {
    min_n: minN,
    max_rse: maxRse,
    unreliable_rse: unreliableRse,
    confidence_level: level,
  } = study.reporting;
  const byWave = new Map<string, Map<string, Figure>>();
  for (const f of figures) {
    const m = byWave.get(f.wave_id) ?? new Map<string, Figure>();
    m.set(keyOf(f), f);
    byWave.set(f.wave_id, m);
  }
  const withheldReason = (f: Figure) => {
    const rse = f.estimate_0_100 > 0 ? f.se_0_100 / f.estimate_0_100 : Number.POSITIVE_INFINITY;
    if (f.n < minN) return "min_n";
    if (!(rse <= maxRse)) return "max_rse";
    return "";
  };

  const rows: Reported[] = figures.map((f) => {
    const reason = withheldReason(f);
    const rse = f.estimate_0_100 > 0 ? f.se_0_100 / f.estimate_0_100 : null;
    const order = waves.findIndex((w) => w.wave_id === f.wave_id);
    const previousWave = order > 0 ? waves[order - 1]!.wave_id : "";
    const previous = previousWave ? byWave.get(previousWave)?.get(keyOf(f)) : undefined;
    let change: Pick<
      Reported,
      "change_0_100" | "change_se_0_100" | "change_p_value" | "is_change_significant" | "change_note"
    > = {
      change_0_100: null,
      change_se_0_100: null,
      change_p_value: null,
      is_change_significant: null,
      change_note: previousWave ? "not_measured_in_previous_wave" : "first_wave",
    };
    if (previous && !reason && !withheldReason(previous)) {
      const diff = f.estimate_0_100 - previous.estimate_0_100;
      const se = Math.sqrt(f.se_0_100 ** 2 + previous.se_0_100 ** 2);
      const p = se > 0 ? 2 * (1 - pnorm(Math.abs(diff) / se)) : 1;
      change = {
        change_0_100: diff,
        change_se_0_100: se,
        change_p_value: p,
        is_change_significant: p < 1 - level,
        change_note: "independent_samples",
      };
    } else if (previous) {
      change = { ...change, change_note: "withheld_in_either_wave" };
    }
    const shown = !reason;
    return {
      ...f,
      estimate_0_100: shown ? f.estimate_0_100 : null,
      se_0_100: shown ? f.se_0_100 : null,
      ci_low_0_100: shown ? f.ci_low_0_100 : null,
      ci_high_0_100: shown ? f.ci_high_0_100 : null,
      n: shown ? f.n : null,
      n_eff: shown ? f.n_eff : null,
      deff: shown ? f.deff : null,
      rse: shown ? rse : null,
      is_withheld: !shown,
      withheld_reason: reason,
      is_unreliable: shown && rse !== null && rse > unreliableRse,
      previous_wave_id: previousWave,
      ...change,
      tier: null,
    };
  });

  // Tiers among townships, per wave x organization x index x aspect x organization level.
  const groups = new Map<string, Reported[]>();
  for (const r of rows) {
    if (r.unit_level !== "township" || r.group_var !== "" || r.is_withheld) continue;
    const k = [r.wave_id, r.organization_id, r.index_id, r.aspect, r.org_level].join("\u0000");
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const units of groups.values()) {
    units.sort((a, b) => b.estimate_0_100! - a.estimate_0_100! || a.unit_code.localeCompare(b.unit_code));
    let tier = 1;
    let head = units[0]!;
    for (const u of units) {
      const overlaps = (u.ci_high_0_100 ?? u.estimate_0_100!) >= (head.ci_low_0_100 ?? head.estimate_0_100!);
      if (!overlaps) {
        tier++;
        head = u;
      }
      u.tier = tier;
    }
  }

  await writeRows(
    session,
    self,
    {
      wave_id: "varchar",
      organization_id: "varchar",
      index_id: "varchar",
      aspect: "varchar",
      org_level: "varchar",
      unit_level: "varchar",
      unit_code: "varchar",
      group_var: "varchar",
      group_value: "varchar",
      estimate_0_100: "double",
      se_0_100: "double",
      ci_low_0_100: "double",
      ci_high_0_100: "double",
      df: "double",
      deff: "double",
      n: "integer",
      n_eff: "double",
      rse: "double",
      is_withheld: "boolean",
      withheld_reason: "varchar",
      is_unreliable: "boolean",
      previous_wave_id: "varchar",
      change_0_100: "double",
      change_se_0_100: "double",
      change_p_value: "double",
      is_change_significant: "boolean",
      change_note: "varchar",
      tier: "integer",
    },
    rows,
  );
}
