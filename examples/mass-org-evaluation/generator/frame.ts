/**
 * The synthetic district's geography: townships (strata) and their villages and communities
 * (primary sampling units), each with its adult (16+) population.
 */
import {
  communityName,
  type PlaceName,
  PlaceNamer,
  subdistrictName,
  townName,
  villageName,
} from "./names.ts";
import type { Rng } from "./random.ts";

export interface Township {
  index: number;
  /** "T01".."T50" */
  code: string;
  name: PlaceName;
  /** 镇 (town, mostly rural villages) or 街道 (subdistrict, mostly urban communities). */
  kind: "town" | "subdistrict";
  /** Indices into `villages` of its villages and communities. */
  villages: number[];
  population: number;
}

export interface Village {
  index: number;
  /** "T01V001" */
  code: string;
  name: PlaceName;
  townshipIndex: number;
  /** 1 urban (社区 community), 2 rural (村 village). */
  urbanRural: 1 | 2;
  /** Adults aged 16+. */
  population: number;
  /** Index of its first person; its people are `firstPerson .. firstPerson + population - 1`. */
  firstPerson: number;
}

export const N_TOWNSHIPS = 50;
const N_SUBDISTRICTS = 15;

/** Builds the townships and villages; people are filled in later, in village order. */
export function generateFrame(rng: Rng): { townships: Township[]; villages: Village[] } {
  const namer = new PlaceNamer(rng);
  const townships: Township[] = [];
  const villages: Village[] = [];
  let nextPerson = 0;
  for (let t = 0; t < N_TOWNSHIPS; t++) {
    const kind = t < N_SUBDISTRICTS ? "subdistrict" : "town";
    const stem = namer.stem();
    const township: Township = {
      index: t,
      code: `T${String(t + 1).padStart(2, "0")}`,
      name: kind === "town" ? townName(stem) : subdistrictName(stem),
      kind,
      villages: [],
      population: 0,
    };
    // Subdistricts: 7–13 units, almost all urban communities. Towns: 9–17 units, the town seat's
    // one or two communities first, then rural villages.
    const nUnits = kind === "subdistrict" ? rng.int(7, 13) : rng.int(9, 17);
    const nSeat = kind === "town" ? rng.int(1, 2) : 0;
    for (let j = 0; j < nUnits; j++) {
      const urban = kind === "subdistrict" ? rng.bernoulli(0.88) : j < nSeat;
      const population = urban
        ? clampRound(Math.exp(rng.normal(Math.log(1250), 0.35)), 400, 2500)
        : clampRound(Math.exp(rng.normal(Math.log(620), 0.45)), 200, 2500);
      const name = urban
        ? communityName(namer.stem())
        : villageName(rng.bernoulli(0.45) ? namer.clanStem() : namer.stem());
      const village: Village = {
        index: villages.length,
        code: `${township.code}V${String(j + 1).padStart(3, "0")}`,
        name,
        townshipIndex: t,
        urbanRural: urban ? 1 : 2,
        population,
        firstPerson: nextPerson,
      };
      nextPerson += population;
      villages.push(village);
      township.villages.push(village.index);
      township.population += population;
    }
    townships.push(township);
  }
  return { townships, villages };
}

function clampRound(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(x)));
}
