/** Errors of the simulator. */

/** Closed set of simulator error codes. */
export type SimulatorErrorCode = 'INVALID_OPTION' | 'ALREADY_STARTED' | 'OUTPUT_FAILED' | 'LOG_UNAVAILABLE';

/** Context of a simulator error. */
export interface SimulatorErrorContext {
  /** The option or argument at fault, when there is one. */
  option?: string;
  cause?: unknown;
}

/** An error of the simulator with a code from a closed set and the option at fault. */
export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
  readonly code: SimulatorErrorCode;
  readonly option: string | undefined;

  constructor(code: SimulatorErrorCode, message: string, context: SimulatorErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.option = context.option;
  }
}

/** Whether a value is a {@link SimulatorError}. */
export function isSimulatorError(value: unknown): value is SimulatorError {
  return value instanceof SimulatorError;
}
