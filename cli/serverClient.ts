import { readLocalAdminToken } from "../db/localAdminToken.ts";
import type { ServerLock } from "../db/serverLock.ts";
import { CliError } from "./CliError.ts";

/**
 * Ask the running `barometer serve` that holds the database: with the token in
 * BAROMETER_TOKEN, else the admin token the server wrote beside the database for the file's
 * owner. Its JSON answer, or a CliError with the server's message.
 */
export async function askServer<T>(
  server: ServerLock,
  databasePath: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const token = serverToken(server, databasePath);
  let res: Response;
  try {
    res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach barometer serve at ${server.url}: ${(error as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as T & { error?: { message: string } };
  if (!res.ok) throw new CliError(`the server refused: ${answer.error?.message ?? `HTTP ${res.status}`}`);
  return answer;
}

/** BAROMETER_TOKEN, else the admin token the server wrote beside the database (for its owner). */
export function serverToken(server: ServerLock, databasePath: string): string {
  const token = process.env.BAROMETER_TOKEN || readLocalAdminToken(databasePath);
  if (!token)
    throw new CliError(
      `barometer serve (pid ${server.pid}, ${server.url}) holds ${databasePath}: set BAROMETER_TOKEN to an admin's API token ` +
        `(the server's own token, ${databasePath}.admin-token, is readable only by the owner of the database file)`,
    );
  return token;
}
