import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { type FromChild, failure, type JsonValue, type SandboxResult, type ToChild } from "./protocol.ts";
import { sendToChild } from "./sendToChild.ts";

/** After an interrupt, how long the child has to answer before it is killed. */
const INTERRUPT_GRACE_MS = 1000;

/**
 * Send one query and wait for its answer, the time limit, or the child's death. Past the
 * time limit the query is interrupted; a child that does not answer within a second, or
 * whose resident memory passes `maxRssMb`, is killed (the caller's exit handler restarts it).
 */
export function askChild(
  child: ChildProcess,
  request: Extract<ToChild, { type: "query" }>,
  limits: { timeoutMs: number; maxRssMb: number },
): Promise<SandboxResult> {
  const { timeoutMs, maxRssMb } = limits;
  return new Promise((resolve) => {
    let killedFor: "timeout" | "memory" | undefined;
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (result: SandboxResult) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearInterval(watchdog);
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(result);
    };
    const timeout = () =>
      failure("timeout", `the query did not finish within ${timeoutMs} ms and was stopped`);
    // rows that came ahead of the result, in batches
    const batches: JsonValue[][][] = [];
    const onMessage = (message: FromChild) => {
      if (message.type === "rows" && message.id === request.id) batches.push(message.rows);
      if (message.type !== "result" || message.id !== request.id) return;
      const result = message.result;
      if (result.ok && batches.length > 0) result.rows = [...batches.flat(), ...result.rows];
      finish(timedOut ? timeout() : result);
    };
    const onExit = () => {
      if (killedFor === "timeout") finish(timeout());
      else if (killedFor === "memory") {
        finish(failure("out_of_memory", "the query used too much memory and was stopped"));
      } else finish(failure("sandbox_crashed", "the SQL sandbox stopped while running the query"));
    };
    const kill = (reason: "timeout" | "memory") => {
      killedFor ??= reason;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      timedOut = true;
      sendToChild(child, { type: "interrupt", id: request.id });
      graceTimer = setTimeout(() => kill("timeout"), INTERRUPT_GRACE_MS);
    }, timeoutMs);
    const watchdog = setInterval(() => {
      const rss = residentMb(child.pid);
      if (rss !== undefined && rss > maxRssMb) kill("memory");
    }, 100);
    child.on("message", onMessage);
    child.once("exit", onExit);
    if (child.exitCode !== null || child.signalCode !== null || !sendToChild(child, request)) onExit();
  });
}

/** Resident memory of a process in MiB, from /proc (Linux); undefined elsewhere. */
function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
