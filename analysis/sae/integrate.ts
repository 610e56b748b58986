// Gauss–Kronrod 7–15 nodes and weights (QUADPACK qk15, as R's integrate uses in qags).
const XGK = [
  0.9914553711208126, 0.9491079123427585, 0.8648644233597691, 0.7415311855993945, 0.5860872354676911,
  0.4058451513773972, 0.20778495500789848, 0,
];
const WGK = [
  0.022935322010529224, 0.06309209262997856, 0.10479001032225019, 0.14065325971552592, 0.1690047266392679,
  0.19035057806478542, 0.20443294007529889, 0.20948214108472782,
];
const WG = [0.1294849661688697, 0.27970539148927664, 0.3818300505051189, 0.4179591836734694];

/**
 * ∫ₐᵇ f(x) dx by adaptive Gauss–Kronrod (7–15) bisection until the Kronrod–Gauss difference is
 * below max(absTol, relTol·|integral|), as R's `integrate` (QUADPACK qags without extrapolation).
 *
 * @example integrate(Math.sin, 0, Math.PI) // 2
 */
export function integrate(
  f: (x: number) => number,
  a: number,
  b: number,
  relTol = 1e-12,
  absTol = 1e-15,
): number {
  if (b <= a) return 0;
  const stack: [number, number, number, number][] = [];
  const first = kronrod(f, a, b);
  stack.push([a, b, first[0], first[1]]);
  let total = first[0];
  let error = first[1];
  for (let iter = 0; iter < 500 && error > Math.max(absTol, relTol * Math.abs(total)); iter++) {
    let worst = 0;
    for (let k = 1; k < stack.length; k++) if (stack[k]![3] > stack[worst]![3]) worst = k;
    const [lo, hi, value, err] = stack[worst]!;
    const mid = 0.5 * (lo + hi);
    const left = kronrod(f, lo, mid);
    const right = kronrod(f, mid, hi);
    stack[worst] = [lo, mid, left[0], left[1]];
    stack.push([mid, hi, right[0], right[1]]);
    total += left[0] + right[0] - value;
    error += left[1] + right[1] - err;
  }
  return total;
}

function kronrod(f: (x: number) => number, a: number, b: number): [number, number] {
  const centre = 0.5 * (a + b);
  const half = 0.5 * (b - a);
  const fc = f(centre);
  let resk = fc * WGK[7]!;
  let resg = fc * WG[3]!;
  for (let j = 0; j < 7; j++) {
    const dx = half * XGK[j]!;
    const f1 = f(centre - dx);
    const f2 = f(centre + dx);
    resk += WGK[j]! * (f1 + f2);
    if (j % 2 === 1) resg += WG[(j - 1) / 2]! * (f1 + f2);
  }
  return [resk * half, Math.abs((resk - resg) * half)];
}
