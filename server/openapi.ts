import { SCORE_COLUMNS } from "./routes/releasesApi.ts";

const error = { $ref: "#/components/schemas/Error" };
const json = (schema: object) => ({ "application/json": { schema } });
const errors = {
  "400": { description: "bad parameter", content: json(error) },
  "401": { description: "sign in or send a valid token", content: json(error) },
  "403": { description: "the role may not do this", content: json(error) },
};

/** The OpenAPI 3.1 description of /api/v1, served at /api/docs. */
export const openapi = {
  openapi: "3.1.0",
  info: {
    title: "Barometer API",
    version: "1",
    description:
      "Survey figures for the third-party evaluation of mass organizations. Authenticate with `Authorization: Bearer <token>` (tokens from `barometer user token NAME`) or a browser session (writes then need the X-CSRF-Token header). Errors are JSON `{ error: { code, message } }`.",
  },
  servers: [{ url: "/api/v1" }],
  components: {
    securitySchemes: {
      token: { type: "http", scheme: "bearer" },
      session: { type: "apiKey", in: "cookie", name: "barometer_session" },
    },
    schemas: {
      Error: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: { code: { type: "string" }, message: { type: "string" } },
            required: ["code", "message"],
          },
        },
      },
      ScoreRow: { type: "object", properties: Object.fromEntries(SCORE_COLUMNS.map((c) => [c, {}])) },
      Release: {
        type: "object",
        properties: Object.fromEntries(
          [
            "release_id",
            "study_id",
            "wave_id",
            "created_at",
            "created_by",
            "file_name",
            "sha256",
            "n_rows",
            "methodology_version",
            "supersedes_release_id",
            "superseded_by",
          ].map((c) => [c, {}]),
        ),
      },
    },
  },
  security: [{ token: [] }, { session: [] }],
  paths: {
    "/health": {
      get: {
        summary: "Liveness and database check",
        security: [],
        responses: { "200": { description: "ok" } },
      },
    },
    "/studies": {
      get: {
        summary: "Studies and their waves (admin, uploader, analyst, viewer)",
        responses: { "200": { description: "studies" }, ...errors },
      },
    },
    "/studies/{study}/figures": {
      get: {
        summary: "Current figures of a study, suppression applied (the overview's data)",
        parameters: ["wave", "organization", "index", "unit_level", "org_level", "group_var"]
          .map((name) => ({ name, in: "query", schema: { type: "string" } }))
          .concat([{ name: "study", in: "path", required: true, schema: { type: "string" } } as never]),
        responses: { "200": { description: "figures" }, ...errors },
      },
    },
    "/studies/{study}/column-mapping": {
      post: {
        summary:
          "How the ingest would map these header cells to the codebook (admin, uploader): JSON {header: [...], [wave]}; `column` in the answer is a cell's position",
        requestBody: {
          content: json({
            type: "object",
            properties: { header: { type: "array", items: { type: "string" } }, wave: { type: "string" } },
            required: ["header"],
          }),
        },
        responses: { "200": { description: "mapped, ignored and duplicated header cells" }, ...errors },
      },
    },
    "/uploads": {
      get: {
        summary: "Upload history of a study (admin, uploader)",
        parameters: [{ name: "study", in: "query", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "uploads" }, ...errors },
      },
      post: {
        summary:
          "Upload a file of responses (multipart: file, study, wave, [replace], [strict], [encoding], [sheet], [wait]); the same ingest as the CLI. The answer comes when the upload has committed; the study's models then rerun in the background (GET figures_url says when they are done), or before the answer with wait=figures",
        requestBody: {
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: {
                  file: { type: "string", format: "binary" },
                  study: { type: "string" },
                  wave: { type: "string" },
                  wait: {
                    type: "string",
                    enum: ["figures"],
                    description: "answer only after the model run that brings the upload into the figures",
                  },
                },
                required: ["file", "study", "wave"],
              },
            },
          },
        },
        responses: {
          "200": {
            description:
              "loaded or duplicate: the validation report (status, rows, accepted, rejected, errors with their first rows, refusal, warnings, rejects_note, held_by: the loaded uploads that already hold respondents the file repeats), and figures: updating (the model run follows; ask figures_url), updated or failed (with wait=figures; model_run_error says why), unchanged (nothing landed)",
          },
          "413": { description: "too large", content: json(error) },
          "422": { description: "refused, with the reason" },
          ...errors,
        },
      },
    },
    "/sites/uploads": {
      post: {
        summary:
          "Upload a file of demonstration-site assessment forms (multipart: file, study, [period]; CSV UTF-8/GBK or xlsx), checked against the study's XLSForm as `barometer sites ingest` does; the good rows land (a site, half-year and assessor uploaded again replaces) and the site scores are rebuilt (admin, uploader)",
        requestBody: {
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: {
                  file: { type: "string", format: "binary" },
                  study: { type: "string" },
                  period: { type: "string", example: "2021H1" },
                },
                required: ["file", "study"],
              },
            },
          },
        },
        responses: {
          "200": {
            description:
              "landed: upload_id, n_rows, n_landed, n_replaced, n_rejected, rejects (row, column, value, zh, en), periods",
          },
          "413": { description: "too large", content: json(error) },
          "422": {
            description: "refused (every row bad, no form, not CSV or xlsx): code and refusal in zh and en",
          },
          ...errors,
        },
      },
    },
    "/uploads/{id}/figures": {
      get: {
        summary:
          "Whether the figures hold an upload yet (admin, uploader): figures is updating, updated, failed (model_run_error says why; the marts keep their last good state) or unchanged (a refused upload)",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "upload_id, study, figures, model_run_id, model_run_error" },
          ...errors,
        },
      },
    },
    "/uploads/{id}/retract": {
      post: {
        summary: "Withdraw an upload (kept in the history)",
        responses: { "200": { description: "retracted" }, ...errors },
      },
    },
    "/releases": {
      get: {
        summary: "Releases (frozen figures)",
        responses: { "200": { description: "releases" }, ...errors },
      },
      post: {
        summary: "Freeze a wave's figures as a release (admin)",
        requestBody: {
          content: json({
            type: "object",
            properties: { study: { type: "string" }, wave: { type: "string" } },
          }),
        },
        responses: {
          "201": { description: "created", content: json({ $ref: "#/components/schemas/Release" }) },
          ...errors,
        },
      },
    },
    "/releases/{release}": {
      get: {
        summary: "One release",
        responses: {
          "200": { description: "release", content: json({ $ref: "#/components/schemas/Release" }) },
          "404": { description: "no such release" },
          ...errors,
        },
      },
    },
    "/releases/{release}/scores": {
      get: {
        summary: "Scores for the annual assessment. Never change: ETag and caching; If-None-Match gives 304",
        parameters: ["organization", "level", "unit", "index", "org_level", "group_var", "format"].map(
          (name) => ({ name, in: "query", schema: { type: "string" } }),
        ),
        responses: {
          "200": {
            description: "JSON (default), CSV or XLSX (format=csv|xlsx)",
            content: json({
              type: "object",
              properties: { rows: { type: "array", items: { $ref: "#/components/schemas/ScoreRow" } } },
            }),
          },
          "304": { description: "not modified" },
          ...errors,
        },
      },
    },
    "/sql": {
      post: {
        summary:
          "One read-only SQL statement in the sandbox over the analytics snapshot (admin, analyst); ?format=csv|xlsx|arrow",
        requestBody: {
          content: json({
            type: "object",
            properties: {
              sql: { type: "string" },
              max_rows: { type: "integer" },
              params: { type: "object" },
            },
            required: ["sql"],
          }),
        },
        responses: {
          "200": { description: "{ ok, columns, rows, truncated, elapsedMs }" },
          "408": { description: "time limit" },
          ...errors,
        },
      },
    },
  },
} as const;
