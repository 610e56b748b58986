import { quoteIdent } from "../../db/quoteIdent.ts";
import type { SandboxQuerier } from "../../server/sandbox/index.ts";

type Named = ReadonlyMap<string, { zh: string; en: string }>;

/** What a notebook shows ids by, and the clock its times are read on: the study's own. */
export interface StudyNames {
  title: { zh: string; en: string };
  /** IANA time zone of study.yaml (`timezone`). */
  timeZone: string;
  organization: Named;
  indicator: Named;
  township: Named;
  wave: Named;
}

/**
 * Read the names of the study's organizations, indicators, townships and waves, its title and
 * its time zone from the snapshot's seeds (seed_organizations, seed_indicators, seed_units,
 * seed_waves, seed_reporting). A seed the study lacks gives no names (its ids show as written).
 */
export async function studyNames(sandbox: SandboxQuerier, study: string): Promise<StudyNames> {
  const read = async (seed: string, select: string, where = "true"): Promise<string[][]> => {
    const result = await sandbox.query(
      `select ${select} from ${quoteIdent(`${seed}__${study}`)} where ${where}`,
      {
        params: [],
      },
    );
    return result.ok ? result.rows.map((r) => r.map((v) => (v === null ? "" : String(v)))) : [];
  };
  const named = (rows: string[][]) => new Map(rows.map(([id, zh, en]) => [id!, { zh: zh!, en: en! }]));
  const [reporting] = await read("seed_reporting", "title_zh, title_en, timezone");
  return {
    title: reporting ? { zh: reporting[0]!, en: reporting[1]! } : { zh: study, en: study },
    timeZone: reporting?.[2] || "UTC",
    organization: named(await read("seed_organizations", "organization_id, name_zh, name_en")),
    indicator: named(await read("seed_indicators", "index_id, name_zh, name_en")),
    township: named(await read("seed_units", "unit_code, name_zh, name_en", "unit_level = 'township'")),
    wave: named(await read("seed_waves", "wave_id, title_zh, title_en")),
  };
}
