import { compareIndependentEstimates } from "../../analysis/index.ts";
import type { Database } from "../../db/index.ts";
import { listReleases, type ReleaseFile, type ReleaseRecord, readRelease } from "../../models/index.ts";
import { HttpError } from "../HttpError.ts";
import { martOf } from "../routes/api.ts";
import type { Indicator, Named } from "../routes/pageContext.ts";
import type { ScoreRow } from "../routes/scoreRows.ts";

type Titled = { title_zh: string; title_en: string };

/** A release's row as the pages' score rows, with its standard error (for the change). */
export interface ReportRow extends ScoreRow {
  se_0_100: number | null;
}

/**
 * What a report shows, all figures from one release (and the release of the wave before, for
 * the change): the same release always gives the same report. Names and orders come from the
 * study's seeds, which do not change figures.
 */
export interface ReportData {
  record: ReleaseRecord;
  /** The latest release of the previous wave, whose figures the change is measured against. */
  previous: ReleaseRecord | undefined;
  study: { study_id: string } & Titled;
  wave: { wave_id: string } & Titled;
  previousWave: ({ wave_id: string } & Titled) | undefined;
  orgs: ({ organization_id: string } & Named)[];
  /** The study's indicators present in the release, in the study's order (composites first). */
  indicators: (Indicator & { kind: string })[];
  /** The organization level of the report's figures (the first one the release holds). */
  level: string;
  /**
   * Every headline row of the release (aspect "", and each option of a multi_share indicator,
   * its aspect), as the pages' score rows, with the change.
   */
  rows: ReportRow[];
  rules: { min_n: number; max_rse: number; confidence_level: number };
  /** Breakdown variables in the study's order. */
  breakdowns: string[];
}

const LEVELS = ["township", "village"];

/**
 * Reports read lately, by release: a release never changes, and the one it is compared with is
 * fixed when it is made (the latest of the previous wave released before it), so a report's
 * data can be kept. The PDF route reads it twice (its own answer, then the page Chromium loads).
 */
const kept = new Map<string, Promise<ReportData>>();
const KEEP = 4;

/** Read a release (its checksum checked) and the one it is compared with, as report rows. */
export function reportData(db: Database, releaseId: string): Promise<ReportData> {
  const key = `${db.path}\u0000${releaseId}`;
  const hit = kept.get(key);
  if (hit) return hit;
  const read = readReport(db, releaseId);
  kept.set(key, read);
  read.catch(() => kept.delete(key));
  if (kept.size > KEEP) kept.delete(kept.keys().next().value!);
  return read;
}

async function readReport(db: Database, releaseId: string): Promise<ReportData> {
  let read: Awaited<ReturnType<typeof readRelease>>;
  try {
    read = await readRelease(db, releaseId);
  } catch (error) {
    const message = (error as Error).message;
    throw new HttpError(message.startsWith("no release") ? 404 : 409, "release_unreadable", message);
  }
  const { record, file } = read;
  if (!file.columns.includes("index_id"))
    throw new HttpError(
      409,
      "report_kind",
      `release ${releaseId} holds no survey figures (index_id): its report is not made here`,
    );
  const study = record.study_id;
  const seed = async <T>(model: string, sql: (name: string) => string): Promise<T[]> => {
    const name = await martOf(db, model, study);
    return name ? db.query<T>(sql(name)) : [];
  };
  const waves = await seed<{ wave_id: string; wave_order: number } & Titled>(
    "seed_waves",
    (t) => `select wave_id, title_zh, title_en, wave_order from ${t} order by wave_order`,
  );
  const at = waves.findIndex((w) => w.wave_id === record.wave_id);
  const wave = waves[at] ?? { wave_id: record.wave_id, title_zh: record.wave_id, title_en: record.wave_id };
  const previousWave = at > 0 ? waves[at - 1] : undefined;
  const previous = previousWave
    ? (await listReleases(db, study))
        .filter((r) => r.wave_id === previousWave.wave_id && r.created_at <= record.created_at)
        .at(-1)
    : undefined;
  const [studyRow] = await db.query<{ study_id: string } & Titled>(
    "select study_id, title_zh, title_en from studies where study_id = $1",
    [study],
  );
  const sortOrder = await seed<{ organization_id: string }>(
    "seed_organizations",
    (t) => `select organization_id from ${t} order by sort_order`,
  );
  const indicatorSeed = await seed<Indicator & { kind: string }>(
    "seed_indicators",
    (t) => `select index_id, name_zh, name_en, parent_id, unit, kind from ${t} order by sort_order`,
  );
  const perOption = new Set(indicatorSeed.filter((i) => i.kind === "multi_share").map((i) => i.index_id));
  const rulesRow = await seed<ReportData["rules"]>(
    "seed_reporting",
    (t) => `select min_n, max_rse, confidence_level from ${t}`,
  );
  const breakdowns = (
    await seed<{ variable: string }>("seed_breakdowns", (t) => `select variable from ${t} order by position`)
  ).map((r) => r.variable);

  const rows = headlineRows(file, perOption);
  const before = previous ? headlineRows((await readRelease(db, previous.release_id)).file, perOption) : [];
  const level = LEVELS.find((l) => rows.some((r) => r.org_level === l)) ?? rows[0]?.org_level ?? "";
  const confidence = rulesRow[0]?.confidence_level ?? 0.95;
  withChange(rows, before, confidence, previous !== undefined);

  const orgNames = new Map<string, Named>();
  for (const r of rows) orgNames.set(r.organization_id, { name_zh: r.org_zh, name_en: r.org_en });
  const orgRank = (id: string) => {
    const i = sortOrder.findIndex((o) => o.organization_id === id);
    return i < 0 ? sortOrder.length : i;
  };
  const orgs = [...orgNames.entries()]
    .map(([organization_id, names]) => ({ organization_id, ...names }))
    .sort((a, b) => orgRank(a.organization_id) - orgRank(b.organization_id));
  const present = new Set(rows.map((r) => r.index_id));
  const indicators = indicatorSeed.length
    ? indicatorSeed.filter((i) => present.has(i.index_id))
    : [...present].map((id) => ({
        index_id: id,
        name_zh: id,
        name_en: id,
        parent_id: "",
        unit: "0_100" as const,
        kind: "",
      }));
  return {
    record,
    previous,
    study: studyRow ?? { study_id: study, title_zh: study, title_en: study },
    wave,
    previousWave,
    orgs,
    indicators,
    level,
    rows,
    rules: rulesRow[0] ?? { min_n: 0, max_rse: 0, confidence_level: confidence },
    breakdowns,
  };
}

