import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import {
  ACCESS,
  type Capability,
  createToken,
  createUser,
  ROLES,
  type Role,
} from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";

// Every route x every role (and no sign-in), from the one access table in server/auth/access.ts.
// Browser roles sign in through the real form; the assessment client uses an API token.

// Permitted means "not refused for the role" (401/403); a permitted request may still be a 400
// or 404 here, where the database holds no study.
const ROUTES: { method: "get" | "post"; path: string; capability: Capability; page?: boolean }[] = [
  { method: "get", path: "/api/v1/health", capability: "health" },
  { method: "get", path: "/api/docs", capability: "docs" },
  { method: "get", path: "/api/docs/openapi.json", capability: "docs" },
  { method: "get", path: "/api/v1/studies", capability: "studies" },
  {
    method: "get",
    path: "/api/v1/estimates?study=mass_org_evaluation&index=awareness",
    capability: "estimates",
  },
  { method: "get", path: "/api/v1/charts/district?study=mass_org_evaluation", capability: "charts" },
  { method: "get", path: "/api/v1/studies/mass_org_evaluation/figures", capability: "figures" },
  { method: "get", path: "/api/v1/studies/mass_org_evaluation/codebook", capability: "uploads" },
  { method: "post", path: "/api/v1/studies/mass_org_evaluation/column-mapping", capability: "uploads" },
  { method: "get", path: "/api/v1/uploads?study=mass_org_evaluation", capability: "uploads" },
  { method: "post", path: "/api/v1/uploads", capability: "uploads" },
  { method: "post", path: "/api/v1/sites/uploads", capability: "uploads" },
  { method: "post", path: "/api/v1/uploads/up_1/retract", capability: "uploads" },
  { method: "get", path: "/api/v1/uploads/up_1/figures", capability: "uploads" },
  { method: "get", path: "/api/v1/releases", capability: "releases" },
  { method: "post", path: "/api/v1/releases", capability: "createRelease" },
  { method: "get", path: "/api/v1/releases/x-r1", capability: "releases" },
  { method: "get", path: "/api/v1/releases/x-r1/scores", capability: "scores" },
  { method: "post", path: "/api/v1/sql", capability: "sql" },
  { method: "get", path: "/api/v1/queries", capability: "sql" },
  { method: "post", path: "/api/v1/queries", capability: "sql" },
  { method: "get", path: "/", capability: "overview", page: true },
  { method: "get", path: "/upload", capability: "uploads", page: true },
  { method: "get", path: "/sql", capability: "sql", page: true },
  { method: "get", path: "/api/v1/admin/users", capability: "users" },
  { method: "get", path: "/api/v1/admin/tokens", capability: "users" },
  { method: "post", path: "/api/v1/admin/users/nobody/disable", capability: "users" },
  { method: "get", path: "/admin", capability: "users", page: true },
  { method: "get", path: "/api/v1/studies/mass_org_evaluation/themes", capability: "figures" },
  { method: "get", path: "/api/v1/releases/x-r1/themes", capability: "scores" },
  { method: "get", path: "/themes", capability: "overview", page: true },
  { method: "get", path: "/releases", capability: "releases", page: true },
  { method: "get", path: "/releases/x-r1/report", capability: "releases", page: true },
  { method: "get", path: "/releases/x-r1/report.pdf", capability: "releases", page: true },
  { method: "get", path: "/themes/codebook", capability: "editThemes", page: true },
  {
    method: "post",
    path: "/themes/codebook?study=mass_org_evaluation",
    capability: "editThemes",
    page: true,
  },
];

