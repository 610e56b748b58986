export {
  fitMixedModel,
  type MixedModelFit,
  type MixedModelInput,
  type RandomIntercept,
} from "./fitMixedModel.ts";
export {
  type InterRaterReliability,
  intraclassCorrelation,
  isConnected,
  type RaterData,
} from "./intraclassCorrelation.ts";
export { nelderMead } from "./nelderMead.ts";
