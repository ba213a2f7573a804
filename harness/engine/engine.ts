import type { Clock } from "../common/clock";
import { VirtualClock } from "../common/clock";
import { StatesError } from "./errors";
import { HistoryRecorder } from "./history";
import type { IntegrationResolver } from "./integrations";
import { FailStateError, Interpreter, TERMINATED, Termination, type ExecutionRuntime } from "./interpreter";
import type { MockTestCase } from "./mock-config";
import { SeededRandom } from "./random";
import type { ExecutionResult, ExecutionStatus, HistoryEvent, StateMachineDefinition } from "./types";
import { assertValidDefinition } from "./validate";

/** Machine-wide options: fixed for every execution an engine runs. */
export interface EngineOptions {
  clock?: Clock;
  /** Seed of the random source (jitter, UUIDs, `States.MathRandom`, generated names). Default 0. */
  seed?: number;
  integrations?: IntegrationResolver;
  region?: string;
  accountId?: string;
  /** Skip the definition check (only for callers that already checked). */
  skipValidation?: boolean;
  /**
   * How history events name AWS SDK integration tasks (`arn:aws:states:::aws-sdk:s3:getObject`). `"aws"` (default)
   * renders them as AWS does: `resourceType: "aws-sdk:s3"`, `resource: "getObject"`. `"sfn-local"` renders them as
   * AWS Step Functions Local does — `resourceType: "aws-sdk"`, `resource: "s3:getObject"` — which tests written
   * against Step Functions Local assert on (e.g. aws-samples' MockConfigFile sample suites). Optimized integrations
   * (`lambda`/`invoke`, `sqs`/`sendMessage`) are named the same either way. Default: `"sfn-local"` for executions
   * that run a MockConfigFile test case (a Step Functions Local feature), `"aws"` otherwise.
   */
  historyResourceNames?: "aws" | "sfn-local";
}

/** Per-execution options. */
export interface StartOptions {
  /** Execution name; default a UUID from the seeded source. */
  name?: string;
  /** The execution input as a JSON value (default `{}`). */
  input?: unknown;
  /** The mocked-response test case to apply (MockConfigFile semantics). */
  mockTestCase?: MockTestCase;
  roleArn?: string;
  stateMachineName?: string;
  stateMachineArn?: string;
  type?: "STANDARD" | "EXPRESS";
  /**
   * The API the execution was started with (default `StartExecution`). It shows in an Express execution's context
   * object: AWS gives `$$.Execution.RedriveCount: 0` to Express executions started with StartExecution, and none to
   * those started with StartSyncExecution (both recorded against AWS).
   */
  startedBy?: "StartExecution" | "StartSyncExecution";
  /**
   * Observes every history event synchronously as it is recorded, before the execution takes its next step; may
   * call `execution.stop()` (scenario actions such as "stop when state X is entered").
   */
  onEvent?: (event: HistoryEvent, execution: Execution) => void;
}

