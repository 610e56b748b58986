import { z } from "zod";
import { bilingual } from "../schema.ts";

/**
 * The shape of a demonstration-sites study (`kind: demonstration_sites` in study.yaml): the
 * half-yearly assessment of 示范点 against the "six haves" (六有), with its scoring weights and
 * exit rules versioned as the survey's composite is. Every default is filled here.
 * Documented key by key in docs/study-format.md ("Demonstration sites").
 */
const ident = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "must be lowercase letters, digits and _ (starting with a letter)");
const period = z.string().regex(/^\d{4}H[12]$/, "must be a half-year such as 2018H1");
const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."),
    "must be a path inside the study folder",
  );
const named = z.object({ id: ident, name: bilingual }).strict();

const haveSchema = z
  .object({
    id: ident,
    name: bilingual,
    /** The form's items (columns) scored for this have; the have's score is their sum. */
    items: z.array(z.string().min(1)).min(1),
    /** The highest score the have can reach (the sum of its items' maxima). */
    max: z.number().positive(),
  })
  .strict();

const scoringSchema = z
  .object({
    version: z.string().min(1),
    /** The first half-year this version applies to. */
    from_period: period,
    /** Relative weight of each have in the assessment total (rescaled to 0–100). */
    have_weights: z.record(ident, z.number().nonnegative()),
    /** Weights of the assessment total and the served people's satisfaction in the combined score. */
    combined: z
      .object({ assessment: z.number().min(0).max(1), survey: z.number().min(0).max(1) })
      .strict()
      .refine((c) => Math.abs(c.assessment + c.survey - 1) < 1e-9, "assessment + survey must be 1"),
  })
  .strict();

const exitRulesSchema = z
  .object({
    version: z.string().min(1),
    from_period: period,
    /** The confidence of the combined score's interval the rules read (0.95: a 95% interval). */
    confidence: z.number().gt(0.5).lt(1).default(0.95),
    /** Exit review when the combined score's upper limit is below this; watch when its interval straddles it. */
    threshold: z.number(),
    /** Exit review when confidently below `below` (upper limit under it) in `consecutive` half-years running. */
    bottom_tier: z
      .object({ below: z.number(), consecutive: z.number().int().min(2) })
      .strict()
      .nullable()
      .default(null),
    /** Exit review when fewer than `minimum_per_month` news items were reported in at least `months` months of the half-year. */
    news: z
      .object({ minimum_per_month: z.number().int().min(1), months: z.number().int().min(1).max(6) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export const siteStudySchema = z
  .object({
    kind: z.literal("demonstration_sites"),
    id: ident,
    title: bilingual,
    timezone: z.string().default("Asia/Shanghai"),
    register: z.object({ sites: relPath, assessors: relPath }).strict(),
    work_groups: z.array(named).min(1),
    levels: z.array(named).min(1),
    site_types: z.array(named).min(1),
    haves: z.array(haveSchema).min(1),
    assessments: z
      .object({
        file: relPath,
        /**
         * The assessment form as an XLSForm (survey/choices/settings): its item names are the
         * file's columns. Uploads (`barometer sites ingest`) are checked against it.
         */
        codebook: relPath.nullable().default(null),
        projects: z.object({ planned: z.string(), done: z.string() }).strict(),
        /** One column per month of the half-year with the news items the site reported. */
        news: z.array(z.string()).length(6),
      })
      .strict(),
    served_survey: z
      .object({
        file: relPath,
        satisfaction: z.object({ item: z.string(), min: z.number(), max: z.number() }).strict(),
      })
      .strict()
      .nullable()
      .default(null),
    scoring: z.array(scoringSchema).min(1),
    exit_rules: z.array(exitRulesSchema).min(1),
    reporting: z
      .object({
        /** Bootstrap replicates for the ICC's interval. */
        icc_replicates: z.number().int().min(50).default(200),
        seed: z.number().int().default(20180116),
      })
      .strict()
      .default({ icc_replicates: 200, seed: 20180116 }),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const v of s.scoring) {
      for (const h of s.haves) {
        if (!(h.id in v.have_weights)) {
          ctx.addIssue({
            code: "custom",
            path: ["scoring", v.version, "have_weights"],
            message: `has no weight for have "${h.id}"`,
          });
        }
      }
    }
  });

export type SiteStudyConfig = z.infer<typeof siteStudySchema>;
