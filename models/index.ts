export {
  MODELS_DIR,
  modelEvents,
  type RunResult,
  relationName,
  runModels,
  studyParams,
} from "./runModels.ts";
export { loadModels, type Model, type ModelContext, orderModels } from "./runner/loadModels.ts";
