import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { checkIndicators } from "./checkIndicators.ts";
import type { Codebook } from "./codebook.ts";
import { type IndicatorInfo, indicatorInfos, type ScoreDefinition, scoreDefinitions } from "./indicators.ts";
import { modelColumnClash } from "./modelColumns.ts";
import { readCsvTable } from "./readCsvTable.ts";
import { readXlsformCodebook } from "./readXlsformCodebook.ts";
import { readYamlCodebook } from "./readYamlCodebook.ts";
import { type IndexDefinition, type StudyFile, studySchema } from "./schema.ts";

export interface FrameUnit {
  readonly stratum: string;
  readonly psu: string;
  readonly population: number;
  readonly stratumName: { readonly zh: string; readonly en: string };
  readonly psuName: { readonly zh: string; readonly en: string };
  /** Every cell of the frame row, by column (covariates for small-area models). */
  readonly columns: Readonly<Record<string, string>>;
}

export interface MarginCell {
  readonly levels: readonly string[];
  readonly count: number;
}

export interface Margin {
  readonly file: string;
  readonly variables: readonly string[];
  readonly cells: readonly MarginCell[];
  readonly total: number;
}

export interface Study extends Readonly<Omit<StudyFile, "calibration">> {
  readonly dir: string;
  /** sha256 of study.yaml, the codebooks, the frame and the margins, in that order. */
  readonly definitionSha256: string;
  readonly codebookByVersion: ReadonlyMap<string, Codebook>;
  readonly units: readonly FrameUnit[];
  readonly calibration: Readonly<Omit<StudyFile["calibration"], "margins">> & {
    readonly margins: readonly Margin[];
  };
  /** Every figure the models score and estimate (presets of `indices`, then `indicators`). */
  readonly scores: readonly ScoreDefinition[];
  /** Every indicator id (composites first) with its name, kind and unit. */
  readonly indicatorInfos: readonly IndicatorInfo[];
  /** Item name in `version`'s codebook for an item named `name` in the latest codebook. */
  itemIn(version: string, name: string): string;
  codebookForWave(waveId: string): Codebook;
}

/** Where a zod issue path points in the YAML text, as "line N". */
function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: PropertyKey[]): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as
      | { range?: [number, number] }
      | undefined;
    if (node && typeof node === "object" && node.range) return `line ${counter.linePos(node.range[0]).line}`;
  }
  return "top level";
}

function formatPath(path: PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("") ||
    "(root)"
  );
}

/** Parse and check study.yaml alone (no files it names). */
export function parseStudyYaml(text: string, file = "study.yaml"): StudyFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const result = studySchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const value = doc.getIn(issue.path as (string | number)[]);
    const shown =
      value === undefined || isMap(value) || isSeq(value) ? "" : ` (value ${JSON.stringify(value)})`;
    throw new Error(
      `${file}, ${lineOf(doc, counter, issue.path)}, field ${formatPath(issue.path)}: ${issue.message}${shown}`,
    );
  }
  return result.data;
}

function number(value: string, where: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new Error(`${where}: not a number: ${JSON.stringify(value)}`);
  return n;
}

/**
 * Load a study folder into one read-only, fully defaulted object. Every error names the
 * file, the sheet or field, the row and the value.
 */
export async function loadStudy(folder: string): Promise<Study> {
  const dir = resolve(folder);
  const kept = loaded.get(dir);
  if (kept?.files.every((f) => stamp(f.path) === f.stamp)) return kept.study;
  const files: string[] = [];
  const study = await readStudy(dir, files);
  if (loaded.size >= 64) loaded.clear();
  loaded.set(dir, { study, files: files.map((path) => ({ path, stamp: stamp(path) })) });
  return study;
}

/**
 * Studies read before, with the files they were read from: a study is read again only when
 * one of its files changed (an upload, a page or a model run asks for it many times a minute,
 * and reading an XLSForm codebook takes a moment).
 */
const loaded = new Map<string, { study: Study; files: { path: string; stamp: string }[] }>();

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return "missing";
  }
}

