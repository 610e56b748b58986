import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import type { Database } from "../db/index.ts";
import { readServerLock } from "../db/serverLock.ts";
import { ROLES, type Role } from "../server/auth/users.ts";
import { databasePath, openForWrite } from "./context.ts";
import { log } from "./log.ts";
import { askServer } from "./serverClient.ts";

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, "");
}

/** A password from stdin (--password-stdin) or a new random one, printed once to stdout. */
async function passwordFrom(opts: {
  passwordStdin?: boolean;
}): Promise<{ password: string; generated: boolean }> {
  if (opts.passwordStdin) return { password: await readStdin(), generated: false };
  return { password: randomBytes(12).toString("base64url"), generated: true };
}

/** Who changes things when the CLI opens the file itself (audited). */
const cliUser = () => `cli:${process.env.USER ?? "unknown"}`;

/**
 * Through the running server when one holds the database (`server`), else on the file
 * (`local`, given the opened database). Either way the change is audited.
 */
async function viaServerOrFile<T>(
  command: Command,
  server: (ask: <A>(method: "GET" | "POST", path: string, body?: unknown) => Promise<A>) => Promise<T>,
  local: (db: Database) => Promise<T>,
): Promise<T> {
  const opts = command.optsWithGlobals();
  const path = databasePath(opts);
  const lock = readServerLock(path);
  if (lock) return server((method, p, body) => askServer(lock, path, method, p, body));
  return local(await openForWrite(opts));
}

const auth = () => import("../server/auth/index.ts");

export function userCommand(): Command {
  const user = new Command("user").description(
    "manage users and API tokens (through the running server with an admin token, or on the database file)",
  );
  user
    .command("add")
    .description("add a user (the first one is usually an admin)")
    .argument("<name>")
    .addOption(new Option("--role <role>", "role").choices([...ROLES]).makeOptionMandatory())
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (name: string, opts, command: Command) => {
      const role = opts.role as Role;
      const pw = role === "assessment" ? null : await passwordFrom(opts);
      await viaServerOrFile(
        command,
        (ask) => ask("POST", "/admin/users", { user: name, role, password: pw?.password }),
        async (db) => (await auth()).createUser(db, name, role, pw?.password ?? null, cliUser()),
      );
      log(`added ${name} (${role})`);
      if (pw?.generated) process.stdout.write(`${pw.password}\n`);
      if (role === "assessment") log(`assessment clients sign in with a token: barometer user token ${name}`);
    });
  user
    .command("reset-password")
    .description("set a new password for a user (signs their sessions out and revokes their API tokens)")
    .argument("<name>")
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (name: string, opts, command: Command) => {
      const pw = await passwordFrom(opts);
      await viaServerOrFile(
        command,
        (ask) => ask("POST", `/admin/users/${encodeURIComponent(name)}/password`, { password: pw.password }),
        async (db) => (await auth()).setPassword(db, name, pw.password, cliUser()),
      );
      log(`new password set for ${name}; their sessions are signed out and their API tokens revoked`);
      if (pw.generated) process.stdout.write(`${pw.password}\n`);
    });
  user
    .command("token")
    .description("create an API token for a user; printed once")
    .argument("<name>")
    .option("--label <label>", "what the token is for", "api")
    .action(async (name: string, opts, command: Command) => {
      const token = await viaServerOrFile(
        command,
        async (ask) =>
          (
            await ask<{ token: string }>("POST", `/admin/users/${encodeURIComponent(name)}/tokens`, {
              label: opts.label,
            })
          ).token,
        async (db) => (await auth()).createToken(db, name, opts.label, cliUser()),
      );
      process.stdout.write(`${token}\n`);
    });
  user
    .command("tokens")
    .description(
      "list API tokens (id, label, created, revoked) as JSON; the tokens themselves are never stored",
    )
    .argument("[name]", "only this user's")
    .action(async (name: string | undefined, _opts, command: Command) => {
      const rows = await viaServerOrFile(
        command,
        async (ask) =>
          (
            await ask<{ tokens: unknown[] }>(
              "GET",
              `/admin/tokens${name ? `?user=${encodeURIComponent(name)}` : ""}`,
            )
          ).tokens,
        async (db) => (await auth()).listTokens(db, name),
      );
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
  user
    .command("revoke-token")
    .description("revoke one API token of a user (its id from `barometer user tokens`), or all with --all")
    .argument("<name>")
    .argument("[token-id]", "the token's id (or a unique start of it)")
    .option("--all", "revoke every token of the user")
    .action(async (name: string, tokenId: string | undefined, opts: { all?: boolean }, command: Command) => {
      if (!tokenId && !opts.all)
        throw new (await import("./CliError.ts")).CliError("give a token id, or --all");
      const n = await viaServerOrFile(
        command,
        async (ask) =>
          (
            await ask<{ revoked: number }>("POST", `/admin/users/${encodeURIComponent(name)}/tokens/revoke`, {
              ...(tokenId ? { token_id: tokenId } : { all: true }),
            })
          ).revoked,
        async (db) => (await auth()).revokeTokens(db, name, tokenId, cliUser()),
      );
      log(`revoked ${n} token${n === 1 ? "" : "s"} of ${name}`);
    });
  for (const [verb, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    user
      .command(verb)
      .description(
        disabled
          ? "disable a user: their sessions end and their API tokens stop working at once"
          : "enable a disabled user again",
      )
      .argument("<name>")
      .action(async (name: string, _opts, command: Command) => {
        await viaServerOrFile(
          command,
          (ask) => ask("POST", `/admin/users/${encodeURIComponent(name)}/${verb}`),
          async (db) => (await auth()).setUserDisabled(db, name, disabled, cliUser()),
        );
        log(`${name} ${disabled ? "disabled" : "enabled"}`);
      });
  }
  user
    .command("list")
    .description("list users as JSON")
    .action(async (_opts, command: Command) => {
      const rows = await viaServerOrFile(
        command,
        async (ask) => (await ask<{ users: unknown[] }>("GET", "/admin/users")).users,
        async (db) => (await auth()).listUsers(db),
      );
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
  return user;
}
