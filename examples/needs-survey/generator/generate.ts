// The needs survey example (issue 14): a district trade union's quarterly workers' needs survey
// (职工需求调查), written from one seed with the true value of every district and township
// figure. Run: node --import tsx/esm examples/needs-survey/generator/generate.ts
//
// The district: 8 townships (strata), 10-16 enterprises each (the PSUs), 20-400 workers per
// enterprise. Each quarter, every worker's answers are drawn for the whole population (so the
// truth is the population's own figure, not a model parameter); the sample is 4 enterprises
// per township by simple random sampling, then up to 12 workers per enterprise by simple
// random sampling, with the delivered weight (M_h / m_h) * (N_hi / n_hi). Files, one per
// quarter, in the shapes teams upload: Q1 UTF-8 codes, Q2 a 问卷星 GBK export with question
// labels as headers and option text as answers, Q3 an .xlsx with real date cells, Q4 UTF-8
// with a BOM. The select_multiple `needs` comes in the three shapes exports use: Q1 and Q4 one
// cell of space-separated codes (`2 3 5`), Q2 问卷星's option labels joined by ┋
// (`法律援助┋心理咨询`), Q3 问卷星's one 0/1 column per option (`11(技能培训)`). The codebook
// is an XLSForm written beside them (codebook.ts), with its YAML twin.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { Rng } from "../../mass-org-evaluation/generator/random.ts";
import { choice, questionnaire, writeCodebook } from "./codebook.ts";

const HERE = join(import.meta.dirname, "..");
const SEED = 20250301;
export const QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"] as const;
export const NEEDS = ["skills", "legal", "counselling", "childcare", "medical", "housing"] as const;
/** The codes of the needs' choice list: the six services in order, then "none of these" (7). */
export const NEED_CODE: Record<(typeof NEEDS)[number], string> = {
  skills: "1",
  legal: "2",
  counselling: "3",
  childcare: "4",
  medical: "5",
  housing: "6",
};
const NONE_CODE = "7";
const NONE_ZH = "以上都不需要";
const NEED_ZH: Record<(typeof NEEDS)[number], string> = {
  skills: "技能培训",
  legal: "法律援助",
  counselling: "心理咨询",
  childcare: "子女托管",
  medical: "医疗互助",
  housing: "住房保障",
};
const NEED_EN: Record<(typeof NEEDS)[number], string> = {
  skills: "Skills training",
  legal: "Legal aid",
  counselling: "Counselling",
  childcare: "Childcare",
  medical: "Medical mutual aid",
  housing: "Housing",
};
const TOWNSHIPS = ["东城", "西城", "南湖", "北山", "河口", "新桥", "石门", "柳林"];
const INDUSTRY = ["1", "2", "3"]; // manufacturing, services, construction
const SEX_ZH = { "1": "男", "2": "女" } as const;
const BEN_ZH = { "1": "是", "2": "否", "9": "不清楚" } as const;
const SAT_ZH = {
  "1": "很不满意",
  "2": "不满意",
  "3": "一般",
  "4": "满意",
  "5": "很满意",
  "9": "说不清",
} as const;
const IND_ZH = { "1": "制造业", "2": "服务业", "3": "建筑业" } as const;
const SUGGESTIONS = [
  "希望多开展技能培训",
  "加强劳动维权宣传",
  "增加夜间托管服务",
  "",
  "",
  "",
  "提高医疗互助报销比例",
];

