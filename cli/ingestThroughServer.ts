import { existsSync, openAsBlob } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ServerLock } from "../db/serverLock.ts";
import { formatIngestReport, type IngestResult } from "../ingest/index.ts";
import { CliError } from "./CliError.ts";
import { log } from "./log.ts";
import { serverToken } from "./serverClient.ts";

export interface ServerIngestOptions {
  study: string;
  wave: string;
  encoding?: string;
  sheet?: string;
  strict?: boolean;
  replace?: string;
  /** Wait until the figures hold the upload (the server's model run after it). */
  wait: boolean;
  json?: boolean;
}

type Answer = IngestResult & {
  figures: "updating" | "direct_updated" | "updated" | "failed" | "unchanged";
  figures_url: string | null;
  model_run_error: string | null;
  error?: { message: string };
};

/**
 * `barometer ingest` while `barometer serve` holds the database: the file goes to the server's
 * upload API (the same ingest), the report is printed as soon as the server has committed the
 * upload, then, unless told not to, the command waits for the model run that follows, saying
 * on stderr that the figures are updating and how long it has been.
 */
export async function ingestThroughServer(
  server: ServerLock,
  databasePath: string,
  file: string,
  opts: ServerIngestOptions,
): Promise<void> {
  const headers = { authorization: `Bearer ${serverToken(server, databasePath)}` };
  // a study folder is named to the server by its id
  let study = opts.study;
  if (existsSync(join(resolve(study), "study.yaml"))) {
    const { loadStudy } = await import("../study/index.ts");
    study = (await loadStudy(resolve(study))).id;
  }
  const form = new FormData();
  form.set("study", study);
  form.set("wave", opts.wave);
  if (opts.encoding) form.set("encoding", opts.encoding);
  if (opts.sheet) form.set("sheet", opts.sheet);
  if (opts.strict) form.set("strict", "true");
  if (opts.replace) form.set("replace", opts.replace);
  if (!existsSync(file)) throw new CliError(`no file ${file}`);
  form.set("file", await openAsBlob(file), basename(file));
  log(`barometer serve (pid ${server.pid}) holds the database: sending ${basename(file)} to ${server.url}`);
  let res: Response;
  try {
    res = await fetch(`${server.url}/api/v1/uploads`, { method: "POST", headers, body: form });
  } catch (error) {
    throw new CliError(`cannot reach barometer serve at ${server.url}: ${(error as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as Answer;
  if (!res.ok && res.status !== 422)
    throw new CliError(`the server refused: ${answer.error?.message ?? `HTTP ${res.status}`}`);
  if (!opts.json) process.stdout.write(`${formatIngestReport(answer)}\n`);
  let { figures, model_run_error: runError } = answer;
  if (figures === "updating" && !opts.wait)
    log(`the server is updating the figures; GET ${server.url}${answer.figures_url} says when they are done`);
  if (figures === "updating" && opts.wait && answer.figures_url) {
    const started = Date.now();
    let said = 0;
    const since = () => ((Date.now() - started) / 1000).toFixed(1);
    log("the figures are updating (the server runs the models)…");
    while (figures === "updating" || figures === "direct_updated") {
      await new Promise((r) => setTimeout(r, 250));
      const state = (await (await fetch(`${server.url}${answer.figures_url}`, { headers })).json()) as Answer;
      const before = figures;
      ({ figures, model_run_error: runError } = state);
      if (figures === "direct_updated" && before === "updating")
        log(
          `direct figures updated (${since()} s); model-based figures, rank intervals and open-answer themes follow…`,
        );
      const seconds = Math.floor((Date.now() - started) / 1000);
      if ((figures === "updating" || figures === "direct_updated") && seconds >= said + 5) {
        said = seconds;
        log(`  still updating the figures (${seconds} s)`);
      }
    }
    if (figures === "updated") log(`figures updated (${since()} s)`);
  }
  if (opts.json) {
    const { upload_id, status, rows, accepted, rejected, encoding, format, errors, refusal, warnings } =
      answer;
    process.stdout.write(
      `${JSON.stringify({ upload_id, status, rows, accepted, rejected, encoding, format, errors, refusal, warnings, figures, model_run_error: runError })}\n`,
    );
  }
  if (figures === "failed")
    log(
      `The upload is loaded, but rerunning the models failed; the marts keep their last good state: ${runError}`,
    );
  if (answer.status === "refused")
    throw new CliError(`refused: ${answer.refusal?.en ?? "see report"}`, { exitCode: 2 });
}
