import { message } from "../messages/catalogue.ts";
import type { Codebook } from "./codebook.ts";
import type { CompositeDefinition, IndexDefinition, IndicatorDefinition, StudyFile } from "./schema.ts";

/** How one item is scored for a figure, per respondent (see models/intermediate/int_scores_wide.ts). */
export type ItemScore = "share" | "scale" | "top_box" | "option";

/**
 * One figure of a study, as the models score and estimate it: an indicator (or one of its
 * details) for one organization and organization level. `organization_id` and `level` are ""
 * when the indicator is not about an organization, or not asked by level; `aspect` is "" for
 * the indicator itself and names the item or option of a detail (an approval aspect, one
 * option of a multi_share).
 */
export interface ScoreDefinition {
  readonly index_id: string;
  readonly organization_id: string;
  readonly level: string;
  readonly aspect: string;
  /** Each item's score: 0/100 (share, top_box, option) or the answer on its scale. */
  readonly item_score: ItemScore;
  /** Rates are estimated as proportions (logit intervals, as R's svyciprop); the rest as means. */
  readonly estimator: "proportion" | "mean";
  readonly items: readonly string[];
  readonly codes: readonly string[];
  readonly dont_know: readonly string[];
  readonly dont_know_as: "no" | "excluded";
  readonly refused: readonly string[];
  readonly not_applicable: readonly string[];
  readonly scale: { readonly min: number; readonly max: number };
  readonly rescale: boolean;
  /** top_box: the codes counted, as numbers (an answer "4.0" is 4). */
  readonly top_codes: readonly number[];
  /** multi_share of a select_multiple item: the option counted. */
  readonly option: string;
  /** The population condition (XLSForm syntax), "" for everyone. */
  readonly population: string;
}

/** One indicator id as leaders read it: its name, how it is estimated, its place. */
export interface IndicatorInfo {
  readonly id: string;
  readonly name: { readonly zh: string; readonly en: string };
  /** An indicator kind, "composite", or a preset's detail kind. */
  readonly kind: string;
  readonly estimator: "proportion" | "mean" | "composite";
  /** "0_100" for figures on 0-100 (rates, rescaled means, composites), "scale" otherwise. */
  readonly unit: "0_100" | "scale";
  /** The indicator a detail belongs to (approval_aspect: approval), "" for a headline figure. */
  readonly parent_id: string;
}

/** The four preset kinds' names and their details' (today's messages). */
const presetName = (id: string) => ({
  zh: message(`index.${id}` as "index.awareness", "zh"),
  en: message(`index.${id}` as "index.awareness", "en"),
});

/** Defaults stated in study/schema.ts: "don't know" is "no" for rates, left out for scales. */
function dontKnowAs(ix: IndexDefinition): "no" | "excluded" {
  return ix.dont_know_as ?? (ix.index === "awareness" || ix.index === "participation" ? "no" : "excluded");
}

/** "% satisfied": 4–5 on 1–5, 8–10 on 0–10, otherwise the top quarter of the scale. */
function satisfiedCodes(ix: IndexDefinition): number[] {
  if (ix.satisfied) return ix.satisfied;
  const { min, max } = ix.scale;
  if (min === 1 && max === 5) return [4, 5];
  if (min === 0 && max === 10) return [8, 9, 10];
  const codes: number[] = [];
  for (let v = Math.ceil(min + 0.75 * (max - min)); v <= max; v++) codes.push(v);
  return codes;
}

/**
 * Today's four index kinds as presets of the indicator algebra: awareness and participation
 * are shares of the "yes" codes; approval is a mean_of_items with each aspect as a detail;
 * satisfaction a mean_of_items of its item(s), with "% satisfied" (a top box) beside it.
 */
function presetScores(ix: IndexDefinition): ScoreDefinition[] {
  const base = {
    organization_id: ix.organization,
    level: ix.level,
    codes: ix.yes,
    dont_know: ix.dont_know,
    dont_know_as: dontKnowAs(ix),
    refused: ix.refused,
    not_applicable: [],
    scale: ix.scale,
    rescale: true,
    top_codes: satisfiedCodes(ix),
    option: "",
    population: "",
  };
  if (ix.index === "awareness" || ix.index === "participation")
    return [
      {
        ...base,
        index_id: ix.index,
        aspect: "",
        item_score: "share",
        estimator: "proportion",
        items: ix.items,
      },
    ];
  const scale = { ...base, index_id: ix.index, aspect: "", item_score: "scale", estimator: "mean" } as const;
  if (ix.index === "approval")
    return [
      { ...scale, items: ix.items },
      ...ix.items.map((item) => ({ ...scale, index_id: "approval_aspect", aspect: item, items: [item] })),
    ];
  return [
    { ...scale, items: ix.items },
    {
      ...base,
      index_id: "satisfaction_pct",
      aspect: "",
      item_score: "top_box",
      estimator: "proportion",
      items: ix.items,
    },
  ];
}

