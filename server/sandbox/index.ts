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
export { type SandboxQueryOptions, SqlSandbox, type SqlSandboxOptions } from "./SqlSandbox.ts";
export { type WriteSnapshotOptions, writeSnapshot } from "./writeSnapshot.ts";
