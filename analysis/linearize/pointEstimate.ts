import type { ItemKind } from "./estimateItems.ts";

/** Weighted moments of one item within one domain (rows with the item present). */
export interface Moments {
  n: number;
  sw: number;
  swy: number;
  sw2: number;
  swyy: number;
  swx: number;
  swxx: number;
  swxy: number;
}

/**
 * Point estimate, score coefficients (z = w·(a·y + b·x + g)) and the SRS-without-replacement
 * variance for deff, as R's svymean/svytotal/svyratio with deff = TRUE:
 * s²·(N̂−n)/(N̂·n) for a mean, times N̂² for a total, and for a ratio the same for
 * r = (y − R·x)/X̂ (R: deff of svytotal of the ratio's score).
 */
export function pointEstimate(kind: ItemKind, m: Moments) {
  const { n, sw, swy, sw2, swyy, swx, swxx, swxy } = m;
  const ybar = swy / sw;
  const s2y = ((swyy - sw * ybar * ybar) / sw) * (n / (n - 1));
  let estimate: number;
  let coef: { a: number; b: number; g: number };
  let sVar = s2y;
  let scale = 1;
  if (kind === "mean" || kind === "proportion") {
    estimate = ybar;
    coef = { a: 1 / sw, b: 0, g: -ybar / sw };
  } else if (kind === "total") {
    estimate = swy;
    coef = { a: 1, b: 0, g: 0 };
    scale = sw * sw;
  } else {
    const R = swy / swx;
    estimate = R;
    coef = { a: 1 / swx, b: -R / swx, g: 0 };
    sVar = ((swyy - 2 * R * swxy + R * R * swxx) / (swx * swx) / sw) * (n / (n - 1));
    scale = sw * sw;
  }
  return { estimate, coef, vsrs: sVar * scale * ((sw - n) / (sw * n)), nEff: (sw * sw) / sw2 };
}
