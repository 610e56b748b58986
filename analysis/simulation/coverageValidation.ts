/**
 * The coverage figures the methodology page states, from the last recorded run of
 * `npm run sim:coverage -- --samples 1000` (config published, intervals nominal; the full
 * output is docs/coverage-simulation.txt): repeated samples of the demo population against its
 * known truth. Update both together when the simulation is rerun.
 */
export const COVERAGE_VALIDATION = {
  /**
   * the variance the run scored (the demo study's design): PSUs treated as drawn with
   * replacement; the methodology page states these figures only for a study with that variance
   */
  variance: "with_replacement",
  samples: 1000,
  /** mean coverage of the 95% intervals over the district figures, and its Monte Carlo SE */
  district: 0.9782,
  districtMcSe: 0.0016,
  /** the same over the township figures */
  township: 0.9736,
  townshipMcSe: 0.0002,
  /** the worst township figure's coverage, and it plus 3 Monte Carlo SEs */
  worstTownship: 0.941,
  worstTownshipPlus3McSe: 0.9617,
} as const;
