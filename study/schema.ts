import { z } from "zod";
import { openAnswersSchema } from "./openAnswersSchema.ts";
import { smallAreaSchema } from "./smallAreaSchema.ts";

/**
 * The shape of `study.yaml`. Every field has its default here, so the parsed object is
 * complete: no layer below re-applies defaults. Paths are relative to the study folder.
 */

const ident = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "must be lowercase letters, digits and _ (starting with a letter)");
const column = z.string().min(1);
const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."),
    "must be a path inside the study folder",
  );

export const bilingual = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();

const codebookSchema = z
  .object({
    version: z.string().min(1),
    file: relPath,
  })
  .strict();

const waveSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only"),
    title: bilingual,
    codebook: z.string().min(1),
    fielded_from: z.string().optional(),
    fielded_to: z.string().optional(),
  })
  .strict();

const frameSchema = z
  .object({
    file: relPath,
    /** Column naming the stratum (township) in the frame and in the responses. */
    stratum: column,
    /** Column naming the primary sampling unit (village / community). */
    psu: column,
    /** Column with the population size of each PSU (people in scope). */
    population: column,
    /** Optional name columns, for units shown to users. */
    stratum_name: z.object({ zh: column, en: column }).strict().optional(),
    psu_name: z.object({ zh: column, en: column }).strict().optional(),
  })
  .strict();

const baseWeights = z.discriminatedUnion("method", [
  /** A weight column delivered with the data. */
  z.object({ method: z.literal("column"), column }).strict(),
  /**
   * PSUs drawn with probability proportional to size within each stratum, then an equal
   * number of respondents by simple random sampling within each PSU:
   * w = N_h / (m_h * n_hi), with N_h the stratum population from the frame, m_h the number of
   * sampled PSUs in the stratum and n_hi the respondents in the PSU (which makes the
   * within-PSU nonresponse adjustment).
   */
  z.object({ method: z.literal("pps_srs") }).strict(),
]);

const designSchema = z
  .object({
    /** Response column naming the stratum; defaults to the frame's stratum column. */
    strata: column.nullable().optional(),
    /** Stage ids, outermost first; defaults to [frame.psu]. `["1"]` means no clusters. */
    ids: z.array(column).min(1).optional(),
    /**
     * Finite-population corrections per stage: response columns, `frame_psus` for the number of
     * PSUs of the stratum in the sampling frame (first stage), or, with `pps: brewer`,
     * `frame_pps` for each PSU's first-stage inclusion probability m_h N_hi / N_h (its
     * population in the frame over the stratum's, times the PSUs sampled in the stratum) and
     * `frame_ssu` for the second stage's n_hi / N_hi (respondents over the PSU's population).
     */
    fpc: z.array(column).default([]),
    /**
     * `brewer`: PSUs drawn with probability proportional to size without replacement; `fpc`
     * then holds inclusion probabilities and the variance is Brewer's approximation, as R's
     * `svydesign(..., fpc = <probabilities>, pps = "brewer")`. `null`: fpc as population sizes
     * or sampling fractions (none: PSUs treated as drawn with replacement).
     */
    pps: z.enum(["brewer"]).nullable().default(null),
    nest: z.boolean().default(true),
    lonely_psu: z.enum(["fail", "certainty", "adjust", "average", "remove"]).default("fail"),
    base_weights: baseWeights.default({ method: "pps_srs" }),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.pps && d.fpc.length === 0)
      ctx.addIssue({
        code: "custom",
        path: ["fpc"],
        message: "pps: brewer needs the PSUs' inclusion probabilities as fpc (e.g. [frame_pps])",
      });
    if (d.pps && d.fpc.includes("frame_psus"))
      ctx.addIssue({
        code: "custom",
        path: ["fpc"],
        message: "with pps: brewer, fpc holds inclusion probabilities; frame_psus is a count (use frame_pps)",
      });
    if (!d.pps && (d.fpc.includes("frame_pps") || d.fpc.includes("frame_ssu")))
      ctx.addIssue({
        code: "custom",
        path: ["pps"],
        message: "fpc frame_pps and frame_ssu need pps: brewer",
      });
  });

