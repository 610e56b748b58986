export {
  type IndexRow,
  modelEvents,
  type RunResult,
  runModels,
  scoreColumn,
  stagingView,
  weightedTable,
} from "./runModels.ts";
