import type { ModelContext } from "../runner/loadModels.ts";
import { writeRows } from "./writeRows.ts";

export const dependsOn: string[] = [];

/** The reporting units from the sampling frame: townships (strata) and villages (PSUs). */
export async function build({ session, study, self }: ModelContext): Promise<void> {
  const townships = new Map<string, { zh: string; en: string; population: number }>();
  for (const u of study.units) {
    const t = townships.get(u.stratum) ?? { ...u.stratumName, population: 0 };
    t.population += u.population;
    townships.set(u.stratum, t);
  }
  await writeRows(
    session,
    self,
    {
      unit_level: "varchar",
      unit_code: "varchar",
      parent_code: "varchar",
      name_zh: "varchar",
      name_en: "varchar",
      population: "double",
    },
    [
      ...[...townships].map(([code, t]) => ({
        unit_level: "township",
        unit_code: code,
        parent_code: "",
        name_zh: t.zh,
        name_en: t.en,
        population: t.population,
      })),
      ...study.units.map((u) => ({
        unit_level: "village",
        unit_code: u.psu,
        parent_code: u.stratum,
        name_zh: u.psuName.zh,
        name_en: u.psuName.en,
        population: u.population,
      })),
    ],
  );
}
