/** An error with an HTTP status and a stable code, answered as JSON { error: { code, message } }. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}
