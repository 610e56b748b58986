import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { bundleEditor, editorBundle } from "../../server/editor/bundleEditor.ts";
import { createApp } from "../../server/index.ts";

// Issue 17: the SQL console's editor (CodeMirror 6) is served by the app as one browser module:
// browsers cannot resolve bare imports such as "@codemirror/view", so the bundle must hold none.

let db: Database;
beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-editor-")), "a.duckdb"));
});
afterAll(async () => {
  if (db) await closeDatabase(db);
});

describe("the SQL editor bundle", () => {
  it("is one ES module exporting createSqlEditor, with CodeMirror inside and no bare import", async () => {
    const text = await bundleEditor();
    expect(text).toMatch(/export\s*\{[^}]*\bas createSqlEditor\b/);
    expect(text).toContain("cm-tooltip-autocomplete");
    const bare = /\bimport\s*(?:\(\s*|[\w$*{}\s,]+\bfrom\s*)?["'](?![./])[^"']+["']/g;
    expect(text.match(bare) ?? []).toEqual([]);
    // (the pattern finds them: the entry itself imports bare names)
    expect(
      readFileSync(join(import.meta.dirname, "../../server/editor/sqlEditor.js"), "utf8").match(bare),
    ).toHaveLength(4);
  }, 60_000);

  it("is served at /assets/vendor/sql-editor.js, from the build when there is one", async () => {
    const res = await request(createApp({ db, sessionSecret: randomBytes(32) })).get(
      "/assets/vendor/sql-editor.js",
    );
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.text).toBe(await editorBundle());
  }, 60_000);
});
