/**
 * The people of the district: demographics drawn per village, stored column-wise in typed
 * arrays (index = person). Rural villages are older and less educated than urban communities.
 */
import { ageGroupOf } from "./constants.ts";
import type { Village } from "./frame.ts";
import type { Rng } from "./random.ts";

export interface People {
  size: number;
  /** Index of the person's village and township. */
  village: Uint16Array;
  township: Uint8Array;
  /** 1 male, 2 female. */
  sex: Uint8Array;
  /** 16..90 */
  age: Uint8Array;
  /** 1: 16–29, 2: 30–44, 3: 45–59, 4: 60+ */
  ageGroup: Uint8Array;
  /** 1 primary or less … 5 bachelor or more */
  education: Uint8Array;
  /** 1 farming, 2 enterprise employee, 3 public sector, 4 self-employed, 5 student, 6 retired, 7 other */
  occupation: Uint8Array;
  /** 1 urban, 2 rural (from the village). */
  urbanRural: Uint8Array;
  /** 1 yes, 2 no. */
  unionMember: Uint8Array;
  /** 1 yes, 2 no; 0 (missing) above age 35. */
  leagueMember: Uint8Array;
}

// Age bands and their weights: 16–19, 20–24, …, 80–84, 85–90.
const BAND_LO = [16, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85];
const BAND_HI = [19, 24, 29, 34, 39, 44, 49, 54, 59, 64, 69, 74, 79, 84, 90];
const BAND_URBAN = [4, 7, 9, 10, 9, 8, 8, 8, 7, 6, 5, 3, 2, 1.5, 1];
const BAND_RURAL = [4, 5, 6, 7, 7, 7, 8, 9, 9, 8, 7, 5, 3, 2, 1];

// Education by urban/rural and age group (rows: age groups 1–4; columns: levels 1–5).
const EDU_URBAN = [
  [0.02, 0.12, 0.3, 0.26, 0.3],
  [0.03, 0.2, 0.27, 0.23, 0.27],
  [0.1, 0.38, 0.3, 0.12, 0.1],
  [0.28, 0.38, 0.22, 0.07, 0.05],
];
const EDU_RURAL = [
  [0.04, 0.3, 0.36, 0.18, 0.12],
  [0.1, 0.48, 0.26, 0.1, 0.06],
  [0.3, 0.5, 0.15, 0.03, 0.02],
  [0.55, 0.35, 0.08, 0.01, 0.01],
];

export function generatePeople(villages: readonly Village[], rng: Rng): People {
  const size = villages.reduce((s, v) => s + v.population, 0);
  const p: People = {
    size,
    village: new Uint16Array(size),
    township: new Uint8Array(size),
    sex: new Uint8Array(size),
    age: new Uint8Array(size),
    ageGroup: new Uint8Array(size),
    education: new Uint8Array(size),
    occupation: new Uint8Array(size),
    urbanRural: new Uint8Array(size),
    unionMember: new Uint8Array(size),
    leagueMember: new Uint8Array(size),
  };
  const occWeights = new Float64Array(7);
  for (const v of villages) {
    const urban = v.urbanRural === 1;
    for (let i = v.firstPerson; i < v.firstPerson + v.population; i++) {
      const band = rng.categorical(urban ? BAND_URBAN : BAND_RURAL);
      const age = rng.int(BAND_LO[band]!, BAND_HI[band]!);
      const g = ageGroupOf(age);
      const sex = rng.bernoulli(age >= 75 ? 0.44 : 0.505) ? 1 : 2;
      let edu = rng.categorical((urban ? EDU_URBAN : EDU_RURAL)[g - 1]!) + 1;
      if (age < 19) edu = Math.min(edu, 3);
      else if (age < 22) edu = Math.min(edu, 4);
      const occ = drawOccupation(rng, occWeights, age, sex, edu, urban);
      p.village[i] = v.index;
      p.township[i] = v.townshipIndex;
      p.sex[i] = sex;
      p.age[i] = age;
      p.ageGroup[i] = g;
      p.education[i] = edu;
      p.occupation[i] = occ;
      p.urbanRural[i] = v.urbanRural;
      p.unionMember[i] = rng.bernoulli(unionRate(occ, urban)) ? 1 : 2;
      p.leagueMember[i] = age > 35 ? 0 : rng.bernoulli(leagueRate(age, occ, edu)) ? 1 : 2;
    }
  }
  return p;
}

function drawOccupation(
  rng: Rng,
  w: Float64Array,
  age: number,
  sex: number,
  edu: number,
  urban: boolean,
): number {
  if (age <= 18 && rng.bernoulli(0.9)) return 5;
  if (age > 18 && age <= 22 && rng.bernoulli(edu >= 3 ? 0.6 : 0.1)) return 5;
  w.fill(0);
  if (age >= 60) {
    if (urban) {
      w[5] = 0.8; // retired
      w[3] = 0.08;
      w[6] = 0.12;
    } else {
      w[0] = 0.55;
      w[5] = 0.25;
      w[6] = 0.2;
    }
  } else {
    w[0] = urban ? 0.02 : 0.38;
    w[1] = urban ? 0.45 : 0.3;
    w[2] = urban ? 0.12 : 0.04;
    w[3] = urban ? 0.2 : 0.14;
    w[5] = urban && age >= 50 && sex === 2 ? 0.15 : 0;
    w[6] = urban ? 0.15 : 0.14;
    if (edu >= 4) {
      w[0] *= 0.2;
      w[1] *= 1.3;
      w[2] *= 3;
    } else if (edu <= 1) {
      w[0] *= 1.5;
      w[2] *= 0.1;
      w[6] *= 1.5;
    }
  }
  return rng.categorical(w) + 1;
}

const UNION_RATE = [0.02, 0.42, 0.85, 0.06, 0, 0.2, 0.04];

function unionRate(occ: number, urban: boolean): number {
  if (occ === 6) return urban ? 0.3 : 0.1;
  return UNION_RATE[occ - 1]!;
}

function leagueRate(age: number, occ: number, edu: number): number {
  const base = occ === 5 ? 0.6 : edu === 5 ? 0.35 : edu === 4 ? 0.28 : edu === 3 ? 0.15 : 0.05;
  // Members leave the league at 28 unless they hold a post in it.
  return age > 28 ? base * 0.4 : base;
}
