/**
 * The one error type actlab throws for bad input: it says what was wrong,
 * where, and (in `hint`) how to fix it.
 * @module
 */

/** An error caused by bad input or an unavailable resource, with a fix hint. */
export class ActlabError extends Error {
  /** How to fix the problem, in one sentence (may be empty). */
  readonly hint: string;

  /** Create an error; `hint` is appended to the message so it is never lost. */
  constructor(message: string, hint = "") {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = "ActlabError";
    this.hint = hint;
  }
}
