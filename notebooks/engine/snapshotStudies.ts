import type { SandboxQuerier } from "../../server/sandbox/index.ts";
import { NOTEBOOK_RELATIONS } from "./snapshotTables.ts";

/**
 * The studies an analytics snapshot holds (those with reporting rules, `seed_reporting__<study>`),
 * in id order, each with the notebook relations it has, named without the study suffix
 * (`index_scores`, `seed_units`, ...): what a notebook may read by the plain name.
 */
export async function snapshotStudies(sandbox: SandboxQuerier): Promise<Map<string, Set<string>>> {
  const result = await sandbox.query("select table_name from duckdb_tables() order by table_name", {
    params: [],
  });
  if (!result.ok) throw new Error(`cannot list the snapshot's relations: ${result.error.message}`);
  const names = result.rows.map((r) => String(r[0]));
  const studies = new Map<string, Set<string>>();
  for (const name of names) {
    const study = /^seed_reporting__([a-z0-9_]+)$/.exec(name)?.[1];
    if (study) studies.set(study, new Set());
  }
  for (const name of names) {
    if (!NOTEBOOK_RELATIONS.test(name)) continue;
    for (const [study, relations] of studies)
      if (name.endsWith(`__${study}`)) relations.add(name.slice(0, -`__${study}`.length));
  }
  return studies;
}