const marginSchema = z
  .object({
    file: relPath,
    /** Response columns crossed in this margin; the CSV has these columns plus `count`. */
    variables: z.array(column).min(1),
    count: column.default("count"),
  })
  .strict();

const calibrationSchema = z
  .object({
    method: z.enum(["none", "poststratify", "rake", "linear"]).default("rake"),
    margins: z.array(marginSchema).default([]),
    tolerance: z.number().positive().default(1e-8),
    max_iterations: z.number().int().positive().default(100),
    /** method linear: bounds [L, U] on the calibrated weight over the base weight (R's calibrate bounds). */
    bounds: z
      .tuple([z.number(), z.number()])
      .nullable()
      .default(null)
      .refine((b) => b === null || b[0] < b[1], {
        message: "bounds: the lower bound must be below the upper",
      }),
    /** Trim calibrated weights to [lower, upper] times the mean weight of their wave, redistributing the excess within the wave. */
    trim: z
      .object({ lower: z.number().positive().default(0.3), upper: z.number().positive().default(3.5) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

const organizationSchema = z.object({ id: ident, name: bilingual }).strict();

export const INDEX_KINDS = ["awareness", "participation", "approval", "satisfaction"] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];
export const LEVELS = ["district", "township", "village"] as const;

const indexSchema = z
  .object({
    index: z.enum(INDEX_KINDS),
    organization: ident,
    /** The level of the organization the items ask about ("the union of your township"). */
    level: z.enum(LEVELS).default("township"),
    /** Items (codebook names). Awareness and participation take one; approval one per aspect. */
    items: z.array(z.string().min(1)).min(1),
    /** Codes that mean "yes" (awareness, participation). */
    yes: z.array(z.string()).default(["1"]),
    /** Codes that mean "don't know". */
    dont_know: z.array(z.string()).default(["9"]),
    /** Codes that mean a refusal. Always left out of the base. */
    refused: z.array(z.string()).default([]),
    /**
     * How "don't know" counts. Defaults: awareness counts it as "no" (not aware);
     * approval and satisfaction leave it out of the base; participation counts it as "no".
     */
    dont_know_as: z.enum(["no", "excluded"]).optional(),
    /** Answer scale for approval and satisfaction. */
    scale: z.object({ min: z.number(), max: z.number() }).strict().default({ min: 1, max: 5 }),
    /** Codes counted as "satisfied"; default 4–5 on 1–5 and 8–10 on 0–10. */
    satisfied: z.array(z.number()).optional(),
  })
  .strict();

export const INDICATOR_KINDS = ["share", "mean", "top_box", "mean_of_items", "multi_share"] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

/** Answer codes, written as text or numbers in study.yaml, kept as text (the answers' form). */
const codeList = z.array(z.union([z.string().min(1), z.number()]).transform((v) => String(v)));

/**
 * A declared indicator: one figure (multi_share: one per option) estimated for every reporting
 * unit, wave and group, from the answers of its items.
 */
const indicatorSchema = z
  .object({
    id: ident,
    name: bilingual,
    /**
     * share: % whose answer is one of `codes`; mean: the mean answer on `scale` (one item);
     * top_box: % whose answer is one of the top `codes`; mean_of_items: per respondent the mean
     * of the items answered, then its mean; multi_share: % choosing each option of a
     * select_multiple item (or each of several 0/1 items, counting `codes`).
     */
    kind: z.enum(INDICATOR_KINDS),
    items: z.array(z.string().min(1)).min(1),
    /** The organization the indicator is about; none: one figure for the study. */
    organization: ident.optional(),
    /** The level of that organization the items ask about; none: not asked by level. */
    level: z.enum(LEVELS).optional(),
    /** share, top_box and multi_share (0/1 items): the answers counted. */
    codes: codeList.default([]),
    /** "Don't know" codes: left out of the base, or counted as "not in codes" (share). */
    dont_know: codeList.default([]),
    dont_know_as: z.enum(["no", "excluded"]).default("excluded"),
    /** Refusals: always left out of the base. */
    refused: codeList.default([]),
    /** "Not applicable": always left out of the base. */
    not_applicable: codeList.default([]),
    /** mean and mean_of_items: the answer scale. */
    scale: z.object({ min: z.number(), max: z.number() }).strict().optional(),
    /** mean and mean_of_items: rescale (x - min) / (max - min) * 100 (true) or keep the scale. */
    rescale: z.boolean().default(true),
    /**
     * Who the indicator is about, an XLSForm condition like `relevant` ("\${benefited} = 1"):
     * respondents outside it are outside the domain (estimated as a domain of the full design,
     * never dropped from it).
     */
    population: z.string().min(1).optional(),
  })
  .strict();

/**
 * A composite: the versioned weighted sum of indicators (each a figure without aspect), per
 * organization and level where all its parts are measured. Weights name indicator ids (today's
 * index kinds are indicator ids too).
 */
const compositeSchema = z
  .object({
    id: ident.default("composite"),
    name: bilingual.optional(),
    version: z.string().min(1),
    weights: z.record(ident, z.number().min(0)),
  })
  .strict();

const reportingSchema = z
  .object({
    confidence_level: z.number().gt(0).lt(1).default(0.95),
    min_n: z.number().int().nonnegative().default(30),
    max_rse: z.number().positive().default(0.5),
    unreliable_rse: z.number().positive().default(0.3),
    /** Villages are reported only where at least this many respondents answered. */
    village_min_n: z.number().int().nonnegative().default(30),
    /**
     * How the figures' confidence intervals are made (analysis/reportingIntervals.ts):
     * `nominal` (t on each estimate's Satterthwaite df, for rates, means and composites alike)
     * or `r` (R survey's defaults: rates' logit interval on the design df, means and composites
     * normal), kept to show agreement with R.
     */
    intervals: z.enum(["nominal", "r"]).default("nominal"),
  })
  .strict();

const personalSchema = z.object({ column, action: z.enum(["drop", "hmac"]).default("drop") }).strict();

const renameSchema = z
  .object({
    from: z.string().min(1),
    to: z.string().min(1),
    /** old item name -> new item name */
    items: z.record(z.string(), z.string()),
  })
  .strict();

export const studySchema = z
  .object({
    id: ident,
    title: bilingual,
    respondent_id: column,
    timezone: z.string().default("Asia/Shanghai"),
    codebooks: z.array(codebookSchema).min(1),
    waves: z.array(waveSchema).default([]),
    frame: frameSchema,
    design: designSchema.default({
      fpc: [],
      pps: null,
      nest: true,
      lonely_psu: "fail",
      base_weights: { method: "pps_srs" },
    }),
    calibration: calibrationSchema.default({
      method: "none",
      margins: [],
      tolerance: 1e-8,
      max_iterations: 100,
      bounds: null,
      trim: null,
    }),
    organizations: z.array(organizationSchema).default([]),
    /** Today's four index kinds, presets of indicators (see study/indicators.ts). */
    indices: z.array(indexSchema).default([]),
    indicators: z.array(indicatorSchema).default([]),
    composite: compositeSchema.optional(),
    composites: z.array(compositeSchema).default([]),
    /** Response columns used for one-way demographic breakdowns. */
    breakdowns: z.array(column).default([]),
    /**
     * Short labels of variables for headings and the methodology page ("镇（街道）"), where the
     * codebook's label is the question's wording ("您所在的镇（街道）").
     */
    display: z.record(column, bilingual).default({}),
    reporting: reportingSchema.default({
      confidence_level: 0.95,
      min_n: 30,
      max_rse: 0.5,
      unreliable_rse: 0.3,
      village_min_n: 30,
      intervals: "nominal",
    }),
    personal_data: z.array(personalSchema).default([]),
    small_area: smallAreaSchema.optional(),
    renames: z.array(renameSchema).default([]),
    /** Free-text questions coded into themes (study/openAnswersSchema.ts). */
    open_answers: openAnswersSchema.optional(),
  })
  .strict();

export type StudyFile = z.infer<typeof studySchema>;
export type IndexDefinition = z.infer<typeof indexSchema>;
export type IndicatorDefinition = z.infer<typeof indicatorSchema>;
export type CompositeDefinition = z.infer<typeof compositeSchema>;
export type MarginDefinition = z.infer<typeof marginSchema>;
