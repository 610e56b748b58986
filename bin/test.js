#!/usr/bin/env node
// The README's test command (`npm test`): make sure what the tests need is installed, then
// run the linter, the type checker and the test suite. Installs Debian's chromium and CJK
// fonts for the browser tests, and poppler (pdftotext, pdffonts) that reads the printed reports
// back, when it can (root with apt-get); otherwise says exactly what to install and stops.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.BAROMETER_CHROMIUM ?? "/usr/bin/chromium";
const say = (m) => process.stderr.write(`[npm test] ${m}\n`);

function ensureChromium() {
  const fonts = spawnSync("sh", ["-c", "fc-list :lang=zh | grep -qi noto"], { stdio: "ignore" }).status === 0;
  const poppler =
    spawnSync("sh", ["-c", "command -v pdftotext && command -v pdffonts"], { stdio: "ignore" }).status === 0;
  if (existsSync(CHROMIUM) && fonts && poppler) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    say("installing Debian chromium, fonts-noto-cjk and poppler-utils for the browser tests ...");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync(
      "apt-get",
      ["install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk", "poppler-utils"],
      {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      },
    );
    return;
  }
  say("The browser tests need Chromium, Chinese fonts and poppler. Install them, then run npm test again:");
  say("  sudo apt-get install chromium fonts-noto-cjk poppler-utils     (Debian/Ubuntu)");
  say(`  or point BAROMETER_CHROMIUM at a Chromium binary (looked for ${CHROMIUM})`);
  process.exit(1);
}

function run(command, args) {
  say(`${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

ensureChromium();
run("npx", ["biome", "check", "."]);
run("npx", ["tsc", "--noEmit"]);
run("npx", ["vitest", "run", ...process.argv.slice(2)]);
