/**
 * The coverage figures the methodology page states, from the last recorded run of
 * `npm run sim:coverage -- --samples 1000` (config published, which reads the demo study.yaml:
 * Brewer's approximation over both stages, intervals nominal; the full output is
 * docs/coverage-simulation.txt): repeated samples of the demo population against its known
 * truth. Update both together when the simulation is rerun.
 */
export const COVERAGE_VALIDATION = {
  /**
   * the variance the run scored (the demo study's design): Brewer's approximation over both
   * stages (PSUs, then respondents, with their inclusion probabilities); the methodology page
   * states these figures only for a study with that variance
   */
  variance: "brewer_two_stage",
  samples: 1000,
  /** mean coverage of the 95% intervals over the district figures, and its Monte Carlo SE */
  district: 0.9512,
  districtMcSe: 0.0026,
  /** the same over the township figures */
  township: 0.9465,
  townshipMcSe: 0.0004,
  /** the worst township figure's coverage, and it plus 3 Monte Carlo SEs */
  worstTownship: 0.905,
  worstTownshipPlus3McSe: 0.9257,
} as const;
