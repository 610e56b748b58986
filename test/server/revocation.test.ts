import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { createToken, createUser, setPassword } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";

// Issue 13: tokens can be revoked and users disabled through the admin API, audited, and the
// server's 10 s lookup cache lets neither a revoked token nor a disabled user keep access for
// one more request. A password reset revokes the user's tokens. Expected outcomes are the
// statuses the access rules give (401 for an unknown or revoked token, sign-in for a session).

const PASSWORD = "a-long-test-password";
let db: Database;
let app: ReturnType<typeof createApp>;
let admin: string;
const LOCAL = `bml_${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-revoke-")), "r.duckdb"));
  app = createApp({ db, sessionSecret: randomBytes(32), localAdminToken: LOCAL });
  await createUser(db, "boss", "admin", PASSWORD);
  admin = await createToken(db, "boss", "admin cli");
});
afterAll(async () => {
  await closeDatabase(db);
});

const asAdmin = (method: "get" | "post", path: string) =>
  request(app)[method](path).set("Authorization", `Bearer ${admin}`);

async function signIn(user: string): Promise<string> {
  const res = await request(app).post("/signin").type("form").send({ user, password: PASSWORD, next: "/" });
  expect(res.status).toBe(303);
  return String(res.headers["set-cookie"]).split(";")[0]!;
}

describe("revoking tokens and disabling users", () => {
  it("a revoked token stops working at the next request, though it was just cached", async () => {
    await createUser(db, "ana", "analyst", PASSWORD);
    const token = await createToken(db, "ana", "notebook job");
    const before = await request(app).get("/api/v1/releases").set("Authorization", `Bearer ${token}`);
    expect(before.status).toBe(200);
    const list = await asAdmin("get", "/api/v1/admin/tokens?user=ana");
    const id = list.body.tokens[0].token_id as string;
    expect(list.body.tokens).toHaveLength(1);
    const revoked = await asAdmin("post", "/api/v1/admin/users/ana/tokens/revoke").send({ token_id: id });
    expect(revoked.body).toEqual({ user: "ana", revoked: 1 });
    const after = await request(app).get("/api/v1/releases").set("Authorization", `Bearer ${token}`);
    expect([after.status, after.body.error?.code]).toEqual([401, "bad_token"]);
    const log = await db.query<{ user_name: string; detail: string }>(
      "select user_name, detail::varchar as detail from audit_log where action = 'token.revoke'",
    );
    expect(log.map((r) => [r.user_name, JSON.parse(r.detail).tokens])).toEqual([["boss", [id]]]);
  });

  it("a disabled user's session and token stop at once; enabled again, sign-in works", async () => {
    await createUser(db, "vic", "viewer", PASSWORD);
    const token = await createToken(db, "vic", "reports");
    const cookie = await signIn("vic");
    expect((await request(app).get("/api/v1/releases").set("Cookie", cookie)).status).toBe(200);
    expect((await request(app).get("/api/v1/releases").set("Authorization", `Bearer ${token}`)).status).toBe(
      200,
    );
    const res = await asAdmin("post", "/api/v1/admin/users/vic/disable");
    expect(res.body).toEqual({ user: "vic", disabled: true });
    expect((await request(app).get("/api/v1/releases").set("Cookie", cookie)).status).toBe(401);
    expect((await request(app).get("/api/v1/releases").set("Authorization", `Bearer ${token}`)).status).toBe(
      401,
    );
    const refused = await request(app).post("/signin").type("form").send({ user: "vic", password: PASSWORD });
    expect(refused.status).toBe(401);
    await asAdmin("post", "/api/v1/admin/users/vic/enable");
    await signIn("vic");
    const users = await asAdmin("get", "/api/v1/admin/users");
    expect(users.body.users.find((u: { user_name: string }) => u.user_name === "vic").disabled).toBe(false);
    const actions = await db.query<{ action: string }>(
      "select action from audit_log where action in ('user.disable', 'user.enable') and user_name = 'boss' order by logged_at",
    );
    expect(actions.map((a) => a.action)).toEqual(["user.disable", "user.enable"]);
  });

  it("a password reset revokes the user's API tokens (API and direct call)", async () => {
    await createUser(db, "up", "uploader", PASSWORD);
    const t1 = await createToken(db, "up", "one");
    expect((await request(app).get("/api/v1/admin/users").set("Authorization", `Bearer ${t1}`)).status).toBe(
      403,
    );
    const res = await asAdmin("post", "/api/v1/admin/users/up/password").send({});
    expect(res.body.password).toMatch(/^[\w-]{16}$/);
    expect((await request(app).get("/api/v1/admin/users").set("Authorization", `Bearer ${t1}`)).status).toBe(
      401,
    );
    const t2 = await createToken(db, "up", "two");
    await setPassword(db, "up", "another-long-password", "test");
    const rows = await db.query("select 1 from api_tokens where user_name = 'up' and revoked_at is null");
    expect(rows).toHaveLength(0);
    expect((await request(app).get("/api/v1/releases").set("Authorization", `Bearer ${t2}`)).status).toBe(
      401,
    );
  });

  it("only admins manage users; the server's local token is an admin", async () => {
    await createUser(db, "ana2", "analyst", PASSWORD);
    const token = await createToken(db, "ana2", "x");
    const denied = await request(app)
      .post("/api/v1/admin/users/boss/disable")
      .set("Authorization", `Bearer ${token}`);
    expect(denied.status).toBe(403);
    const local = await request(app)
      .post("/api/v1/admin/users")
      .set("Authorization", `Bearer ${LOCAL}`)
      .send({ user: "made-by-cli", role: "viewer" });
    expect(local.status).toBe(201);
    const [row] = await db.query<{ user_name: string }>(
      "select user_name from audit_log where action = 'user.create' and (detail->>'$.user') = 'made-by-cli'",
    );
    expect(row?.user_name).toBe("local-admin");
    const self = await asAdmin("post", "/api/v1/admin/users/boss/disable");
    expect(self.status).toBe(400);
    const unknown = await asAdmin("post", "/api/v1/admin/users/nobody/disable");
    expect(unknown.status).toBe(404);
  });
});
