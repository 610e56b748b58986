import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Request, Response } from "express";

const gzipAsync = promisify(gzip);

/** Bodies smaller than this go out as they are: gzip would save less than it costs. */
const MIN_GZIP_BYTES = 1024;

/**
 * A response body kept in memory (a release's scores, the current figures, a vendor bundle),
 * with its gzip form made once, on the first request that accepts it. Every HTTP client
 * worth the name (browsers, curl --compressed, R httr, Python requests) asks for gzip; the
 * JSON answers shrink about 30-fold.
 */
export class CachedBody {
  readonly identity: Buffer;
  #gzip: Promise<Buffer> | undefined;
  #gzipBytes = 0;

  constructor(body: Buffer | string) {
    this.identity = typeof body === "string" ? Buffer.from(body) : body;
  }

  gzip(): Promise<Buffer> {
    this.#gzip ??= gzipAsync(this.identity, { level: 6 }).then((zipped) => {
      this.#gzipBytes = zipped.length;
      return zipped;
    });
    return this.#gzip;
  }

  /** Memory held: the plain body and, once made, its gzip form. */
  get bytes(): number {
    return this.identity.length + this.#gzipBytes;
  }

  /** Whether this request gets the gzip form (the client accepts it and it is worth it). */
  static wantsGzip(req: Request, body: CachedBody): boolean {
    return body.identity.length >= MIN_GZIP_BYTES && req.acceptsEncodings("gzip", "identity") === "gzip";
  }

  /** Send the body with `type`, gzip-encoded when the client accepts it. */
  async send(req: Request, res: Response, type: string): Promise<void> {
    res.vary("Accept-Encoding").type(type);
    if (CachedBody.wantsGzip(req, this)) {
      const body = await this.gzip();
      res.set("Content-Encoding", "gzip").send(body);
    } else {
      res.send(this.identity);
    }
  }
}
