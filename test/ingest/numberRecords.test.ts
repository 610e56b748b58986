import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { numberRecords } from "../../ingest/numberRecords.ts";

const dir = mkdtempSync(join(tmpdir(), "barometer-number-"));

async function numbered(text: string | Buffer, delimiter = ",", chunkBytes?: number) {
  const source = join(dir, "in.csv");
  const target = join(dir, "out.csv");
  writeFileSync(source, text);
  const last = await numberRecords(source, target, delimiter, { chunkBytes });
  return { last, text: readFileSync(target, "utf8") };
}

// quoted line breaks, escaped quotes, a quote inside an unquoted value, a quoted value that
// ends a line, a blank line (LF and CRLF), a line of spaces, a value that is only quotes
const TRICKY = 'id,a,b\n1,"x\n""y"",\nz",3\n\n2,a"b,"6"\r\n\r\n  \n3,"",""""\n4,"multi\r\nline"\n5,é,中文\n';
const EXPECTED =
  'n,id,a,b\n2,1,"x\n""y"",\nz",3\n\n4,2,a"b,"6"\r\n\r\n6,  \n7,3,"",""""\n8,4,"multi\r\nline"\n9,5,é,中文\n';

describe("numberRecords", () => {
  it("numbers records as DuckDB splits them; blank lines counted, not numbered; lines kept", async () => {
    const out = await numbered(TRICKY);
    expect(out.text).toBe(EXPECTED);
    expect(out.last).toBe(9);
    expect(out.text.split("\n").length).toBe(TRICKY.split("\n").length);
  });

  it("gives the same copy wherever the chunks of the read end", async () => {
    for (let chunk = 1; chunk <= 24; chunk++) {
      expect((await numbered(TRICKY, ",", chunk)).text, `chunks of ${chunk} bytes`).toBe(EXPECTED);
    }
  });

  it("drops a BOM, numbers a last record without a line break, and uses the delimiter given", async () => {
    const out = await numbered(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a;b\r\n1;2")]),
      ";",
    );
    expect(out.text).toBe("n;a;b\r\n2;1;2");
    expect(out.last).toBe(2);
  });

  it("stops when its signal is aborted, and rejects", async () => {
    const source = join(dir, "big.csv");
    writeFileSync(source, `a,b\n${"1,2\n".repeat(200_000)}`);
    const stop = new AbortController();
    const copy = numberRecords(source, join(dir, "big.out.csv"), ",", {
      signal: stop.signal,
      chunkBytes: 1024,
    });
    stop.abort();
    await expect(copy).rejects.toThrow(/abort/i);
  });

  it("a quote that opens a value never closed swallows the rest (DuckDB then refuses the line)", async () => {
    const out = await numbered('a,b\n1,"open\n2,3\n');
    expect(out.text).toBe('n,a,b\n2,1,"open\n2,3\n');
  });
});
