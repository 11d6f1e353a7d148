import { CodedError } from '../coded-error.ts';

/** The closed set of privacy-layer error codes; the gateway maps them to GraphQL `extensions.code`. */
export type PrivacyErrorCode = 'BELOW_THRESHOLD' | 'BUDGET_EXHAUSTED' | 'INVALID_PRIVACY_PARAMETER';

/** Base class of every error the privacy layer raises (in the style of jose's `JOSEError`). */
export class PrivacyError extends CodedError<PrivacyErrorCode> {}

/**
 * A single-value answer (for example a segment size) whose distinct-subject count is below the
 * threshold. The message never carries the true count: that would leak exactly what the threshold hides.
 */
export class BelowThresholdError extends PrivacyError {
  readonly threshold: number;

  constructor(threshold: number, options?: { cause?: unknown }) {
    super(
      'BELOW_THRESHOLD',
      `the answer covers fewer distinct subjects than the threshold ${threshold}`,
      options,
    );
    this.threshold = threshold;
  }
}

/** What a partner's budget looked like when a spend was refused. */
export interface BudgetExhaustedContext {
  partnerId: string;
  contractVersion: string;
  window: string;
  windowStart: string;
  epsilonLimit: number;
  epsilonSpent: number;
  epsilonRequested: number;
}

/** A spend that would take a partner's privacy budget for the current window past its limit. */
export class BudgetExhaustedError extends PrivacyError {
  readonly context: BudgetExhaustedContext;

  constructor(context: BudgetExhaustedContext, options?: { cause?: unknown }) {
    super(
      'BUDGET_EXHAUSTED',
      `privacy budget of ${context.partnerId} for the ${context.window} from ${context.windowStart} is exhausted: ` +
        `spent ${context.epsilonSpent} of ${context.epsilonLimit}, requested ${context.epsilonRequested}`,
      options,
    );
    this.context = context;
  }
}

/** A privacy parameter (epsilon, scale, bound, threshold) outside its valid range. */
export class InvalidPrivacyParameterError extends PrivacyError {
  readonly parameter: string;

  constructor(parameter: string, reason: string, options?: { cause?: unknown }) {
    super('INVALID_PRIVACY_PARAMETER', `invalid ${parameter}: ${reason}`, options);
    this.parameter = parameter;
  }
}
