/**
 * The answers every person would give, per wave and organization, from a simple latent model:
 *
 * - awareness and participation are logistic in sex, age group, urban/rural, education,
 *   membership, a township effect, a village effect and a person effect, with a district drift
 *   (+0.13 logit a year for awareness, about 3 points), a small township trend and a few
 *   "mover" townships whose organization jumps up or down from one wave on;
 * - approval aspects and satisfaction round a normal latent score (1–5 scale) that rises with
 *   age, participation and the same township and village effects;
 * - "don't know" is common among people who do not know the organization.
 *
 * Older people and women answer more positively, and they also respond more (see the sampler),
 * so unweighted estimates are biased; village and township effects make clusters alike, so
 * design effects exceed 1.
 */
import { ASPECTS, ORGANIZATIONS, orgItems, WAVES, type WaveId } from "./constants.ts";
import type { Township, Village } from "./frame.ts";
import type { People } from "./people.ts";
import type { Rng } from "./random.ts";

/** Answer codes per wave, then per item name (0 = blank, never in the population). */
export type Answers = Record<WaveId, Record<string, Uint8Array>>;

interface OrgModel {
  aware: {
    intercept: number;
    female: number;
    age: readonly number[];
    rural: number;
    member: number;
    edu: number;
  };
  villageIntercept: number;
  part: { intercept: number; female: number; age: readonly number[]; member: number };
  approvalMean: number;
  /** Which membership raises awareness and participation. */
  member: "union" | "league" | null;
}

const MODELS: Record<string, OrgModel> = {
  union: {
    aware: { intercept: 0.2, female: -0.15, age: [-0.6, 0, 0.3, 0.35], rural: -0.35, member: 1.1, edu: 0.12 },
    villageIntercept: -1.3,
    part: { intercept: -2.4, female: -0.1, age: [-0.2, 0.1, 0.1, -0.3], member: 1.3 },
    approvalMean: 3.45,
    member: "union",
  },
  youth_league: {
    aware: { intercept: 0.15, female: 0, age: [0.55, 0, -0.35, -0.6], rural: -0.3, member: 1.0, edu: 0.15 },
    villageIntercept: -1.5,
    part: { intercept: -2.6, female: 0.1, age: [0.9, 0, -0.6, -1.0], member: 1.1 },
    approvalMean: 3.3,
    member: "league",
  },
  womens_federation: {
    aware: { intercept: 0.0, female: 0.65, age: [-0.6, 0, 0.3, 0.4], rural: 0, member: 0, edu: 0.05 },
    villageIntercept: -0.9,
    part: { intercept: -2.6, female: 1.2, age: [-0.3, 0.1, 0.2, 0], member: 0 },
    approvalMean: 3.55,
    member: null,
  },
};

const APPROVAL_AGE = [-0.25, -0.08, 0.08, 0.3];
const ASPECT_OFFSET = [0.08, -0.02, -0.18, -0.05]; // guide, serve, rights, close
const AWARE_DRIFT = 0.13;
const PART_DRIFT = 0.06;
const APPROVAL_DRIFT = 0.04;

/** Township- and village-level effects, and the mover shifts, per organization. */
interface Effects {
  township: Float64Array; // [t * O + o]
  trend: Float64Array; // [t * O + o], logit per year
  shift: Float64Array; // [(t * O + o) * W + w], logit
  village: Float64Array; // [v * O + o]
  villageOrg: Float64Array; // [v * O + o], awareness of the village organization only
}

