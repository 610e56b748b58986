import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { closeDatabase, openDatabase, quoteIdent } from "../db/index.ts";
import type { Lang } from "../messages/catalogue.ts";
import { notebookMessage } from "../messages/notebooks.ts";
import {
  listNotebooks,
  loadNotebook,
  NOTEBOOKS_DIR,
  NotebookError,
  renderNotebook,
  snapshotTables,
  standaloneHtml,
} from "../notebooks/engine/index.ts";
import { SqlSandbox, snapshotName, writeSnapshot } from "../server/sandbox/index.ts";
import { CliError } from "./CliError.ts";
import { databasePath } from "./context.ts";
import { log } from "./log.ts";
import { readablePath } from "./readablePath.ts";

interface RenderOpts {
  output: string;
  param: string[];
  suppress: boolean;
  lang: Lang;
  snapshot?: string;
  study?: string;
}

/**
 * `barometer notebook render FILE.md [--param k=v] -o OUT.html`: run a notebook in the SQL
 * sandbox over an analytics snapshot (written from --db into a temp folder, or an existing
 * one given by --snapshot, e.g. a running server's) and write one self-contained HTML file.
 * `--study` picks the study of a notebook written for any study (default: the snapshot's
 * first); a notebook declared for one study refuses another. `barometer notebook list
 * [--study ID]` lists the shipped notebooks and the study each is for.
 */
export function notebookCommand(): Command {
  const render = new Command("render")
    .description("run a notebook and write one self-contained HTML file (opens offline, can be emailed)")
    .argument("<file>", "the notebook (.md)")
    .requiredOption("-o, --output <file>", "the HTML file to write")
    .option(
      "--param <key=value>",
      "a parameter value (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--no-suppress", "show figures the suppression rules withhold (analysts only; never send these)")
    .addOption(new Option("--lang <lang>", "language of the output").choices(["zh", "en"]).default("zh"))
    .option("--snapshot <file>", "an analytics snapshot to read (default: one written from --db)")
    .option("--study <id>", "the study to run it on (default: the notebook's own, else the snapshot's first)")
    .action(async (file: string, opts: RenderOpts, command: Command) => {
      const params: Record<string, string> = {};
      for (const pair of opts.param) {
        const at = pair.indexOf("=");
        if (at < 1) throw new CliError(`--param ${pair}: write key=value`);
        params[pair.slice(0, at)] = pair.slice(at + 1);
      }
      let notebook: ReturnType<typeof loadNotebook>;
      try {
        notebook = loadNotebook(resolve(file));
      } catch (error) {
        throw asCliError(error);
      }
      const dir = mkdtempSync(join(tmpdir(), "barometer-notebook-"));
      const sandbox = new SqlSandbox({ snapshotDir: dir, log: (m) => log(m) });
      try {
        const source = opts.snapshot ? undefined : readablePath(command.optsWithGlobals());
        const snapshot = opts.snapshot
          ? linkSnapshot(resolve(opts.snapshot), dir)
          : source?.snapshot
            ? linkSnapshot(source.path, dir)
            : await snapshotFromDatabase(command.optsWithGlobals(), dir);
        await sandbox.start();
        const rendered = await renderNotebook(notebook, {
          sandbox,
          params,
          suppress: opts.suppress,
          lang: opts.lang,
          ...(opts.study ? { study: opts.study } : {}),
        });
        const out = resolve(opts.output);
        writeFileSync(
          out,
          standaloneHtml(rendered, opts.lang, { renderedAt: new Date().toISOString(), snapshot }),
        );
        const charts = rendered.sections.filter((s) => s.kind === "chart").length;
        log(`wrote ${out} (${charts} charts${opts.suppress ? "" : ", NOT suppressed"})`);
      } catch (error) {
        throw asCliError(error);
      } finally {
        await sandbox.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  const list = new Command("list")
    .description("list the shipped notebooks (name, the study each is for, title) to stdout")
    .option("--study <id>", "only those that run on this study")
    .addOption(new Option("--lang <lang>", "language of the titles").choices(["zh", "en"]).default("zh"))
    .action((opts: { study?: string; lang: Lang }) => {
      const elsewhere: string[] = [];
      for (const name of listNotebooks(NOTEBOOKS_DIR)) {
        const notebook = loadNotebook(join(NOTEBOOKS_DIR, `${name}.md`));
        if (opts.study && notebook.study && notebook.study !== opts.study) {
          elsewhere.push(`${name} (${notebook.study})`);
          continue;
        }
        const study = notebook.study ?? notebookMessage("notebook.any_study", opts.lang);
        process.stdout.write(`${name}\t${study}\t${notebook.title[opts.lang]}\n`);
      }
      if (elsewhere.length)
        log(
          notebookMessage("notebook.other_studies", opts.lang, {
            count: elsewhere.length,
            names: elsewhere.join(", "),
          }),
        );
    });
  return new Command("notebook")
    .description("analyst notebooks: Markdown with SQL, charts and estimates")
    .addCommand(render)
    .addCommand(list);
}

function asCliError(error: unknown): unknown {
  if (error instanceof NotebookError) return new CliError(error.message, { cause: error });
  return error;
}

/** The sandbox opens the newest `analytics-*.duckdb` of its folder: give it the file under that name. */
function linkSnapshot(path: string, dir: string): string {
  // a copy, not a link: the sandbox allows its own file only, and a link resolves elsewhere
  copyFileSync(path, join(dir, snapshotName(1)));
  return basename(path);
}

/**
 * Write a snapshot from the database file without opening it for writing (a read-only
 * instance cannot create the snapshot file): an in-memory database attaches it read-only and
 * copies the notebook relations through views of the same names.
 */
async function snapshotFromDatabase(options: { db?: string }, dir: string): Promise<string> {
  const path = databasePath(options);
  if (!existsSync(path))
    throw new CliError(`no database at ${path} (run \`barometer demo\` first, or pass --db)`);
  const memory = await openDatabase(":memory:", { migrate: false });
  try {
    try {
      await memory.run(`attach '${path.replaceAll("'", "''")}' as source (read_only)`);
    } catch (error) {
      throw new CliError(
        `cannot read ${path}: ${(error as Error).message}. If \`barometer serve\` holds it, pass its snapshot with --snapshot`,
      );
    }
    const tables = await snapshotTables(memory, "source");
    if (tables.length === 0)
      throw new CliError(`${path} has no marts yet: run the models first (barometer run)`);
    for (const table of tables) {
      await memory.run(`create view ${quoteIdent(table)} as select * from source.main.${quoteIdent(table)}`);
    }
    const written = await writeSnapshot(memory, { dir, tables });
    return `${basename(path)} (${basename(written.path)})`;
  } finally {
    await closeDatabase(memory);
  }
}