/** A declared indicator's figures: one, or one per option (multi_share). */
function declaredScores(ind: IndicatorDefinition, codebook: Codebook): ScoreDefinition[] {
  const base = {
    index_id: ind.id,
    organization_id: ind.organization ?? "",
    level: ind.level ?? "",
    aspect: "",
    items: ind.items,
    codes: ind.codes,
    dont_know: ind.dont_know,
    dont_know_as: ind.dont_know_as,
    refused: ind.refused,
    not_applicable: ind.not_applicable,
    scale: ind.scale ?? { min: 0, max: 100 },
    rescale: ind.rescale,
    top_codes: ind.codes.map(Number),
    option: "",
    population: ind.population ?? "",
  };
  switch (ind.kind) {
    case "share":
      return [{ ...base, item_score: "share", estimator: "proportion" }];
    case "top_box":
      return [{ ...base, item_score: "top_box", estimator: "proportion" }];
    case "mean":
    case "mean_of_items":
      return [{ ...base, item_score: "scale", estimator: "mean" }];
    case "multi_share": {
      const item = codebook.item(ind.items[0]!);
      if (ind.items.length === 1 && item?.type === "select_multiple" && item.list)
        return (codebook.choices.get(item.list) ?? [])
          .filter((c) => ![...ind.dont_know, ...ind.refused, ...ind.not_applicable].includes(c.name))
          .map((c) => ({
            ...base,
            aspect: c.name,
            item_score: "option" as const,
            estimator: "proportion" as const,
            option: c.name,
          }));
      // one 0/1 (or coded) item per option: each option's figure counts `codes` (default "1")
      return ind.items.map((name) => ({
        ...base,
        aspect: name,
        items: [name],
        codes: ind.codes.length ? ind.codes : ["1"],
        item_score: "share" as const,
        estimator: "proportion" as const,
      }));
    }
  }
}

/** Every figure of a study: the presets of `indices`, then the declared `indicators`. */
export function scoreDefinitions(def: StudyFile, latest: Codebook): ScoreDefinition[] {
  return [...def.indices.flatMap(presetScores), ...def.indicators.flatMap((i) => declaredScores(i, latest))];
}

/** The study's composites: `composite` (today's, id "composite") and any in `composites`. */
export function compositesOf(def: Pick<StudyFile, "composite" | "composites">): CompositeDefinition[] {
  return [...(def.composite ? [def.composite] : []), ...def.composites];
}

/** Every indicator id of a study with its name and kind, in the order leaders read them. */
export function indicatorInfos(def: StudyFile): IndicatorInfo[] {
  const infos: IndicatorInfo[] = [];
  const add = (info: IndicatorInfo) => {
    if (!infos.some((i) => i.id === info.id)) infos.push(info);
  };
  for (const c of compositesOf(def))
    add({
      id: c.id,
      name: c.name ?? presetName("composite"),
      kind: "composite",
      estimator: "composite",
      unit: "0_100",
      parent_id: "",
    });
  const presets = new Set(def.indices.map((ix) => ix.index));
  for (const kind of ["awareness", "participation", "approval", "satisfaction"] as const) {
    if (!presets.has(kind)) continue;
    const estimator = kind === "awareness" || kind === "participation" ? "proportion" : "mean";
    add({ id: kind, name: presetName(kind), kind, estimator, unit: "0_100", parent_id: "" });
  }
  if (presets.has("approval"))
    add({
      id: "approval_aspect",
      name: presetName("approval_aspect"),
      kind: "mean",
      estimator: "mean",
      unit: "0_100",
      parent_id: "approval",
    });
  if (presets.has("satisfaction"))
    add({
      id: "satisfaction_pct",
      name: presetName("satisfaction_pct"),
      kind: "top_box",
      estimator: "proportion",
      unit: "0_100",
      parent_id: "satisfaction",
    });
  for (const ind of def.indicators)
    add({
      id: ind.id,
      name: ind.name,
      kind: ind.kind,
      estimator: ind.kind === "mean" || ind.kind === "mean_of_items" ? "mean" : "proportion",
      unit: (ind.kind === "mean" || ind.kind === "mean_of_items") && !ind.rescale ? "scale" : "0_100",
      parent_id: "",
    });
  return infos;
}
