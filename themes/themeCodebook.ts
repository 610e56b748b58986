import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";

const nonEmpty = z.string().min(1);

const themeSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, "must be lowercase letters, digits and _ (starting with a letter)"),
    name: z.object({ zh: nonEmpty, en: nonEmpty }).strict(),
    /** An answer raises the theme if it contains one of these (after exclusions are taken out). */
    keywords: z.array(nonEmpty).default([]),
    /** ... or all words of one of these phrases, in any order. */
    phrases: z.array(z.array(nonEmpty).min(2)).default([]),
    /** ... or is, as a whole (punctuation and spaces aside), one of these ("无", "没有"). */
    whole: z.array(nonEmpty).default([]),
    /** Text taken out of the answer before this theme's rules look at it (活动室 for activities, 不满意 for no_opinion). */
    exclusions: z.array(nonEmpty).default([]),
    /** Answers that raise the theme, shown to analysts (masked, as they appear in the data). */
    examples: z.array(nonEmpty).default([]),
  })
  .strict();

export const themeCodebookSchema = z
  .object({
    /** Increases by one with every saved edit; the coded data say which version coded them. */
    version: z.number().int().positive(),
    updated_at: z.string().optional(),
    updated_by: z.string().optional(),
    themes: z.array(themeSchema).min(1),
  })
  .strict()
  .superRefine((book, ctx) => {
    const seen = new Set<string>();
    book.themes.forEach((t, i) => {
      if (seen.has(t.id))
        ctx.addIssue({ code: "custom", path: ["themes", i, "id"], message: `theme ${t.id} appears twice` });
      seen.add(t.id);
      if (t.keywords.length + t.phrases.length + t.whole.length === 0)
        ctx.addIssue({
          code: "custom",
          path: ["themes", i],
          message: `theme ${t.id} has no keyword, phrase or whole-answer rule`,
        });
    });
  });

export type ThemeCodebook = z.infer<typeof themeCodebookSchema>;
export type Theme = ThemeCodebook["themes"][number];

/** Parse a theme codebook; an error names the file, the field and the problem. */
export function parseThemeCodebook(text: string, file = "codebook.yaml"): ThemeCodebook {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const result = themeCodebookSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${file}, field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return result.data;
}

export function readThemeCodebook(path: string): ThemeCodebook {
  return parseThemeCodebook(readFileSync(path, "utf8"), path);
}

/**
 * Save an edited codebook as the next version: the one it replaces is kept beside it as
 * `history/<name>.v<N>.yaml`, so every version that ever coded data can be read again. Refuses
 * an edit made from an older version than the file's (someone saved in between).
 */
export function saveThemeCodebook(
  path: string,
  edited: Omit<ThemeCodebook, "version" | "updated_at" | "updated_by">,
  from: { version: number; by: string; at: string },
): ThemeCodebook {
  const current = readThemeCodebook(path);
  if (current.version !== from.version)
    throw new Error(
      `the codebook is at version ${current.version}, the edit was made from version ${from.version}`,
    );
  const next = themeCodebookSchema.parse({
    ...edited,
    version: current.version + 1,
    updated_at: from.at,
    updated_by: from.by,
  });
  const history = join(dirname(path), "history");
  mkdirSync(history, { recursive: true });
  const name = path
    .split(/[\\/]/)
    .pop()!
    .replace(/\.ya?ml$/, "");
  const kept = join(history, `${name}.v${current.version}.yaml`);
  if (!existsSync(kept)) writeFileSync(kept, readFileSync(path));
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, stringify(next, { lineWidth: 0 }));
  renameSync(tmp, path);
  return next;
}
