/**
 * An error the CLI reports as a plain message (no stack) with an exit code. Inner code throws
 * plain Error; commands wrap what the user must act on in CliError.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 1;
  }
}
