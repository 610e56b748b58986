/**
 * The questionnaire of the demo study as data: every item of the XLSForm `survey` sheet and
 * every choice of the `choices` sheet. The township and village lists come from the population,
 * so they are built per seed.
 */
import { ASPECT_LABELS, ASPECTS, ORGANIZATIONS, openAnswerItem, orgItems } from "./constants.ts";
import type { Population } from "./population.ts";

export interface Bilingual {
  zh: string;
  en: string;
}

export interface SurveyItem {
  /** XLSForm type: `select_one LIST`, `integer`, `date` or `text`. */
  type: string;
  name: string;
  label: Bilingual;
  required: boolean;
  constraint?: string;
  constraintMessage?: Bilingual;
  relevant?: string;
  /** Personal data: dropped or pseudonymized at ingest (see study.yaml personal_data). */
  personal?: boolean;
}

export interface Choice {
  listName: string;
  name: string;
  label: Bilingual;
}

export const CODEBOOK_SETTINGS = { formId: "mass_org_evaluation", version: "v1" } as const;

const RESPONDENT_ITEMS: readonly SurveyItem[] = [
  {
    type: "text",
    name: "resp_id",
    label: { zh: "问卷编号", en: "Questionnaire ID" },
    required: true,
    constraint: "regex(., '^[0-9]{4}-[0-9]{5}$')",
    constraintMessage: {
      zh: "问卷编号应为“年份-五位序号”，如 2024-00001",
      en: "The ID must look like 2024-00001",
    },
  },
  { type: "date", name: "interview_date", label: { zh: "调查日期", en: "Interview date" }, required: true },
  {
    type: "select_one township",
    name: "township_code",
    label: { zh: "您所在的镇（街道）", en: "Your township (street)" },
    required: true,
  },
  {
    type: "select_one village",
    name: "village_code",
    label: { zh: "您所在的村（社区）", en: "Your village (community)" },
    required: true,
  },
  {
    type: "select_one urban_rural",
    name: "urban_rural",
    label: { zh: "居住地类型", en: "Place of residence" },
    required: true,
  },
  { type: "select_one sex", name: "sex", label: { zh: "您的性别", en: "Your sex" }, required: true },
  {
    type: "integer",
    name: "age",
    label: { zh: "您的年龄（周岁）", en: "Your age (completed years)" },
    required: true,
    constraint: ". >= 16 and . <= 100",
    constraintMessage: { zh: "年龄应在16至100岁之间", en: "Age must be between 16 and 100" },
  },
  {
    type: "select_one age_group",
    name: "age_group",
    label: { zh: "年龄组", en: "Age group" },
    required: true,
  },
  {
    type: "select_one education",
    name: "education",
    label: { zh: "您的文化程度", en: "Your education" },
    required: true,
  },
  {
    type: "select_one occupation",
    name: "occupation",
    label: { zh: "您的职业", en: "Your occupation" },
    required: true,
  },
  {
    type: "select_one yesno",
    name: "union_member",
    label: { zh: "您是否为工会会员？", en: "Are you a trade union member?" },
    required: true,
  },
  {
    type: "select_one yesno",
    name: "league_member",
    label: { zh: "您是否为共青团员？", en: "Are you a member of the Communist Youth League?" },
    required: true,
    // XLSForm syntax, not a JavaScript template: ${age} is the answer to `age`.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: XLSForm reference
    relevant: "${age} <= 35",
  },
  {
    type: "text",
    name: "name",
    label: { zh: "受访者姓名", en: "Respondent's name" },
    required: true,
    personal: true,
  },
  {
    type: "text",
    name: "phone",
    label: { zh: "联系电话", en: "Contact phone number" },
    required: true,
    constraint: "regex(., '^1[3-9][0-9]{9}$')",
    constraintMessage: { zh: "请填写11位手机号码", en: "Enter an 11-digit mobile number" },
    personal: true,
  },
];

