import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { ingestFile, rawTableName, registerStudy } from "../../ingest/index.ts";
import { loadStudy, type Study } from "../../study/index.ts";
import { CODEBOOK, writeStudy } from "../helpers/tinyStudy.ts";

// Property tests (fast-check, fixed seed, bounded runs) of ingestFile on the tiny study of
// test/helpers/tinyStudy.ts. Which rows are valid is decided here, independently of the
// ingest's SQL, from the codebook's rules as written in CODEBOOK: required answers, the choice
// lists, age an integer with `. >= 16 and . <= 100`, league required when `${age} <= 35`, the
// frame's town/village pairs, and a respondent id present and unique in the file.

const KEY = Buffer.from("property-test-key");
const HEADER = "rid,town,village,sex,age,aw_union,league,phone,name";
const FRAME: Record<string, string> = { V1: "T1", V2: "T1", V3: "T2" };
const YNDK = ["1", "2", "9"];
const SEED = 20260808;

let dir: string;
let db: Database;
let study: Study;
let files = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "barometer-properties-"));
  study = await loadStudy(writeStudy());
  db = await openDatabase(join(dir, "properties.duckdb"));
  await registerStudy(db, study);
  // the rules below are those of this codebook; fail loudly if the helper's codebook changes
  expect(CODEBOOK).toContain('constraint: ". >= 16 and . <= 100"');
  expect(CODEBOOK).toMatch(/relevant: "\$\{age\} <= 35"/);
});
afterAll(async () => {
  if (db) await closeDatabase(db);
});

function file(content: string | Uint8Array): string {
  const path = join(dir, `f${++files}.csv`);
  writeFileSync(path, content);
  return path;
}

const ingest = (path: string) => ingestFile(db, { study, waveId: "2024", path, user: "prop", hmacKey: KEY });

/** The database agrees with itself: every loaded upload's counts match its rows and quarantine. */
async function expectConsistent(): Promise<{ uploads: number; raw: number }> {
  const raw = rawTableName(study.id);
  const bad = await db.query(
    `select u.upload_id, u.n_rows_read, u.n_accepted, u.n_rejected,
       (select count(*) from ${raw} r where r.upload_id = u.upload_id) as landed,
       (select count(*) from quarantine_rows q where q.upload_id = u.upload_id) as quarantined
     from uploads u
     where u.n_rows_read <> u.n_accepted + u.n_rejected
        or u.n_accepted <> (select count(*) from ${raw} r where r.upload_id = u.upload_id)
        or u.n_rejected <> (select count(*) from quarantine_rows q where q.upload_id = u.upload_id)`,
  );
  expect(bad).toEqual([]);
  const orphans = await db.query(
    `select upload_id from ${raw} where upload_id not in (select upload_id from uploads)
     union all select upload_id from quarantine_rows where upload_id not in (select upload_id from uploads)
       -- a refused upload keeps its masked rejects for 7 days, recorded in refused_uploads
       and upload_id not in (select upload_id from refused_uploads)`,
  );
  expect(orphans).toEqual([]);
  const [counts] = await db.query<{ uploads: number; raw: number }>(
    `select (select count(*) from uploads)::int as uploads, (select count(*) from ${raw})::int as raw`,
  );
  return counts!;
}

