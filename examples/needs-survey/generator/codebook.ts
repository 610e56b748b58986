// biome-ignore-all lint/suspicious/noTemplateCurlyInString: XLSForm expressions write ${item}
// The questionnaire of the needs survey, version v1, written as an XLSForm workbook
// (codebook/codebook.xlsx: sheets survey, choices, settings; the file study.yaml reads) and as
// its YAML twin for review (codebook/codebook.yaml), both from the rows below, so they agree.
// It uses what teams' XLSForms use: a group (begin_group / end_group), a note, constraint
// messages in two languages, a select_multiple with an exclusive "none of these", and a
// cascading select (an enterprise's choices filtered by the township answered).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { Document, isMap, visit } from "yaml";

type Text = { zh: string; en: string };
export interface SurveyRow {
  type: string;
  name: string;
  label?: Text;
  required?: "yes";
  relevant?: string;
  constraint?: string;
  constraint_message?: Text;
  choice_filter?: string;
}
export interface ChoiceRow {
  name: string;
  label: Text;
  /** The township an enterprise belongs to: what the enterprise's choice_filter tests. */
  township?: string;
}
export interface Questionnaire {
  survey: SurveyRow[];
  choices: Record<string, ChoiceRow[]>;
  settings: { form_title: string; form_id: string; version: string };
}

/** The needs survey's questionnaire, its township and enterprise lists from the frame. */
export function questionnaire(
  townships: ChoiceRow[],
  enterprises: ChoiceRow[],
  needs: ChoiceRow[],
): Questionnaire {
  const yes = "yes" as const;
  return {
    survey: [
      { type: "text", name: "resp_id", label: { zh: "编号", en: "Respondent ID" }, required: yes },
      { type: "date", name: "interview_date", label: { zh: "访问日期", en: "Interview date" } },
      { type: "begin_group", name: "workplace", label: { zh: "工作单位", en: "Workplace" } },
      {
        type: "select_one township",
        name: "township_code",
        label: { zh: "所在镇街", en: "Township" },
        required: yes,
      },
      {
        type: "select_one enterprise",
        name: "enterprise_code",
        label: { zh: "所在企业", en: "Enterprise" },
        required: yes,
        choice_filter: "township = ${township_code}",
      },
      { type: "end_group", name: "" },
      { type: "select_one sex", name: "sex", label: { zh: "性别", en: "Sex" }, required: yes },
      { type: "select_one age", name: "age_group", label: { zh: "年龄段", en: "Age group" }, required: yes },
      {
        type: "select_one industry",
        name: "industry",
        label: { zh: "所属行业", en: "Industry" },
        required: yes,
      },
      {
        type: "decimal",
        name: "weight",
        label: { zh: "权数", en: "Weight" },
        required: yes,
        constraint: ". > 0",
        constraint_message: { zh: "权数必须大于 0", en: "The weight must be above 0" },
      },
      {
        type: "note",
        name: "services_intro",
        label: {
          zh: "以下问题询问您近三个月享受工会服务的情况",
          en: "The next questions ask about the union services you used in the past three months",
        },
      },
      {
        type: "select_one ben",
        name: "benefited",
        label: { zh: "近三个月是否享受过工会服务", en: "Used a union service in the past three months?" },
        required: yes,
      },
      {
        type: "select_one sat",
        name: "satisfaction",
        label: { zh: "对所享受服务的满意程度", en: "Satisfaction with the service used" },
        relevant: "${benefited} = 1",
      },
      {
        type: "select_multiple need",
        name: "needs",
        label: { zh: "需要哪些工会服务", en: "Which union services do you need?" },
        required: yes,
        constraint: "not(selected(., '7') and count-selected(.) > 1)",
        constraint_message: {
          zh: "“以上都不需要”不能与其他服务同时选择",
          en: '"None of these" cannot be chosen with a service',
        },
      },
      { type: "text", name: "suggestion", label: { zh: "意见建议", en: "Suggestions" } },
    ],
    choices: {
      township: townships,
      enterprise: enterprises,
      sex: [choice("1", "男", "Male"), choice("2", "女", "Female")],
      age: [
        choice("1", "35岁以下", "Under 35"),
        choice("2", "35-49岁", "35-49"),
        choice("3", "50岁及以上", "50 and over"),
      ],
      industry: [
        choice("1", "制造业", "Manufacturing"),
        choice("2", "服务业", "Services"),
        choice("3", "建筑业", "Construction"),
      ],
      ben: [choice("1", "是", "Yes"), choice("2", "否", "No"), choice("9", "不清楚", "Not sure")],
      sat: [
        choice("1", "很不满意", "Very dissatisfied"),
        choice("2", "不满意", "Dissatisfied"),
        choice("3", "一般", "Neutral"),
        choice("4", "满意", "Satisfied"),
        choice("5", "很满意", "Very satisfied"),
        choice("9", "说不清", "Don't know"),
      ],
      need: needs,
    },
    settings: { form_title: "职工需求调查", form_id: "needs_survey", version: "v1" },
  };
}

export const choice = (name: string, zh: string, en: string): ChoiceRow => ({ name, label: { zh, en } });

/** Write the XLSForm (codebook.xlsx) and its YAML twin (codebook.yaml) into `dir`. */
export async function writeCodebook(dir: string, q: Questionnaire): Promise<void> {
  const book = new ExcelJS.Workbook();
  book.created = new Date(Date.UTC(2025, 1, 1));
  book.modified = book.created;
  const survey = book.addWorksheet("survey");
  survey.addRow([
    "type",
    "name",
    "label::zh",
    "label::en",
    "required",
    "relevant",
    "constraint",
    "constraint_message::zh",
    "constraint_message::en",
    "choice_filter",
  ]);
  for (const r of q.survey)
    survey.addRow([
      r.type,
      r.name,
      r.label?.zh ?? "",
      r.label?.en ?? "",
      r.required ?? "",
      r.relevant ?? "",
      r.constraint ?? "",
      r.constraint_message?.zh ?? "",
      r.constraint_message?.en ?? "",
      r.choice_filter ?? "",
    ]);
  const choices = book.addWorksheet("choices");
  choices.addRow(["list_name", "name", "label::zh", "label::en", "township"]);
  for (const [list, rows] of Object.entries(q.choices))
    for (const c of rows) choices.addRow([list, c.name, c.label.zh, c.label.en, c.township ?? ""]);
  const settings = book.addWorksheet("settings");
  settings.addRow(["form_title", "form_id", "version"]);
  settings.addRow([q.settings.form_title, q.settings.form_id, q.settings.version]);
  await book.xlsx.writeFile(join(dir, "codebook.xlsx"));

  const doc = new Document({
    survey: q.survey.map((r) => (r.type === "end_group" ? { type: r.type } : r)),
    choices: q.choices,
    settings: { form_id: q.settings.form_id, version: q.settings.version },
  });
  // one row per line, as the sheets have them
  visit(doc, {
    Seq(_, seq) {
      for (const item of seq.items) if (isMap(item)) item.flow = true;
    },
  });
  const yaml = doc.toString({ lineWidth: 0 });
  writeFileSync(
    join(dir, "codebook.yaml"),
    `# The YAML twin of codebook.xlsx (the XLSForm study.yaml reads), written with it by\n# generator/codebook.ts for review: the same survey, choices and settings.\n${yaml}`,
  );
}
