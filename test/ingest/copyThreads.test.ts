import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, describe, expect, it } from "vitest";
import { IngestRefusal } from "../../ingest/IngestRefusal.ts";
import { numberFile, numberRecords } from "../../ingest/numberRecords.ts";
import { transcodeToUtf8 } from "../../ingest/transcodeToUtf8.ts";

// The copy of a large file is made on threads (transcodeToUtf8's decode threads, numberFile's
// numbering thread). BAROMETER_COPY_THREADS=1 puts any file there; these files are over 4 MB
// so the decode threads get several pieces each, cut at line ends.
const dir = mkdtempSync(join(tmpdir(), "barometer-copy-threads-"));
const LINES = 120_000;
const line = (i: number) =>
  `${i},T${i % 50},"村,${i}"\u00b7${"中文字符".repeat(1 + (i % 7))},"两行\n的值 ${i}",ok`;
const TEXT = `id,town,name,note,x\n${Array.from({ length: LINES }, (_, i) => line(i + 1)).join("\r\n")}\n`;

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function withThreads<T>(setting: "0" | "1", run: () => Promise<T>): Promise<T> {
  process.env.BAROMETER_COPY_THREADS = setting;
  try {
    return await run();
  } finally {
    delete process.env.BAROMETER_COPY_THREADS;
  }
}

afterEach(() => {
  delete process.env.BAROMETER_COPY_THREADS;
});

describe("copies made on threads", () => {
  const gbk = join(dir, "big-gbk.csv");
  const bytes = iconv.encode(TEXT, "gbk");
  writeFileSync(gbk, bytes);

  it("decode a multi-piece GBK file to exactly the UTF-8 of the text, and count every byte", async () => {
    expect(bytes.length).toBeGreaterThan(8 << 20);
    let counted = 0;
    const threaded = await withThreads("1", () =>
      collect(transcodeToUtf8(gbk, "gb18030", { onBytes: (n) => (counted += n) })),
    );
    expect(threaded.equals(Buffer.from(TEXT, "utf8"))).toBe(true);
    expect(counted).toBe(bytes.length);
    const here = await withThreads("0", () => collect(transcodeToUtf8(gbk, "gb18030")));
    expect(here.equals(threaded)).toBe(true);
  });

  it("refuse a byte that is not GB18030 in a later piece, naming its line, as the decode here does", async () => {
    const bad = Buffer.from(bytes);
    const at = bad.indexOf(Buffer.from("\r\n100001,"));
    expect(at).toBeGreaterThan(6 << 20);
    bad[at + 3] = 0x81; // a lead byte before 0x7f: not GB18030
    bad[at + 4] = 0x7f;
    const path = join(dir, "bad-gbk.csv");
    writeFileSync(path, bad);
    const refusal = async (setting: "0" | "1") =>
      withThreads(setting, () => collect(transcodeToUtf8(path, "gb18030", { file: "坏.csv" }))).then(
        () => null,
        (e: unknown) => e,
      );
    const threaded = await refusal("1");
    expect(threaded).toBeInstanceOf(IngestRefusal);
    expect((threaded as IngestRefusal).params).toEqual({
      file: "坏.csv",
      line: ((await refusal("0")) as IngestRefusal).params.line,
    });
    // the header, then two lines per record (each has a quoted line break): record 100,001 starts on line 200,002
    expect((threaded as IngestRefusal).params.line).toBe(1 + 100_000 * 2 + 1);
  });

  it("stop when their signal is aborted, and reject", async () => {
    const stop = new AbortController();
    const copy = withThreads("1", () =>
      numberRecords(transcodeToUtf8(gbk, "gb18030", { signal: stop.signal }), join(dir, "stopped.csv"), ",", {
        signal: stop.signal,
      }),
    );
    stop.abort();
    await expect(copy).rejects.toThrow();
  });

  it("number a UTF-8 file on a thread exactly as here; errors keep their code; abort rejects", async () => {
    const utf8 = join(dir, "big-utf8.csv");
    writeFileSync(utf8, TEXT);
    const threaded = join(dir, "n-threaded.csv");
    const here = join(dir, "n-here.csv");
    expect(await withThreads("1", () => numberFile(utf8, threaded, ","))).toBe(LINES + 1);
    expect(await withThreads("0", () => numberFile(utf8, here, ","))).toBe(LINES + 1);
    expect(readFileSync(threaded).equals(readFileSync(here))).toBe(true);
    expect(readFileSync(threaded, "utf8").startsWith("n,id,town,name,note,x\n2,1,T1,")).toBe(true);
    await expect(
      withThreads("1", () => numberFile(join(dir, "missing.csv"), threaded, ",")),
    ).rejects.toMatchObject({
      code: "ENOENT",
    });
    const stop = new AbortController();
    const copy = withThreads("1", () =>
      numberFile(utf8, join(dir, "n-stopped.csv"), ",", { signal: stop.signal }),
    );
    setImmediate(() => stop.abort());
    await expect(copy).rejects.toMatchObject({ name: "AbortError" });
  });
});
