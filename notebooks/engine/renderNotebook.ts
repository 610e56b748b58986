import type { Lang } from "../../messages/catalogue.ts";
import type { SandboxQuerier } from "../../server/sandbox/index.ts";
import { chooseStudy } from "./chooseStudy.ts";
import { resolveParams } from "./resolveParams.ts";
import { runNotebook } from "./runNotebook.ts";
import { snapshotStudies } from "./snapshotStudies.ts";
import { studyNames } from "./studyNames.ts";
import { studyParams } from "./studyParams.ts";
import type { Notebook, ParamValue, RenderedNotebook } from "./types.ts";

/**
 * Choose the study (the notebook's own, else `study`, else the snapshot's first), read the
 * parameters' choices from it, resolve the parameters and run the notebook: what both the
 * server page and the CLI's file show. Throws NotebookError naming the place on a study the
 * notebook is not for, an unknown parameter or a failing block (`lang`: the language of the
 * study messages).
 */
export async function renderNotebook(
  notebook: Notebook,
  options: {
    sandbox: SandboxQuerier;
    params?: Record<string, string | ParamValue | undefined>;
    suppress?: boolean;
    study?: string;
    lang?: Lang;
  },
): Promise<RenderedNotebook> {
  const studies = await snapshotStudies(options.sandbox);
  const study = chooseStudy(notebook, [...studies.keys()], options.study, options.lang);
  const relations = studies.get(study)!;
  const params = await studyParams(notebook, options.sandbox, study, relations);
  const values = resolveParams({ ...notebook, params }, options.params ?? {});
  const suppress = options.suppress ?? true;
  const sections = await runNotebook(notebook, {
    sandbox: options.sandbox,
    values,
    suppress,
    study,
    relations,
  });
  const names = await studyNames(options.sandbox, study);
  return { name: notebook.name, title: notebook.title, params, values, study, suppress, sections, names };
}
