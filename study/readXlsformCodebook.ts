import { basename } from "node:path";
import ExcelJS from "exceljs";
import { buildCodebook, type ChoiceRow, type Codebook, type SurveyRow } from "./codebook.ts";

type SheetRows = { header: Map<string, number>; rows: { number: number; cells: string[] }[] };

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("text" in value && typeof value.text === "string") return value.text;
    if ("result" in value) return cellText(value.result as ExcelJS.CellValue);
    if ("error" in value) return String(value.error);
  }
  return String(value).trim();
}

function readSheet(workbook: ExcelJS.Workbook, name: string, file: string): SheetRows;
function readSheet(workbook: ExcelJS.Workbook, name: string, file: string, optional: true): SheetRows | null;
function readSheet(
  workbook: ExcelJS.Workbook,
  name: string,
  file: string,
  optional = false,
): SheetRows | null {
  const sheet = workbook.getWorksheet(name);
  if (!sheet && optional) return null;
  if (!sheet) {
    const found = workbook.worksheets.map((s) => s.name).join(", ") || "none";
    throw new Error(
      `${file}: missing sheet "${name}" (an XLSForm needs "survey" and "choices"; found: ${found})`,
    );
  }
  const header = new Map<string, number>();
  const rows: SheetRows["rows"] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const values = row.values as ExcelJS.CellValue[];
    const cells = values.map(cellText);
    if (header.size === 0) {
      cells.forEach((c, i) => {
        if (c) header.set(c.toLowerCase().replace(/\s+/g, ""), i);
      });
      return;
    }
    rows.push({ number, cells });
  });
  return { header, rows };
}

function column(sheet: SheetRows, ...names: string[]): (cells: string[]) => string {
  for (const name of names) {
    const index = sheet.header.get(name);
    if (index !== undefined) return (cells) => cells[index] ?? "";
  }
  return () => "";
}

function requireColumn(sheet: SheetRows, file: string, sheetName: string, name: string): void {
  if (!sheet.header.has(name)) throw new Error(`${file}, sheet ${sheetName}: missing column "${name}"`);
}

/** Columns of the choices sheet that are not choice filters. */
const CHOICE_COLUMNS = /^(list_name|name|label(::.*)?|image(::.*)?|audio(::.*)?|video(::.*)?|media::.*)$/;

/**
 * Read an XLSForm codebook: sheets `survey` (type, name, label::zh, label::en, required,
 * constraint, constraint_message::zh/en, relevant, choice_filter, barometer::personal),
 * `choices` (list_name, name, label::zh, label::en, and any columns a choice_filter tests)
 * and, optionally, `settings` (form_id, version). A plain `label` column stands for
 * label::zh. docs/study-format.md lists what is read.
 */
export async function readXlsformCodebook(path: string, version: string): Promise<Codebook> {
  const file = basename(path);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (error) {
    throw new Error(`${file}: not a readable .xlsx file (${(error as Error).message})`);
  }
  const survey = readSheet(workbook, "survey", file);
  const choices = readSheet(workbook, "choices", file);
  for (const c of ["type", "name"]) requireColumn(survey, file, "survey", c);
  for (const c of ["list_name", "name"]) requireColumn(choices, file, "choices", c);

  const s = {
    type: column(survey, "type"),
    name: column(survey, "name"),
    labelZh: column(survey, "label::zh", "label::chinese(zh)", "label::中文", "label"),
    labelEn: column(survey, "label::en", "label::english(en)", "label::english"),
    required: column(survey, "required"),
    constraint: column(survey, "constraint"),
    cmZh: column(survey, "constraint_message::zh", "constraint_message"),
    cmEn: column(survey, "constraint_message::en"),
    relevant: column(survey, "relevant"),
    personal: column(survey, "barometer::personal", "personal"),
    choiceFilter: column(survey, "choice_filter"),
  };
  const surveyRows: SurveyRow[] = survey.rows.map(({ number, cells }) => ({
    type: s.type(cells),
    name: s.name(cells),
    labelZh: s.labelZh(cells),
    labelEn: s.labelEn(cells),
    required: s.required(cells),
    constraint: s.constraint(cells),
    constraintMessageZh: s.cmZh(cells),
    constraintMessageEn: s.cmEn(cells),
    relevant: s.relevant(cells),
    personal: s.personal(cells),
    choiceFilter: s.choiceFilter(cells),
    source: `${file}, sheet survey, row ${number}`,
  }));
  const c = {
    list: column(choices, "list_name"),
    name: column(choices, "name"),
    labelZh: column(choices, "label::zh", "label::chinese(zh)", "label"),
    labelEn: column(choices, "label::en", "label::english(en)", "label::english"),
  };
  const filterColumns = [...choices.header].filter(([name]) => !CHOICE_COLUMNS.test(name));
  const choiceRows: ChoiceRow[] = choices.rows.map(({ number, cells }) => ({
    listName: c.list(cells),
    name: c.name(cells),
    labelZh: c.labelZh(cells),
    labelEn: c.labelEn(cells),
    filters: Object.fromEntries(filterColumns.map(([name, i]) => [name, cells[i] ?? ""])),
    source: `${file}, sheet choices, row ${number}`,
  }));
  const settings = readSheet(workbook, "settings", file, true);
  const first = settings?.rows[0]?.cells ?? [];
  const setting = (name: string) => (settings ? column(settings, name)(first) || null : null);
  return buildCodebook(version, file, surveyRows, choiceRows, {
    formId: setting("form_id"),
    version: setting("version"),
  });
}
