/**
 * The Faddeeva function w(z) (Weideman's expansion) against values that do not come from it:
 * e^{y²} erfc(y) on the imaginary axis (erfc from `pnorm`, itself checked against R), Dawson's
 * integral on the real axis, the published w(1 + i), and w's integral form
 * (i/π) ∫ e^{−t²} / (z − t) dt by adaptive quadrature elsewhere in the upper half-plane.
 */
import { describe, expect, it } from "vitest";
import { erfcx, faddeeva, shortExpansion } from "../../../analysis/distributions/faddeeva.ts";
import { pnorm } from "../../../analysis/distributions/pnorm.ts";
import { integrate } from "../../../analysis/sae/integrate.ts";

const w = (x: number, y: number): [number, number] => {
  const out = [0, 0];
  faddeeva(x, y, out);
  return [out[0]!, out[1]!];
};

describe("faddeeva", () => {
  it("is e^{y²} erfc(y) on the imaginary axis, and erfcx agrees, to 1e-14 relative", () => {
    for (const y of [0, 0.05, 0.3, 0.7, 1, 2, 3.5, 5, 6]) {
      const expected = Math.exp(y * y) * 2 * pnorm(-y * Math.SQRT2);
      const [re, im] = w(0, y);
      expect(Math.abs(re - expected) / expected).toBeLessThan(1e-14);
      expect(Math.abs(im)).toBeLessThan(1e-15);
      expect(Math.abs(erfcx(y) - expected) / expected).toBeLessThan(1e-14);
    }
  });

  it("is e^{−x²} + (2i/√π) D(x) on the real axis (Dawson's integral D(1) = 0.5380795069127684)", () => {
    const [re, im] = w(1, 0);
    expect(Math.abs(re - Math.exp(-1))).toBeLessThan(1e-15);
    expect(Math.abs(im - (2 / Math.sqrt(Math.PI)) * 0.5380795069127684)).toBeLessThan(1e-15);
  });

  it("gives the published w(1 + i) = 0.30474420525691259 + 0.20821893820283162i", () => {
    const [re, im] = w(1, 1);
    expect(Math.abs(re - 0.3047442052569126)).toBeLessThan(1e-15);
    expect(Math.abs(im - 0.2082189382028316)).toBeLessThan(1e-15);
  });

  it("equals (i/π) ∫ e^{−t²} / (z − t) dt across the upper half-plane to 1e-13 relative", () => {
    for (const x of [0, 0.1, 0.5, 1, 2, 5]) {
      for (const y of [0.01, 0.1, 0.5, 1, 3, 6, 10]) {
        const [re, im] = w(x, y);
        const eRe =
          integrate((t) => (Math.exp(-t * t) * y) / ((x - t) ** 2 + y * y), -12, 12, 1e-14, 0) / Math.PI;
        const eIm =
          integrate((t) => (Math.exp(-t * t) * (x - t)) / ((x - t) ** 2 + y * y), -12, 12, 1e-14, 0) /
          Math.PI;
        expect(Math.hypot(re - eRe, im - eIm) / Math.hypot(eRe, eIm)).toBeLessThan(1e-13);
      }
    }
  });

  it("with N = 16 (shortExpansion) stays within 1e-8 of N = 40 for Im z ≥ 1.5, and far closer in arcsinMean's far tails", () => {
    const full = new Float64Array(2);
    const short = new Float64Array(2);
    let worst = 0;
    for (let x = 0; x <= 4; x += 0.05)
      for (let y = 1.5; y < 40; y *= 1.05) {
        faddeeva(x, y, full);
        shortExpansion.faddeeva(x, y, short);
        worst = Math.max(
          worst,
          Math.hypot(short[0]! - full[0]!, short[1]! - full[1]!) / Math.hypot(full[0]!, full[1]!),
        );
        expect(Math.abs(shortExpansion.erfcx(y) - erfcx(y)) / erfcx(y)).toBeLessThan(1e-8);
      }
    expect(worst).toBeLessThan(1e-8);
    // where arcsinMean uses it: ¼ e^{−k²/2} (erfcx(k/√2) − Re w((2σ + ik)/√2)) for k ≥ 3, σ ≤ 1
    let tailWorst = 0;
    for (let sd = 1e-4; sd <= 1; sd *= 1.1)
      for (let k = 3; k < 14; k += 0.05) {
        const x = (2 * sd) / Math.SQRT2;
        const y = k / Math.SQRT2;
        faddeeva(x, y, full);
        shortExpansion.faddeeva(x, y, short);
        const a = 0.25 * Math.exp(-0.5 * k * k) * (erfcx(y) - full[0]!);
        const b = 0.25 * Math.exp(-0.5 * k * k) * (shortExpansion.erfcx(y) - short[0]!);
        tailWorst = Math.max(tailWorst, Math.abs(a - b));
      }
    expect(tailWorst).toBeLessThan(1e-17);
  });
});
