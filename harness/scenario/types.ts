/**
 * The scenario model (format version 1): what the world does and what must happen. `*.scenario.yaml` files are
 * validated by the schema in `schema.ts` and loaded into these types by `loader.ts`; the runner only ever sees
 * these types. Durations in files are strings like "10s", "5m", "1h30m" or numbers of seconds; here they are ms.
 */
import type { PipelineConfig } from "../deploy/pipeline-config";

export type AthenaState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

/** A string expectation: exact text, or `{ pattern }` (a regular expression), or `{ contains }`. */
export type TextMatcher = string | { pattern: string } | { contains: string };

/** The scripted Athena query (our Athena emulator's script). */
export interface AthenaScriptSpec {
  /** Lifecycle, advanced one step per GetQueryExecution call (default QUEUED, RUNNING, SUCCEEDED). */
  states: AthenaState[];
  /** Alternative to per-call: advance one step every N ms of (virtual) time. */
  advanceEveryMs?: number;
  /** For FAILED: StateChangeReason and AthenaError fields. */
  failure?: { reason: string; errorCategory?: number; errorType?: number; retryable?: boolean };
  /** Result of a SUCCEEDED query: inline columns/rows, or a CSV fixture (header row first). */
  result?: { columns: string[]; rows: string[][] } | { csv: string; csvFile: string };
  /**
   * Pre-register the query under this id (for scenarios whose Lambda is mocked and returns a fixed id);
   * default: the script applies to the next query started.
   */
  queryExecutionId?: string;
}

/** One mocked invocation, in the Step Functions Local MockConfigFile vocabulary. */
export type MockStep = { Return: unknown; times: number } | { Throw: { Error: string; Cause: string }; times: number };

/**
 * A fault injected on an emulated service for its first `times` matching calls, so the real integration then
 * runs (e.g. Lambda throttled twice, then the real function). Embedded target only; compiled to mocked responses
 * for targets without a control plane.
 */
export type FaultSpec =
  | {
      service: "lambda";
      function: "run-athena-query" | "start-pipeline";
      error: string;
      message?: string;
      times: number;
      status?: number;
    }
  | { service: "athena"; operation: string; error: string; message?: string; times: number; status?: number };

/** How the execution starts. */
export type StartSpec =
  | { kind: "input"; input: unknown; name?: string }
  | {
      kind: "s3";
      /** Key under the raw prefix (prefix added when missing). */
      key: string;
      /** File contents (from `fixture:` or inline `body:`). */
      body: string;
      fixtureFile?: string;
      /** Deliver the same S3 event again after the first run started (S3 at-least-once delivery). */
      duplicateEvent?: boolean;
      /** Upload the same object again (a new PUT: new event, same content). */
      uploadTwice?: boolean;
    };

/** What happens during the run. */
export interface ActionSpec {
  /** Stop the execution (StopExecution) when `state` is entered for the `occurrence`-th time (default 1). */
  when: { stateEntered: string; occurrence: number };
  do: { stop: { error?: string; cause?: string } };
}

export interface S3Expectation {
  /** Default: the data bucket. */
  bucket?: string;
  /** Exact key (may use ${executionName}, ${queryExecutionId}); or `prefix` with `count`. */
  key?: string;
  prefix?: string;
  exists?: boolean;
  count?: number;
  /** Content equal to a fixture file, or to another object. */
  equals?:
    | { fixture: string; fixtureFile: string; content: string }
    | { object: { bucket?: string; key: string } }
    | { athenaResult: true };
  contains?: string;
  matches?: string;
}

export interface SnsExpectation {
  /** Number of messages published to the failure topic. */
  count?: number;
  /** Each listed message must be matched by one published message (in order). */
  messages?: Array<{ subject?: TextMatcher; message?: unknown }>;
}

export interface Expectations {
  status?: "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";
  error?: TextMatcher;
  cause?: TextMatcher;
  /** The ordered states entered: exact list. */
  path?: string[];
  /** States that must appear in this order, others may come between. */
  pathIncludes?: string[];
  /** States that must never be entered. */
  pathExcludes?: string[];
  /** Retries per Task state (failed attempts that were retried). */
  retries?: Record<string, number>;
  s3?: S3Expectation[];
  sns?: SnsExpectation;
  /** Invocations per Lambda (logical names). */
  lambda?: Partial<Record<"run-athena-query" | "start-pipeline", number>>;
  /** JSON subset the execution output must contain. */
  output?: unknown;
  /** Bounds on the simulated execution time (ms). */
  duration?: { minMs?: number; maxMs?: number };
  /** How many executions the scenario must have started (trigger scenarios). */
  executions?: number;
}

export interface Scenario {
  version: 1;
  name: string;
  description?: string;
  /** File it came from (absolute) and its directory, for fixtures and messages. */
  file: string;
  tags: string[];
  /** Deployment overrides (e.g. an invalid production bucket). */
  deploy: Partial<PipelineConfig>;
  start: StartSpec;
  athena?: AthenaScriptSpec;
  faults: FaultSpec[];
  /** Mocked responses per state name (MockConfigFile semantics). */
  mocks: Record<string, MockStep[]>;
  actions: ActionSpec[];
  expect: Expectations;
  /** Per-target wall-time budget for real-time targets (ms). */
  timeoutMs?: number;
}
