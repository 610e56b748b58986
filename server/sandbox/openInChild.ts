import type { ChildProcess } from "node:child_process";
import type { FromChild } from "./protocol.ts";
import { sendToChild } from "./sendToChild.ts";

/** Ask the child to open the snapshot at `path`; rejects with DuckDB's reason, or if the child dies or is slow. */
export function openInChild(child: ChildProcess, path: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (message: FromChild) => {
      if (message.type === "opened" && message.path === path) done();
      if (message.type === "open_failed" && message.path === path) {
        done(new Error(`the SQL sandbox could not open ${path}: ${message.message}`));
      }
    };
    const onExit = () => done(new Error("the SQL sandbox exited while opening its snapshot"));
    const timer = setTimeout(() => done(new Error("the SQL sandbox did not start in time")), timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
    if (!sendToChild(child, { type: "open", path })) onExit();
  });
}
