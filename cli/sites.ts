import { Command } from "commander";
import { buildSiteMarts } from "../models/sites/buildSiteMarts.ts";
import { createSiteRelease } from "../models/sites/releaseSites.ts";
import { loadSiteStudy } from "../study/sites/index.ts";
import { openForWrite } from "./context.ts";
import { log } from "./log.ts";

/**
 * `barometer sites`: the demonstration sites' half-yearly assessment (a study of
 * `kind: demonstration_sites`): build its tables from a study folder, and freeze a half-year's
 * scores as a release.
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
