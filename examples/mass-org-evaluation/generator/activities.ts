import { ORGANIZATIONS } from "./constants.ts";
import type { Population } from "./population.ts";
import { deriveSeed, Rng } from "./random.ts";

/** log mean of the recorded activities, and how strongly they follow the village's awareness effect. */
export const ACTIVITY_MODEL = { logMean: 1.6, slope: 0.6 } as const;

/**
 * The organizations' own records (台账): activities each village's union, league and women's
 * federation organization recorded in the past year, for the frame (`activities_<organization>`).
 * Poisson with log mean 1.6 + 0.6 × the village's effect on awareness of its own organization
 * (`Population.villageAwarenessEffect`): villages whose organization is active are better known,
 * but a count is only a noisy sign of it, not the truth in disguise. Drawn from their own seed
 * stream (deriveSeed(seed, 11)), so adding them changed no response.
 */
export function recordedActivities(population: Population): number[][] {
  const rng = new Rng(deriveSeed(population.seed, 11));
  const O = ORGANIZATIONS.length;
  return population.villages.map((v) =>
    ORGANIZATIONS.map((_, o) =>
      poisson(
        rng,
        Math.exp(
          ACTIVITY_MODEL.logMean + ACTIVITY_MODEL.slope * population.villageAwarenessEffect[v.index * O + o]!,
        ),
      ),
    ),
  );
}

/** Knuth's multiplication method (means here stay below about 60). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.uniform();
  while (p > limit) {
    k++;
    p *= rng.uniform();
  }
  return k;
}
