import type { SandboxQuerier } from "../../server/sandbox/index.ts";
import { resolveParams } from "./resolveParams.ts";
import { runNotebook } from "./runNotebook.ts";
import type { Notebook, ParamValue, RenderedNotebook } from "./types.ts";

/**
 * Resolve a notebook's parameters and run it: what both the server page and the CLI's file
 * show. Throws NotebookError naming the place on an unknown parameter or a failing block.
 */
export async function renderNotebook(
  notebook: Notebook,
  options: {
    sandbox: SandboxQuerier;
    params?: Record<string, string | ParamValue | undefined>;
    suppress?: boolean;
  },
): Promise<RenderedNotebook> {
  const values = resolveParams(notebook, options.params ?? {});
  const suppress = options.suppress ?? true;
  const sections = await runNotebook(notebook, { sandbox: options.sandbox, values, suppress });
  return { name: notebook.name, title: notebook.title, params: notebook.params, values, suppress, sections };
}
