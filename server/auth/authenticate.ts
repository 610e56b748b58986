import { parse } from "cookie";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Session } from "../../db/index.ts";
import { HttpError } from "../HttpError.ts";
import { allowed, type Capability } from "./access.ts";
import { SESSION_COOKIE, type Sessions } from "./sessions.ts";
import { type User, userByToken } from "./users.ts";

export interface Principal extends User {
  via: "session" | "token";
  csrf?: string;
}

export function principal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** Who is asking: an API token (Authorization: Bearer) or a browser session cookie. */
export function authenticate(db: Session, sessions: Sessions): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get("authorization");
      if (header?.startsWith("Bearer ")) {
        const user = await userByToken(db, header.slice(7).trim());
        if (!user) throw new HttpError(401, "bad_token", "the API token is not valid");
        res.locals.principal = { ...user, via: "token" } satisfies Principal;
      } else {
        const cookie = parse(req.get("cookie") ?? "")[SESSION_COOKIE];
        const user = await sessions.read(cookie);
        if (user)
          res.locals.principal = {
            user_name: user.user_name,
            role: user.role,
            via: "session",
            csrf: user.csrf,
          } satisfies Principal;
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
