export { applyMigrations, listMigrations } from "./applyMigrations.ts";
export { type BackupManifest, backupDatabase, restoreDatabase } from "./backupDatabase.ts";
export { cleanTempFiles, tempDirOf } from "./cleanTempFiles.ts";
export {
  closeAllDatabases,
  closeDatabase,
  Database,
  defaultDatabasePath,
  type OpenOptions,
  type OwnSession,
  openDatabase,
  type Params,
  type Row,
  type Session,
  sessionOf,
} from "./Database.ts";
export { withDuckdbThreads } from "./duckdbThreads.ts";
export { hmacKey, keyFingerprint } from "./hmacKey.ts";
export {
  localAdminTokenPath,
  readLocalAdminToken,
  removeLocalAdminToken,
  writeLocalAdminToken,
} from "./localAdminToken.ts";
export { capMemory, INGEST_MEMORY_LIMIT, withFullMemory } from "./memoryCap.ts";
export { packageRoot } from "./packageRoot.ts";
export { quoteIdent } from "./quoteIdent.ts";
export { loadSecret, readSecret, type SecretName, secretSource, secretsFile } from "./secrets.ts";
export { readServerLock, removeServerLock, serverLockPath, writeServerLock } from "./serverLock.ts";
export { inOneTurn, type TurnSession, takingTurns } from "./takingTurns.ts";
export { timeSlicer } from "./timeSlicer.ts";
