import { readFileSync } from "node:fs";
import { join } from "node:path";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Database } from "../db/index.ts";
import { messages } from "../messages/catalogue.ts";
import type { Analytics } from "./analytics.ts";
import { apiDocsPage } from "./apiDocsPage.ts";
import { authenticate } from "./auth/authenticate.ts";
import { Sessions } from "./auth/sessions.ts";
import { bodyError } from "./bodyError.ts";
import { CachedBody } from "./cachedBody.ts";
import { isDiskFull } from "./diskFull.ts";
import { editorBundle } from "./editor/bundleEditor.ts";
import { HttpError } from "./HttpError.ts";
import { openapi } from "./openapi.ts";
import { packageDir } from "./packageDir.ts";
import { requestLang } from "./requestLang.ts";
import { adminRouter } from "./routes/adminApi.ts";
import { adminPageRouter } from "./routes/adminPage.ts";
import { apiRouter } from "./routes/api.ts";
import { sendErrorPage, wantsErrorPage } from "./routes/errorPage.ts";
import { figuresRouter } from "./routes/figuresApi.ts";
import { liveTablesRouter } from "./routes/liveTablesApi.ts";
import { notebooksRouter } from "./routes/notebooks.ts";
import { pagesRouter } from "./routes/pages.ts";
import { queriesRouter } from "./routes/queriesApi.ts";
import { releasesRouter } from "./routes/releasesApi.ts";
import { reportRouter } from "./routes/report.ts";
import { signInRouter } from "./routes/signin.ts";
import { sitesRouter } from "./routes/sites.ts";
import { siteUploadsRouter } from "./routes/siteUploads.ts";
import { sqlRouter } from "./routes/sqlApi.ts";
import { themesRouter } from "./routes/themes.ts";
import { uploadsRouter } from "./routes/uploads.ts";
import { workbenchRouter } from "./routes/workbench.ts";
import { Writer } from "./writer.ts";

export interface AppOptions {
  db: Database;
  /** Signs session cookies; kept outside the repository and the database (db/secrets.ts). */
  sessionSecret: Buffer;
  /** Mark cookies Secure (behind an HTTPS reverse proxy). */
  secureCookies?: boolean;
  /** The SQL sandbox and its snapshot; without it the SQL endpoints answer 503. */
  analytics?: Analytics;
  /** Serializes the server's writes (created when absent). */
  writer?: Writer;
  maxUploadBytes?: number;
  /** The token `barometer serve` writes beside the database for the CLI (an admin while it runs). */
  localAdminToken?: string;
  /** Write a line per failed request (never secrets); defaults to stderr. */
  logError?: (message: string) => void;
}

/** Browser libraries, served by the app itself: users' networks may not reach a CDN. */
function vendorAssets(): express.Router {
  const router = express.Router();
  const files: Record<string, string> = {
    "vega.min.js": join(packageDir("vega"), "build/vega.min.js"),
    "vega-lite.min.js": join(packageDir("vega-lite"), "build/vega-lite.min.js"),
    "vega-embed.min.js": join(packageDir("vega-embed"), "build/vega-embed.min.js"),
    "papaparse.min.js": join(packageDir("papaparse"), "papaparse.min.js"),
    "swagger-ui-bundle.js": join(packageDir("swagger-ui-dist"), "swagger-ui-bundle.js"),
    "swagger-ui.css": join(packageDir("swagger-ui-dist"), "swagger-ui.css"),
  };
  // read on first use and kept, gzip form included (vega alone is 800 KB, 230 KB gzipped)
  const bodies = new Map<string, CachedBody>();
  const serve = (name: string, read: () => string | Promise<string>) => {
    router.get(`/${name}`, async (req, res) => {
      const body = bodies.get(name) ?? new CachedBody(await read());
      bodies.set(name, body);
      res.set("Cache-Control", "public, max-age=86400");
      await body.send(req, res, name.endsWith(".css") ? "text/css" : "application/javascript");
    });
  };
  for (const [name, path] of Object.entries(files)) serve(name, () => readFileSync(path, "utf8"));
  // vega-interpreter evaluates chart expressions without eval(), so the page can keep a strict
  // content security policy. Its one import comes from the vega bundle already on the page.
  const interpreter = readFileSync(
    join(packageDir("vega-interpreter"), "build/vega-interpreter.js"),
    "utf8",
  ).replace(
    /^import \{([^}]*)\} from 'vega-util';/m,
    (_m, names: string) => `const {${names}} = globalThis.vega;`,
  );
  serve("vega-interpreter.js", () => interpreter);
  // the SQL console's editor with CodeMirror, bundled at build time (server/editor/)
  serve("sql-editor.js", editorBundle);
  return router;
}

/**
 * The Barometer web app, apart from `listen()` so tests can drive it in-process.
 */
