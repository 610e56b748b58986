import { Rng } from "../../mass-org-evaluation/generator/random.ts";

/**
 * The synthetic city of the demonstration-sites demo (示范点), in the shape of the city
 * documents (seeds 000 and 001): 30 sites (12 provincial, 18 municipal) of several types,
 * each supervised by one of three work groups (工作推进组), assessed every half year from 2018H1
 * to 2020H2 against the "six haves" (六有) by two assessors per visit: one of the site's own
 * work group and one of another group, as cross-checks pair them. Each site also reports its
 * work news (信息) monthly, and a few dozen of the people it serves answer a short survey.
 *
 * Everything is known: each site's true quality per half-year (the expected assessment total
 * of an assessor of average severity, 0–100), each assessor's severity, the true mean
 * satisfaction of the people each site serves (0–100), so the product's estimates and
 * intervals can be held to the truth. Two sites decline from 2019H1; one declines faster and
 * exits on 2020-01-15 (no assessment after 2019H2). Names are made up.
 */
export interface SitesData {
  register: SiteRow[];
  assessors: { assessor_id: string; work_group: string; name: string }[];
  assessments: AssessmentRow[];
  served: ServedRow[];
  truth: SitesTruth;
}

export interface SiteRow {
  site_id: string;
  name_zh: string;
  name_en: string;
  level: "provincial" | "municipal";
  site_type: string;
  district: string;
  work_group: string;
  designated_on: string;
  exited_on: string | null;
}

export interface AssessmentRow {
  site_id: string;
  period: string;
  assessor_id: string;
  assessed_on: string;
  /** Sub-item scores, 0–5 in half points: `<have>_1`, `<have>_2` for each of the six haves. */
  scores: Record<string, number>;
  projects_planned: number;
  projects_done: number;
  /** Work news reported in each month of the half-year (6 counts). */
  news: number[];
  evidence: string;
}

export interface ServedRow {
  site_id: string;
  period: string;
  person_id: string;
  /** 1–5 */
  satisfaction: number;
  /** 1 = knows the site, 0 = does not */
  aware: number;
}

export interface SitesTruth {
  /** site → period → true quality (expected total of an average assessor, 0–100) */
  quality: Record<string, Record<string, number>>;
  /** site → period → true mean satisfaction of the people it serves (0–100) */
  satisfaction: Record<string, Record<string, number>>;
  /** assessor → severity, added to the total (points of 0–100) */
  severity: Record<string, number>;
  /** site → mean news per month */
  newsRate: Record<string, Record<string, number>>;
}

export const HAVES = ["staff", "venue", "projects", "carriers", "rules", "features"] as const;
export const PERIODS = ["2018H1", "2018H2", "2019H1", "2019H2", "2020H1", "2020H2"] as const;
export const WORK_GROUPS = ["g1", "g2", "g3"] as const;

const TYPES = [
  ["street", "街道", "Street"],
  ["community", "社区", "Community"],
  ["enterprise", "企业", "Enterprise"],
  ["service_centre", "服务中心", "Service centre"],
  ["park", "园区", "Industrial park"],
] as const;
const DISTRICTS = ["东岗区", "西岭区", "南湾区", "北塘区", "临港新区"];
const DISTRICTS_EN = ["Donggang", "Xiling", "Nanwan", "Beitang", "Lingang New Area"];
const PLACE = [
  "青松",
  "海棠",
  "望海",
  "白桦",
  "金沙",
  "春晖",
  "新华",
  "长乐",
  "映山",
  "明湖",
  "兴隆",
  "和平",
  "滨江",
  "安泰",
  "丰泽",
];
const PLACE_EN = [
  "Qingsong",
  "Haitang",
  "Wanghai",
  "Baihua",
  "Jinsha",
  "Chunhui",
  "Xinhua",
  "Changle",
  "Yingshan",
  "Minghu",
  "Xinglong",
  "Heping",
  "Binjiang",
  "Antai",
  "Fengze",
];
const SURNAMES = ["李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周"];

/** Default knobs; the coverage simulation varies the seed only. */
export const SITE_DEMO = {
  seed: 20180116,
  assessorsPerGroup: 3,
  servedPerVisit: 30,
  /** SD of the site's quality between sites, its drift per half-year, the assessors' severity. */
  sdSite: 5,
  sdDrift: 1.5,
  sdSeverity: 3,
  /** SD of one have's score (0–10) around its expectation, per assessor visit. */
  sdHave: 0.6,
  declining: ["S07", "S21"],
  exiting: "S26",
  exitedOn: "2020-01-15",
} as const;

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.uniform(); p > limit; p *= rng.uniform()) k++;
  return k;
}

function binomial(rng: Rng, size: number, prob: number): number {
  let k = 0;
  for (let i = 0; i < size; i++) if (rng.uniform() < prob) k++;
  return k;
}

