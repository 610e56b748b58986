import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Papa from "papaparse";
import { parseDocument } from "yaml";
import { type SiteStudyConfig, siteStudySchema } from "./siteStudySchema.ts";

export interface SiteRecord {
  site_id: string;
  name_zh: string;
  name_en: string;
  level: string;
  site_type: string;
  district: string;
  work_group: string;
  designated_on: string;
  exited_on: string | null;
}

export interface AssessmentRecord {
  site_id: string;
  period: string;
  assessor_id: string;
  assessed_on: string;
  /** Item → score, for every item of every have. */
  items: Record<string, number>;
  projects_planned: number;
  projects_done: number;
  news: number[];
}

export interface ServedRecord {
  site_id: string;
  period: string;
  person_id: string;
  satisfaction: number | null;
}

/** A demonstration-sites study, loaded and checked: every reference resolves. */
export interface SiteStudy {
  dir: string;
  config: SiteStudyConfig;
  sites: SiteRecord[];
  assessors: { assessor_id: string; work_group: string; name: string }[];
  assessments: AssessmentRecord[];
  served: ServedRecord[];
  /** The half-years with assessments, in order. */
  periods: string[];
}

/** Whether the folder holds a demonstration-sites study (its study.yaml says `kind: demonstration_sites`). */
export function isSiteStudy(dir: string): boolean {
  const file = join(dir, "study.yaml");
  if (!existsSync(file)) return false;
  const doc = parseDocument(readFileSync(file, "utf8"));
  return (doc.toJS() as { kind?: string } | null)?.kind === "demonstration_sites";
}

/**
 * Load a demonstration-sites study folder: study.yaml (siteStudySchema), the site and assessor
 * registers and the assessment and served-people files. A problem is an error naming the file,
 * row (as a spreadsheet counts it: the header is row 1), column and value.
 */
