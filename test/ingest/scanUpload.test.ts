import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestProgress } from "../../ingest/IngestOptions.ts";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { ingestFile } from "../../ingest/index.ts";
import { type Bench, HEADER, openBench, withScan } from "./stageBench.ts";

// The scan stage: one read of the bytes for the hash, the encoding and the outright
// refusals, a copy with record numbers made meanwhile, and the loaded upload with the same
// bytes. Expected hashes come from node:crypto over the bytes written.

let bench: Bench;
beforeEach(async () => {
  bench = await openBench();
});
afterEach(async () => {
  await bench.close();
});

const ROWS = ["r1,T1,V1,1,30,1,2,,张三", "r2,T2,V3,2,40,1,,,"];
const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("scanUpload", () => {
  it("hashes a UTF-8 CSV, finds it UTF-8, keeps the copy made meanwhile, and reports the bytes read", async () => {
    const text = [HEADER, ...ROWS].join("\n");
    const seen: IngestProgress[] = [];
    const scan = await withScan(
      bench,
      bench.options(bench.file("u.csv", text)),
      async (s) => {
        const copy = await s.copy;
        await copy?.numbered;
        return { ...s, copy: copy ? "made" : null };
      },
      (p) => seen.push({ ...p }),
    );
    const size = Buffer.byteLength(text);
    expect(scan).toEqual({
      format: "csv",
      size,
      sha256: sha256(text),
      encoding: "utf-8",
      copy: "made",
      loadedAs: null,
    });
    expect(seen.every((p) => p.phase === "scan" && p.total === size)).toBe(true);
    expect(seen.at(-1)?.done).toBe(size);
  });

  it("finds a GBK file GB18030 and replaces the UTF-8 copy by a transcoded one; a declared GBK file keeps its copy", async () => {
    const bytes = iconv.encode([HEADER, ...ROWS].join("\n"), "gbk");
    const path = bench.file("g.csv", bytes);
    const found = await withScan(bench, bench.options(path), async (s) => ({
      ...s,
      copy: s.copy && (await s.copy.then(async (r) => (await r.numbered, r.params.source_path))),
    }));
    expect(found).toMatchObject({ encoding: "gb18030", sha256: sha256(bytes) });
    expect(found.copy).toMatch(/numbered-utf8\.csv$/);
    const declared = await withScan(
      bench,
      bench.options(path, { encoding: "gbk" }),
      async (s) => s.copy !== null,
    );
    expect(declared).toBe(true);
  });

  it("only hashes an Excel or Parquet file", async () => {
    const bytes = Buffer.from("PK\u0003\u0004 not really a workbook");
    const path = bench.file("w.xlsx", bytes);
    const scan = await withScan(bench, bench.options(path), async (s) => s);
    expect(scan).toMatchObject({ format: "xlsx", encoding: null, copy: null, sha256: sha256(bytes) });
  });

  it("names the loaded upload of the wave with the same bytes", async () => {
    const path = bench.file("a.csv", [HEADER, ...ROWS].join("\n"));
    const loaded = await ingestFile(bench.db, bench.options(path));
    expect(loaded.status).toBe("loaded");
    const scan = await withScan(bench, bench.options(path), async (s) => s);
    expect(scan.loadedAs).toBe(loaded.upload_id);
  });

  it("refuses a file with a NUL byte, naming the file and the line", async () => {
    const path = bench.file("nul.csv", `${HEADER}\nr1,T1,V1,1,30,1,2,,\u0000\n`);
    const error = await withScan(bench, bench.options(path), async () => null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestRefusal);
    expect((error as IngestRefusal).code).toBe("refuse.nul_byte");
    expect((error as IngestRefusal).params).toMatchObject({ file: "nul.csv", line: 2 });
  });

  it("hashes the bytes only: the same file under another name, with another key, hashes the same", async () => {
    const text = [HEADER, ...ROWS].join("\n");
    const one = await withScan(bench, bench.options(bench.file("one.csv", text)), async (s) => s.sha256);
    const other = { hmacKey: Buffer.from("another-key") };
    const two = await withScan(
      bench,
      bench.options(bench.file("two.csv", text), other),
      async (s) => s.sha256,
    );
    expect(one).toBe(two);
  });
});
