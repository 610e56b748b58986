export { type Choice, type Codebook, choiceFilterPairs, type Item, type ItemType } from "./codebook.ts";
export { constraintSentence } from "./constraintSentence.ts";
export { stageTwoVariance } from "./designFacts.ts";
export { type Expr, parseExpression, referencedItems } from "./expression.ts";
export {
  compositesOf,
  type IndicatorInfo,
  type ItemScore,
  indicatorInfos,
  type ScoreDefinition,
  scoreDefinitions,
} from "./indicators.ts";
export {
  type FrameUnit,
  loadStudy,
  type Margin,
  type MarginCell,
  parseStudyYaml,
  type Study,
} from "./loadStudy.ts";
export { designSourceColumns, ENGINE_PREFIX, MODEL_COLUMNS, modelColumnClash } from "./modelColumns.ts";
export { readCsvTable } from "./readCsvTable.ts";
export {
  type CompositeDefinition,
  INDEX_KINDS,
  INDICATOR_KINDS,
  type IndexDefinition,
  type IndexKind,
  type IndicatorDefinition,
  type IndicatorKind,
  LEVELS,
  type StudyFile,
} from "./schema.ts";
