/** Where a notebook failed: the notebook, the block (when there is one) and the file line. */
export interface NotebookPlace {
  notebook: string;
  block?: string;
  line?: number;
}

/**
 * A notebook that cannot be parsed or run. The message names the place first
 * (`weighting.md, block "margins", line 42: ...`) and then the cause, often the database's
 * own message; the CLI and the server show it as is.
 */
export class NotebookError extends Error {
  readonly place: NotebookPlace;
  readonly detail: string;
  constructor(place: NotebookPlace, detail: string, options: { cause?: unknown } = {}) {
    super(`${describePlace(place)}: ${detail}`, options);
    this.name = "NotebookError";
    this.place = place;
    this.detail = detail;
  }
}

export function describePlace(place: NotebookPlace): string {
  const parts = [`notebook ${place.notebook}`];
  if (place.block !== undefined) parts.push(`block "${place.block}"`);
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  return parts.join(", ");
}
