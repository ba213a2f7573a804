/**
 * Hand-built scenario results for the reporter tests: histories shaped exactly like the embedded engine's (and
 * AWS's) `GetExecutionHistory` events for the healthcare pipeline — ids, `previousEventId` chains, details — without
 * running an engine, so the reporter tests do not move when the engine does.
 */
import definitionJson from "../../asl/healthcare-pipeline-orchestrator.asl.json";
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import type { ExecutionRecord, RunSummary, ScenarioRunResult } from "../runner/types";
import type { TargetName } from "../targets/target";

export const PIPELINE = definitionJson as unknown as StateMachineDefinition;
export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

/** Appends AWS-shaped events; `previousEventId` follows the current branch of control like the engine's recorder. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private now: number;
  private prev = 0;

  constructor(readonly startMs: number = T0) {
    this.now = startMs;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  add(type: string, details?: Record<string, unknown>, previousEventId = this.prev): number {
    const id = this.events.length + 1;
    this.events.push({ timestamp: new Date(this.now), type, id, previousEventId, ...(details ?? {}) });
    this.prev = id;
    return id;
  }

  start(input: unknown = {}): this {
    this.add("ExecutionStarted", {
      executionStartedEventDetails: {
        input: JSON.stringify(input),
        inputDetails: { truncated: false },
        roleArn: "arn:aws:iam::000000000000:role/StepFunctionsExecutionRole",
      },
    });
    this.prev = 0; // AWS: the first state entered points at 0, not at ExecutionStarted.
    return this;
  }

  enter(type: string, name: string): this {
    this.add(`${type}StateEntered`, {
      stateEnteredEventDetails: { name, input: "{}", inputDetails: { truncated: false } },
    });
    return this;
  }

  exit(type: string, name: string): this {
    this.add(`${type}StateExited`, {
      stateExitedEventDetails: { name, output: "{}", outputDetails: { truncated: false } },
    });
    return this;
  }

  /** One attempt of a Task: scheduled, started, then succeeded or failed. */
  attempt(resourceType: string, resource: string, outcome: { output: unknown } | { error: string; cause: string }) {
    this.add("TaskScheduled", {
      taskScheduledEventDetails: { resourceType, resource, region: "us-east-1", parameters: "{}" },
    });
    this.add("TaskStarted", { taskStartedEventDetails: { resourceType, resource } });
    if ("output" in outcome) {
      this.add("TaskSucceeded", {
        taskSucceededEventDetails: {
          resourceType,
          resource,
          output: JSON.stringify(outcome.output),
          outputDetails: { truncated: false },
        },
      });
    } else {
      this.add("TaskFailed", {
        taskFailedEventDetails: { resourceType, resource, error: outcome.error, cause: outcome.cause },
      });
    }
    return this;
  }

  /** A whole Task state: entered, attempts (with backoff between), exited. */
  task(
    name: string,
    resourceType: string,
    resource: string,
    attempts: Array<{ output: unknown } | { error: string; cause: string; retryAfterMs?: number }>,
  ): this {
    this.enter("Task", name);
    for (const a of attempts) {
      this.attempt(resourceType, resource, a);
      if ("retryAfterMs" in a && a.retryAfterMs !== undefined) this.advance(a.retryAfterMs);
    }
    return this.exit("Task", name);
  }

  pass(type: "Pass" | "Choice", name: string): this {
    return this.enter(type, name).exit(type, name);
  }

  wait(name: string, ms: number): this {
    this.enter("Wait", name).advance(ms);
    return this.exit("Wait", name);
  }

  succeed(output: unknown = {}): this {
    this.add("ExecutionSucceeded", {
      executionSucceededEventDetails: { output: JSON.stringify(output), outputDetails: { truncated: false } },
    });
    return this;
  }

  fail(error: string, cause: string): this {
    this.add("ExecutionFailed", { executionFailedEventDetails: { error, cause } });
    return this;
  }

  get elapsed(): number {
    return this.now - this.startMs;
  }
}

const ATHENA = ["aws-sdk:athena", "getQueryExecution"] as const;