export function createApp(options: AppOptions): express.Express {
  const app = express();
  const logError = options.logError ?? ((m) => process.stderr.write(`${m}\n`));
  app.disable("x-powered-by");
  // no hashing of every body for a weak ETag: the scores API sets its own, from the release
  app.set("etag", false);
  // Behind a reverse proxy on this machine, the client's address is the one the proxy
  // appended to X-Forwarded-For: only that one hop is trusted (the connection from loopback),
  // never addresses further left, which any client can write (and a client on loopback is
  // not a proxy).
  if (process.env.BAROMETER_TRUST_PROXY === "1") app.set("trust proxy", trustProxyHop);
  app.set("query parser", "simple");
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // vega-embed adds its own <style> element for the actions menu
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:", "blob:"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
        },
      },
      crossOriginEmbedderPolicy: false,
      // same-origin keeps the Origin header on our own form posts (checked at sign-in)
      referrerPolicy: { policy: "same-origin" },
    }),
  );
  // every answer worth it goes out gzip-encoded to clients that accept it (a figures answer is
  // a megabyte of JSON); bodies already encoded (CachedBody) and zips pass as they are
  app.use(compression({ threshold: 1024 }));
  app.use("/assets/vendor", vendorAssets());
  app.get("/favicon.ico", (_req, res) => res.redirect(301, "/assets/favicon.svg"));
  app.use("/assets", express.static(join(import.meta.dirname, "public"), { maxAge: "1h", index: false }));
  const sessions = new Sessions(options.db, options.sessionSecret);
  app.use(authenticate(options.db, sessions, options.localAdminToken));
  app.use("/", signInRouter(options.db, sessions, { secureCookies: options.secureCookies ?? false }));
  const writer = options.writer ?? new Writer();
  // the OpenAPI document as JSON (for clients and code generators), and for a browser the
  // same document in Swagger UI, served from this app
  app.get("/api/docs/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  app.get("/api/docs", (req, res) => {
    if (req.accepts(["json", "html"]) === "html") res.type("html").send(apiDocsPage(requestLang(req)));
    else res.json(openapi);
  });
  app.use("/api/v1", apiRouter(options.db));
  app.use("/api/v1", figuresRouter(options.db, writer));
  app.use(
    "/api/v1",
    uploadsRouter({ db: options.db, writer, maxUploadBytes: options.maxUploadBytes, log: logError }),
  );
  app.use("/api/v1", siteUploadsRouter({ db: options.db, writer, maxUploadBytes: options.maxUploadBytes }));
  app.use("/api/v1", releasesRouter(options.db, writer));
  app.use("/api/v1", sqlRouter(options.db, options.analytics));
  app.use("/api/v1", queriesRouter(options.db));
  app.use("/api/v1", liveTablesRouter(options.db));
  app.use("/api/v1", adminRouter(options.db, writer, sessions));
  if (options.analytics) {
    const analytics = options.analytics;
    app.use("/", notebooksRouter({ sandbox: analytics.sandbox, staleness: () => analytics.staleness() }));
  }
  app.use("/", adminPageRouter(options.db, sessions));
  app.use("/", sitesRouter(options.db));
  app.use("/", reportRouter(options.db));
  app.use("/", pagesRouter(options.db));
  app.use("/", workbenchRouter(options.db));
  app.use("/", themesRouter(options.db, writer));

  app.use((_req, _res, next) => next(new HttpError(404, "not_found", "no such page or endpoint")));
  app.use((raw: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      // a download failed half-way: the client must not take half a file for a whole one
      logError(`${req.method} ${req.path} failed after its headers: ${(raw as Error)?.stack ?? String(raw)}`);
      res.destroy();
      return;
    }
    const error = bodyError(raw, req) ?? raw;
    if (error instanceof HttpError) {
      if (wantsErrorPage(req)) {
        sendErrorPage(
          req,
          res,
          error.status,
          error.status === 403 || error.status === 404 ? "" : error.message,
        );
        return;
      }
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    logError(`${req.method} ${req.path} failed: ${(error as Error)?.stack ?? String(error)}`);
    if (isDiskFull(error)) {
      // 507 Insufficient Storage: the request changed nothing (uploads and runs are transactions)
      const { zh, en } = messages("ops.disk_full");
      res.status(507).json({ error: { code: "disk_full", message: en, message_zh: zh } });
      return;
    }
    if (wantsErrorPage(req)) sendErrorPage(req, res, 500);
    else res.status(500).json({ error: { code: "internal", message: "internal error" } });
  });
  return app;
}

/** Express's `trust proxy`: the connection itself, when it comes from loopback, and nothing beyond. */
export function trustProxyHop(address: string, hop: number): boolean {
  return hop === 0 && /^(127\.|::1$|::ffff:127\.)/.test(address);
}