async function readStudy(dir: string, files: string[]): Promise<Study> {
  const yamlPath = join(dir, "study.yaml");
  files.push(yamlPath);
  if (!existsSync(yamlPath)) throw new Error(`${dir}: no study.yaml in this folder`);
  const yamlText = readFileSync(yamlPath, "utf8");
  const def = parseStudyYaml(yamlText);
  const hash = createHash("sha256").update(yamlText);
  const fileIn = (rel: string, field: string) => {
    const p = join(dir, rel);
    files.push(p);
    if (!existsSync(p) || !statSync(p).isFile())
      throw new Error(`study.yaml, field ${field}: file not found: ${rel}`);
    hash.update(readFileSync(p));
    return p;
  };

  const codebookByVersion = new Map<string, Codebook>();
  for (const [i, cb] of def.codebooks.entries()) {
    if (codebookByVersion.has(cb.version))
      throw new Error(
        `study.yaml, field codebooks[${i}].version: duplicate version ${JSON.stringify(cb.version)}`,
      );
    const path = fileIn(cb.file, `codebooks[${i}].file`);
    const ext = extname(path).toLowerCase();
    const codebook =
      ext === ".xlsx"
        ? await readXlsformCodebook(path, cb.version)
        : ext === ".yaml" || ext === ".yml"
          ? readYamlCodebook(path, cb.version)
          : (() => {
              throw new Error(
                `study.yaml, field codebooks[${i}].file: a codebook is .xlsx (XLSForm) or .yaml, not ${JSON.stringify(cb.file)}`,
              );
            })();
    codebookByVersion.set(cb.version, codebook);
  }
  const latest = codebookByVersion.get(def.codebooks.at(-1)!.version)!;

  const waveIds = new Set<string>();
  for (const [i, w] of def.waves.entries()) {
    if (waveIds.has(w.id))
      throw new Error(`study.yaml, field waves[${i}].id: duplicate wave ${JSON.stringify(w.id)}`);
    waveIds.add(w.id);
    if (!codebookByVersion.has(w.codebook)) {
      throw new Error(
        `study.yaml, field waves[${i}].codebook: unknown codebook version ${JSON.stringify(w.codebook)} (known: ${[...codebookByVersion.keys()].join(", ")})`,
      );
    }
  }

  // Renames map the latest codebook's names back to older versions.
  const renameBack = new Map<string, Map<string, string>>();
  for (const r of def.renames) {
    for (const v of [r.from, r.to]) {
      if (!codebookByVersion.has(v))
        throw new Error(`study.yaml, field renames: unknown codebook version ${JSON.stringify(v)}`);
    }
    const back = new Map<string, string>();
    for (const [oldName, newName] of Object.entries(r.items)) back.set(newName, oldName);
    renameBack.set(r.from, back);
  }
  const itemIn = (version: string, name: string): string => renameBack.get(version)?.get(name) ?? name;

  const requireItem = (name: string, field: string) => {
    if (!latest.item(name))
      throw new Error(
        `study.yaml, field ${field}: unknown item ${JSON.stringify(name)} (not in codebook ${latest.file})`,
      );
  };
  requireItem(def.respondent_id, "respondent_id");
  requireItem(def.frame.stratum, "frame.stratum");
  for (const name of Object.keys(def.display)) requireItem(name, `display.${name}`);
  requireItem(def.frame.psu, "frame.psu");
  for (const [i, b] of def.breakdowns.entries()) requireItem(b, `breakdowns[${i}]`);
  if (def.design.base_weights.method === "column")
    requireItem(def.design.base_weights.column, "design.base_weights.column");
  for (const [i, p] of def.personal_data.entries()) requireItem(p.column, `personal_data[${i}].column`);
  const orgIds = new Set(def.organizations.map((o) => o.id));
  def.indices.forEach((ix: IndexDefinition, i) => {
    if (!orgIds.has(ix.organization)) {
      throw new Error(
        `study.yaml, field indices[${i}].organization: unknown organization ${JSON.stringify(ix.organization)} (known: ${[...orgIds].join(", ")})`,
      );
    }
    for (const [j, item] of ix.items.entries()) requireItem(item, `indices[${i}].items[${j}]`);
    if ((ix.index === "awareness" || ix.index === "participation") && ix.items.length !== 1) {
      throw new Error(
        `study.yaml, field indices[${i}].items: ${ix.index} takes exactly one item, found ${ix.items.length}`,
      );
    }
  });
  // an item named like a column the models add would be renamed by DuckDB in the models'
  // `select r.*, ... as <name>`: refused here, naming it, rather than a model run failing later
  const scorePrefixes = [...new Set(scoreDefinitions(def, latest).map((d) => d.index_id))];
  for (const codebook of codebookByVersion.values()) {
    for (const item of codebook.items) {
      const clash = modelColumnClash(def, item.name, scorePrefixes);
      if (clash)
        throw new Error(
          `${item.source}: item name ${JSON.stringify(item.name)} is ${clash}; rename the item in the codebook (for example to ${JSON.stringify(`q_${item.name}`)}) and the column in the response files`,
        );
    }
  }
  checkIndicators(def, latest, orgIds, requireItem);

  // The sampling frame.
  const framePath = fileIn(def.frame.file, "frame.file");
  const frameRows = readCsvTable(framePath, def.frame.file);
  const f = def.frame;
  const needed = [
    f.stratum,
    f.psu,
    f.population,
    f.stratum_name?.zh,
    f.stratum_name?.en,
    f.psu_name?.zh,
    f.psu_name?.en,
  ].filter((c): c is string => !!c);
  for (const c of needed) {
    if (!frameRows.columns.includes(c))
      throw new Error(`${def.frame.file}: missing column "${c}" named in study.yaml frame`);
  }
  const seenPsu = new Map<string, number>();
  const units: FrameUnit[] = frameRows.rows.map((r, i) => {
    const where = `${def.frame.file}, row ${i + 2}`;
    const psu = r[f.psu] ?? "";
    const stratum = r[f.stratum] ?? "";
    if (!psu || !stratum) throw new Error(`${where}: empty ${!stratum ? f.stratum : f.psu}`);
    if (seenPsu.has(psu))
      throw new Error(
        `${where}, column ${f.psu}: duplicate PSU ${JSON.stringify(psu)} (first at row ${seenPsu.get(psu)})`,
      );
    seenPsu.set(psu, i + 2);
    const population = number(r[f.population] ?? "", `${where}, column ${f.population}`);
    if (population <= 0)
      throw new Error(`${where}, column ${f.population}: population must be positive, found ${population}`);
    return {
      stratum,
      psu,
      population,
      stratumName: {
        zh: (f.stratum_name && r[f.stratum_name.zh]) || stratum,
        en: (f.stratum_name && r[f.stratum_name.en]) || stratum,
      },
      psuName: { zh: (f.psu_name && r[f.psu_name.zh]) || psu, en: (f.psu_name && r[f.psu_name.en]) || psu },
      columns: { ...r },
    };
  });
  if (units.length === 0) throw new Error(`${def.frame.file}: the frame has no rows`);
  if (def.small_area) {
    const modelled = new Map(
      indicatorInfos(def)
        .filter((i) => i.estimator !== "composite" && i.kind !== "multi_share")
        .map((i) => [i.id, i]),
    );
    for (const [i, id] of def.small_area.indices.entries())
      if (!modelled.has(id))
        throw new Error(
          `study.yaml small_area.indices[${i}]: "${id}" is not an indicator a small-area model can take ` +
            `(a rate or a mean with one figure per unit); the study's are: ${[...modelled.keys()].join(", ")}`,
        );
  }
  for (const c of def.small_area?.covariates ?? []) {
    const columns = c.column.includes("{organization}")
      ? def.organizations.map((o) => c.column.replaceAll("{organization}", o.id))
      : [c.column];
    for (const column of columns)
      if (!frameRows.columns.includes(column))
        throw new Error(
          `${def.frame.file}: missing column "${column}" named in study.yaml small_area.covariates`,
        );
  }

  // Calibration margins: every margin must describe the same population total.
  const margins: Margin[] = def.calibration.margins.map((m, i) => {
    for (const [j, v] of m.variables.entries()) requireItem(v, `calibration.margins[${i}].variables[${j}]`);
    const table = readCsvTable(fileIn(m.file, `calibration.margins[${i}].file`), m.file);
    for (const c of [...m.variables, m.count]) {
      if (!table.columns.includes(c)) throw new Error(`${m.file}: missing column "${c}"`);
    }
    const seen = new Set<string>();
    const cells = table.rows.map((r, k) => {
      const where = `${m.file}, row ${k + 2}`;
      const levels = m.variables.map((v) => r[v] ?? "");
      const key = levels.join("\u0000");
      if (seen.has(key)) throw new Error(`${where}: duplicate cell ${levels.join(" x ")}`);
      seen.add(key);
      const count = number(r[m.count] ?? "", `${where}, column ${m.count}`);
      if (count < 0)
        throw new Error(`${where}, column ${m.count}: a population count cannot be negative (${count})`);
      return { levels, count };
    });
    return { file: m.file, variables: m.variables, cells, total: cells.reduce((a, c) => a + c.count, 0) };
  });
  const first = margins[0];
  for (const m of margins.slice(1)) {
    if (first && Math.abs(m.total - first.total) > 1e-6 * Math.max(1, first.total)) {
      throw new Error(
        `calibration margins disagree: ${first.file} sums to ${first.total} but ${m.file} sums to ${m.total}`,
      );
    }
  }

  // Personal items: study.yaml's personal_data, and the items the codebooks mark personal
  // themselves (barometer::personal); study.yaml's action wins where both name an item.
  const personal = [...def.personal_data];
  for (const codebook of codebookByVersion.values())
    for (const item of codebook.items)
      if (item.personalAction && !personal.some((p) => p.column === item.name))
        personal.push({ column: item.name, action: item.personalAction });

  const study: Study = {
    ...def,
    personal_data: personal,
    dir,
    definitionSha256: hash.digest("hex"),
    codebookByVersion,
    units,
    calibration: { ...def.calibration, margins },
    scores: scoreDefinitions(def, latest),
    indicatorInfos: indicatorInfos(def),
    itemIn,
    codebookForWave(waveId: string) {
      const wave = def.waves.find((w) => w.id === waveId);
      if (!wave)
        throw new Error(
          `study ${def.id} has no wave ${JSON.stringify(waveId)} (waves: ${def.waves.map((w) => w.id).join(", ")})`,
        );
      return codebookByVersion.get(wave.codebook)!;
    },
  };
  return deepFreeze(study);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value) && !(value instanceof Map)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