/** The happy path with one RUNNING poll: Run → Wait → Get → Check → CountPoll → Wait → Get → Check → Copy → Success. */
export function happyHistory(): HistoryBuilder {
  const h = new HistoryBuilder().start({ source: "manual" });
  h.task("RunAthenaQueryLambda", "lambda", "invoke", [{ output: { Payload: { QueryExecutionId: "q-1" } } }]);
  h.wait("WaitBeforePoll", 10_000);
  h.task("GetAthenaQueryExecution", ...ATHENA, [{ output: { QueryExecution: { Status: { State: "RUNNING" } } } }]);
  h.pass("Choice", "CheckAthenaStatus").pass("Pass", "CountPoll");
  h.wait("WaitBeforePoll", 10_000);
  h.task("GetAthenaQueryExecution", ...ATHENA, [{ output: { QueryExecution: { Status: { State: "SUCCEEDED" } } } }]);
  h.pass("Choice", "CheckAthenaStatus");
  h.advance(120);
  h.task("CopyResultsToProduction", "aws-sdk:s3", "copyObject", [{ output: { CopyObjectResult: { ETag: '"e1"' } } }]);
  h.enter("Succeed", "Success").exit("Succeed", "Success");
  return h.succeed({ copy: { ETag: '"e1"' } });
}

export const INJECTED_REASON = `TABLE_NOT_FOUND: <script>alert("pwned")</script> & "quotes" 'single' \u001b[31m`;

/**
 * Throttled Lambda (2 retries), four RUNNING polls, the query FAILED, the failure path with an SNS retry, and the
 * Fail state. The Athena reason carries markup, quotes and an ANSI escape to test escaping.
 */
export function failingHistory(polls = 4): HistoryBuilder {
  const h = new HistoryBuilder().start({ source: "manual" });
  const throttled = { error: "Lambda.TooManyRequestsException", cause: "Rate exceeded" };
  h.task("RunAthenaQueryLambda", "lambda", "invoke", [
    { ...throttled, retryAfterMs: 1254 },
    { ...throttled, retryAfterMs: 3211 },
    { output: { Payload: { QueryExecutionId: "q-1" } } },
  ]);
  for (let i = 0; i < polls; i++) {
    h.wait("WaitBeforePoll", 10_000);
    h.task("GetAthenaQueryExecution", ...ATHENA, [{ output: { QueryExecution: { Status: { State: "RUNNING" } } } }]);
    h.pass("Choice", "CheckAthenaStatus").pass("Pass", "CountPoll");
  }
  h.wait("WaitBeforePoll", 10_000);
  h.task("GetAthenaQueryExecution", ...ATHENA, [
    { output: { QueryExecution: { Status: { State: "FAILED", StateChangeReason: INJECTED_REASON } } } },
  ]);
  h.pass("Choice", "CheckAthenaStatus").pass("Pass", "QueryFailed");
  h.task("NotifyFailureSNS", "sns", "publish", [
    { error: "SNS.ThrottledException", cause: "Rate exceeded", retryAfterMs: 1000 },
    { output: { MessageId: "m-1" } },
  ]);
  h.enter("Fail", "PipelineFailed");
  const cause = JSON.stringify({ State: "FAILED", StateChangeReason: INJECTED_REASON });
  return h.fail("Athena.QueryFailed", cause);
}

