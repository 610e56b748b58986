/**
 * The validation figures the methodology page states, from the last recorded run of
 * `npm run sim:sae` (docs/sae-simulation.txt; 500 samples, 200 bootstrap replicates, Monte Carlo SEs 0.001 and 0.0003):
 * repeated samples of the demo population against its known truth. Update both together when the simulation is rerun.
 */
export const SAE_VALIDATION = {
  /** RMSE of the published village figure / RMSE of the direct estimate, villages with 1–10 respondents. */
  rmseRatioSmall: 0.585,
  /** Coverage of the 95% village intervals, averaged over villages. */
  villageCoverage: 0.965,
} as const;
