import { NotebookError } from "./NotebookError.ts";
import type { Notebook, ParamValue } from "./types.ts";

/**
 * The notebook's parameter values: its defaults, overridden by `given` (text from a query
 * string or `--param k=v`, or typed values), each checked against its declared type and
 * choices. A name the notebook does not declare is an error naming it, never ignored.
 */
export function resolveParams(
  notebook: Notebook,
  given: Record<string, string | ParamValue | undefined>,
): Record<string, ParamValue> {
  const declared = new Map(notebook.params.map((p) => [p.name, p]));
  const values: Record<string, ParamValue> = {};
  for (const p of notebook.params) values[p.name] = p.default;
  for (const [name, raw] of Object.entries(given)) {
    if (raw === undefined) continue;
    const spec = declared.get(name);
    const fail = (detail: string): never => {
      throw new NotebookError({ notebook: notebook.name, line: 2 }, detail);
    };
    if (!spec) {
      const known = notebook.params.map((p) => p.name).join(", ") || "none";
      return fail(`unknown parameter "${name}" (this notebook declares: ${known})`);
    }
    let value: ParamValue = raw;
    if (spec.type === "integer" || spec.type === "number") {
      value = typeof raw === "number" ? raw : Number(String(raw).trim());
      if (String(raw).trim() === "" || !Number.isFinite(value))
        fail(`parameter "${name}": "${raw}" is not a number`);
      if (spec.type === "integer" && !Number.isInteger(value))
        fail(`parameter "${name}": "${raw}" is not a whole number`);
    } else if (spec.type === "boolean") {
      if (typeof raw !== "boolean" && !["true", "false"].includes(String(raw)))
        fail(`parameter "${name}": "${raw}" is not true or false`);
      value = raw === true || raw === "true";
    } else value = String(raw);
    if (spec.choices && !spec.choices.map(String).includes(String(value))) {
      fail(`parameter "${name}": "${raw}" is not one of ${spec.choices.join(", ")}`);
    }
    values[name] = value;
  }
  return values;
}
