// A child process for the fault tests: runs one command on a database so the parent can kill
// it with SIGKILL at any moment. Usage: faultChild.ts run|release DB

import { DEMO_STUDY_DIR } from "../../cli/context.ts";
import { openDatabase } from "../../db/index.ts";
import { createRelease, runModels } from "../../models/index.ts";
import { loadStudy } from "../../study/index.ts";

const [mode, path] = process.argv.slice(2) as [string, string];
const db = await openDatabase(path);
const study = await loadStudy(DEMO_STUDY_DIR);
process.stdout.write("ready\n");
for (let i = 0; i < 1000; i++) {
  if (mode === "run") await runModels(db, study);
  else await createRelease(db, study, "2026", "fault-test");
  process.stdout.write(`done ${i}\n`);
}
