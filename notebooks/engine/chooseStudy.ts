import type { Lang } from "../../messages/catalogue.ts";
import { notebookMessage } from "../../messages/notebooks.ts";
import { NotebookError } from "./NotebookError.ts";
import type { Notebook } from "./types.ts";

/**
 * The study a notebook runs on: the one it declares (`study:` in its front matter; asking for
 * another is refused), else the one asked for, else the snapshot's first. A study the snapshot
 * does not hold is refused, naming those it does. Messages from messages/notebooks.ts.
 */
export function chooseStudy(
  notebook: Notebook,
  studies: readonly string[],
  wanted: string | undefined,
  lang: Lang = "en",
): string {
  const fail = (detail: string): never => {
    throw new NotebookError({ notebook: notebook.name, line: 2 }, detail);
  };
  if (notebook.study && wanted && wanted !== notebook.study)
    fail(
      notebookMessage("notebook.other_study", lang, {
        name: notebook.name,
        study: notebook.study,
        chosen: wanted,
      }),
    );
  const study = notebook.study ?? wanted ?? studies[0];
  if (study === undefined) return fail(notebookMessage("notebook.no_study", lang));
  if (!studies.includes(study))
    fail(notebookMessage("notebook.unknown_study", lang, { study, known: studies.join(", ") || "—" }));
  return study;
}
