/**
 * The base of the policy areas' errors that carry nothing but a code (in the style of jose's `JOSEError`): the
 * code of the area's closed set, the cause, and the subclass's own name.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
