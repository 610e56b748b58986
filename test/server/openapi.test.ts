import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database } from "../../db/index.ts";
import { Analytics } from "../../server/analytics.ts";
import { createToken, createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";
import { openapi } from "../../server/openapi.ts";
import { demoDatabase } from "../helpers/demoDatabase.ts";

// Issue 17: the OpenAPI document is made from the zod schemas the routes validate with. Here:
// every /api/v1 route the Express app serves (found by walking its router stack, not from the
// route list the document is made from) is in the document, and real answers of the demo
// database validate against the document's response schemas (ajv, JSON Schema 2020-12).

let db: Database;
let studyDir: string;
let analytics: Analytics;
let app: express.Express;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  let study: { dir: string };
  ({ db, study } = await demoDatabase());
  studyDir = study.dir;
  analytics = new Analytics(db, { timeoutMs: 5000 });
  await analytics.start();
  app = createApp({ db, analytics, sessionSecret: randomBytes(32) });
  for (const role of ["admin", "uploader", "analyst", "assessment"] as const) {
    await createUser(db, `o_${role}`, role, role === "assessment" ? null : "a-long-test-password");
    tokens[role] = await createToken(db, `o_${role}`, "test");
  }
}, 300_000);

afterAll(async () => {
  await analytics?.stop();
  if (db) await closeDatabase(db);
});

interface Layer {
  name?: string;
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** "METHOD path" of every route in an Express 5 router stack, with the paths they are mounted at. */
function routesOf(stack: Layer[], prefix = ""): string[] {
  return stack.flatMap((layer) => {
    if (layer.route)
      return Object.keys(layer.route.methods)
        .filter((m) => m !== "_all")
        .map((m) => `${m.toUpperCase()} ${prefix}${layer.route!.path}`);
    if (layer.handle.stack) {
      const mount = layer.rawPath && layer.rawPath !== "/" ? layer.rawPath : "";
      return routesOf(layer.handle.stack, `${prefix}${mount}`);
    }
    return [];
  });
}

describe("the OpenAPI document", () => {
  it("holds every /api/v1 route the app serves, and nothing it does not", () => {
    const served = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack)
      .filter((r) => r.split(" ")[1]!.startsWith("/api/v1/"))
      .map((r) => r.replace("/api/v1", "").replace(/:(\w+)/g, "{$1}"));
    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    // the five the issue found missing, and the saved queries, among them
    for (const path of [
      "GET /estimates",
      "GET /charts/district",
      "GET /studies/{study}/codebook",
      "GET /uploads/{id}/rejects.csv",
      "POST /admin/backup",
      "GET /queries",
      "POST /queries",
      "DELETE /queries/{name}",
    ])
      expect(served).toContain(path);
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
  });

  it("types ScoreRow and Release field by field", () => {
    const { ScoreRow, Release } = openapi.components.schemas as Record<string, { properties: object }>;
    for (const schema of [ScoreRow!, Release!])
      for (const [field, type] of Object.entries(schema.properties)) expect(type, field).not.toEqual({});
    expect(Object.keys(Release!.properties)).toContain("superseded_by");
  });

  it("describes every answer with a body: JSON errors, files by their type", () => {
    for (const [path, ops] of Object.entries(openapi.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, response] of Object.entries(
          (op as { responses: Record<string, { content?: object }> }).responses,
        ))
          if (status !== "304") expect(response.content, `${method} ${path} ${status}`).toBeDefined();
  });
});

