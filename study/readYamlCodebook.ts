import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "yaml";
import { buildCodebook, type ChoiceRow, type Codebook, type SurveyRow } from "./codebook.ts";

type Bilingual = { zh?: string; en?: string } | string | undefined;
const zh = (b: Bilingual) => (typeof b === "string" ? b : (b?.zh ?? ""));
const en = (b: Bilingual) => (typeof b === "string" ? "" : (b?.en ?? ""));
const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/**
 * Read the YAML form of a codebook, the same content as the XLSForm written for review:
 * `survey:` a list of items ({type, name, label: {zh, en}, required, constraint,
 * constraint_message, relevant, choice_filter, personal}), `choices:` a map from list name
 * to [{name, label: {zh, en}, ...filter columns}] and, optionally, `settings: {form_id, version}`.
 */
export function readYamlCodebook(path: string, version: string): Codebook {
  const file = basename(path);
  let doc: { survey?: unknown; choices?: unknown; settings?: { form_id?: unknown; version?: unknown } };
  try {
    doc = parse(readFileSync(path, "utf8")) ?? {};
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (!Array.isArray(doc.survey)) throw new Error(`${file}: missing "survey" list`);
  if (typeof doc.choices !== "object" || doc.choices === null)
    throw new Error(`${file}: missing "choices" map`);
  const survey: SurveyRow[] = (doc.survey as Record<string, unknown>[]).map((r, i) => ({
    type: text(r.type),
    name: text(r.name),
    labelZh: zh(r.label as Bilingual),
    labelEn: en(r.label as Bilingual),
    required: text(r.required),
    constraint: text(r.constraint),
    constraintMessageZh: zh(r.constraint_message as Bilingual),
    constraintMessageEn: en(r.constraint_message as Bilingual),
    relevant: text(r.relevant),
    choiceFilter: text(r.choice_filter),
    personal: text(r["barometer::personal"] ?? r.personal),
    source: `${file}, survey item ${i + 1}`,
  }));
  const choices: ChoiceRow[] = Object.entries(
    doc.choices as Record<string, Record<string, unknown>[]>,
  ).flatMap(([listName, list]) =>
    (list ?? []).map((c, i) => ({
      listName,
      name: text(c.name),
      labelZh: zh(c.label as Bilingual),
      labelEn: en(c.label as Bilingual),
      filters: Object.fromEntries(
        Object.entries(c)
          .filter(([k]) => k !== "name" && k !== "label")
          .map(([k, v]) => [k, text(v)]),
      ),
      source: `${file}, choices.${listName}[${i}]`,
    })),
  );
  return buildCodebook(version, file, survey, choices, {
    formId: text(doc.settings?.form_id) || null,
    version: text(doc.settings?.version) || null,
  });
}
