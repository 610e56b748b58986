export { applyMigrations, listMigrations } from "./applyMigrations.ts";
export {
  closeAllDatabases,
  closeDatabase,
  Database,
  defaultDatabasePath,
  type OpenOptions,
  openDatabase,
  type Params,
  type Row,
  type Session,
  sessionOf,
} from "./Database.ts";
export { quoteIdent } from "./quoteIdent.ts";
export { readServerLock, removeServerLock, serverLockPath, writeServerLock } from "./serverLock.ts";
export { loadSecret, type SecretName } from "./secrets.ts";
