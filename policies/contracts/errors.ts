import { CodedError } from '../coded-error.ts';

/** The closed set of contract error codes. */
export type ContractErrorCode = 'CONTRACT_INVALID' | 'CONTRACT_CHANGE_REJECTED';

/** Base class of every error policies/contracts raises. */
export class ContractError extends CodedError<ContractErrorCode> {}

/** One reason a contract file or input was refused: which file, which field (dotted path) and why. */
export interface ContractProblem {
  /** The file the contract came from, or `(api)` for an `upsertContract` input. */
  file: string;
  /** Dotted path of the offending field, e.g. `dp.budget.window`; `(root)` for the document itself. */
  field: string;
  reason: string;
}

/** A contract (or host configuration) that does not validate. Carries every problem found. */
export class ContractValidationError extends ContractError {
  readonly problems: readonly ContractProblem[];

  constructor(problems: readonly ContractProblem[], options?: { cause?: unknown }) {
    const first = problems[0];
    const summary =
      first === undefined ? 'invalid contract' : `${first.file}: ${first.field}: ${first.reason}`;
    super(
      'CONTRACT_INVALID',
      problems.length > 1 ? `${summary} (+${problems.length - 1} more)` : summary,
      options,
    );
    this.problems = problems;
  }
}

/** A contract change that was not stored because its change listener (the audit log) failed. */
export class ContractChangeRejectedError extends ContractError {
  readonly partnerId: string;
  readonly version: string;

  constructor(partnerId: string, version: string, options?: { cause?: unknown }) {
    super(
      'CONTRACT_CHANGE_REJECTED',
      `contract ${version} of ${partnerId} was not stored: its change was not recorded`,
      options,
    );
    this.partnerId = partnerId;
    this.version = version;
  }
}