interface Enterprise {
  township: string;
  code: string;
  workers: number;
  industry: string;
  effect: number;
}
interface Worker {
  enterprise: Enterprise;
  id: number;
  sex: string;
  ageGroup: string;
  propensity: number;
}
export interface Answers {
  benefited: string;
  satisfaction: string | null;
  needs: Record<(typeof NEEDS)[number], string>;
  suggestion: string;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

export function population(rng: Rng): { enterprises: Enterprise[]; workers: Worker[] } {
  const enterprises: Enterprise[] = [];
  TOWNSHIPS.forEach((_, t) => {
    const n = 10 + Math.floor(rng.uniform() * 7);
    for (let e = 0; e < n; e++)
      enterprises.push({
        township: `T${String(t + 1).padStart(2, "0")}`,
        code: `T${String(t + 1).padStart(2, "0")}E${String(e + 1).padStart(2, "0")}`,
        workers: 20 + Math.floor(rng.uniform() * 380),
        industry: INDUSTRY[Math.floor(rng.uniform() * 3)]!,
        effect: rng.normal(0, 0.5) + (t % 3) * 0.2,
      });
  });
  const workers: Worker[] = [];
  for (const enterprise of enterprises)
    for (let i = 0; i < enterprise.workers; i++)
      workers.push({
        enterprise,
        id: i + 1,
        sex: rng.uniform() < 0.55 ? "1" : "2",
        ageGroup: String(1 + Math.floor(rng.uniform() * 3)),
        propensity: rng.normal(0, 0.7),
      });
  return { enterprises, workers };
}

/** A worker's answers in quarter q (0-3): benefit rises over the year; needs depend on age and industry. */
export function answer(rng: Rng, w: Worker, q: number): Answers {
  const pBen = logistic(-0.9 + 0.25 * q + w.enterprise.effect + 0.5 * w.propensity);
  const u = rng.uniform();
  const benefited = u < 0.05 ? "9" : u < 0.05 + 0.95 * pBen ? "1" : "2";
  let satisfaction: string | null = null;
  if (benefited === "1") {
    if (rng.uniform() < 0.04) satisfaction = "9";
    else {
      const mean = 3.3 + 0.15 * q + 0.4 * w.enterprise.effect + 0.3 * w.propensity;
      satisfaction = String(Math.min(5, Math.max(1, Math.round(rng.normal(mean, 0.9)))));
    }
  }
  const young = w.ageGroup === "1";
  const p: Record<(typeof NEEDS)[number], number> = {
    skills: young ? 0.55 : 0.35,
    legal: w.enterprise.industry === "3" ? 0.4 : 0.2,
    counselling: 0.15 + 0.03 * q,
    childcare: w.ageGroup === "2" ? 0.35 : 0.1,
    medical: w.ageGroup === "3" ? 0.45 : 0.25,
    housing: young ? 0.3 : 0.15,
  };
  const needs = Object.fromEntries(
    NEEDS.map((n) => [n, rng.uniform() < p[n] ? "1" : "0"]),
  ) as Answers["needs"];
  return {
    benefited,
    satisfaction,
    needs,
    suggestion: SUGGESTIONS[Math.floor(rng.uniform() * SUGGESTIONS.length)]!,
  };
}

/** The codes a worker chose, in the list's order: "7" (none of these) when no service is needed. */
const needCodes = (a: Answers): string[] => {
  const codes = NEEDS.filter((n) => a.needs[n] === "1").map((n) => NEED_CODE[n]);
  return codes.length ? codes : [NONE_CODE];
};

interface Sampled {
  worker: Worker;
  answers: Answers;
  weight: number;
  date: string;
}

function sample(
  rng: Rng,
  enterprises: Enterprise[],
  byEnterprise: Map<Enterprise, Worker[]>,
  answers: Map<Worker, Answers>,
  q: number,
): Sampled[] {
  const out: Sampled[] = [];
  for (const township of new Set(enterprises.map((e) => e.township))) {
    const frame = enterprises.filter((e) => e.township === township);
    const chosen = rng.shuffle([...frame]).slice(0, 4);
    for (const e of chosen) {
      const staff = byEnterprise.get(e)!;
      const picked = rng.shuffle([...staff]).slice(0, Math.min(12, staff.length));
      const weight = Number(((frame.length / chosen.length) * (staff.length / picked.length)).toFixed(6));
      for (const worker of picked) {
        const day = 1 + Math.floor(rng.uniform() * 20);
        const month = 3 * q + 3;
        out.push({
          worker,
          answers: answers.get(worker)!,
          weight,
          date: `2025-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
        });
      }
    }
  }
  return out;
}

const ITEMS = [
  "resp_id",
  "interview_date",
  "township_code",
  "enterprise_code",
  "sex",
  "age_group",
  "industry",
  "weight",
  "benefited",
  "satisfaction",
  "needs",
  "suggestion",
];

function codedRow(id: string, s: Sampled): (string | number)[] {
  const w = s.worker;
  return [
    id,
    s.date,
    w.enterprise.township,
    w.enterprise.code,
    w.sex,
    w.ageGroup,
    w.enterprise.industry,
    s.weight,
    s.answers.benefited,
    s.answers.satisfaction ?? "",
    needCodes(s.answers).join(" "),
    s.answers.suggestion,
  ];
}

const csvField = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: (string | number)[][]) => `${rows.map((r) => r.map(csvField).join(",")).join("\n")}\n`;

/** The 问卷星 label export: question labels as headers, option text as answers. */
function labelRow(id: string, s: Sampled): (string | number)[] {
  const r = codedRow(id, s);
  const w = s.worker;
  r[4] = SEX_ZH[w.sex as "1"];
  r[6] = IND_ZH[w.enterprise.industry as "1"];
  r[8] = BEN_ZH[s.answers.benefited as "1"];
  r[9] = s.answers.satisfaction ? SAT_ZH[s.answers.satisfaction as "1"] : "";
  r[10] = needCodes(s.answers)
    .map((c) => (c === NONE_CODE ? NONE_ZH : NEED_ZH[NEEDS[Number(c) - 1]!]))
    .join("┋");
  return r;
}
export const LABELS_ZH = [
  "编号",
  "访问日期",
  "所在镇街",
  "所在企业",
  "性别",
  "年龄段",
  "所属行业",
  "权数",
  "近三个月是否享受过工会服务",
  "对所享受服务的满意程度",
  "需要哪些工会服务",
  "意见建议",
];

/**
 * The xlsx of Q3, as 问卷星 exports a multiple choice by option: the needs question (its 11th)
 * as one 0/1 column per option, headed `11(技能培训)`; the rest item names and codes, the
 * interview date a real Excel date cell (a serial number with a date format), the weight a number.
 */
const OPTION_HEADERS = [...NEEDS.map((n) => `11(${NEED_ZH[n]})`), `11(${NONE_ZH})`];
function xlsxRow(id: string, s: Sampled): (string | number | Date)[] {
  const r = codedRow(id, s);
  const [y, m, d] = s.date.split("-").map(Number);
  const chosen = needCodes(s.answers);
  return [
    r[0]!,
    new Date(Date.UTC(y!, m! - 1, d!)),
    ...r.slice(2, 7),
    Number(r[7]),
    ...r.slice(8, 10),
    ...[...NEEDS.map((n) => NEED_CODE[n]), NONE_CODE].map((c) => (chosen.includes(c) ? 1 : 0)),
    r[11]!,
  ];
}

async function main() {
  for (const d of ["codebook", "frame", "responses", "truth"]) mkdirSync(join(HERE, d), { recursive: true });
  const rng = new Rng(SEED);
  const { enterprises, workers } = population(rng);
  const byEnterprise = new Map<Enterprise, Worker[]>();
  for (const w of workers) byEnterprise.set(w.enterprise, [...(byEnterprise.get(w.enterprise) ?? []), w]);
  const names = (e: Enterprise, i: number) => [
    `${TOWNSHIPS[Number(e.township.slice(1)) - 1]}${["机械", "食品", "物流", "建工", "电子", "纺织"][i % 6]}有限公司${e.code.slice(-2)}`,
    `${e.code} Co.`,
  ];
  writeFileSync(
    join(HERE, "frame/enterprises.csv"),
    csv([
      [
        "township_code",
        "township_name_zh",
        "township_name_en",
        "enterprise_code",
        "enterprise_name_zh",
        "enterprise_name_en",
        "workers",
      ],
      ...enterprises.map((e, i) => {
        const t = Number(e.township.slice(1)) - 1;
        return [e.township, `${TOWNSHIPS[t]}街道`, `Township ${t + 1}`, e.code, ...names(e, i), e.workers];
      }),
    ]),
  );
  await writeCodebook(
    join(HERE, "codebook"),
    questionnaire(
      TOWNSHIPS.map((t, i) => choice(`T${String(i + 1).padStart(2, "0")}`, `${t}街道`, `Township ${i + 1}`)),
      enterprises.map((e, i) => {
        const [zh, en] = names(e, i);
        return { ...choice(e.code, zh!, en!), township: e.township };
      }),
      [
        ...NEEDS.map((n) => choice(NEED_CODE[n], NEED_ZH[n], NEED_EN[n])),
        choice(NONE_CODE, NONE_ZH, "None of these"),
      ],
    ),
  );
  const truth: (string | number)[][] = [
    ["wave_id", "index_id", "aspect", "unit_level", "unit_code", "value_0_100", "population_n"],
  ];
  for (const [q, wave] of QUARTERS.entries()) {
    const answers = new Map(workers.map((w) => [w, answer(rng, w, q)]));
    // the truth: each figure over the whole population, by the study's rules
    const units: [string, string, Worker[]][] = [["district", "", workers]];
    for (const t of new Set(enterprises.map((e) => e.township)))
      units.push(["township", t, workers.filter((w) => w.enterprise.township === t)]);
    for (const [level, code, ws] of units) {
      const share = (f: (a: Answers) => number | null) => {
        let s = 0;
        let n = 0;
        for (const w of ws) {
          const x = f(answers.get(w)!);
          if (x === null) continue;
          s += x;
          n += 1;
        }
        return [s / n, n] as const;
      };
      const ben = share((a) => (a.benefited === "1" ? 100 : 0));
      const sat = share((a) =>
        a.satisfaction === null || a.satisfaction === "9" ? null : Number(a.satisfaction) >= 4 ? 100 : 0,
      );
      const satMean = share((a) =>
        a.satisfaction === null || a.satisfaction === "9" ? null : ((Number(a.satisfaction) - 1) / 4) * 100,
      );
      truth.push([wave, "benefit_rate", "", level, code, ben[0], ben[1]]);
      truth.push([wave, "satisfied_beneficiaries", "", level, code, sat[0], sat[1]]);
      truth.push([wave, "satisfaction_beneficiaries", "", level, code, satMean[0], satMean[1]]);
      truth.push([wave, "service_index", "", level, code, 0.5 * ben[0] + 0.5 * sat[0], ws.length]);
      for (const c of [...NEEDS.map((n) => NEED_CODE[n]), NONE_CODE]) {
        const v = share((a) => (needCodes(a).includes(c) ? 100 : 0));
        truth.push([wave, "needs", c, level, code, v[0], v[1]]);
      }
    }
    const sampled = sample(rng, enterprises, byEnterprise, answers, q);
    const id = (i: number) => `${wave}-${String(i + 1).padStart(4, "0")}`;
    const file = join(HERE, "responses", `wave-${wave}`);
    if (q === 0) writeFileSync(`${file}.csv`, csv([ITEMS, ...sampled.map((s, i) => codedRow(id(i), s))]));
    if (q === 1)
      writeFileSync(
        `${file}.csv`,
        iconv.encode(csv([LABELS_ZH, ...sampled.map((s, i) => labelRow(id(i), s))]), "gbk"),
      );
    if (q === 2) {
      const book = new ExcelJS.Workbook();
      book.created = new Date(Date.UTC(2025, 9, 1));
      book.modified = book.created;
      const sheet = book.addWorksheet("Sheet1");
      sheet.addRow([...ITEMS.slice(0, 10), ...OPTION_HEADERS, ...ITEMS.slice(11)]);
      for (const [i, s] of sampled.entries())
        sheet.addRow(xlsxRow(id(i), s)).getCell(2).numFmt = "yyyy-mm-dd";
      await book.xlsx.writeFile(`${file}.xlsx`);
    }
    if (q === 3)
      writeFileSync(`${file}.csv`, `\ufeff${csv([ITEMS, ...sampled.map((s, i) => codedRow(id(i), s))])}`);
  }
  writeFileSync(
    join(HERE, "truth/truth.csv"),
    csv(
      truth.map((r) =>
        r.map((v) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toFixed(10)) : v)),
      ),
    ),
  );
}

await main();