function record(h: HistoryBuilder, name: string): ExecutionRecord {
  const last = h.events[h.events.length - 1]!;
  const d = (last.executionFailedEventDetails ?? {}) as { error?: string; cause?: string };
  const status = last.type === "ExecutionSucceeded" ? "SUCCEEDED" : "FAILED";
  return {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:healthcare-pipeline-orchestrator:${name}`,
    name,
    status,
    ...(d.error !== undefined ? { error: d.error } : {}),
    ...(d.cause !== undefined ? { cause: d.cause } : {}),
    ...(status === "SUCCEEDED" ? { output: { copy: { ETag: '"e1"' } } } : {}),
    startDate: h.startMs,
    stopDate: h.startMs + h.elapsed,
    history: h.events,
  };
}

export const HAPPY_PATH = [
  "RunAthenaQueryLambda",
  "WaitBeforePoll",
  "GetAthenaQueryExecution",
  "CheckAthenaStatus",
  "CountPoll",
  "WaitBeforePoll",
  "GetAthenaQueryExecution",
  "CheckAthenaStatus",
  "CopyResultsToProduction",
  "Success",
];

/** States entered by {@link failingHistory}, in order. */
export function failingPath(polls = 4): string[] {
  const loop = Array.from({ length: polls }, () => [
    "WaitBeforePoll",
    "GetAthenaQueryExecution",
    "CheckAthenaStatus",
    "CountPoll",
  ]).flat();
  return [
    "RunAthenaQueryLambda",
    ...loop,
    "WaitBeforePoll",
    "GetAthenaQueryExecution",
    "CheckAthenaStatus",
    "QueryFailed",
    "NotifyFailureSNS",
    "PipelineFailed",
  ];
}

export function passingResult(target: TargetName = "embedded"): ScenarioRunResult {
  const h = happyHistory();
  const ex = record(h, "happy-1");
  return {
    scenario: {
      name: "success",
      file: "scenarios/success.scenario.yaml",
      description: "The query succeeds after one poll and the CSV lands in production.",
      tags: ["happy-path"],
    },
    target,
    outcome: "passed",
    execution: ex,
    executions: [ex],
    definition: PIPELINE,
    expectations: [
      { name: "status", status: "passed", expected: "SUCCEEDED", actual: "SUCCEEDED", message: "status is SUCCEEDED" },
      { name: "path", status: "passed", expected: HAPPY_PATH, actual: HAPPY_PATH, message: "path matches (10 states)" },
    ],
    wallMs: 42,
    simulatedMs: h.elapsed,
  };
}

export function failingResult(target: TargetName = "embedded"): ScenarioRunResult {
  const h = failingHistory();
  const ex = record(h, "athena-fails-1");
  const actualPath = failingPath();
  return {
    scenario: {
      name: "athena-query-fails",
      file: "scenarios/athena-query-fails.scenario.yaml",
      tags: ["failure"],
    },
    target,
    outcome: "failed",
    execution: ex,
    executions: [ex],
    definition: PIPELINE,
    expectations: [
      {
        name: "status",
        status: "failed",
        expected: "SUCCEEDED",
        actual: "FAILED",
        message: "expected SUCCEEDED, got FAILED",
      },
      {
        name: "path",
        status: "failed",
        expected: HAPPY_PATH,
        actual: actualPath,
        message: "the states entered differ",
      },
      {
        name: "retries.RunAthenaQueryLambda",
        status: "passed",
        expected: 2,
        actual: 2,
        message: "2 retried attempts",
      },
      {
        name: "output",
        status: "failed",
        expected: { copy: { ETag: '"e1"' }, rows: 3 },
        actual: undefined,
        message: "the execution has no output (it FAILED)",
      },
    ],
    wallMs: 1234,
    simulatedMs: h.elapsed,
  };
}

export const HARNESS_ERROR =
  "TargetUnavailableError: target 'localstack' is unavailable: no container runtime answered\n" +
  "  tried: unix:///var/run/docker.sock (ENOENT)\n  tried: podman (not installed)";

export function errorResult(target: TargetName = "embedded"): ScenarioRunResult {
  return {
    scenario: { name: "docker-only", file: "scenarios/docker-only.scenario.yaml", tags: [] },
    target,
    outcome: "error",
    error: HARNESS_ERROR,
    executions: [],
    expectations: [],
    wallMs: 7,
    simulatedMs: 0,
  };
}

/** A pass with one expectation the target cannot observe (the production copy is mocked on sfn-local). */
export function notObservableResult(target: TargetName = "embedded"): ScenarioRunResult {
  const r = passingResult(target);
  return {
    ...r,
    scenario: { ...r.scenario, name: "copy-lands-in-production", file: "scenarios/copy.scenario.yaml" },
    expectations: [
      ...r.expectations,
      {
        name: "s3[0] healthcare-data/production/state_counts/happy-1.csv",
        status: "not-observable",
        expected: { athenaResult: true },
        message: "copyObject is mocked on this target, so the production object is never written",
      },
    ],
    wallMs: 55,
  };
}

/** All four fixtures in one run summary, totals computed from them. */
export function summaryOf(results: ScenarioRunResult[], target: TargetName = "embedded"): RunSummary {
  return {
    target,
    results,
    passed: results.filter((r) => r.outcome === "passed").length,
    failed: results.filter((r) => r.outcome === "failed").length,
    errors: results.filter((r) => r.outcome === "error").length,
    wallMs: results.reduce((n, r) => n + r.wallMs, 0),
    simulatedMs: results.reduce((n, r) => n + r.simulatedMs, 0),
  };
}

export function allFixtures(target: TargetName = "embedded"): ScenarioRunResult[] {
  return [passingResult(target), failingResult(target), errorResult(target), notObservableResult(target)];
}
