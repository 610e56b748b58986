export { latestSnapshot, listSnapshots, type SnapshotFile, snapshotName } from "./latestSnapshot.ts";
export type {
  JsonValue,
  SandboxColumn,
  SandboxErrorCode,
  SandboxFailure,
  SandboxParam,
  SandboxParams,
  SandboxResult,
  SandboxSuccess,
} from "./protocol.ts";
export {
  type SandboxQuerier,
  type SandboxQueryOptions,
  SqlSandbox,
  type SqlSandboxOptions,
} from "./SqlSandbox.ts";
export {
  ALLOWED_TABLE_FUNCTIONS,
  REFUSED_SCALAR_FUNCTIONS,
  REFUSED_TABLE_FUNCTIONS,
} from "./sandboxFunctions.ts";
export { type WriteSnapshotOptions, writeSnapshot } from "./writeSnapshot.ts";
