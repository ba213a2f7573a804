/**
 * A Step Functions runtime error (`States.Runtime`, `States.TaskFailed`, `Lambda.ServiceException`, …). The error
 * name is data, not a class: Retry and Catch match on it. `cause` is the human-readable text AWS puts in the
 * `cause` field of failure events.
 */
export class StatesError extends Error {
  override readonly name = "StatesError";
  constructor(
    readonly error: string,
    override readonly cause?: string,
    /**
     * When true the cause is a detail that AWS prefixes with "An error occurred while executing the state 'X'
     * (entered at the event id #N). " — the interpreter adds that prefix where the state is known.
     */
    readonly stateScoped = false,
  ) {
    super(cause === undefined ? error : `${error}: ${cause}`);
  }
}

/** `States.Runtime` with a detail the interpreter prefixes with the state name and entered-event id. */
export function runtimeError(detail: string): StatesError {
  return new StatesError("States.Runtime", detail, true);
}

/** `States.QueryEvaluationError` (JSONata) with a state-scoped detail. */
export function queryEvaluationError(detail: string): StatesError {
  return new StatesError("States.QueryEvaluationError", detail, true);
}

/**
 * Error names that Retry and Catch never intercept: AWS documents States.Runtime (and data-limit failures) as not
 * retriable and not caught by `States.ALL`.
 */
export const UNCATCHABLE = new Set(["States.Runtime", "States.DataLimitExceeded"]);
