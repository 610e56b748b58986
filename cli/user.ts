import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import { createToken, createUser, ROLES, type Role, setPassword } from "../server/auth/index.ts";
import { openForWrite } from "./context.ts";
import { log } from "./log.ts";

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

export function userCommand(): Command {
  const user = new Command("user").description(
    "manage local users and API tokens (as the owner of the database file)",
  );
  user
    .command("add")
    .description("add a user (the first one is usually an admin)")
    .argument("<name>")
    .addOption(new Option("--role <role>", "role").choices([...ROLES]).makeOptionMandatory())
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (name: string, opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const role = opts.role as Role;
      const pw = role === "assessment" ? null : await passwordFrom(opts);
      await createUser(db, name, role, pw?.password ?? null);
      log(`added ${name} (${role})`);
      if (pw?.generated) process.stdout.write(`${pw.password}\n`);
      if (role === "assessment") log(`assessment clients sign in with a token: barometer user token ${name}`);
    });
  user
    .command("reset-password")
    .description("set a new password for a user (signs their sessions out)")
    .argument("<name>")
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (name: string, opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const pw = await passwordFrom(opts);
      await setPassword(db, name, pw.password, "cli");
      log(`new password set for ${name}`);
      if (pw.generated) process.stdout.write(`${pw.password}\n`);
    });
  user
    .command("token")
    .description("create an API token for a user; printed once")
    .argument("<name>")
    .option("--label <label>", "what the token is for", "api")
    .action(async (name: string, opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      process.stdout.write(`${await createToken(db, name, opts.label)}\n`);
    });
  user
    .command("list")
    .description("list users as JSON")
    .action(async (_opts, command: Command) => {
      const db = await openForWrite(command.optsWithGlobals());
      const rows = await db.query(
        "select user_name, role, disabled, created_at::varchar as created_at from users order by user_name",
      );
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
  return user;
}
