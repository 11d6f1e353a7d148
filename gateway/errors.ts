/**
 * The gateway's errors. Inside the gateway a `GatewayError` carries a code from a closed union and its context;
 * at the edge it becomes a `GraphQLError` with `extensions.code` through the factories below. Anything else
 * thrown is masked by yoga as INTERNAL_SERVER_ERROR.
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

/** The public error codes (DESIGN.md section 8). */
export type GatewayErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BELOW_THRESHOLD'
  | 'BUDGET_EXHAUSTED'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'DIFFERENCE_CHECK'
  | 'INTERNAL_SERVER_ERROR';

/** Context attached to an error (never PII). */
export interface GatewayErrorContext {
  partnerId?: string;
  contractVersion?: string | null;
  field?: string;
  reason?: string;
  /** Epsilon a refusal was charged (audited with it; never sent to the client). */
  epsilonSpent?: number;
}

/** Base error of the gateway. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly context: GatewayErrorContext;

  constructor(code: GatewayErrorCode, message: string, context: GatewayErrorContext = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'GatewayError';
    this.code = code;
    this.context = context;
  }
}

/** Turn a gateway error into the GraphQL error clients see. */
export function toGraphQLError(error: GatewayError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error.context.reason !== undefined) extensions['reason'] = error.context.reason;
  if (error.context.field !== undefined) extensions['field'] = error.context.field;
  // No `originalError`: yoga masks any GraphQLError wrapping a plain Error, and these are meant to be seen.
  // Built by yoga's own helper so yoga recognizes it whichever copy of graphql the caller loaded.
  return createGraphQLError(error.message, { extensions });
}

function factory(code: GatewayErrorCode, fallback: string) {
  return (message: string = fallback, context: GatewayErrorContext = {}): GraphQLError =>
    toGraphQLError(new GatewayError(code, message, context));
}

/** No or bad credentials. */
export const unauthenticated = factory('UNAUTHENTICATED', 'authentication required');
/** The decision denied the request. */
export const forbidden = factory('FORBIDDEN', 'forbidden');
/** The answer would hold a row below the k-threshold. */
export const belowThreshold = factory('BELOW_THRESHOLD', 'result below the k-threshold');
/** The partner's privacy budget cannot pay for this answer. */
export const budgetExhausted = factory('BUDGET_EXHAUSTED', 'privacy budget exhausted');
/** Invalid input. */
export const badUserInput = factory('BAD_USER_INPUT', 'bad input');
/** Nothing with this id. */
export const notFound = factory('NOT_FOUND', 'not found');
/** Too many requests for the partner's contract. */
export const rateLimited = factory('RATE_LIMITED', 'rate limit exceeded');
/** The request's set of contributing inputs differs from an earlier one by fewer than k (a differencing probe). */
export const differenceCheck = factory('DIFFERENCE_CHECK', 'too close to an earlier request');
/** Something failed on our side (used when failing closed, e.g. the audit append failed). */
export const internalError = factory('INTERNAL_SERVER_ERROR', 'internal server error');

/** Error factory by code. */
export function errorFor(
  code: GatewayErrorCode,
  message?: string,
  context?: GatewayErrorContext,
): GraphQLError {
  return toGraphQLError(new GatewayError(code, message ?? code.toLowerCase().replaceAll('_', ' '), context));
}

/** The `extensions.code` of a GraphQL error, duck-typed (two copies of graphql may be loaded). */
export function extensionCodeOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const extensions = (error as { extensions?: unknown }).extensions;
  return typeof extensions === 'object' && extensions !== null
    ? (extensions as { code?: unknown }).code
    : undefined;
}

/** Whether a value is one of the public error codes. */
export function isGatewayErrorCode(value: unknown): value is GatewayErrorCode {
  return (
    typeof value === 'string' &&
    [
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'BELOW_THRESHOLD',
      'BUDGET_EXHAUSTED',
      'BAD_USER_INPUT',
      'NOT_FOUND',
      'RATE_LIMITED',
      'DIFFERENCE_CHECK',
      'INTERNAL_SERVER_ERROR',
    ].includes(value)
  );
}
