import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import type { Database } from "../db/index.ts";
import { formatIngestReport, ingestStudyResponses } from "../ingest/index.ts";
import { runModels } from "../models/index.ts";
import { buildSiteMarts } from "../models/sites/buildSiteMarts.ts";
import { createUser, setPassword } from "../server/auth/index.ts";
import { loadStudy } from "../study/index.ts";
import { loadSiteStudy } from "../study/sites/index.ts";
import { CliError } from "./CliError.ts";
import { DEMO_STUDY_DIR, hmacKeyOf, openForWrite, SITES_DEMO_DIR } from "./context.ts";
import { log } from "./log.ts";
import { serve } from "./serve.ts";

/**
 * The demo: load the example study's three waves (already generated and committed; see
 * examples/mass-org-evaluation/README.md), run the models, and say where the results are.
 * Loading twice is harmless: the same files are recognised by their hash.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("load the demo study into the database, run the models, and (with --serve) serve it")
    .option(
      "--study <name>",
      "the example study: mass-org-evaluation or needs-survey (examples/<name>)",
      "mass-org-evaluation",
    )
    .option("--serve", "start the server afterwards")
    .option("--host <host>", "address to bind with --serve", "127.0.0.1")
    .option("--port <port>", "port with --serve", "8080")
    .action(async (opts, command: Command) => {
      const global = command.optsWithGlobals<{ db?: string }>();
      const db = await openForWrite(global);
      const study = await loadStudy(exampleDir(opts.study));
      await ingestStudyResponses(db, study, {
        user: "demo",
        hmacKey: await hmacKeyOf(db),
        onResult: (result) => log(formatIngestReport(result)),
      }).catch((error: Error) => {
        throw new CliError(`the demo data: ${error.message}`, { cause: error });
      });
      const run = await runModels(db, study, {
        onProgress: (model, i, n) => log(`[${i + 1}/${n}] ${model}`),
      });
      log(`models built (run ${run.runId}) in ${db.path}`);
      // The demonstration sites' half-yearly assessment, beside the resident survey.
      const sites = await buildSiteMarts(db, loadSiteStudy(SITES_DEMO_DIR));
      log(`demonstration sites: ${sites.sites} sites, half-years ${sites.periods.join(", ")}`);
      const credentials = await ensureDemoUsers(db);
      // `barometer` is not on the PATH after `npm install` in a clone; npx finds the project's own
      log(`Try: npx barometer sql "select * from index_scores__${study.id} limit 5"`);
      log(
        `Sign in as "leader" (viewer) or "admin"; the demo passwords are in ${credentials} (readable only by you).`,
      );
      if (opts.serve) {
        await serve(db, opts.host, Number(opts.port));
        await new Promise(() => {});
      } else {
        log("Serve it with: barometer serve");
      }
    });
}

/** The folder of an example study: examples/<name>, one of those shipped. */
export function exampleDir(name: string): string {
  const examples = resolve(DEMO_STUDY_DIR, "..");
  const known = readdirSync(examples).filter((d) => existsSync(join(examples, d, "study.yaml")));
  if (!known.includes(name))
    throw new CliError(`--study ${name}: not an example study (examples: ${known.join(", ")})`);
  return join(examples, name);
}

/**
 * Demo users with random passwords, written once to demo-credentials.json beside the
 * database (mode 600) and never printed.
 */
async function ensureDemoUsers(db: Database): Promise<string> {
  const file = join(dirname(db.path), "demo-credentials.json");
  const existing = await db.query<{ user_name: string }>(
    "select user_name from users where user_name in ('admin', 'leader')",
  );
  if (existing.length === 2 && existsSync(file)) return file;
  const users: Record<string, { role: string; password: string }> = {};
  for (const [name, role] of [
    ["admin", "admin"],
    ["leader", "viewer"],
  ] as const) {
    if (existing.some((u) => u.user_name === name))
      await db.run("delete from sessions where user_name = $1", [name]);
    const password = randomBytes(12).toString("base64url");
    if (existing.some((u) => u.user_name === name)) {
      await setPassword(db, name, password, "demo");
    } else {
      await createUser(db, name, role, password);
    }
    users[name] = { role, password };
  }
  writeFileSync(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  return file;
}
