import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import iconv from "iconv-lite";

export const DEMO_STUDY = resolve(import.meta.dirname, "../../examples/mass-org-evaluation");
const SOURCE = resolve(DEMO_STUDY, "responses/wave-2024.csv");

/**
 * A survey file for the demo study with `rows` rows and 40 columns: the 38 codebook columns
 * of the demo's 2024 wave, its rows cycled with fresh respondent ids, plus two platform
 * columns (submission time, source IP) that ingest reports and ignores. Every 1000th row has
 * an unknown sex code, so the quarantine path is measured too. Deterministic: the same
 * arguments write the same bytes. `gbk` writes it GBK-encoded, as Excel on a Chinese Windows.
 */
export function writeSurveyCsv(path: string, rows: number, encoding: "utf-8" | "gbk" = "utf-8"): void {
  const [header, ...data] = readFileSync(SOURCE, "utf8").trim().split("\n") as [string, ...string[]];
  const cells = data.map((line) => line.split(","));
  const fd = openSync(path, "w");
  const write = (text: string) => {
    writeSync(fd, encoding === "gbk" ? iconv.encode(text, "gbk") : Buffer.from(text, "utf8"));
  };
  write(`${header},submitted_at,source_ip\n`);
  let batch: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row = [...cells[i % cells.length]!];
    // the codebook's id pattern is NNNN-NNNNN: a block number, then the row within the block
    row[0] = `${2000 + Math.floor(i / 100_000)}-${String(i % 100_000).padStart(5, "0")}`;
    row[1] = "2024-05-15";
    if ((i + 1) % 1000 === 0) row[5] = "7";
    const minute = i % 1440;
    row.push(
      `2024-05-15 ${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`,
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    batch.push(row.join(","));
    if (batch.length === 20_000) {
      write(`${batch.join("\n")}\n`);
      batch = [];
    }
  }
  if (batch.length) write(`${batch.join("\n")}\n`);
  closeSync(fd);
}