/** The whole demo from one seed: register, assessors, assessments, served-people survey, truth. */
export function generateSites(seed: number = SITE_DEMO.seed): SitesData {
  const rng = new Rng(seed);
  const register: SiteRow[] = [];
  for (let i = 1; i <= 30; i++) {
    const id = `S${String(i).padStart(2, "0")}`;
    const provincial = i <= 12;
    const [type, typeZh, typeEn] = TYPES[(i * 7) % TYPES.length] as (typeof TYPES)[number];
    const d = (i * 3) % DISTRICTS.length;
    const place = (i * 11) % PLACE.length;
    register.push({
      site_id: id,
      name_zh: `${DISTRICTS[d]}${PLACE[place]}${typeZh}${i > 15 ? "（二）" : ""}`,
      name_en: `${PLACE_EN[place]} ${typeEn}, ${DISTRICTS_EN[d]}${i > 15 ? " (2)" : ""}`,
      level: provincial ? "provincial" : "municipal",
      site_type: type,
      district: DISTRICTS[d] as string,
      work_group: WORK_GROUPS[(i - 1) % 3] as string,
      designated_on: provincial ? "2018-01-16" : "2018-03-01",
      exited_on: id === SITE_DEMO.exiting ? SITE_DEMO.exitedOn : null,
    });
  }
  const assessors = WORK_GROUPS.flatMap((g, gi) =>
    Array.from({ length: SITE_DEMO.assessorsPerGroup }, (_, j) => ({
      assessor_id: `${g.toUpperCase()}A${j + 1}`,
      work_group: g,
      name: `${SURNAMES[(gi * 3 + j) % SURNAMES.length]}评估员`,
    })),
  );
  const severity: Record<string, number> = {};
  for (const a of assessors) severity[a.assessor_id] = round1(rng.normal(0, SITE_DEMO.sdSeverity));

  const quality: SitesTruth["quality"] = {};
  const satisfaction: SitesTruth["satisfaction"] = {};
  const newsRate: SitesTruth["newsRate"] = {};
  const profile: Record<string, number[]> = {};
  for (const site of register) {
    const base = 77 + (site.level === "provincial" ? 3 : 0) + rng.normal(0, SITE_DEMO.sdSite);
    // How the site's quality spreads over the six haves (have units, 0–10), summing to zero.
    const raw = HAVES.map(() => rng.normal(0, 0.5));
    const mean = raw.reduce((s, x) => s + x, 0) / raw.length;
    profile[site.site_id] = raw.map((x) => x - mean);
    const satOffset = rng.normal(0, 5);
    const news = rng.between(2.5, 4);
    quality[site.site_id] = {};
    satisfaction[site.site_id] = {};
    newsRate[site.site_id] = {};
    let q = clamp(base, 55, 84);
    PERIODS.forEach((period, t) => {
      if (t > 0) q += 0.5 + rng.normal(0, SITE_DEMO.sdDrift);
      if ((SITE_DEMO.declining as readonly string[]).includes(site.site_id) && t >= 2) q -= 5;
      if (site.site_id === SITE_DEMO.exiting && t >= 1) q -= 7;
      q = clamp(q, 40, 84);
      (quality[site.site_id] as Record<string, number>)[period] = round1(q);
      (satisfaction[site.site_id] as Record<string, number>)[period] = round1(clamp(q + satOffset, 5, 95));
      const declining =
        (SITE_DEMO.declining as readonly string[]).includes(site.site_id) ||
        site.site_id === SITE_DEMO.exiting;
      (newsRate[site.site_id] as Record<string, number>)[period] = declining && t >= 2 ? 0.4 : round1(news);
    });
  }

  const assessments: AssessmentRow[] = [];
  const served: ServedRow[] = [];
  PERIODS.forEach((period, t) => {
    const year = period.slice(0, 4);
    const month = period.endsWith("H1") ? "06" : "12";
    for (const site of register) {
      if (site.exited_on && site.exited_on < `${year}-${period.endsWith("H1") ? "07" : "13"}` && t >= 4)
        continue;
      const own = assessors.filter((a) => a.work_group === site.work_group);
      const other = assessors.filter((a) => a.work_group !== site.work_group);
      const pair = [own[rng.int(0, own.length - 1)], other[rng.int(0, other.length - 1)]] as {
        assessor_id: string;
      }[];
      const q = (quality[site.site_id] as Record<string, number>)[period] as number;
      for (const a of pair) {
        const scores: Record<string, number> = {};
        HAVES.forEach((have, h) => {
          // Have score (0–10) = two sub-items of 0–5; its expectation is q / 10 + the site's
          // profile + the assessor's severity / 10, so the expected total is q + severity.
          const expected =
            q / 10 +
            ((profile[site.site_id] as number[])[h] as number) +
            (severity[a.assessor_id] as number) / 10;
          for (const sub of [1, 2]) {
            const x = expected / 2 + rng.normal(0, SITE_DEMO.sdHave / Math.SQRT2);
            scores[`${have}_${sub}`] = clamp(Math.round(x * 2) / 2, 0, 5);
          }
        });
        const planned = rng.int(4, 10);
        assessments.push({
          site_id: site.site_id,
          period,
          assessor_id: a.assessor_id,
          assessed_on: `${year}-${month}-${String(rng.int(10, 25)).padStart(2, "0")}`,
          scores,
          projects_planned: planned,
          projects_done: Math.min(planned, binomial(rng, planned, clamp(q / 100, 0.2, 0.98))),
          // Both assessors read the same monthly log: draw it once per site and half-year.
          news: [],
          evidence: q < 65 ? "台账不全，活动记录缺失" : "台账齐全，项目清单按月更新",
        });
      }
      const log = Array.from({ length: 6 }, () =>
        poisson(rng, (newsRate[site.site_id] as Record<string, number>)[period] as number),
      );
      for (const row of assessments.slice(-2)) row.news = log;
      const s = (satisfaction[site.site_id] as Record<string, number>)[period] as number;
      for (let k = 1; k <= SITE_DEMO.servedPerVisit; k++) {
        served.push({
          site_id: site.site_id,
          period,
          person_id: `${site.site_id}-${period}-${String(k).padStart(3, "0")}`,
          // 1 + Binomial(4, s/100): its rescaled mean (x − 1) / 4 × 100 is s exactly.
          satisfaction: 1 + binomial(rng, 4, s / 100),
          aware: rng.uniform() < 0.5 + s / 250 ? 1 : 0,
        });
      }
    }
  });
  return { register, assessors, assessments, served, truth: { quality, satisfaction, severity, newsRate } };
}