/** A running or finished execution. */
export class Execution {
  status: ExecutionStatus = "RUNNING";
  result: ExecutionResult | undefined;
  stopDate: number | undefined;
  /** Resolves when the execution reaches a terminal status (never rejects). */
  readonly done: Promise<ExecutionResult>;
  private resolveDone!: (r: ExecutionResult) => void;
  private readonly termination = new Termination();
  private readonly tokens = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; heartbeatMs?: number; timer?: AbortController }
  >();

  constructor(
    readonly arn: string,
    readonly name: string,
    readonly stateMachineArn: string,
    readonly input: unknown,
    readonly startDate: number,
    readonly history: HistoryRecorder,
    private readonly clock: Clock,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** The AWS-shaped history events recorded so far. */
  get events(): HistoryEvent[] {
    return this.history.events;
  }

  /** @internal */
  get terminationHandle(): Termination {
    return this.termination;
  }

  /** @internal settles the execution once. */
  settle(result: ExecutionResult): void {
    if (this.result) return;
    this.result = result;
    this.status = result.status;
    this.stopDate = this.clock.now();
    this.termination.terminate();
    for (const t of this.tokens.values()) t.reject(TERMINATED);
    this.tokens.clear();
    this.resolveDone(result);
  }

  /** StopExecution: ends a running execution as ABORTED. Returns false when it had already ended. */
  stop(error?: string, cause?: string): boolean {
    if (this.result) return false;
    // AWS records ExecutionAborted with previousEventId 0 (LocalStack's AWS-validated snapshot test_sfn_api
    // test_stop_execution: stopped in a Wait, events 1, 2 and then 3 pointing at 0).
    this.history.add("ExecutionAborted", 0, {
      executionAbortedEventDetails: {
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      },
    });
    this.settle({
      status: "ABORTED",
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
    return true;
  }

  /** @internal waits for SendTaskSuccess/Failure; with `heartbeatSeconds`, fails with States.HeartbeatTimeout when
   * no heartbeat (or answer) arrives in time. */
  awaitToken(token: string, heartbeatSeconds?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.tokens.set(token, {
        resolve,
        reject,
        ...(heartbeatSeconds !== undefined ? { heartbeatMs: heartbeatSeconds * 1000 } : {}),
      });
      this.armHeartbeat(token);
    });
  }

  private armHeartbeat(token: string): void {
    const t = this.tokens.get(token);
    if (!t || t.heartbeatMs === undefined) return;
    t.timer?.abort();
    const timer = new AbortController();
    t.timer = timer;
    this.clock
      .sleep(t.heartbeatMs, AbortSignal.any([timer.signal, this.termination.signal]))
      .then(() => {
        if (this.tokens.get(token) !== t) return;
        this.tokens.delete(token);
        t.reject(new StatesError("States.HeartbeatTimeout", undefined));
      })
      .catch(() => {});
  }

  /** SendTaskHeartbeat: restarts the heartbeat timer of a waiting task. */
  heartbeat(token: string): boolean {
    if (!this.tokens.has(token)) return false;
    this.armHeartbeat(token);
    return true;
  }

  /** SendTaskSuccess / SendTaskFailure for a `.waitForTaskToken` task of this execution. */
  completeToken(token: string, outcome: { output: unknown } | { error: string; cause?: string }): boolean {
    const t = this.tokens.get(token);
    if (!t) return false;
    this.tokens.delete(token);
    t.timer?.abort();
    if ("output" in outcome) t.resolve(outcome.output);
    else t.reject(new StatesError(outcome.error, outcome.cause));
    return true;
  }

  hasToken(token: string): boolean {
    return this.tokens.has(token);
  }
}

/**
 * The embedded Step Functions engine: runs definitions on an injected clock, recording AWS-shaped histories.
 * Stateless between executions except for the random source, so the same seed gives the same run.
 */
export class Engine {
  readonly clock: Clock;
  private readonly random: SeededRandom;
  private readonly region: string;
  private readonly accountId: string;
  private readonly validated = new WeakSet<object>();

  constructor(private readonly options: EngineOptions = {}) {
    this.clock = options.clock ?? new VirtualClock(Date.UTC(2024, 0, 1));
    this.random = new SeededRandom(options.seed ?? 0);
    this.region = options.region ?? "us-east-1";
    this.accountId = options.accountId ?? "000000000000";
  }

