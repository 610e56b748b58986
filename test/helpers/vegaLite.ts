import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { packageDir } from "../../server/packageDir.ts";

/** A validator of Vega-Lite specs against the JSON schema shipped with the installed vega-lite. */
export const validateVegaLite = new Ajv({
  strict: false,
  allowUnionTypes: true,
  validateFormats: false,
}).compile(JSON.parse(readFileSync(join(packageDir("vega-lite"), "build/vega-lite-schema.json"), "utf8")));
