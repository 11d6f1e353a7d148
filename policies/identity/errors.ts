/**
 * Errors of policies/identity. Messages never hold the raw identifier that was refused: only what was wrong.
 */

/** Every reason an identity operation can fail. */
export type IdentityErrorCode =
  | 'INVALID_EMAIL'
  | 'INVALID_PHONE'
  | 'INVALID_IDENTIFIER'
  | 'INVALID_SECRET'
  | 'SECRET_FILE_UNREADABLE'
  | 'UNKNOWN_EPOCH'
  | 'STORE_FAILED';

/** Context an identity error may carry (never the identifier itself). */
export interface IdentityErrorContext {
  /** Which input was refused (`email`, `phone`, `customer.phone`, `CLEANROOM_HOST_SECRET`...). */
  field?: string;
  partnerId?: string;
  cause?: unknown;
}

/** The base error of policies/identity. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly code: IdentityErrorCode;
  readonly field: string | undefined;
  readonly partnerId: string | undefined;

  constructor(code: IdentityErrorCode, message: string, context: IdentityErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.field = context.field;
    this.partnerId = context.partnerId;
  }
}

/** Whether a value is an {@link IdentityError}, optionally of one code. */
export function isIdentityError(error: unknown, code?: IdentityErrorCode): error is IdentityError {
  return error instanceof IdentityError && (code === undefined || error.code === code);
}