function drawEffects(townships: readonly Township[], villages: readonly Village[], rng: Rng): Effects {
  const O = ORGANIZATIONS.length;
  const W = WAVES.length;
  const e: Effects = {
    township: new Float64Array(townships.length * O),
    trend: new Float64Array(townships.length * O),
    shift: new Float64Array(townships.length * O * W),
    village: new Float64Array(villages.length * O),
    villageOrg: new Float64Array(villages.length * O),
  };
  for (let t = 0; t < townships.length; t++) {
    const governance = rng.normal(0, 0.25);
    for (let o = 0; o < O; o++) {
      e.township[t * O + o] = governance + rng.normal(0, 0.3);
      e.trend[t * O + o] = rng.normal(0, 0.06);
    }
  }
  // Movers: six township organizations that jump (up or down) from one wave on.
  const movers = rng.shuffle(Array.from({ length: townships.length * O }, (_, k) => k)).slice(0, 6);
  movers.forEach((k, j) => {
    const fromWave = rng.int(1, W - 1);
    const size = (j < 4 ? 1 : -1) * rng.between(0.9, 1.3);
    for (let w = fromWave; w < W; w++) e.shift[k * W + w] = size;
  });
  for (let v = 0; v < villages.length; v++) {
    const shared = rng.normal(0, 0.45);
    for (let o = 0; o < O; o++) {
      e.village[v * O + o] = shared + rng.normal(0, 0.45);
      e.villageOrg[v * O + o] = rng.normal(0, 0.5);
    }
  }
  return e;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const toScale = (x: number): number => (x < 1.5 ? 1 : x >= 4.5 ? 5 : Math.round(x));

export function generateAnswers(
  townships: readonly Township[],
  villages: readonly Village[],
  people: People,
  rng: Rng,
  /** Receives each village's effect on awareness of its own organization ([v * O + o], logit). */
  villageAwarenessOut?: Float64Array,
): Answers {
  const O = ORGANIZATIONS.length;
  const W = WAVES.length;
  const N = people.size;
  const effects = drawEffects(townships, villages, rng);
  if (villageAwarenessOut) {
    for (let k = 0; k < villages.length * O; k++)
      villageAwarenessOut[k] = effects.village[k]! + effects.villageOrg[k]!;
  }
  const answers = {} as Answers;
  // out[w][o] = [awT, awV, pa, ap_guide, ap_serve, ap_rights, ap_close, sa]
  const out: Uint8Array[][][] = WAVES.map((wave) => {
    answers[wave] = {};
    return ORGANIZATIONS.map((org) => {
      const items = orgItems(org.prefix);
      const names = [
        items.awarenessTownship,
        items.awarenessVillage,
        items.participation,
        ...ASPECTS.map((a) => items.approval[a]),
        items.satisfaction,
      ];
      return names.map((name) => {
        const arr = new Uint8Array(N);
        answers[wave][name] = arr;
        return arr;
      });
    });
  });
  const models = ORGANIZATIONS.map((org) => MODELS[org.id]!);

  for (let i = 0; i < N; i++) {
    const t = people.township[i]!;
    const v = people.village[i]!;
    const female = people.sex[i] === 2 ? 1 : 0;
    const g = people.ageGroup[i]! - 1;
    const rural = people.urbanRural[i] === 2 ? 1 : 0;
    const edu = people.education[i]! - 3;
    const union = people.unionMember[i] === 1 ? 1 : 0;
    const league = people.leagueMember[i] === 1 ? 1 : 0;
    const dkAware = g === 3 ? 0.35 : 0.22;
    const engagement = rng.normal(0, 0.6);
    for (let o = 0; o < O; o++) {
      const m = models[o]!;
      const member = m.member === "union" ? union : m.member === "league" ? league : 0;
      const person = engagement + rng.normal(0, 0.45);
      const personApproval = rng.normal(0, 0.3);
      const qT = effects.township[t * O + o]!;
      const qV = effects.village[v * O + o]!;
      const a = m.aware;
      const awareBase =
        a.intercept +
        a.female * female +
        a.age[g]! +
        a.rural * rural +
        a.member * member +
        a.edu * edu +
        qT +
        qV +
        person;
      const villageBase =
        m.villageIntercept +
        0.7 * (a.female * female + a.age[g]! + a.member * member) +
        0.4 * rural +
        0.5 * qT +
        qV +
        effects.villageOrg[v * O + o]! +
        person;
      const p = m.part;
      const partBase =
        p.intercept + p.female * female + p.age[g]! + p.member * member + 0.8 * qT + 0.8 * qV + 0.7 * person;
      const approvalBase =
        m.approvalMean +
        APPROVAL_AGE[g]! +
        0.05 * female +
        0.08 * rural +
        0.35 * qT +
        0.5 * qV +
        0.25 * person +
        personApproval;
      for (let w = 0; w < W; w++) {
        const items = out[w]![o]!;
        const shift = effects.shift[(t * O + o) * W + w]!;
        const drift = w * effects.trend[t * O + o]! + shift;
        const awareT = rng.uniform() < logistic(awareBase + w * AWARE_DRIFT + drift);
        const awareV = rng.uniform() < logistic(villageBase + 1.2 * +awareT + w * AWARE_DRIFT + 0.5 * drift);
        const part =
          rng.uniform() < logistic(partBase + 1.0 * +awareT + 0.5 * +awareV + w * PART_DRIFT + 0.6 * drift);
        items[0]![i] = awareT ? 1 : rng.uniform() < dkAware ? 9 : 2;
        items[1]![i] = awareV ? 1 : rng.uniform() < dkAware ? 9 : 2;
        items[2]![i] = part ? 1 : 2;
        // People who do not know the organization often cannot rate it at all.
        const allDk = !awareT && rng.uniform() < (g === 3 ? 0.22 : 0.15);
        const score =
          approvalBase + 0.3 * +part + 0.12 * +awareT + w * APPROVAL_DRIFT + 0.3 * drift + rng.normal(0, 0.3);
        const dkAspect = awareT ? 0.03 : 0.06;
        for (let k = 0; k < 4; k++) {
          const x = score + ASPECT_OFFSET[k]! + rng.normal(0, 0.6);
          items[3 + k]![i] = allDk || rng.uniform() < dkAspect ? 9 : toScale(x);
        }
        const s = score + 0.02 + rng.normal(0, 0.55);
        items[7]![i] = allDk || rng.uniform() < (awareT ? 0.015 : 0.05) ? 9 : toScale(s);
      }
    }
  }
  return answers;
}
