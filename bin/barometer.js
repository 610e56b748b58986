#!/usr/bin/env node
// The `barometer` command. Runs the TypeScript sources through tsx's loader, so plain
// Node 20 is enough and there is no build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv);
