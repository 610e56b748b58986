import { Command } from "commander";
import { message } from "../messages/catalogue.ts";
import { CliError } from "./CliError.ts";

/** Notebooks arrive with issue 7; until then the command says so and fails. */
export function notebookCommand(): Command {
  return new Command("notebook")
    .description("render an analyst notebook (not available yet)")
    .argument("[args...]")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(message("cli.not_available", "en", { command: "notebook", issue: "7" }), {
        exitCode: 3,
      });
    });
}
