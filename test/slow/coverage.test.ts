/**
 * A small coverage simulation (issue 4): 100 samples from the demo population, raked, with
 * the sampler's design (villages PPS without replacement, Brewer's approximation over both
 * stages); the district 95% CIs of every index must cover the generator's truth
 * in 88–99% of samples. The full version (500 samples, townships) is `npm run sim:coverage`.
 */
import { describe, expect, it } from "vitest";
import { runCoverage } from "../../analysis/simulation/coverage.ts";

describe("coverage on the demo population", () => {
  it("district CIs cover the truth in 88-99% of 100 samples", async () => {
    const rows = await runCoverage({ samples: 100, townships: false, config: "brewer" });
    for (const r of rows) {
      expect(r.coverage, `${r.organization} ${r.index}`).toBeGreaterThanOrEqual(0.88);
      expect(r.coverage, `${r.organization} ${r.index}`).toBeLessThanOrEqual(0.99);
    }
  }, 120_000);
});
