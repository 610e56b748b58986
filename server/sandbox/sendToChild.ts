import type { ChildProcess } from "node:child_process";
import type { ToChild } from "./protocol.ts";

/**
 * Send a message to the child; false (never a throw) when it is already gone. `send`'s own
 * false only means "queued behind a backlog", so it is not read as a failure; a send that
 * fails later goes with the child's death, which its 'exit' event reports.
 */
export function sendToChild(child: ChildProcess, message: ToChild): boolean {
  if (!child.connected) return false;
  try {
    child.send(message, () => undefined);
    return true;
  } catch {
    return false;
  }
}
