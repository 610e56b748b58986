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

const ROUTES: { method: "get" | "post"; path: string; capability: Capability; page?: boolean }[] = [
  { method: "get", path: "/api/v1/health", capability: "health" },
  { method: "get", path: "/api/v1/studies", capability: "studies" },
  {
    method: "get",
    path: "/api/v1/estimates?study=mass_org_evaluation&index=awareness",
    capability: "estimates",
  },
  { method: "get", path: "/api/v1/charts/district?study=mass_org_evaluation", capability: "charts" },
  { method: "get", path: "/", capability: "overview", page: true },
];

const PASSWORD = "a-long-test-password";
let db: Database;
let app: ReturnType<typeof createApp>;
const cookies = new Map<Role, string>();
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
      if (rule === "public") expect(res.status).toBe(200);
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
        else req.set("Cookie", cookies.get(role)!);
        const res = await req;
        const permitted = rule === "public" || (rule as readonly Role[]).includes(role);
        expect(res.status, JSON.stringify(res.body)).toBe(permitted ? 200 : 403);
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

  it("sign-out needs the CSRF token of the session", async () => {
    const cookie = cookies.get("analyst")!;
    const res = await request(app).post("/signout").set("Cookie", cookie).type("form").send({});
    expect([res.status, res.body.error?.code]).toEqual([403, "csrf"]);
  });
});
