import { timingSafeEqual } from "node:crypto";
import { parse } from "cookie";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Session } from "../../db/index.ts";
import { HttpError } from "../HttpError.ts";
import { allowed, type Capability } from "./access.ts";
import { SESSION_COOKIE, type Sessions } from "./sessions.ts";
import { sha256, type User, userByToken } from "./users.ts";

export interface Principal extends User {
  via: "session" | "token";
  csrf?: string;
}

export function principal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** How long a token's or session's lookup is reused (a disabled user or signed-out session takes at most this long to stop working). */
const LOOKUP_TTL_MS = 10_000;

/** The principal of the running server's own admin token (the CLI's, see cli/serverClient.ts). */
export const LOCAL_ADMIN = "local-admin";

/**
 * Who is asking: an API token (Authorization: Bearer) or a browser session cookie.
 * `localToken` is the token the running server wrote beside its database for the CLI: it
 * stands for the admin who owns the file, for as long as this server runs. Admin changes to
 * users and tokens empty the lookup cache (Sessions.forgetLookups), so revocation is immediate.
 */
export function authenticate(db: Session, sessions: Sessions, localToken?: string): RequestHandler {
  const localDigest = localToken ? Buffer.from(sha256(localToken), "hex") : undefined;
  const seen = sessions.lookups as Map<string, { principal: Principal | undefined; until: number }>;
  /** The principal cached under `key`, or `load`ed and cached (misses too) for LOOKUP_TTL_MS. */
  const lookup = async (key: string, load: () => Promise<Principal | undefined>) => {
    const hit = seen.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const principal = await load();
    if (seen.size > 5000) seen.clear();
    seen.set(key, { principal, until: Date.now() + LOOKUP_TTL_MS });
    return principal;
  };
  return async (req, res, next) => {
    try {
      const header = req.get("authorization");
      if (header?.startsWith("Bearer ")) {
        const token = header.slice(7).trim();
        if (localDigest && timingSafeEqual(Buffer.from(sha256(token), "hex"), localDigest)) {
          res.locals.principal = { user_name: LOCAL_ADMIN, role: "admin", via: "token" } satisfies Principal;
          next();
          return;
        }
        const principal = await lookup(`t:${sha256(token)}`, async () => {
          const u = await userByToken(db, token);
          return u ? { ...u, via: "token" } : undefined;
        });
        if (!principal) throw new HttpError(401, "bad_token", "the API token is not valid");
        res.locals.principal = principal;
      } else {
        const cookie = parse(req.get("cookie") ?? "")[SESSION_COOKIE];
        if (cookie) {
          const principal = await lookup(`s:${sha256(cookie)}`, async () => {
            const u = await sessions.read(cookie);
            return u ? { user_name: u.user_name, role: u.role, via: "session", csrf: u.csrf } : undefined;
          });
          if (principal) res.locals.principal = principal;
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Allow a capability to the roles in the access table. Browser writes must carry the
 * session's CSRF token (header X-CSRF-Token or form field _csrf); token clients need none.
 */
export function requireRole(capability: Capability, options: { page?: boolean } = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const who = principal(res);
    if (!allowed(capability, who?.role)) {
      if (!who && options.page) {
        res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      next(
        who
          ? new HttpError(403, "forbidden", "your role may not do this")
          : new HttpError(401, "sign_in_required", "sign in first"),
      );
      return;
    }
    if (!SAFE.has(req.method) && who?.via === "session") {
      const sent = req.get("x-csrf-token") ?? (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof sent !== "string" || sent !== who.csrf) {
        next(new HttpError(403, "csrf", "missing or wrong CSRF token; reload the page"));
        return;
      }
    }
    next();
  };
}