  /** Starts an execution; the returned {@link Execution} runs in the background (await `done`). */
  start(definition: StateMachineDefinition, options: StartOptions = {}): Execution {
    if (!this.options.skipValidation && !this.validated.has(definition)) {
      assertValidDefinition(definition);
      // Checked once per definition object; callers must not mutate a definition between executions.
      this.validated.add(definition);
    }
    const smName = options.stateMachineName ?? "StateMachine";
    const smArn = options.stateMachineArn ?? `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${smName}`;
    const name = options.name ?? this.random.uuid();
    const express = options.type === "EXPRESS";
    // Express execution ARNs carry an extra id segment: …:express:<sm>:<name>:<uuid>.
    const execArn =
      smArn.replace(":stateMachine:", express ? ":express:" : ":execution:") +
      `:${name}` +
      (express ? `:${this.random.uuid()}` : "");
    const input = options.input === undefined ? {} : options.input;
    const roleArn = options.roleArn ?? `arn:aws:iam::${this.accountId}:role/StepFunctionsExecutionRole`;
    const history = new HistoryRecorder(this.clock);
    const start = this.clock.now();
    const execution = new Execution(execArn, name, smArn, input, start, history, this.clock);
    const onEvent = options.onEvent;
    if (onEvent) history.listener = (event) => onEvent(event, execution);
    history.add("ExecutionStarted", 0, {
      executionStartedEventDetails: {
        input: JSON.stringify(input),
        inputDetails: { truncated: false },
        roleArn,
      },
    });
    const runtime: ExecutionRuntime = {
      clock: this.clock,
      random: this.random,
      history,
      integrations: this.options.integrations ?? (() => undefined),
      ...(options.mockTestCase ? { mocks: options.mockTestCase.cursor() } : {}),
      // A MockConfigFile test case is Step Functions Local's feature: its executions are named as SFN Local names them
      // (tests written against it assert on that), unless the caller chose a naming.
      historyResourceNames: this.options.historyResourceNames ?? (options.mockTestCase ? "sfn-local" : "aws"),
      region: this.region,
      accountId: this.accountId,
      context: {
        // Key order as AWS renders `$$.Execution`; synchronous Express executions have no RedriveCount.
        Execution: express
          ? {
              Id: execArn,
              Input: input,
              Name: name,
              RoleArn: roleArn,
              StartTime: new Date(start).toISOString(),
              ...(options.startedBy === "StartSyncExecution" ? {} : { RedriveCount: 0 }),
            }
          : {
              Id: execArn,
              Input: input,
              StartTime: new Date(start).toISOString(),
              Name: name,
              RoleArn: roleArn,
              RedriveCount: 0,
            },
        StateMachine: { Id: smArn, Name: smName },
      },
      termination: execution.terminationHandle,
      awaitTaskToken: (token, heartbeatSeconds) => execution.awaitToken(token, heartbeatSeconds),
    };
    const interpreter = new Interpreter(runtime);
    const run = async () => {
      try {
        const output = await interpreter.run(definition, input);
        if (execution.result) return;
        history.add("ExecutionSucceeded", history.lastId, {
          executionSucceededEventDetails: {
            output: JSON.stringify(output) ?? "null",
            outputDetails: { truncated: false },
          },
        });
        execution.settle({ status: "SUCCEEDED", output });
      } catch (e) {
        if (execution.result || e === TERMINATED) return;
        const { error, cause } = failureOf(e);
        history.add("ExecutionFailed", history.lastId, {
          executionFailedEventDetails: {
            ...(error !== undefined ? { error } : {}),
            ...(cause !== undefined ? { cause } : {}),
          },
        });
        execution.settle({
          status: "FAILED",
          ...(error !== undefined ? { error } : {}),
          ...(cause !== undefined ? { cause } : {}),
        });
      }
    };
    const timeout = definition.TimeoutSeconds;
    if (timeout !== undefined) {
      void this.clock
        .sleep(timeout * 1000, execution.terminationHandle.signal)
        .then(() => {
          if (execution.result) return;
          history.add("ExecutionTimedOut", history.lastId, {
            executionTimedOutEventDetails: {
              error: "States.Timeout",
              cause: `The execution exceeded its TimeoutSeconds of ${timeout}.`,
            },
          });
          execution.settle({ status: "TIMED_OUT", error: "States.Timeout" });
        })
        .catch(() => {});
    }
    void run();
    return execution;
  }

  /** Runs an execution to its end and returns the result with the history. */
  async run(
    definition: StateMachineDefinition,
    options: StartOptions = {},
  ): Promise<{ result: ExecutionResult; execution: Execution }> {
    const execution = this.start(definition, options);
    const result = await execution.done;
    return { result, execution };
  }
}

function failureOf(e: unknown): { error?: string; cause?: string } {
  if (e instanceof FailStateError) {
    return {
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
    };
  }
  if (e instanceof StatesError) return { error: e.error, ...(e.cause !== undefined ? { cause: e.cause } : {}) };
  return { error: "States.Runtime", cause: e instanceof Error ? e.message : String(e) };
}
