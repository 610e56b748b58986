import { AsyncLocalStorage } from "node:async_hooks";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Session } from "./Database.ts";

/** A session whose statements take turns: see `takingTurns`. */
export interface TurnSession extends Session {
  /** Run `work` (several statements, an appender) with no other statement in between. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The same connection, its statements taking their turns after every statement of this
   * session waiting at the time: for work nothing waits on (a model's contract checks), so the
   * statements the run's next models wait for are not queued behind it. (Its `connection` is this
   * session's: statements through the connection's own methods take ordinary turns.)
   */
  readonly unhurried: Session;
}

const METHODS = new Set<PropertyKey>([
  "run",
  "runAndReadAll",
  "runAndRead",
  "stream",
  "streamAndReadAll",
  "prepare",
]);

/**
 * One connection shared by work that runs concurrently (the models of one run, in its one
 * transaction): DuckDB runs one statement at a time on a connection, and a second one started
 * while the first is pending fails it ("closed pending query result"). Here every statement,
 * through `query`, `run` or the connection's own methods, waits for the one before; `exclusive`
 * holds the turn over several (an appender's lifetime). A turn taken inside a turn passes
 * straight through, so code that holds one may call code that asks for one.
 */
export function takingTurns(session: Session): TurnSession {
  const holding = new AsyncLocalStorage<true>();
  // turns waiting, in order; unhurried ones only when no other waits
  const waiting: (() => void)[] = [];
  const unhurried: (() => void)[] = [];
  let busy = false;
  const next = (): void => {
    const turn = waiting.shift() ?? unhurried.shift();
    busy = turn !== undefined;
    turn?.();
  };
  const take = <T>(work: () => Promise<T>, lane: (() => void)[]): Promise<T> => {
    if (holding.getStore()) return work();
    return new Promise<T>((resolve, reject) => {
      lane.push(() => {
        let done: Promise<T>;
        try {
          done = holding.run(true, work);
        } catch (error) {
          done = Promise.reject(error);
        }
        done.then(resolve, reject).finally(next);
      });
      if (!busy) next();
    });
  };
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => take(work, waiting);
  const later = <T>(work: () => Promise<T>): Promise<T> => take(work, unhurried);
  const raw = session.connection;
  const connection = new Proxy(raw, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      return METHODS.has(property)
        ? (...args: unknown[]) => exclusive(async () => method.apply(target, args))
        : method.bind(target);
    },
  }) as DuckDBConnection;
  return {
    connection,
    query: (sql, params) => exclusive(() => session.query(sql, params)),
    run: (sql, params) => exclusive(() => session.run(sql, params)),
    exclusive,
    unhurried: {
      connection,
      query: (sql, params) => later(() => session.query(sql, params)),
      run: (sql, params) => later(() => session.run(sql, params)),
    },
  };
}

/** `work` with no other statement of the session in between, when its statements take turns. */
export function inOneTurn<T>(session: Session, work: () => Promise<T>): Promise<T> {
  const exclusive = (session as Partial<TurnSession>).exclusive;
  return exclusive ? exclusive(work) : work();
}
