import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import iconv from "iconv-lite";
import JSZip from "jszip";
import type { Database } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";

// The personal-data scan: every text column of every table through SQL (DuckDB compresses
// strings on disk, so a byte search of its files proves nothing), and every other file as
// bytes, decompressed (gz, zip/xlsx; Parquet through SQL), for each value in UTF-8, GBK and
// UTF-16 (LE and BE). Many values at once: Aho-Corasick over bytes.

/** Many byte patterns, found in one pass over a buffer. */
class Patterns {
  readonly #next: Map<number, number>[] = [new Map()];
  readonly #fail: number[] = [0];
  readonly #out: number[][] = [[]];

  constructor(patterns: { bytes: Buffer; id: number }[]) {
    for (const { bytes, id } of patterns) {
      let node = 0;
      for (const b of bytes) {
        let to = this.#next[node]!.get(b);
        if (to === undefined) {
          to = this.#next.length;
          this.#next.push(new Map());
          this.#fail.push(0);
          this.#out.push([]);
          this.#next[node]!.set(b, to);
        }
        node = to;
      }
      this.#out[node]!.push(id);
    }
    const queue = [...this.#next[0]!.values()];
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]!;
      for (const [b, to] of this.#next[node]!) {
        let f = this.#fail[node]!;
        while (f !== 0 && !this.#next[f]!.has(b)) f = this.#fail[f]!;
        const target = this.#next[f]!.get(b);
        this.#fail[to] = target !== undefined && target !== to ? target : 0;
        this.#out[to]!.push(...this.#out[this.#fail[to]!]!);
        queue.push(to);
      }
    }
  }

  /** Ids of the patterns that occur in `bytes`. */
  find(bytes: Buffer): Set<number> {
    const found = new Set<number>();
    let node = 0;
    for (const b of bytes) {
      while (node !== 0 && !this.#next[node]!.has(b)) node = this.#fail[node]!;
      node = this.#next[node]!.get(b) ?? 0;
      for (const id of this.#out[node]!) found.add(id);
    }
    return found;
  }
}

export interface Hit {
  value: string;
  where: string;
}

/** Search for `values` (clear personal values) in a database and a folder of files. */
export class PersonalScan {
  readonly #values: string[];
  readonly #text: Patterns;
  readonly #bytes: Patterns;

  /**
   * `exempt(table, column)`: columns the scan leaves out on purpose. The one exemption the
   * product allows is the raw table's open-answer columns: staging onward holds them masked.
   */
  readonly #exempt: (table: string, column: string) => boolean;

  constructor(values: Iterable<string>, exempt: (table: string, column: string) => boolean = () => false) {
    this.#exempt = exempt;
    this.#values = [...new Set(values)].filter((v) => v.trim() !== "");
    this.#text = new Patterns(this.#values.map((v, id) => ({ bytes: Buffer.from(v, "utf8"), id })));
    const encoded = new Map<string, { bytes: Buffer; id: number }>();
    this.#values.forEach((v, id) => {
      for (const bytes of [
        Buffer.from(v, "utf8"),
        iconv.encode(v, "gbk"),
        Buffer.from(v, "utf16le"),
        Buffer.from(v, "utf16le").swap16(),
      ])
        encoded.set(bytes.toString("hex"), { bytes, id });
    });
    this.#bytes = new Patterns([...encoded.values()]);
  }

  get size(): number {
    return this.#values.length;
  }

  /** Every text, JSON, list, struct or map column of every table of `catalog` (the main database by default). */
  async scanDatabase(db: Database, catalog?: string): Promise<Hit[]> {
    const columns = await db.query<{ db: string; s: string; t: string; c: string }>(
      `select c.database_name as db, c.schema_name as s, c.table_name as t, c.column_name as c
       from duckdb_columns() c
       join duckdb_tables() t using (database_name, schema_name, table_name)
       where c.database_name = coalesce($catalog, current_database()) and not t.temporary
         and (c.data_type like '%VARCHAR%' or c.data_type like '%JSON%' or c.data_type like '%[]%'
              or c.data_type like 'STRUCT%' or c.data_type like 'MAP%' or c.data_type like 'UNION%')
       order by all`,
      { catalog: catalog ?? null },
    );
    const hits: Hit[] = [];
    for (const col of columns) {
      if (this.#exempt(col.t, col.c)) continue;
      const table = [col.db, col.s, col.t].map(quoteIdent).join(".");
      const rows = await db.query<{ v: string }>(
        `select distinct ${quoteIdent(col.c)}::varchar as v from ${table} where ${quoteIdent(col.c)} is not null`,
      );
      for (const { v } of rows)
        for (const id of this.#text.find(Buffer.from(v, "utf8")))
          hits.push({ value: this.#values[id]!, where: `${col.db}.${col.s}.${col.t}.${col.c}` });
    }
    return hits;
  }

  /**
   * Every file under `dir`: DuckDB files attached read-only and scanned through SQL, Parquet
   * read through SQL, gz and zip (xlsx) decompressed, the rest searched as bytes.
   */
  async scanFiles(db: Database, dir: string, skip: (path: string) => boolean = () => false): Promise<Hit[]> {
    const hits: Hit[] = [];
    let attached = 0;
    const walk = async (path: string): Promise<void> => {
      if (skip(path)) return;
      if (statSync(path).isDirectory()) {
        for (const name of readdirSync(path).sort()) await walk(join(path, name));
        return;
      }
      const bytes = readFileSync(path);
      if (bytes.subarray(8, 12).toString("latin1") === "DUCK") {
        const alias = `scan_${++attached}`;
        await db.run(`attach '${path.replaceAll("'", "''")}' as ${alias} (read_only)`);
        try {
          for (const h of await this.scanDatabase(db, alias))
            hits.push({ ...h, where: `${path}: ${h.where}` });
        } finally {
          await db.run(`detach ${alias}`);
        }
      } else if (bytes.subarray(0, 4).toString("latin1") === "PAR1") {
        const rows = await db.query<Record<string, unknown>>("select distinct * from read_parquet($p)", {
          p: path,
        });
        for (const row of rows)
          for (const v of Object.values(row))
            if (v !== null)
              for (const id of this.#text.find(Buffer.from(String(v)))) hits.push(this.#hit(id, path));
      } else {
        for (const [where, content] of await decompressed(path, bytes))
          for (const id of this.#bytes.find(content)) hits.push(this.#hit(id, where));
      }
    };
    await walk(dir);
    return hits;
  }

  #hit(id: number, where: string): Hit {
    return { value: this.#values[id]!, where };
  }
}

/**
 * What the file holds: gz decompressed; zip and xlsx entry by entry; else its bytes.
 * Compressed bytes themselves are not searched: a short value (a two-character name is four
 * bytes in GBK) occurs in random bytes by chance.
 */
async function decompressed(path: string, bytes: Buffer): Promise<[string, Buffer][]> {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return [[`${path} (gunzip)`, gunzipSync(bytes)]];
  if (bytes.subarray(0, 4).toString("latin1") === "PK\u0003\u0004") {
    const zip = await JSZip.loadAsync(bytes);
    const out: [string, Buffer][] = [];
    for (const entry of Object.values(zip.files))
      if (!entry.dir) out.push([`${path}!${entry.name}`, await entry.async("nodebuffer")]);
    return out;
  }
  return [[path, bytes]];
}
