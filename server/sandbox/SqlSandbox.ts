import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { askChild } from "./askChild.ts";
import { latestSnapshot } from "./latestSnapshot.ts";
import { openInChild } from "./openInChild.ts";
import {
  type ChildSettings,
  failure,
  type SandboxParams,
  type SandboxResult,
  type ToChild,
} from "./protocol.ts";

export interface SqlSandboxOptions {
  /** Where `writeSnapshot` writes; `start()` opens the newest snapshot there. */
  snapshotDir: string;
  /** DuckDB's buffer-manager limit in the child, DuckDB syntax (default "512MB"). */
  memoryLimit?: string;
  /** DuckDB threads in the child (default 2). */
  threads?: number;
  /**
   * The child is killed when its resident memory passes this (default 2048 MiB): DuckDB's
   * memory_limit does not cover single huge values. Checked every 100 ms on Linux only.
   */
  maxRssMb?: number;
  /** Per query, unless the query says otherwise (default 10 s). */
  timeoutMs?: number;
  /** Per query, unless the query says otherwise (default 10,000; at most 1,000,000). */
  maxRows?: number;
  /** JSON size of the rows of one result (default 32 MiB); past it the result is truncated. */
  maxResultBytes?: number;
  /** Longest accepted SQL text (default 100,000 characters). */
  maxSqlLength?: number;
  /** Queries allowed to wait, all users together, before new ones get `busy` (default 16). */
  maxQueued?: number;
  /** Queries running at once in the child, all users together (default 4). */
  maxConcurrent?: number;
  /** Queries of one user running at once (default 1): one user's heavy work leaves room for others. */
  maxRunningPerUser?: number;
  /** Queries of one user running or waiting; past it the user's next query gets `quota` (default 4). */
  maxPerUser?: number;
  /** Where to report restarts (never query text); defaults to stderr. */
  log?: (message: string) => void;
}

export interface SandboxQueryOptions {
  /** Who asks: the fair queue and the per-user quota count by this (default "anonymous"). */
  user?: string;
  maxRows?: number;
  timeoutMs?: number;
  params?: SandboxParams;
}

const START_TIMEOUT_MS = 20_000;
// built (dist/), this module is .js and so is the child, which then needs no tsx
const COMPILED = import.meta.url.endsWith(".js");
const CHILD = fileURLToPath(new URL(COMPILED ? "./child.js" : "./child.ts", import.meta.url));

/** What notebooks and routes need of a sandbox: queries (on behalf of one user) and the file. */
export interface SandboxQuerier {
  query(sql: string, options?: SandboxQueryOptions): Promise<SandboxResult>;
  readonly snapshotPath: string | undefined;
}

interface Job {
  user: string;
  run: () => Promise<void>;
}

/**
 * Analysts' SQL, run in a child process over a read-only analytics snapshot.
 *
 * One child runs a few queries at once, each on its own connection. A fair queue takes the
 * users waiting in turn; one user runs at most `maxRunningPerUser` queries at a time and has
 * at most `maxPerUser` running or waiting (past it: `quota`), so one analyst's heavy queries
 * never hold up another user's. A query past its time
 * limit is interrupted, and if the child does not answer within a second it is killed and
 * restarted; a child that dies (killed, out of memory) answers its query with
 * `sandbox_crashed` and is restarted for the next one. Nothing the child does can throw in
 * the server: every outcome is a `SandboxResult`.
 */
export class SqlSandbox {
  readonly #options: Required<Omit<SqlSandboxOptions, "log">> & Pick<SqlSandboxOptions, "log">;
  #snapshot: string | undefined;
  #child: Promise<ChildProcess> | undefined;
  /** The live child process, set as soon as it is forked; its exit restarts it. */
  #process: ChildProcess | undefined;
  /** Waiting queries by user, in the order users first came: the round robin's ring. */
  readonly #queues = new Map<string, Job[]>();
  /** Running queries by user. */
  readonly #runningBy = new Map<string, number>();
  #running = 0;
  #waiting = 0;
  /** The user served last, so the next turn starts after them. */
  #lastUser: string | undefined;
  /** Work that needs the child to itself (a snapshot switch), run when nothing else does. */
  readonly #exclusive: (() => Promise<void>)[] = [];
  #exclusiveRunning = false;
  #nextId = 1;
  #stopped = false;