const PASSWORD = "a-long-test-password";
let db: Database;
let app: ReturnType<typeof createApp>;
const cookies = new Map<Role, string>();
const csrf = new Map<Role, string>();
let token: string;

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-access-")), "a.duckdb"));
  app = createApp({ db, sessionSecret: randomBytes(32) });
  for (const role of ROLES) await createUser(db, `u_${role}`, role, role === "assessment" ? null : PASSWORD);
  token = await createToken(db, "u_assessment", "test");
  for (const role of ROLES.filter((r) => r !== "assessment")) {
    const res = await request(app)
      .post("/signin")
      .type("form")
      .send({ user: `u_${role}`, password: PASSWORD, next: "/" });
    expect(res.status).toBe(303);
    cookies.set(role, String(res.headers["set-cookie"]).split(";")[0]!);
    const page = await request(app).get("/").set("Cookie", cookies.get(role)!);
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1];
    if (token) csrf.set(role, token);
  }
});
afterAll(async () => {
  await closeDatabase(db);
});

describe("access table", () => {
  for (const route of ROUTES) {
    const rule = ACCESS[route.capability];
    it(`${route.method.toUpperCase()} ${route.path} without sign-in`, async () => {
      const res = await request(app)[route.method](route.path);
      if (rule === "public") expect([401, 403]).not.toContain(res.status);
      else if (route.page)
        expect([res.status, res.headers.location]).toEqual([
          303,
          `/signin?next=${encodeURIComponent(route.path)}`,
        ]);
      else expect([res.status, res.body.error?.code]).toEqual([401, "sign_in_required"]);
    });
    for (const role of ROLES) {
      it(`${route.method.toUpperCase()} ${route.path} as ${role}`, async () => {
        const req = request(app)[route.method](route.path);
        if (role === "assessment") req.set("Authorization", `Bearer ${token}`);
        else req.set("Cookie", cookies.get(role)!).set("X-CSRF-Token", csrf.get(role)!);
        const res = await req;
        const permitted = rule === "public" || (rule as readonly Role[]).includes(role);
        if (permitted)
          expect([401, 403], `${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
        else expect([res.status, res.body.error?.code]).toEqual([403, "forbidden"]);
      });
    }
  }

  it("a wrong password is refused, audited, and sign-in is rate limited", async () => {
    const bad = await request(app)
      .post("/signin")
      .type("form")
      .send({ user: "u_viewer", password: "wrong-password-123" });
    expect(bad.status).toBe(401);
    const audit = await db.query<{ action: string }>(
      "select action from audit_log where action = 'sign_in_failed'",
    );
    expect(audit.length).toBeGreaterThan(0);
    let last = 0;
    for (let i = 0; i < 12; i++)
      last = (await request(app).post("/signin").type("form").send({ user: "u_viewer", password: "x" }))
        .status;
    expect(last).toBe(429);
  });

  it("a revoked or unknown token is refused", async () => {
    const res = await request(app).get("/api/v1/studies").set("Authorization", "Bearer bmt_not-a-token");
    expect([res.status, res.body.error.code]).toEqual([401, "bad_token"]);
  });

  it("sends security headers and a strict content security policy", async () => {
    const res = await request(app).get("/api/v1/health");
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it("answers unknown routes with a JSON error and no stack", async () => {
    const res = await request(app).get("/nope");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: "no such page or endpoint" } });
  });

  it("a browser write without the session's CSRF token is refused", async () => {
    const res = await request(app)
      .post("/api/v1/sql")
      .set("Cookie", cookies.get("analyst")!)
      .send({ sql: "select 1" });
    expect([res.status, res.body.error?.code]).toEqual([403, "csrf"]);
    // saving and deleting a query too; nothing is saved
    for (const req of [
      request(app).post("/api/v1/queries").send({ name: "q", sql: "select 1" }),
      request(app).delete("/api/v1/queries/q"),
    ]) {
      const refused = await req.set("Cookie", cookies.get("analyst")!);
      expect([refused.status, refused.body.error?.code]).toEqual([403, "csrf"]);
    }
    expect(await db.query("select * from saved_queries")).toEqual([]);
  });

  it("sign-out needs the CSRF token of the session", async () => {
    const cookie = cookies.get("analyst")!;
    const res = await request(app).post("/signout").set("Cookie", cookie).type("form").send({});
    expect([res.status, res.body.error?.code]).toEqual([403, "csrf"]);
  });
});
