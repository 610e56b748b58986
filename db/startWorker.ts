import { Worker } from "node:worker_threads";

/**
 * A worker thread running the module `file` beside `from` (an `import.meta.url`): the built
 * `.js` in dist/, or, when the sources run through tsx, the `.ts` with tsx's loader registered
 * in the thread first (a worker does not inherit the loader).
 *
 * @example
 *   const worker = startWorker(import.meta.url, "./computeWorker");
 */
export function startWorker(from: string, file: string): Worker {
  if (!from.endsWith(".ts")) return new Worker(new URL(`${file}.js`, from));
  const source = `const { register } = await import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))});
     register();
     await import(${JSON.stringify(new URL(`${file}.ts`, from).href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
}