  constructor(options: SqlSandboxOptions) {
    this.#options = {
      memoryLimit: "512MB",
      threads: 2,
      maxRssMb: 2048,
      timeoutMs: 10_000,
      maxRows: 10_000,
      maxResultBytes: 32 * 1024 * 1024,
      maxSqlLength: 100_000,
      maxQueued: 16,
      maxConcurrent: 4,
      maxRunningPerUser: 1,
      maxPerUser: 4,
      ...options,
    };
  }

  /** The snapshot file the sandbox reads (or will read once started). */
  get snapshotPath(): string | undefined {
    return this.#snapshot;
  }

  /** The child's process id (monitoring, tests); undefined while none runs. */
  get childPid(): number | undefined {
    return this.#process?.pid;
  }

  /** Queries being run now, all users together (monitoring, tests). */
  get running(): number {
    let n = 0;
    for (const k of this.#runningBy.values()) n += k;
    return n;
  }

  /** Open the newest snapshot in `snapshotDir` in a fresh child. Throws when there is none. */
  async start(): Promise<void> {
    const latest = latestSnapshot(this.#options.snapshotDir);
    if (!latest)
      throw new Error(`no analytics snapshot in ${this.#options.snapshotDir}; run the models first`);
    this.#stopped = false;
    this.#snapshot = latest.path;
    await this.#ensureChild();
  }

  /** Run one read-only query. Never rejects. */
  query(sql: string, options: SandboxQueryOptions = {}): Promise<SandboxResult> {
    if (typeof sql !== "string" || sql.length > this.#options.maxSqlLength) {
      return Promise.resolve(
        failure("bad_request", `the SQL text must be at most ${this.#options.maxSqlLength} characters`),
      );
    }
    if (this.#stopped || !this.#snapshot) {
      return Promise.resolve(failure("sandbox_unavailable", "the SQL sandbox is not running"));
    }
    const user = options.user ?? "anonymous";
    const mine = (this.#runningBy.get(user) ?? 0) + (this.#queues.get(user)?.length ?? 0);
    if (mine >= this.#options.maxPerUser) {
      return Promise.resolve(
        failure("quota", `you already have ${mine} queries running or waiting; wait for one to finish`),
      );
    }
    if (this.#waiting >= this.#options.maxQueued) {
      return Promise.resolve(failure("busy", "too many queries are waiting; try again shortly"));
    }
    const maxRows = clamp(options.maxRows ?? this.#options.maxRows, 1, 1_000_000);
    const timeoutMs = clamp(options.timeoutMs ?? this.#options.timeoutMs, 1, 10 * 60_000);
    const request: ToChild = {
      type: "query",
      id: this.#nextId++,
      sql,
      maxRows,
      maxBytes: this.#options.maxResultBytes,
      ...(options.params === undefined ? {} : { params: options.params }),
    };
    return new Promise<SandboxResult>((resolve) => {
      const run = async () => {
        if (this.#stopped) return resolve(failure("sandbox_unavailable", "the SQL sandbox is not running"));
        let child: ChildProcess;
        try {
          child = await this.#ensureChild();
        } catch (error) {
          this.#log(`SQL sandbox unavailable: ${(error as Error).message}`);
          return resolve(failure("sandbox_unavailable", "the SQL sandbox could not open its snapshot"));
        }
        resolve(await askChild(child, request, { timeoutMs, maxRssMb: this.#options.maxRssMb }));
      };
      const queue = this.#queues.get(user) ?? [];
      queue.push({ user, run });
      this.#queues.set(user, queue);
      this.#waiting++;
      this.#pump();
    });
  }

  /** The same sandbox, each query on behalf of `user` (notebooks run as their reader). */
  forUser(user: string): SandboxQuerier {
    const snapshot = () => this.snapshotPath;
    return {
      query: (sql, options = {}) => this.query(sql, { ...options, user }),
      get snapshotPath() {
        return snapshot();
      },
    };
  }

  /**
   * Make the next queries read `path` (a new snapshot). Waits for queries already queued;
   * throws, leaving the old snapshot in place, when the child cannot open the file.
   */
  switchSnapshot(path: string): Promise<void> {
    if (!existsSync(path)) return Promise.reject(new Error(`no snapshot file at ${path}`));
    return this.#enqueue(async () => {
      const previous = this.#snapshot;
      this.#snapshot = path;
      if (this.#stopped || !this.#child) return;
      const child = await this.#ensureChild().catch(() => undefined);
      if (!child) return; // the restart opened `path` already, or will on the next query
      try {
        await openInChild(child, path, START_TIMEOUT_MS);
      } catch (error) {
        this.#snapshot = previous;
        throw error;
      }
    });
  }

  /** Kill the child; queries after this get `sandbox_unavailable`. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const child = this.#process ?? (await this.#child?.catch(() => undefined));
    this.#process = undefined;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
  }

  /** Work that needs no query running (a snapshot switch): waits for those running, holds new ones. */
  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#exclusive.push(() => work().then(resolve, reject));
      this.#pump();
    });
  }

  /** Start what may start: exclusive work when nothing runs, else queries, users in turn. */
  #pump(): void {
    if (this.#exclusiveRunning) return;
    const exclusive = this.#exclusive[0];
    if (exclusive) {
      if (this.#running > 0) return;
      this.#exclusive.shift();
      this.#exclusiveRunning = true;
      void exclusive().finally(() => {
        this.#exclusiveRunning = false;
        this.#pump();
      });
      return;
    }
    while (this.#running < this.#options.maxConcurrent) {
      const job = this.#nextJob();
      if (!job) return;
      this.#waiting--;
      this.#running++;
      this.#runningBy.set(job.user, (this.#runningBy.get(job.user) ?? 0) + 1);
      void job.run().finally(() => {
        this.#running--;
        const left = (this.#runningBy.get(job.user) ?? 1) - 1;
        if (left > 0) this.#runningBy.set(job.user, left);
        else this.#runningBy.delete(job.user);
        this.#pump();
      });
    }
  }

  /** The next user's next query, in turn after the user served last, skipping users at their limit. */
  #nextJob(): Job | undefined {
    const users = [...this.#queues.keys()];
    if (users.length === 0) return undefined;
    const after = this.#lastUser === undefined ? -1 : users.indexOf(this.#lastUser);
    for (let i = 1; i <= users.length; i++) {
      const user = users[(after + i + users.length) % users.length]!;
      if ((this.#runningBy.get(user) ?? 0) >= this.#options.maxRunningPerUser) continue;
      const queue = this.#queues.get(user)!;
      const job = queue.shift()!;
      if (queue.length === 0) this.#queues.delete(user);
      this.#lastUser = user;
      return job;
    }
    return undefined;
  }

  #ensureChild(): Promise<ChildProcess> {
    if (!this.#child) {
      const starting = this.#spawn();
      this.#child = starting;
      starting.catch(() => {
        if (this.#child === starting) this.#child = undefined;
      });
    }
    return this.#child;
  }

  async #spawn(): Promise<ChildProcess> {
    const path = this.#snapshot;
    if (!path) throw new Error("no snapshot to open");
    const settings: ChildSettings = {
      memoryLimit: this.#options.memoryLimit,
      threads: this.#options.threads,
    };
    const child = fork(CHILD, [JSON.stringify(settings)], {
      execArgv: [...(COMPILED ? [] : ["--import", tsxLoader()]), "--max-old-space-size=512"],
      // nothing of the server's environment (secrets, tokens) is the child's business
      env: process.env.TZ ? { TZ: process.env.TZ } : {},
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "json",
    });
    child.on("error", () => undefined); // a failed send or kill shows up as 'exit' too
    this.#process = child;
    child.once("exit", (code, signal) => {
      if (this.#process !== child) return;
      this.#process = undefined;
      this.#child = undefined;
      if (this.#stopped) return;
      this.#log(`SQL sandbox child ${child.pid} exited (${signal ?? code}); restarting`);
      this.#ensureChild().catch((error) =>
        this.#log(`SQL sandbox restart failed: ${(error as Error).message}`),
      );
    });
    try {
      await openInChild(child, path, START_TIMEOUT_MS);
    } catch (error) {
      if (this.#process === child) this.#process = undefined; // no restart loop on a bad file
      child.kill("SIGKILL");
      throw error;
    }
    return child;
  }

  #log(message: string): void {
    (this.#options.log ?? ((m) => process.stderr.write(`${m}\n`)))(message);
  }
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, Math.floor(value))) : low;
}

/** The child runs the TypeScript sources through tsx, like bin/barometer.js; an absolute URL so any cwd works. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
}
