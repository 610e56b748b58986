export { type Choice, type Codebook, choiceFilterPairs, type Item, type ItemType } from "./codebook.ts";
export { constraintSentence } from "./constraintSentence.ts";
export { type Expr, parseExpression, referencedItems } from "./expression.ts";
export {
  type FrameUnit,
  loadStudy,
  type Margin,
  type MarginCell,
  parseStudyYaml,
  type Study,
} from "./loadStudy.ts";
export { readCsvTable } from "./readCsvTable.ts";
export { INDEX_KINDS, type IndexDefinition, type IndexKind, LEVELS, type StudyFile } from "./schema.ts";
