/**
 * Regenerates the demo study's data.
 *
 *   npx tsx examples/mass-org-evaluation/generator/cli.ts [--seed N] [--out DIR]
 *
 * The default output folder is the example folder itself. Logs go to stderr; a bad argument or
 * a failure exits with status 1.
 */
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SEED, generateDemo } from "./generate.ts";

const EXAMPLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv: readonly string[]): { seed: number; outDir: string } {
  let seed = DEFAULT_SEED;
  let outDir = EXAMPLE_DIR;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    const value = argv[k + 1];
    if (arg === "--seed" && value !== undefined) {
      if (!/^\d+$/.test(value)) throw new Error(`--seed must be a non-negative integer, got "${value}"`);
      seed = Number(value);
      k++;
    } else if (arg === "--out" && value !== undefined) {
      outDir = resolve(value);
      k++;
    } else if (arg === "--help" || arg === "-h") {
      process.stderr.write("usage: cli.ts [--seed N] [--out DIR]\n");
      process.exit(0);
    } else {
      throw new Error(`unknown or incomplete argument "${arg}" (usage: cli.ts [--seed N] [--out DIR])`);
    }
  }
  return { seed, outDir };
}

try {
  const { seed, outDir } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const result = await generateDemo({ seed, outDir });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `seed ${seed}: ${result.population.size} people in ${result.population.villages.length} villages; respondents ` +
      Object.entries(result.samples)
        .map(([w, s]) => `${w}: ${s.person.length}`)
        .join(", ") +
      ` (${seconds} s)\n`,
  );
  for (const file of result.files) process.stderr.write(`  wrote ${relative(process.cwd(), file)}\n`);
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
