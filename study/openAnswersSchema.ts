import { z } from "zod";

const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."),
    "must be a path inside the study folder",
  );

/**
 * study.yaml `open_answers` (optional): the free-text questions (意见建议) coded into themes, with
 * the theme codebook and the segmentation dictionary that code them. See docs/study-format.md.
 */
export const openAnswersSchema = z
  .object({
    /** The theme codebook (YAML, versioned): themes, their rules, examples and exclusions. */
    codebook: relPath,
    /** Domain terms the segmenter keeps whole (工青妇, 职工之家, …), one a line, optionally "term frequency". */
    dictionary: relPath.optional(),
    /** Extra stop words, one a line, added to the shipped list. */
    stopwords: relPath.optional(),
    /** The open questions: codebook item names, each optionally about one organization. */
    items: z
      .array(
        z
          .object({
            item: z.string().min(1),
            organization: z
              .string()
              .regex(/^[a-z][a-z0-9_]*$/)
              .optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type OpenAnswers = z.infer<typeof openAnswersSchema>;
