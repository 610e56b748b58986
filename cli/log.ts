/** Progress and logs go to stderr; stdout is for data. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
