import { existsSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { FiguresRefresher } from "../../server/figuresRefresher.ts";
import { Writer } from "../../server/writer.ts";
import type { Study } from "../../study/index.ts";
import { tinyDatabase } from "../helpers/tinyDatabase.ts";

// Issue 17: the model runs after uploads, in the background, over a real DuckDB file (the tiny
// study). Runs asked for while one is waiting to start are that one run (counted in
// model_runs, each in two steps: direct figures, then the rest); they queue behind the writer's
// other work; the writer's idle() waits for them, both steps.

let db: Database;
let study: Study;

beforeAll(async () => {
  ({ db, study } = await tinyDatabase());
}, 300_000);
afterAll(async () => {
  if (db) await closeDatabase(db);
});

/** Complete runs: one run of every model, or the second of a run in two steps (see runInTwoSteps). */
const runs = async () =>
  (
    await db.query<{ n: number }>(
      "select count(*)::int as n from model_runs where status = 'succeeded' and scope in ('all', 'later')",
    )
  )[0]!.n;
const lastScopes = async (n: number) =>
  (
    await db.query<{ scope: string }>(
      `select scope from (select * from model_runs order by started_at desc limit ${n}) order by started_at`,
    )
  ).map((r) => r.scope);

describe("FiguresRefresher", () => {
  it("runs once for the refreshes asked while a run waits, behind the writer's other work", async () => {
    const writer = new Writer();
    const refresher = new FiguresRefresher(db, writer, () => undefined);
    const before = await runs();
    // an upload still holding the writer
    let release!: () => void;
    const upload = writer.run(() => new Promise<void>((ok) => (release = ok)));
    const first = refresher.refresh(study);
    const second = refresher.refresh(study);
    expect(second).toBe(first);
    expect(refresher.busy(study.id)).toBe(true);
    expect(await runs()).toBe(before);
    release();
    await upload;
    expect(await first).toBe(null);
    expect(await runs()).toBe(before + 1);
    // the models had run before: the direct figures first, the rest in a second transaction
    expect(await lastScopes(2)).toEqual(["direct", "later"]);
    expect(refresher.busy(study.id)).toBe(false);

    // once that run has started, a new refresh is a run of its own
    const third = refresher.refresh(study);
    expect(third).not.toBe(first);
    await writer.idle();
    expect(await third).toBe(null);
    expect(await runs()).toBe(before + 2);
    expect(refresher.busy(study.id)).toBe(false);
  }, 300_000);

  it("checkpoints after the later step, not in the direct step's commit", async () => {
    const writer = new Writer();
    const refresher = new FiguresRefresher(db, writer, () => undefined);
    expect(await refresher.refresh(study)).toBe(null);
    // the threshold is raised for the server's database: the direct step's commit does not checkpoint
    const [setting] = await db.query<{ v: string }>("select current_setting('wal_autocheckpoint') as v");
    expect(setting!.v).toMatch(/^2[45]\d(\.\d+)? MiB$|^256\.0 MiB$/);
    // and the log the run wrote was checkpointed once its later step was done
    const wal = `${db.path}.wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
  }, 300_000);
});
