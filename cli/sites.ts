import { existsSync } from "node:fs";
import { Command } from "commander";
import { IngestRefusal } from "../ingest/IngestRefusal.ts";
import { ingestSiteAssessments } from "../ingest/ingestSiteAssessments.ts";
import { message } from "../messages/catalogue.ts";
import { buildSiteMarts, buildSiteMartsIn } from "../models/sites/buildSiteMarts.ts";
import { createSiteRelease } from "../models/sites/releaseSites.ts";
import { loadSiteStudy } from "../study/sites/index.ts";
import { CliError } from "./CliError.ts";
import { openForWrite, SITES_DEMO_DIR } from "./context.ts";
import { log } from "./log.ts";

/**
 * `barometer sites`: the demonstration sites' half-yearly assessment (a study of
 * `kind: demonstration_sites`): build its tables from a study folder, land uploaded assessment
 * forms (checked against the study's XLSForm), and freeze a half-year's scores as a release.
 */
export function sitesCommand(): Command {
  const sites = new Command("sites").description(
    "demonstration sites (示范点): build the assessment's tables, release a half-year",
  );
  sites
    .command("build")
    .description("load a demonstration-sites study folder and build its scores, statuses and reliability")
    .argument("<folder>", "the study folder (its study.yaml says kind: demonstration_sites)")
    .action(async (folder: string, _opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const study = loadSiteStudy(folder);
      const built = await buildSiteMarts(db, study);
      log(`${study.config.id}: ${built.sites} sites, half-years ${built.periods.join(", ")}`);
    });
  sites
    .command("ingest")
    .description(
      "check a file of assessment forms against the study's XLSForm, land its good rows and rebuild the site scores",
    )
    .argument("<study>", "the study folder, or the demo's study id (demonstration_sites)")
    .argument("<file>", "the forms: CSV (UTF-8 or GBK) or .xlsx, one row per site, half-year and assessor")
    .option("--period <half-year>", "the half-year of this upload (rows of another are rejected)")
    .option("--user <name>", "who uploads (recorded)", process.env.USER ?? "cli")
    .action(async (target: string, file: string, opts, command: Command) => {
      const folder = existsSync(target) ? target : target === "demonstration_sites" ? SITES_DEMO_DIR : null;
      if (!folder) throw new CliError(`${target}: neither a study folder nor the demo's study id`);
      if (opts.period && !/^\d{4}H[12]$/.test(opts.period))
        throw new CliError(`--period ${opts.period}: must be a half-year such as 2018H1`);
      const db = await openForWrite(command.optsWithGlobals());
      const study = loadSiteStudy(folder);
      try {
        const result = await ingestSiteAssessments(db, study, file, {
          period: opts.period,
          user: opts.user,
          onLanded: (session) => buildSiteMartsIn(session, study),
        });
        for (const r of result.rejects) log(`${result.file}: ${r.zh} | ${r.en}`);
        const params = {
          file: result.file,
          landed: result.n_landed,
          replaced: result.n_replaced,
          rejected: result.n_rejected,
          periods: result.periods.join(", "),
        };
        log(
          `${message("sites.upload.landed", "zh", params)}\n${message("sites.upload.landed", "en", params)}`,
        );
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } catch (error) {
        if (error instanceof IngestRefusal)
          throw new CliError(`refused: ${error.texts.zh}\n${error.texts.en}`, { exitCode: 2 });
        throw error;
      }
    });
  sites
    .command("release")
    .description("freeze a half-year's site scores as an immutable release")
    .requiredOption("--period <half-year>", "the half-year, e.g. 2020H2")
    .option("--study <id>", "the site study id", "demonstration_sites")
    .option("--user <name>", "who releases (recorded)", process.env.USER ?? "cli")
    .action(async (opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const record = await createSiteRelease(db, opts.study, opts.period, opts.user);
      log(`released ${record.release_id}: ${record.n_rows} sites, sha256 ${record.sha256}`);
      process.stdout.write(`${JSON.stringify(record)}\n`);
    });
  return sites;
}
