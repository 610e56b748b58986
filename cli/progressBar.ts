import cliProgress from "cli-progress";
import type { IngestProgress } from "../ingest/index.ts";

// Where each phase sits on the bar (percent at its start); scan and transcode advance with
// the bytes read, the DuckDB phases are single steps.
const START: Record<IngestProgress["phase"], number> = {
  scan: 0,
  transcode: 15,
  read: 30,
  validate: 55,
  land: 75,
};
const END: Record<IngestProgress["phase"], number> = {
  scan: 15,
  transcode: 30,
  read: 55,
  validate: 75,
  land: 98,
};

/**
 * A progress bar on stderr for an ingest, shown only once the work has taken more than a
 * second (small files stay quiet) and only on a terminal. `stop()` clears it.
 */
export function ingestProgressBar(stream: NodeJS.WriteStream = process.stderr): {
  onProgress: (p: IngestProgress) => void;
  stop: () => void;
} {
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    onProgress(p) {
      if (!stream.isTTY) return;
      if (!bar && Date.now() - started < 1000) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: "{bar} {percentage}% | {phase}", hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(100, 0, { phase: p.phase });
      }
      const share = p.total > 0 ? Math.min(p.done / p.total, 1) : 0;
      bar.update(Math.round(START[p.phase] + share * (END[p.phase] - START[p.phase])), { phase: p.phase });
    },
    stop() {
      bar?.stop();
    },
  };
}
