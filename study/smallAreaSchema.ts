import { z } from "zod";

const publish = z.enum(["direct", "model", "both"]);
const unitLevel = z
  .object({
    /** Which figures are published for this unit level. */
    publish: publish,
    /** The figure ranks, tiers, the report and the scores API use by default. */
    primary: z.enum(["direct", "model"]),
  })
  .strict();

/**
 * `small_area`: model-based (Fay–Herriot, two-level) figures for townships and villages, see
 * docs/study-format.md. Absent: no model-based figures.
 */
export const smallAreaSchema = z
  .object({
    /**
     * Indicators modelled, by id: presets or declared indicators whose figure is one number per
     * unit (rates on the arcsine scale, means with smoothed variances; not composites and not
     * multi_share). Checked against the study's indicators at load.
     */
    indices: z.array(z.string().min(1)).min(1),
    /**
     * Village covariates from frame columns: numeric as is, `log` of a positive number, `log1p`
     * (log(1 + x) of a count), or `categorical`. `{organization}` in a column name is replaced by
     * the modelled organization's id (its own records, e.g. `activities_{organization}`).
     */
    covariates: z
      .array(
        z
          .object({
            column: z.string().min(1),
            type: z.enum(["numeric", "log", "log1p", "categorical"]).default("numeric"),
          })
          .strict(),
      )
      .default([]),
    unit_levels: z
      .object({ township: unitLevel, village: unitLevel })
      .strict()
      .default({
        township: { publish: "both", primary: "direct" },
        village: { publish: "model", primary: "model" },
      }),
    /** Withhold a model-based figure whose RMSE exceeds this share of the estimate. */
    max_rrmse: z.number().positive().default(0.5),
    /** Parametric bootstrap replicates for the MSE, and the seed. */
    bootstrap_reps: z.number().int().min(10).default(200),
    seed: z.number().int().nonnegative().default(20240601),
    /** Benchmark townships to the district's direct figure and villages to their township. */
    benchmark: z.enum(["ratio", "raking", "none"]).default("ratio"),
  })
  .strict();

export type SmallAreaDefinition = z.infer<typeof smallAreaSchema>;
