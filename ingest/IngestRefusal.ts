import { type MessageKey, message, messages } from "../messages/catalogue.ts";

/** A whole-file refusal: nothing was written. Its texts come from the message catalogue. */
export class IngestRefusal extends Error {
  readonly code: MessageKey;
  readonly texts: { zh: string; en: string };
  readonly params: Record<string, string | number>;
  constructor(code: MessageKey, params: Record<string, string | number> = {}) {
    super(message(code, "en", params));
    this.code = code;
    this.params = params;
    this.texts = messages(code, params);
  }
}

/** A cell or line shown inside a message: quoted, control characters visible, at most 60 characters. */
export function showValue(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return JSON.stringify(shown);
}