export function loadSiteStudy(dir: string): SiteStudy {
  const yamlFile = join(dir, "study.yaml");
  const doc = parseDocument(readFileSync(yamlFile, "utf8"));
  if (doc.errors.length > 0) throw new Error(`${yamlFile}: not valid YAML: ${doc.errors[0]?.message}`);
  const parsed = siteStudySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`study.yaml, field ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const config = parsed.data;
  const read = (rel: string) => {
    const path = join(dir, rel);
    if (!existsSync(path)) throw new Error(`study.yaml: file not found: ${rel}`);
    const out = Papa.parse<Record<string, string>>(readFileSync(path, "utf8").replace(/^\uFEFF/, ""), {
      header: true,
      skipEmptyLines: true,
    });
    return { rel, rows: out.data, fields: out.meta.fields ?? [] };
  };
  const need = (file: { rel: string; fields: string[] }, columns: string[]) => {
    for (const c of columns) if (!file.fields.includes(c)) throw new Error(`${file.rel}: no column "${c}"`);
  };
  const bad = (file: string, i: number, column: string, value: unknown, why: string) =>
    new Error(`${file}, row ${i + 2}, column ${column}: ${JSON.stringify(value)} ${why}`);
  const oneOf = (
    file: string,
    i: number,
    column: string,
    value: string,
    allowed: Set<string>,
    what: string,
  ) => {
    if (!allowed.has(value)) throw bad(file, i, column, value, `is not a ${what} declared in study.yaml`);
    return value;
  };
  const number = (
    file: string,
    i: number,
    column: string,
    value: string | undefined,
    lo: number,
    hi: number,
  ) => {
    const x = Number(value);
    if (value === undefined || value.trim() === "" || !Number.isFinite(x) || x < lo || x > hi) {
      throw bad(file, i, column, value ?? "", `is not a number from ${lo} to ${hi}`);
    }
    return x;
  };
  const date = (file: string, i: number, column: string, value: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw bad(file, i, column, value, "is not a date (YYYY-MM-DD)");
    return value;
  };

  const groups = new Set(config.work_groups.map((g) => g.id));
  const levels = new Set(config.levels.map((l) => l.id));
  const types = new Set(config.site_types.map((t) => t.id));
  const siteFile = read(config.register.sites);
  need(siteFile, [
    "site_id",
    "name_zh",
    "name_en",
    "level",
    "site_type",
    "district",
    "work_group",
    "designated_on",
    "exited_on",
  ]);
  const sites = siteFile.rows.map((r, i) => ({
    site_id: r.site_id as string,
    name_zh: r.name_zh as string,
    name_en: r.name_en as string,
    level: oneOf(siteFile.rel, i, "level", r.level as string, levels, "level"),
    site_type: oneOf(siteFile.rel, i, "site_type", r.site_type as string, types, "site type"),
    district: r.district as string,
    work_group: oneOf(siteFile.rel, i, "work_group", r.work_group as string, groups, "work group"),
    designated_on: date(siteFile.rel, i, "designated_on", r.designated_on as string),
    exited_on: r.exited_on ? date(siteFile.rel, i, "exited_on", r.exited_on) : null,
  }));
  const siteIds = new Set(sites.map((s) => s.site_id));
  if (siteIds.size !== sites.length) throw new Error(`${siteFile.rel}: a site_id appears more than once`);
  const assessorFile = read(config.register.assessors);
  need(assessorFile, ["assessor_id", "work_group", "name"]);
  const assessors = assessorFile.rows.map((r, i) => ({
    assessor_id: r.assessor_id as string,
    work_group: oneOf(assessorFile.rel, i, "work_group", r.work_group as string, groups, "work group"),
    name: r.name as string,
  }));
  const assessorIds = new Set(assessors.map((a) => a.assessor_id));

  const form = config.assessments.codebook;
  if (form && !existsSync(join(dir, form))) throw new Error(`study.yaml: file not found: ${form}`);
  const formFile = read(config.assessments.file);
  const items = config.haves.flatMap((h) => h.items);
  const { planned, done } = config.assessments.projects;
  need(formFile, [
    "site_id",
    "period",
    "assessor_id",
    "assessed_on",
    ...items,
    planned,
    done,
    ...config.assessments.news,
  ]);
  const seen = new Set<string>();
  const assessments = formFile.rows.map((r, i) => {
    const site = oneOf(formFile.rel, i, "site_id", r.site_id as string, siteIds, "site of the register");
    const assessor = oneOf(
      formFile.rel,
      i,
      "assessor_id",
      r.assessor_id as string,
      assessorIds,
      "assessor of the register",
    );
    const period = r.period as string;
    if (!/^\d{4}H[12]$/.test(period))
      throw bad(formFile.rel, i, "period", period, "is not a half-year such as 2018H1");
    const key = `${site}\u0000${period}\u0000${assessor}`;
    if (seen.has(key))
      throw bad(formFile.rel, i, "assessor_id", assessor, `assessed site ${site} twice in ${period}`);
    seen.add(key);
    const maxOf = new Map(config.haves.flatMap((h) => h.items.map((it) => [it, h.max] as const)));
    return {
      site_id: site,
      period,
      assessor_id: assessor,
      assessed_on: date(formFile.rel, i, "assessed_on", r.assessed_on as string),
      items: Object.fromEntries(
        items.map((it) => [it, number(formFile.rel, i, it, r[it], 0, maxOf.get(it) as number)]),
      ),
      projects_planned: number(formFile.rel, i, planned, r[planned], 0, 1e6),
      projects_done: number(formFile.rel, i, done, r[done], 0, 1e6),
      news: config.assessments.news.map((c) => number(formFile.rel, i, c, r[c], 0, 1e6)),
    };
  });
  let served: ServedRecord[] = [];
  if (config.served_survey) {
    const s = config.served_survey;
    const file = read(s.file);
    need(file, ["site_id", "period", "person_id", s.satisfaction.item]);
    served = file.rows.map((r, i) => ({
      site_id: oneOf(file.rel, i, "site_id", r.site_id as string, siteIds, "site of the register"),
      period: r.period as string,
      person_id: r.person_id as string,
      satisfaction:
        (r[s.satisfaction.item] ?? "").trim() === ""
          ? null
          : number(
              file.rel,
              i,
              s.satisfaction.item,
              r[s.satisfaction.item],
              s.satisfaction.min,
              s.satisfaction.max,
            ),
    }));
  }
  const periods = [...new Set(assessments.map((a) => a.period))].sort();
  return { dir, config, sites, assessors, assessments, served, periods };
}
