export {
  type Figures,
  failInterruptedRuns,
  type PendingStudy,
  pendingModelRuns,
  type UploadFigures,
  uploadFigures,
  uploadsWithFiguresPending,
} from "./pendingModelRuns.ts";
export { methodologyVersion } from "./releases/methodologyVersion.ts";
export {
  createRelease,
  getReleaseRecord,
  listReleases,
  RELEASE_COLUMNS,
  RELEASE_THEME_COLUMNS,
  type ReleaseFile,
  type ReleaseRecord,
  readRelease,
  releasesDir,
} from "./releases/releases.ts";
export { type ModelSteps, modelSteps, runDirectStep, runLaterStep } from "./runInTwoSteps.ts";
export {
  allModels,
  MODELS_DIR,
  modelEvents,
  type RunResult,
  type RunScope,
  relationName,
  runModels,
  studyParams,
} from "./runModels.ts";
export { loadModels, type Model, type ModelContext, orderModels } from "./runner/loadModels.ts";
export { forgetComputed } from "./runner/offThread.ts";
