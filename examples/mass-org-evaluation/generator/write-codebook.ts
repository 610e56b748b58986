/**
 * Writes the codebook as an XLSForm workbook (sheets `survey`, `choices`, `settings`) with
 * exceljs. The bytes are reproducible: the workbook's dates are fixed, and so are the
 * modification times of the entries of the xlsx zip, which exceljs would otherwise set to now.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import ExcelJS from "exceljs";
import { type Choice, CODEBOOK_SETTINGS, FIXED_CHOICES, placeChoices, SURVEY_ITEMS } from "./codebook.ts";
import type { Population } from "./population.ts";

/** The date stamped on the workbook and its zip entries. */
export const CODEBOOK_DATE = new Date("2024-05-01T00:00:00Z");

export const SURVEY_COLUMNS = [
  "type",
  "name",
  "label::zh",
  "label::en",
  "required",
  "constraint",
  "constraint_message::zh",
  "constraint_message::en",
  "relevant",
  "personal",
] as const;

export const CHOICE_COLUMNS = ["list_name", "name", "label::zh", "label::en"] as const;

/** The codebook workbook for a population (its township and village lists) as xlsx bytes. */
export async function codebookXlsx(population: Population): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "Barometer demo generator";
  wb.lastModifiedBy = "Barometer demo generator";
  wb.created = CODEBOOK_DATE;
  wb.modified = CODEBOOK_DATE;

  const survey = wb.addWorksheet("survey");
  survey.addRow([...SURVEY_COLUMNS]);
  for (const item of SURVEY_ITEMS) {
    survey.addRow([
      item.type,
      item.name,
      item.label.zh,
      item.label.en,
      item.required ? "yes" : null,
      item.constraint ?? null,
      item.constraintMessage?.zh ?? null,
      item.constraintMessage?.en ?? null,
      item.relevant ?? null,
      item.personal ? "yes" : null,
    ]);
  }

  const choices = wb.addWorksheet("choices");
  choices.addRow([...CHOICE_COLUMNS]);
  const all: Choice[] = [...FIXED_CHOICES, ...placeChoices(population)];
  for (const c of all) choices.addRow([c.listName, c.name, c.label.zh, c.label.en]);

  const settings = wb.addWorksheet("settings");
  settings.addRow(["form_id", "version"]);
  settings.addRow([CODEBOOK_SETTINGS.formId, CODEBOOK_SETTINGS.version]);

  for (const sheet of [survey, choices, settings]) sheet.getRow(1).font = { bold: true };

  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  return fixZipTimes(bytes, CODEBOOK_DATE);
}

/** Writes `codebookXlsx(population)` to `file`, creating its folder. */
export async function writeCodebook(population: Population, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, await codebookXlsx(population));
}

/**
 * Sets the MS-DOS modification time and date of every entry of a zip archive, in both the
 * central directory and the local headers (APPNOTE.TXT 4.3.7 and 4.3.12), to `date` (UTC).
 */
export function fixZipTimes(zip: Buffer, date: Date): Buffer {
  const dosTime = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  let eocd = -1;
  for (let p = zip.length - 22; p >= 0; p--) {
    if (zip.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new Error("fixZipTimes: no end-of-central-directory record");
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let e = 0; e < entries; e++) {
    if (zip.readUInt32LE(p) !== 0x02014b50)
      throw new Error(`fixZipTimes: bad central directory entry at ${p}`);
    zip.writeUInt16LE(dosTime, p + 12);
    zip.writeUInt16LE(dosDate, p + 14);
    const local = zip.readUInt32LE(p + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`fixZipTimes: bad local header at ${local}`);
    zip.writeUInt16LE(dosTime, local + 10);
    zip.writeUInt16LE(dosDate, local + 12);
    p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return zip;
}
