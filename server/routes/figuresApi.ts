import express from "express";
import type { Database } from "../../db/index.ts";
import { modelEvents } from "../../models/index.ts";
import { requireRole } from "../auth/authenticate.ts";
import { CachedBody } from "../cachedBody.ts";
import { HttpError } from "../HttpError.ts";
import { jsonInPieces } from "../jsonInPieces.ts";
import { RefreshingCache } from "../refreshingCache.ts";
import type { Writer } from "../writer.ts";
import { martOf } from "./api.ts";

/** Memory for kept figures answers (plain and gzip forms together). */
const FIGURES_CACHE_BYTES = 64 * 1024 * 1024;

const VALUE = /^[A-Za-z0-9_.-]{0,64}$/;

function filter(query: Record<string, unknown>, name: string, fallback?: string): string | undefined {
  const v = query[name] ?? fallback;
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !VALUE.test(v))
    throw new HttpError(400, "bad_parameter", `parameter ${name} is malformed`);
  return v;
}

/**
 * The current figures of a study as leaders see them (suppression applied), filtered by
 * wave, organization, index, unit level, organization level and demographic group: the
 * overview's data. Values are bound; only mart names (from validated ids) enter the SQL.
 */
export function figuresRouter(db: Database, writer: Writer): express.Router {
  const router = express.Router();
  // Answers are kept by the filters read (a parameter the route does not know makes no new
  // entry), within a byte budget. A model run makes them old; an old answer is rebuilt once,
  // and sent (marked) while the rebuild waits on a database busy with uploads.
  // while a write runs (uploads, model runs); after it, readers wait for the new figures
  const answers = new RefreshingCache(FIGURES_CACHE_BYTES, { serveOldWhile: () => writer.busy });
  modelEvents.on("finished", () => answers.invalidate());
  router.get("/studies/:study/figures", requireRole("figures"), async (req, res) => {
    const study = String(req.params.study);
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(study))
      throw new HttpError(400, "bad_parameter", "malformed study id");
    const q = req.query as Record<string, unknown>;
    const params = {
      wave: filter(q, "wave") ?? null,
      organization: filter(q, "organization") ?? null,
      index: filter(q, "index") ?? null,
      unit_level: filter(q, "unit_level") ?? null,
      org_level: filter(q, "org_level", "township")!,
      group_var: filter(q, "group_var", "")!,
    };
    const key = JSON.stringify([study, params]);
    const { body, stale } = await answers.get(key, async () => {
      const scores = await martOf(db, "index_scores", study);
      const units = await martOf(db, "seed_units", study);
      if (!scores || !units)
        throw new HttpError(404, "no_figures", `study ${study} has no figures yet (run its models)`);
      const rows = await db.query(
        `select s.*, coalesce(u.name_zh, '全区') as unit_name_zh, coalesce(u.name_en, 'District') as unit_name_en
         from ${scores} s
         left join ${units} u on u.unit_level = s.unit_level and u.unit_code = s.unit_code
         where ($wave is null or s.wave_id = $wave)
           and ($organization is null or s.organization_id = $organization)
           and ($index is null or s.index_id = $index)
           and ($unit_level is null or s.unit_level = $unit_level)
           and s.org_level in ($org_level, '') and s.group_var = $group_var
         order by s.wave_id, s.organization_id, s.index_id, s.aspect, s.unit_level, s.unit_code, s.group_value`,
        params,
      );
      return new CachedBody(await jsonInPieces({ study, filters: params }, "rows", rows));
    });
    // figures from before the last model run, while the new ones are read (RFC 9111 §5.2)
    if (stale) res.set("Cache-Control", "no-cache").set("X-Figures-Stale", "1");
    await body.send(req, res, "json");
  });
  return router;
}
