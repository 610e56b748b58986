import { z } from "zod";

/** A study, wave, index or organization id as the API takes it. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and - (at most 64)");

/** An upload or release id. */
export const RecordId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, "letters, digits, _, . and - (at most 128)");

/** The language of names and messages in an answer (Chinese unless `en`). */
export const LangParam = z
  .enum(["zh", "en"])
  .meta({ description: "language of names (zh by default)" })
  .optional();

/** A nullable number column (DuckDB NULL for a withheld or missing figure). */
export const num = () => z.number().nullable();
