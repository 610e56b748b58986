import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, type Database, openDatabase } from "../../db/index.ts";
import { createUser } from "../../server/auth/index.ts";
import { createApp } from "../../server/index.ts";

// The sign-in limit counts failed sign-ins only (OWASP Authentication Cheat Sheet): 5 per
// (user, address) lock that pair, 50 per address lock the address, never a user at another
// address. A real server on loopback behind a "proxy": BAROMETER_TRUST_PROXY=1, and the
// client's address in X-Forwarded-For as nginx's $proxy_add_x_forwarded_for writes it (what
// the client sent, then the address the proxy saw, last).

const PASSWORD = "a-long-test-password";
let db: Database;
let server: Server;
let base: string;

/** A sign-in as it arrives through the proxy from `address` (`spoofed`: what the client put in front). */
function signIn(
  user: string,
  password: string,
  address: string,
  options: { lang?: string; spoofed?: string } = {},
) {
  return fetch(`${base}/signin${options.lang ? `?lang=${options.lang}` : ""}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": options.spoofed ? `${options.spoofed}, ${address}` : address,
    },
    body: new URLSearchParams({ user, password, next: "/" }).toString(),
  });
}

const audits = (action: string) =>
  db.query<{ user_name: string; detail: string }>(
    "select user_name, detail::varchar as detail from audit_log where action = $1 order by logged_at",
    [action],
  );

beforeAll(async () => {
  db = await openDatabase(join(mkdtempSync(join(tmpdir(), "barometer-signin-")), "s.duckdb"));
  for (const name of ["wang", "li", "zhao"]) await createUser(db, name, "viewer", PASSWORD);
  const before = process.env.BAROMETER_TRUST_PROXY;
  process.env.BAROMETER_TRUST_PROXY = "1";
  const app = createApp({ db, sessionSecret: randomBytes(32) });
  if (before === undefined) delete process.env.BAROMETER_TRUST_PROXY;
  else process.env.BAROMETER_TRUST_PROXY = before;
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await closeDatabase(db);
});

describe("sign-in limit", () => {
  it("never refuses correct sign-ins: 15 from one office address in a row", async () => {
    for (let i = 0; i < 15; i++) expect((await signIn("wang", PASSWORD, "198.51.100.1")).status).toBe(303);
  });

  it("locks one user at one address after 5 failures, with the sign-in page saying how long to wait", async () => {
    for (let i = 0; i < 4; i++) expect((await signIn("li", "wrong", "198.51.100.2")).status).toBe(401);
    const fifth = await signIn("li", "wrong", "198.51.100.2", { lang: "en" });
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get("content-type")).toMatch(/^text\/html/);
    expect(fifth.headers.get("retry-after")).toBe("900");
    const page = await fifth.text();
    expect(page).toContain(
      "Too many failed sign-ins: signing in is locked for now. Try again in 15 minutes.",
    );
    expect(page).toContain('action="/signin?lang=en"');
    // the right password too, from there; the page in Chinese by default
    const right = await signIn("li", PASSWORD, "198.51.100.2");
    expect(right.status).toBe(429);
    expect(await right.text()).toContain("登录失败次数过多，已暂时锁定。请 15 分钟后再试。");
    // the same user from another address, and another user from this one, are not locked out
    expect((await signIn("li", PASSWORD, "198.51.100.3")).status).toBe(303);
    expect((await signIn("wang", PASSWORD, "198.51.100.2")).status).toBe(303);
    const locks = await audits("sign_in_locked");
    expect(locks.map((l) => [l.user_name, JSON.parse(l.detail).ip, JSON.parse(l.detail).scope])).toEqual([
      ["li", "198.51.100.2", "user_address"],
    ]);
  });

  it("a success clears the pair's failures", async () => {
    for (let i = 0; i < 4; i++) await signIn("zhao", "wrong", "198.51.100.4");
    expect((await signIn("zhao", PASSWORD, "198.51.100.4")).status).toBe(303);
    for (let i = 0; i < 4; i++) expect((await signIn("zhao", "wrong", "198.51.100.4")).status).toBe(401);
  });

  it("locks an address after 50 failures, whatever the user names, for every user there only", async () => {
    let last = 0;
    for (let i = 0; i < 50; i++) last = (await signIn(`guess${i}`, "wrong", "198.51.100.5")).status;
    expect(last).toBe(429);
    expect((await signIn("wang", PASSWORD, "198.51.100.5")).status).toBe(429);
    expect((await signIn("wang", PASSWORD, "198.51.100.6")).status).toBe(303);
    const locks = await audits("sign_in_locked");
    expect(locks.some((l) => JSON.parse(l.detail).scope === "address")).toBe(true);
  });

  it("a rotating X-Forwarded-For written by the client does not get around the limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await signIn("wang", "wrong", "127.0.0.1", { spoofed: `203.0.113.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
  });
});
