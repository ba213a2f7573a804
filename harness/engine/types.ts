/** Amazon States Language shapes, kept loose: the validator checks structure, the interpreter reads fields. */
export type QueryLanguage = "JSONPath" | "JSONata";

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: QueryLanguage;
  TimeoutSeconds?: number;
  Version?: string;
}

/** A state as written in the definition; each interpreter reads only the fields of its type. */
export type StateDefinition = Record<string, any> & { Type: string; QueryLanguage?: QueryLanguage };

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: Record<string, unknown>;
}

/** Terminal status of an execution, as DescribeExecution reports it. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** A finished execution. Workflow failures are values, never thrown. */
export type ExecutionResult =
  | { status: "SUCCEEDED"; output: unknown }
  | { status: "FAILED" | "TIMED_OUT" | "ABORTED"; error?: string; cause?: string };

/** One AWS `GetExecutionHistory` event: `type`, `id`, `previousEventId`, `timestamp` and one `*EventDetails` field. */
export interface HistoryEvent {
  timestamp: Date;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}
