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
  const res = await serverFetch(server, databasePath, `/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new CliError(`the server refused: ${await refusalOf(res)}`);
  return (await res.json().catch(() => ({}))) as T;
}

/** A request to the running server with the CLI's token; a CliError when it cannot be reached. */
export async function serverFetch(
  server: ServerLock,
  databasePath: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  const token = serverToken(server, databasePath);
  try {
    return await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    });
  } catch (error) {
    throw new CliError(`cannot reach barometer serve at ${server.url}: ${(error as Error).message}`);
  }
}

/** What a refusing answer says: the server's message, else its HTTP status. */
export async function refusalOf(res: Response): Promise<string> {
  const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  return answer.error?.message ?? `HTTP ${res.status}`;
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
