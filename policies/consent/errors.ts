/** Errors of policies/consent. */

/** Every reason a consent operation can fail. */
export type ConsentErrorCode = 'INVALID_CONSENT' | 'INVALID_TIME' | 'STORE_FAILED';

/** The base error of policies/consent. */
export class ConsentError extends Error {
  override readonly name = 'ConsentError';
  readonly code: ConsentErrorCode;
  /** The subject concerned, when there is one (a pseudonymous id, never a raw identifier). */
  readonly subjectId: string | undefined;

  constructor(
    code: ConsentErrorCode,
    message: string,
    context: { subjectId?: string; cause?: unknown } = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.subjectId = context.subjectId;
  }
}