describe("answers of the demo against the document", () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  /** Validates a JSON body against the document's schema for this path, method and status. */
  const check = (path: string, method: string, status: number, body: unknown) => {
    const operation = openapi.paths[path]?.[method] as
      | { responses: Record<string, { content?: Record<string, { schema: object }> }> }
      | undefined;
    const schema = operation?.responses[String(status)]?.content?.["application/json"]?.schema;
    expect(schema, `${method} ${path} ${status}`).toBeDefined();
    const validate = ajv.compile({ ...schema, components: openapi.components });
    const ok = validate(body);
    expect(ok ? [] : validate.errors!.slice(0, 5), `${method} ${path} ${status}`).toEqual([]);
  };

  it("studies, estimates, figures, the district chart and the uploads", async () => {
    for (const [path, url, role] of [
      ["/health", "/api/v1/health", "analyst"],
      ["/studies", "/api/v1/studies", "analyst"],
      ["/estimates", "/api/v1/estimates?study=mass_org_evaluation", "analyst"],
      ["/charts/district", "/api/v1/charts/district?study=mass_org_evaluation", "analyst"],
      [
        "/studies/{study}/figures",
        "/api/v1/studies/mass_org_evaluation/figures?unit_level=township&wave=2026",
        "analyst",
      ],
      ["/studies/{study}/codebook", "/api/v1/studies/mass_org_evaluation/codebook", "uploader"],
      ["/uploads", "/api/v1/uploads?study=mass_org_evaluation", "uploader"],
      ["/admin/users", "/api/v1/admin/users", "admin"],
      ["/admin/tokens", "/api/v1/admin/tokens", "admin"],
    ] as const) {
      const res = await request(app).get(url).set(as(role));
      expect(res.status, url).toBe(200);
      check(path, "get", 200, res.body);
    }
  }, 120_000);

  it("a release, its scores and the release it supersedes, which says by which", async () => {
    const first = await request(app)
      .post("/api/v1/releases")
      .set(as("admin"))
      .send({ study: "mass_org_evaluation", wave: "2026" });
    expect(first.status).toBe(201);
    check("/releases", "post", 201, first.body);
    const second = await request(app)
      .post("/api/v1/releases")
      .set(as("admin"))
      .send({ study: "mass_org_evaluation", wave: "2026" });
    const old = await request(app).get(`/api/v1/releases/${first.body.release_id}`).set(as("assessment"));
    check("/releases/{id}", "get", 200, old.body);
    expect(old.body.superseded_by).toBe(second.body.release_id);
    const list = await request(app).get("/api/v1/releases").set(as("assessment"));
    check("/releases", "get", 200, list.body);
    const scores = await request(app)
      .get(`/api/v1/releases/${second.body.release_id}/scores?level=township`)
      .set(as("assessment"));
    expect(scores.body.rows.length).toBeGreaterThan(10);
    check("/releases/{id}/scores", "get", 200, scores.body);
    // an unknown filter value is named with the allowed ones, from the release
    const bad = await request(app)
      .get(`/api/v1/releases/${second.body.release_id}/scores?level=county`)
      .set(as("assessment"));
    expect([bad.status, bad.body.error.code]).toEqual([400, "bad_parameter"]);
    expect(bad.body.error.message).toContain('level="county"');
    expect(bad.body.error.message).toContain("district, township");
    check("/releases/{id}/scores", "get", 400, bad.body);
  }, 120_000);

  it("SQL and saved queries", async () => {
    const sql = await request(app)
      .post("/api/v1/sql")
      .set(as("analyst"))
      .send({ sql: "select 42 as answer, 'x' as label" });
    expect(sql.status).toBe(200);
    check("/sql", "post", 200, sql.body);
    const saved = await request(app)
      .post("/api/v1/queries")
      .set(as("analyst"))
      .send({ name: "answer", sql: "select 42" });
    check("/queries", "post", 200, saved.body);
    const list = await request(app).get("/api/v1/queries").set(as("analyst"));
    check("/queries", "get", 200, list.body);
    expect(list.body.queries.map((q: { name: string }) => q.name)).toEqual(["answer"]);
    // the admin (who may use the console too) does not see the analyst's
    expect((await request(app).get("/api/v1/queries").set(as("admin"))).body.queries).toEqual([]);
    const gone = await request(app).delete("/api/v1/queries/answer").set(as("admin"));
    expect(gone.status).toBe(404);
    check("/queries/{name}", "delete", 404, gone.body);
    const deleted = await request(app).delete("/api/v1/queries/answer").set(as("analyst"));
    check("/queries/{name}", "delete", 200, deleted.body);
    // a body the schema refuses: a 400 naming the field
    const blank = await request(app).post("/api/v1/queries").set(as("analyst")).send({ name: "", sql: "x" });
    expect([blank.status, blank.body.error.code]).toEqual([400, "bad_parameter"]);
    expect(blank.body.error.message).toMatch(/^body field name = "": /);
    // a rule over the whole body names no field, only itself
    const revoke = await request(app)
      .post("/api/v1/admin/users/o_analyst/tokens/revoke")
      .set(as("admin"))
      .send({});
    expect([revoke.status, revoke.body.error.message]).toEqual([
      400,
      "body: give token_id, or all: true to revoke every token of the user",
    ]);
    // who may not use the console may not save either
    expect((await request(app).get("/api/v1/queries").set(as("uploader"))).status).toBe(403);
  }, 120_000);

  it("an upload's report, refused (an empty file) and malformed (an unknown encoding)", async () => {
    const send = (encoding?: string) => {
      const req = request(app)
        .post("/api/v1/uploads")
        .set(as("uploader"))
        .field("study", "mass_org_evaluation")
        .field("wave", "2026");
      if (encoding) req.field("encoding", encoding);
      return req.attach("file", Buffer.alloc(0), "空文件.csv");
    };
    const mapping = await request(app)
      .post("/api/v1/studies/mass_org_evaluation/column-mapping")
      .set(as("uploader"))
      .send({ header: ["resp_id", "sex", "submitted_at", "sex"] });
    expect(mapping.status).toBe(200);
    check("/studies/{study}/column-mapping", "post", 200, mapping.body);
    const dup = await request(app)
      .post("/api/v1/uploads")
      .set(as("uploader"))
      .field("study", "mass_org_evaluation")
      .field("wave", "2024")
      .attach("file", readFileSync(join(studyDir, "responses/wave-2024.csv")), "wave-2024.csv");
    expect([dup.status, dup.body.status]).toEqual([200, "duplicate"]);
    check("/uploads", "post", 200, dup.body);
    const empty = await send();
    expect(empty.status).toBe(422);
    check("/uploads", "post", 422, empty.body);
    expect(empty.body.file_name).toBe("空文件.csv");
    const latin = await send("latin1");
    expect([latin.status, latin.body.error.code]).toEqual([400, "bad_parameter"]);
    expect(latin.body.error.message).toMatch(/^body field encoding = "latin1": .*utf-8.*gbk/);
    check("/uploads", "post", 400, latin.body);
    // the refused request's file did not stay in the upload folder
    const staged = readdirSync(`${db.path}.tmp`)
      .filter((d) => d.startsWith("uploads-"))
      .flatMap((d) => readdirSync(join(`${db.path}.tmp`, d)));
    expect(staged).toEqual([]);
  });

  it("a malformed query parameter is a 400 naming it, the value and what is allowed", async () => {
    const res = await request(app)
      .get("/api/v1/studies/mass_org_evaluation/themes?level=county")
      .set(as("analyst"));
    expect([res.status, res.body.error.code]).toEqual([400, "bad_parameter"]);
    expect(res.body.error.message).toContain('level = "county"');
    expect(res.body.error.message).toContain("district");
  });
});
