import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Session } from "../../db/index.ts";
import { sha256, type User } from "./users.ts";

export const SESSION_COOKIE = "barometer_session";
const LIFETIME_HOURS = 12;

/**
 * Browser sessions: a random id in an HttpOnly cookie, signed with the session secret (kept
 * outside the repository and the database), stored only as a digest, with a CSRF token that
 * every write from the browser must echo.
 */
export class Sessions {
  readonly #db: Session;
  readonly #secret: Buffer;
  /** Recent token and session lookups (authenticate.ts); a session's entry goes at sign-out. */
  readonly lookups = new Map<string, unknown>();
  /** After a user is disabled or a token revoked: no cached lookup may outlive it. */
  forgetLookups(): void {
    this.lookups.clear();
  }
  constructor(db: Session, secret: Buffer) {
    this.#db = db;
    this.#secret = secret;
  }

  #sign(id: string): string {
    return createHmac("sha256", this.#secret).update(id).digest("base64url");
  }

  async create(user: string): Promise<{ cookie: string; csrf: string }> {
    const id = randomBytes(32).toString("base64url");
    const csrf = randomBytes(24).toString("base64url");
    await this.#db.run(
      `insert into sessions (session_sha256, user_name, csrf_token, expires_at)
       values ($1, $2, $3, now() + to_hours(${LIFETIME_HOURS}))`,
      [sha256(id), user, csrf],
    );
    return { cookie: `${id}.${this.#sign(id)}`, csrf };
  }

  /** The user and CSRF token of a valid, unexpired session cookie. */
  async read(cookie: string | undefined): Promise<(User & { csrf: string }) | undefined> {
    if (!cookie) return undefined;
    const [id, signature] = cookie.split(".");
    if (!id || !signature) return undefined;
    const expected = Buffer.from(this.#sign(id));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    const rows = await this.#db.query<User & { csrf: string }>(
      `select u.user_name, u.role, s.csrf_token as csrf from sessions s join users u using (user_name)
       where s.session_sha256 = $1 and s.expires_at > now() and not u.disabled`,
      [sha256(id)],
    );
    return rows[0];
  }

  async destroy(cookie: string | undefined): Promise<void> {
    if (cookie) this.lookups.delete(`s:${sha256(cookie)}`);
    const id = cookie?.split(".")[0];
    if (id) await this.#db.run("delete from sessions where session_sha256 = $1", [sha256(id)]);
  }
}
