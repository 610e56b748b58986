/**
 * The assessment form of the demonstration sites as an XLSForm workbook (sheets `survey`,
 * `choices`, `settings`): what assessors fill, one row per site, half-year and assessor. Its
 * item names are the columns of assessments/assessments.csv, so the folder's file and an
 * uploaded one (`barometer sites ingest`) are checked by the same rules. Sites and assessors
 * are choice lists written from the registers. Reproducible bytes (fixed dates, see fixZipTimes).
 */
import ExcelJS from "exceljs";
import { fixZipTimes } from "../../mass-org-evaluation/generator/write-codebook.ts";

const FORM_DATE = new Date("2024-05-01T00:00:00Z");
const HAVE_LABELS: Record<string, { zh: string; en: string }> = {
  staff: { zh: "有人员", en: "Staff" },
  venue: { zh: "有阵地", en: "Venue" },
  projects: { zh: "有项目", en: "Projects" },
  carriers: { zh: "有载体", en: "Carriers" },
  rules: { zh: "有制度", en: "Rules" },
  features: { zh: "有特色", en: "Distinctive features" },
};

type Row = [string, string, string, string, string, string, string, string];

/** The form for these registers, as xlsx bytes. */
export async function assessmentFormXlsx(
  sites: readonly { site_id: string; name_zh: string; name_en: string }[],
  assessors: readonly { assessor_id: string; name: string }[],
): Promise<Buffer> {
  const survey: Row[] = [
    ["select_one sites", "site_id", "示范点", "Site", "yes", "", "", ""],
    [
      "text",
      "period",
      "半年度",
      "Half-year",
      "yes",
      "regex(., '^[0-9]{4}H[12]$')",
      "半年度应写成 2018H1 或 2018H2 的形式",
      "the half-year must be written as 2018H1 or 2018H2",
    ],
    ["select_one assessors", "assessor_id", "考核人", "Assessor", "yes", "", "", ""],
    ["date", "assessed_on", "考核日期", "Date of the visit", "yes", "", "", ""],
  ];
  for (const [have, label] of Object.entries(HAVE_LABELS)) {
    for (const k of [1, 2]) {
      survey.push([
        "decimal",
        `${have}_${k}`,
        `${label.zh}：第 ${k} 子项得分`,
        `${label.en}: sub-item ${k}`,
        "yes",
        ". >= 0 and . <= 5",
        "每个子项得分应在 0 到 5 分之间",
        "each sub-item is scored from 0 to 5",
      ]);
    }
  }
  survey.push(
    [
      "integer",
      "projects_planned",
      "项目清单：计划项目数",
      "Project list: projects planned",
      "yes",
      ". >= 0",
      "项目数不能为负",
      "the number of projects cannot be negative",
    ],
    [
      "integer",
      "projects_done",
      "项目清单：已完成项目数",
      "Project list: projects done",
      "yes",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an XLSForm reference, not a template
      ". >= 0 and . <= ${projects_planned}",
      "已完成项目数应在 0 到计划项目数之间",
      "projects done must be between 0 and the projects planned",
    ],
  );
  for (let m = 1; m <= 6; m++) {
    survey.push([
      "integer",
      `news_m${m}`,
      `第 ${m} 个月报送信息条数`,
      `News reported in month ${m}`,
      "yes",
      ". >= 0",
      "信息条数不能为负",
      "the news count cannot be negative",
    ]);
  }
  survey.push(["text", "evidence", "佐证材料说明", "Evidence note", "", "", "", ""]);

  const wb = new ExcelJS.Workbook();
  wb.creator = "Barometer demo generator";
  wb.lastModifiedBy = "Barometer demo generator";
  wb.created = FORM_DATE;
  wb.modified = FORM_DATE;
  const s = wb.addWorksheet("survey");
  s.addRow([
    "type",
    "name",
    "label::zh",
    "label::en",
    "required",
    "constraint",
    "constraint_message::zh",
    "constraint_message::en",
  ]);
  for (const row of survey) s.addRow(row.map((c) => c || null));
  const c = wb.addWorksheet("choices");
  c.addRow(["list_name", "name", "label::zh", "label::en"]);
  for (const site of sites) c.addRow(["sites", site.site_id, site.name_zh, site.name_en]);
  for (const a of assessors) c.addRow(["assessors", a.assessor_id, a.name, a.assessor_id]);
  const settings = wb.addWorksheet("settings");
  settings.addRow(["form_id", "version"]);
  settings.addRow(["site_assessment", "v1"]);
  for (const sheet of [s, c, settings]) sheet.getRow(1).font = { bold: true };
  return fixZipTimes(Buffer.from(await wb.xlsx.writeBuffer()), FORM_DATE);
}