function organizationItems(): SurveyItem[] {
  return ORGANIZATIONS.flatMap((org) => {
    const items = orgItems(org.prefix);
    const q = org.inQuestion;
    return [
      {
        type: "select_one yndk",
        name: items.awarenessTownship,
        label: {
          zh: `您是否知道本镇（街道）的${q.zh}？`,
          en: `Do you know the ${q.en} of your township (street)?`,
        },
        required: true,
      },
      {
        type: "select_one yndk",
        name: items.awarenessVillage,
        label: {
          zh: `您是否知道本村（社区）的${q.zh}？`,
          en: `Do you know the ${q.en} of your village (community)?`,
        },
        required: true,
      },
      {
        type: "select_one yesno",
        name: items.participation,
        label: {
          zh: `过去12个月里，您是否参加过${q.zh}举办的活动或使用过其提供的服务？`,
          en: `In the past 12 months, did you take part in an activity or use a service of the ${q.en}?`,
        },
        required: true,
      },
      ...ASPECTS.map((aspect) => ({
        type: "select_one scale5dk",
        name: items.approval[aspect],
        label: {
          zh: `您如何评价${q.zh}在“${ASPECT_LABELS[aspect].zh}”方面的工作？`,
          en: `How do you rate the work of the ${q.en} on ${ASPECT_LABELS[aspect].en}?`,
        },
        required: false,
      })),
      {
        type: "select_one satisfaction5dk",
        name: items.satisfaction,
        label: {
          zh: `总体而言，您对${q.zh}的工作是否满意？`,
          en: `Overall, how satisfied are you with the work of the ${q.en}?`,
        },
        required: false,
      },
    ];
  });
}

/** The open question at the end, one per organization (意见建议): free text, may be left blank. */
function openAnswerItems(): SurveyItem[] {
  return ORGANIZATIONS.map((org) => ({
    type: "text",
    name: openAnswerItem(org.prefix),
    label: {
      zh: `您对${org.inQuestion.zh}的工作有什么意见和建议？`,
      en: `What suggestions do you have for the work of the ${org.inQuestion.en}?`,
    },
    required: false,
  }));
}

export const SURVEY_ITEMS: readonly SurveyItem[] = [
  ...RESPONDENT_ITEMS,
  ...organizationItems(),
  ...openAnswerItems(),
];

const list = (listName: string, entries: readonly [string, string, string][]): Choice[] =>
  entries.map(([name, zh, en]) => ({ listName, name, label: { zh, en } }));

export const FIXED_CHOICES: readonly Choice[] = [
  ...list("yesno", [
    ["1", "是", "Yes"],
    ["2", "否", "No"],
  ]),
  ...list("yndk", [
    ["1", "是", "Yes"],
    ["2", "否", "No"],
    ["9", "不清楚", "Don't know"],
  ]),
  ...list("scale5dk", [
    ["1", "很差", "Very poor"],
    ["2", "较差", "Poor"],
    ["3", "一般", "Fair"],
    ["4", "较好", "Good"],
    ["5", "很好", "Very good"],
    ["9", "说不清", "Don't know"],
  ]),
  ...list("satisfaction5dk", [
    ["1", "很不满意", "Very dissatisfied"],
    ["2", "不太满意", "Dissatisfied"],
    ["3", "一般", "Neutral"],
    ["4", "比较满意", "Satisfied"],
    ["5", "很满意", "Very satisfied"],
    ["9", "说不清", "Don't know"],
  ]),
  ...list("sex", [
    ["1", "男", "Male"],
    ["2", "女", "Female"],
  ]),
  ...list("age_group", [
    ["1", "16–29岁", "16–29"],
    ["2", "30–44岁", "30–44"],
    ["3", "45–59岁", "45–59"],
    ["4", "60岁及以上", "60 and over"],
  ]),
  ...list("education", [
    ["1", "小学及以下", "Primary school or less"],
    ["2", "初中", "Junior secondary school"],
    ["3", "高中/中专/职高", "Senior secondary or vocational school"],
    ["4", "大专", "Junior college"],
    ["5", "本科及以上", "Bachelor's degree or higher"],
  ]),
  ...list("occupation", [
    ["1", "务农", "Farming"],
    ["2", "企业职工", "Enterprise employee"],
    ["3", "机关事业单位人员", "Civil servant or public institution staff"],
    ["4", "个体工商户/自由职业", "Self-employed or freelance"],
    ["5", "学生", "Student"],
    ["6", "离退休人员", "Retired"],
    ["7", "其他（含无业）", "Other (including not working)"],
  ]),
  ...list("urban_rural", [
    ["1", "城镇", "Urban"],
    ["2", "乡村", "Rural"],
  ]),
];

/** The `township` and `village` lists: one choice per code, labelled with the unit's name. */
export function placeChoices(population: Population): Choice[] {
  return [
    ...population.townships.map((t) => ({ listName: "township", name: t.code, label: t.name })),
    ...population.villages.map((v) => ({ listName: "village", name: v.code, label: v.name })),
  ];
}