/**
 * A release's headline rows as score rows, change not yet known: no aspects (of approval, say)
 * but the options of the indicators named in `perOption` (multi_share: one figure per option).
 */
export function headlineRows(file: ReleaseFile, perOption: Set<string>): ReportRow[] {
  const at = new Map(file.columns.map((c, i) => [c, i]));
  const get = (row: unknown[], column: string) => {
    const i = at.get(column);
    return i === undefined ? null : row[i];
  };
  const out: ReportRow[] = [];
  for (const row of file.rows) {
    const aspect = get(row, "aspect") as string;
    if (aspect !== "" && !perOption.has(get(row, "index_id") as string)) continue;
    // the primary figure only (a release before methods were recorded holds only direct ones)
    if (get(row, "is_primary") === false) continue;
    const num = (c: string) => get(row, c) as number | null;
    out.push({
      wave_id: file.wave_id,
      organization_id: get(row, "organization_id") as string,
      org_zh: get(row, "organization_name_zh") as string,
      org_en: get(row, "organization_name_en") as string,
      index_id: get(row, "index_id") as string,
      aspect,
      org_level: get(row, "org_level") as string,
      unit_level: get(row, "unit_level") as string,
      unit_code: get(row, "unit_code") as string,
      unit_zh: get(row, "unit_name_zh") as string | null,
      unit_en: get(row, "unit_name_en") as string | null,
      group_var: get(row, "group_var") as string,
      group_value: get(row, "group_value") as string,
      method: (get(row, "method") as string | null) ?? "direct",
      estimate_0_100: num("estimate_0_100"),
      ci_low_0_100: num("ci_low_0_100"),
      ci_high_0_100: num("ci_high_0_100"),
      n: num("n"),
      n_eff: num("n_eff"),
      is_withheld: get(row, "is_withheld") === true,
      withheld_reason: (get(row, "withheld_reason") as string | null) ?? "",
      is_unreliable: get(row, "is_unreliable") === true,
      previous_wave_id: "",
      change_0_100: null,
      change_p_value: null,
      is_change_significant: null,
      change_note: "",
      tier: num("tier"),
      rank: num("rank"),
      rank_low: num("rank_low"),
      rank_high: num("rank_high"),
      rank_low_simultaneous: num("rank_low_simultaneous"),
      rank_high_simultaneous: num("rank_high_simultaneous"),
      tier_probability: num("tier_probability"),
      is_tier_uncertain: get(row, "is_tier_uncertain") as boolean | null,
      se_0_100: num("se_0_100"),
    });
  }
  return out;
}

const keyOf = (r: ReportRow) =>
  [
    r.organization_id,
    r.index_id,
    r.aspect,
    r.org_level,
    r.unit_level,
    r.unit_code,
    r.group_var,
    r.group_value,
  ].join("\u0001");

/**
 * The change since the previous wave's release, as the `index_scores` mart measures it
 * (independent samples; significant when its p-value is below 1 − the confidence level); none
 * where either figure is withheld, nor for model-based figures (published_scores gives them none:
 * a model borrows across units, so two waves' figures are not independent samples).
 */
export function withChange(
  rows: ReportRow[],
  before: ReportRow[],
  level: number,
  hasPrevious: boolean,
): void {
  const old = new Map(before.map((r) => [keyOf(r), r]));
  for (const r of rows) {
    if (!hasPrevious) {
      r.change_note = "no_previous_release";
      continue;
    }
    const p = old.get(keyOf(r));
    if ((r.method ?? "direct") !== "direct" || (p && (p.method ?? "direct") !== "direct")) {
      r.change_note = "model_based";
      continue;
    }
    const se = r.se_0_100;
    const seBefore = p ? p.se_0_100 : null;
    if (!p || p.is_withheld || r.is_withheld || se === null || seBefore === null) {
      r.change_note = p ? "withheld_in_either_wave" : "not_measured_in_previous_wave";
      continue;
    }
    const c = compareIndependentEstimates(p.estimate_0_100!, seBefore, r.estimate_0_100!, se, level);
    r.previous_wave_id = p.wave_id;
    r.change_0_100 = c.difference;
    r.change_ci_low_0_100 = c.ciLow;
    r.change_ci_high_0_100 = c.ciHigh;
    r.change_p_value = Number.isNaN(c.pValue) ? 1 : c.pValue;
    r.is_change_significant = r.change_p_value < 1 - level;
  }
}
