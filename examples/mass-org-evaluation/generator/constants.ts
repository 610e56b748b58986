/**
 * The fixed vocabulary of the demo study: waves, organizations, aspects, item names and the
 * column order of the response files. study.yaml and the codebook use the same names.
 */

export const WAVES = ["2024", "2025", "2026"] as const;
export type WaveId = (typeof WAVES)[number];

export interface Organization {
  id: "union" | "youth_league" | "womens_federation";
  /** Item-name prefix: `aw_un_t`, `ap_yl_guide`, … */
  prefix: "un" | "yl" | "wf";
  name: { zh: string; en: string };
  /** How a question names the organization. */
  inQuestion: { zh: string; en: string };
}

export const ORGANIZATIONS: readonly Organization[] = [
  {
    id: "union",
    prefix: "un",
    name: { zh: "工会", en: "Trade union" },
    inQuestion: { zh: "工会组织", en: "trade union" },
  },
  {
    id: "youth_league",
    prefix: "yl",
    name: { zh: "共青团", en: "Communist Youth League" },
    inQuestion: { zh: "共青团组织", en: "Communist Youth League organization" },
  },
  {
    id: "womens_federation",
    prefix: "wf",
    name: { zh: "妇联", en: "Women's federation" },
    inQuestion: { zh: "妇联组织", en: "women's federation" },
  },
];

export const ASPECTS = ["guide", "serve", "rights", "close"] as const;
export type Aspect = (typeof ASPECTS)[number];

export const ASPECT_LABELS: Record<Aspect, { zh: string; en: string }> = {
  guide: { zh: "政治引领", en: "political guidance" },
  serve: { zh: "服务群众", en: "services to the people" },
  rights: { zh: "维护权益", en: "protecting rights and interests" },
  close: { zh: "密切联系群众", en: "closeness to the masses" },
};

/** The item names asked about one organization, in questionnaire order. */
export function orgItems(prefix: string): {
  awarenessTownship: string;
  awarenessVillage: string;
  participation: string;
  approval: Record<Aspect, string>;
  satisfaction: string;
} {
  return {
    awarenessTownship: `aw_${prefix}_t`,
    awarenessVillage: `aw_${prefix}_v`,
    participation: `pa_${prefix}`,
    approval: {
      guide: `ap_${prefix}_guide`,
      serve: `ap_${prefix}_serve`,
      rights: `ap_${prefix}_rights`,
      close: `ap_${prefix}_close`,
    },
    satisfaction: `sa_${prefix}`,
  };
}

/** Every organization item, in questionnaire (and response-file) order. */
export const ORG_ITEM_NAMES: readonly string[] = ORGANIZATIONS.flatMap((org) => {
  const items = orgItems(org.prefix);
  return [
    items.awarenessTownship,
    items.awarenessVillage,
    items.participation,
    ...ASPECTS.map((a) => items.approval[a]),
    items.satisfaction,
  ];
});

/** Columns of the response files before the organization items. */
export const RESPONDENT_COLUMNS = [
  "resp_id",
  "interview_date",
  "township_code",
  "village_code",
  "urban_rural",
  "sex",
  "age",
  "age_group",
  "education",
  "occupation",
  "union_member",
  "league_member",
  "name",
  "phone",
] as const;

/** The open question (意见建议) about an organization: `op_un`, `op_yl`, `op_wf`. */
export const openAnswerItem = (prefix: string): string => `op_${prefix}`;

/** The open-answer columns, last in the response files. */
export const OPEN_ANSWER_ITEMS: readonly string[] = ORGANIZATIONS.map((org) => openAnswerItem(org.prefix));

export const RESPONSE_COLUMNS: readonly string[] = [
  ...RESPONDENT_COLUMNS,
  ...ORG_ITEM_NAMES,
  ...OPEN_ANSWER_ITEMS,
];

/** Codes shared by the items. */
export const YES = 1;
export const NO = 2;
export const DONT_KNOW = 9;
/** In the in-memory answer arrays, 0 means a blank (item nonresponse). */
export const BLANK = 0;

/** Age groups: 1 = 16–29, 2 = 30–44, 3 = 45–59, 4 = 60+. */
export function ageGroupOf(age: number): 1 | 2 | 3 | 4 {
  if (age < 30) return 1;
  if (age < 45) return 2;
  if (age < 60) return 3;
  return 4;
}

/** Weights of the composite index, version "2026.1". */
export const COMPOSITE = {
  version: "2026.1",
  weights: { awareness: 0.2, participation: 0.2, approval: 0.3, satisfaction: 0.3 },
} as const;