describe("ingestFile on random bytes", () => {
  const header = new TextEncoder().encode(`${HEADER}\n`);
  const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04]);
  const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
  const bytes = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2000 }),
    // past the header, so the CSV reader and the checks see the garbage
    fc.uint8Array({ maxLength: 2000 }).map((b) => concat(header, b)),
    // looks like an XLSX (a zip) at first glance
    fc.uint8Array({ maxLength: 2000 }).map((b) => concat(zip, b)),
    fc.string({ unit: "binary", maxLength: 500 }).map((s) => new TextEncoder().encode(`${HEADER}\n${s}`)),
  );

  it("returns loaded or refused (never throws) and leaves the database consistent", async () => {
    const loadedBefore = new Set<string>();
    await fc.assert(
      fc.asyncProperty(bytes, async (content) => {
        const before = await expectConsistent();
        const result = await ingest(file(content));
        const key = Buffer.from(content).toString("base64");
        // the same bytes twice are recognised, not loaded again
        if (loadedBefore.has(key)) expect(result.status).toBe("duplicate");
        else expect(["loaded", "refused"]).toContain(result.status);
        const after = await expectConsistent();
        if (result.status === "loaded") {
          loadedBefore.add(key);
          expect(result.accepted + result.rejected).toBe(result.rows);
          expect(after).toEqual({ uploads: before.uploads + 1, raw: before.raw + result.accepted });
        } else {
          expect(result.status === "refused" ? result.refusal?.en : result.upload_id).toBeTruthy();
          expect(after).toEqual(before);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

interface Row {
  rid: string;
  town: string;
  village: string;
  sex: string;
  age: string;
  aw_union: string;
  league: string;
  phone: string;
  name: string;
}

/** The codebook's rules, in plain TypeScript (no row-uniqueness: see validRows). */
function cellsValid(r: Row): boolean {
  if (!/^(1[6-9]|[2-9][0-9]|100)$/.test(r.age)) return false; // integer, 16..100
  const age = Number(r.age);
  return (
    ["T1", "T2"].includes(r.town) &&
    FRAME[r.village] === r.town &&
    ["1", "2"].includes(r.sex) &&
    YNDK.includes(r.aw_union) && // required: relevant when age >= 16, always true here
    (YNDK.includes(r.league) || (r.league === "" && age > 35))
  );
}

/** Respondent ids of the rows that should land: valid cells and an id present once in the file. */
function validRows(rows: Row[]): string[] {
  const times = new Map<string, number>();
  for (const r of rows) times.set(r.rid, (times.get(r.rid) ?? 0) + 1);
  return rows.filter((r) => r.rid !== "" && times.get(r.rid) === 1 && cellsValid(r)).map((r) => r.rid);
}

let batch = 0;
const rowArb = fc.record({
  // a small pool of ids so duplicates in the file are common; "" is a missing id
  rid: fc.oneof({ weight: 8, arbitrary: fc.nat(25).map(String) }, fc.constant("")),
  town: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("T1", "T2") }, fc.constantFrom("T9", "t1", "")),
  village: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("V1", "V2", "V3") }, fc.constantFrom("V9", "")),
  sex: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("1", "2") }, fc.constantFrom("3", "0", "x", "")),
  age: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 16, max: 100 }).map(String) },
    fc.integer({ min: -5, max: 15 }).map(String),
    fc.integer({ min: 101, max: 200 }).map(String),
    fc.constantFrom("", "abc", "30.5", "1e2", "forty"),
  ),
  aw_union: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...YNDK) }, fc.constantFrom("", "4", "yes")),
  league: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...YNDK, "") }, fc.constantFrom("7", "no")),
  phone: fc.stringMatching(/^[0-9]{0,11}$/),
  name: fc.constantFrom("", "张三", "Li Si"),
});

describe("ingestFile on random mixes of valid and invalid rows", () => {
  it("accepts exactly the rows the codebook allows, and accepted + rejected = rows read", async () => {
    const rows = fc.array(rowArb, { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(rows, async (generated) => {
        // ids are prefixed per file so rows of earlier runs never clash with this one's
        const prefix = `b${++batch}_`;
        const lines = generated.map((r) => ({ ...r, rid: r.rid === "" ? "" : `${prefix}${r.rid}` }));
        const columns = HEADER.split(",") as (keyof Row)[];
        // a column the codebook does not know (ignored) makes every file's bytes unique
        const csv = [
          `${HEADER},batch`,
          ...lines.map((r) => [...columns.map((c) => r[c]), prefix].join(",")),
        ].join("\n");
        const result = await ingest(file(`${csv}\n`));
        expect(result.rows).toBe(lines.length);
        expect(result.accepted + result.rejected).toBe(result.rows);
        if (validRows(lines).length === 0) {
          // a file with no valid row is refused as a whole (its rejected rows kept to download)
          expect(result).toMatchObject({ status: "refused", accepted: 0 });
          expect(result.refusal?.code).toBe("refuse.all_rejected");
          return;
        }
        expect(result.status, JSON.stringify(result.refusal)).toBe("loaded");
        const landed = await db.query<{ rid: string }>(
          `select respondent_id as rid from ${rawTableName(study.id)} where upload_id = $1 order by rid`,
          [result.upload_id!],
        );
        // never an invalid row accepted, never a valid one turned away
        expect(landed.map((r) => r.rid).sort()).toEqual(validRows(lines).sort());
        expect(result.accepted).toBe(validRows(lines).length);
        await expectConsistent();
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});
