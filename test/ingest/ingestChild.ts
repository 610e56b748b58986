// Child process for the kill -9 tests: ingest one file into one database, reporting each
// phase on stdout as it starts, then the result as JSON.
// usage: node --import tsx/esm test/ingest/ingestChild.ts DB STUDY_DIR FILE
import { closeAllDatabases, openDatabase } from "../../db/index.ts";
import { ingestFile } from "../../ingest/index.ts";
import { loadStudy } from "../../study/index.ts";

const [dbPath, studyDir, file] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase(dbPath);
const study = await loadStudy(studyDir);
let phase = "";
const result = await ingestFile(db, {
  study,
  waveId: "2024",
  path: file,
  user: "child",
  hmacKey: Buffer.from("test-hmac-key"),
  onProgress: (p) => {
    if (p.phase === phase) return;
    phase = p.phase;
    process.stdout.write(`phase ${phase}\n`);
  },
});
process.stdout.write(`result ${JSON.stringify({ status: result.status, rows: result.rows })}\n`);
await closeAllDatabases();
