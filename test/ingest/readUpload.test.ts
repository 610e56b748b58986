import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestProgress } from "../../ingest/IngestOptions.ts";
import { readUpload } from "../../ingest/readUpload.ts";
import { usedParams } from "../../ingest/usedParams.ts";
import { type Bench, HEADER, openBench, withScan } from "./stageBench.ts";

// The read stage: how DuckDB reads the file's cells, each with its record's number (header
// = row 1, as a spreadsheet shows it). Expected cells are the ones written.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const ROWS = ["r1,T1,V1,1,30,1,2,,张三", "r2,T2,V3,2,40,1,,,李四"];

/** Read a file through scan and read; the cells of the rid and name columns, and the phases reported. */
async function readBack(path: string, extra = {}) {
  const phases: IngestProgress["phase"][] = [];
  const report = (p: IngestProgress) => {
    if (phases.at(-1) !== p.phase) phases.push(p.phase);
  };
  return withScan(
    bench,
    bench.options(path, extra),
    (scan, work) =>
      bench.db.withSession(async (session) => {
        const read = await readUpload(session, scan, { path, file: "f.csv", work }, report);
        await read.numbered;
        const sql = `select source_row, c0001 as rid, c0009 as name from ${read.source} order by source_row`;
        const rows = await session.query(sql, usedParams(read.params, sql));
        return { rows, phases, delimiter: read.delimiter, header: read.header };
      }),
    report,
  );
}

describe("readUpload", () => {
  it("reads a UTF-8 CSV from the scan's copy, each row with its record number", async () => {
    const got = await readBack(bench.file("u.csv", [HEADER, ...ROWS].join("\n")));
    expect(got.header).toEqual(HEADER.split(","));
    expect(got.delimiter).toBe(",");
    expect(got.rows).toEqual([
      { source_row: 2, rid: "r1", name: "张三" },
      { source_row: 3, rid: "r2", name: "李四" },
    ]);
    expect(got.phases).toEqual(["scan", "read"]);
  });

  it("transcodes a file the scan found to be GB18030, reporting it, into UTF-8 cells", async () => {
    const got = await readBack(bench.file("g.csv", iconv.encode([HEADER, ...ROWS].join("\r\n"), "gbk")));
    expect(got.rows).toEqual([
      { source_row: 2, rid: "r1", name: "张三" },
      { source_row: 3, rid: "r2", name: "李四" },
    ]);
    expect(got.phases).toEqual(["scan", "transcode", "read"]);
  });

  it("reads a semicolon-separated file with its own delimiter", async () => {
    const text = [HEADER.replaceAll(",", ";"), ...ROWS.map((r) => r.replaceAll(",", ";"))].join("\n");
    const got = await readBack(bench.file("s.csv", text));
    expect(got.delimiter).toBe(";");
    expect(got.rows.map((r) => r.name)).toEqual(["张三", "李四"]);
  });
});
