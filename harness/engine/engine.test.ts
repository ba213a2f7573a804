import { VirtualClock } from "../common/clock";
import { Engine } from "./engine";
import { StatesError } from "./errors";
import { InMemoryIntegrations } from "./integrations";
import { MockConfigFile } from "./mock-config";
import type { HistoryEvent, StateMachineDefinition } from "./types";

const T0 = Date.UTC(2024, 0, 1);

function engineWith(integrations?: InMemoryIntegrations, seed = 1) {
  const clock = new VirtualClock(T0);
  return new Engine({ clock, seed, ...(integrations ? { integrations: integrations.resolve } : {}) });
}

const types = (events: HistoryEvent[]) => events.map((e) => e.type);
const at = (events: HistoryEvent[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.timestamp.getTime() - T0);

describe("Pass, Succeed and data flow (JSONPath)", () => {
  it("applies InputPath → Parameters → ResultPath → OutputPath in AWS order", async () => {
    const def: StateMachineDefinition = {
      StartAt: "P",
      States: {
        P: {
          Type: "Pass",
          InputPath: "$.in",
          Parameters: { "doubled.$": "$.v", fixed: 1, "ctx.$": "$$.State.Name" },
          ResultPath: "$.in.result",
          OutputPath: "$.in",
          End: true,
        },
      },
    };
    const { result } = await engineWith().run(def, { input: { in: { v: 2 }, other: true } });
    expect(result).toEqual({ status: "SUCCEEDED", output: { v: 2, result: { doubled: 2, fixed: 1, ctx: "P" } } });
  });

  it("ResultPath null keeps the input; OutputPath null gives {}", async () => {
    const def: StateMachineDefinition = {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Result: 1, ResultPath: null, Next: "B" },
        B: { Type: "Pass", OutputPath: null, End: true },
      },
    };
    const { execution } = await engineWith().run(def, { input: { x: 1 } });
    const exited = execution.events
      .filter((e) => e.type === "PassStateExited")
      .map((e) => (e.stateExitedEventDetails as any).output);
    expect(exited).toEqual(['{"x":1}', "{}"]);
  });

  it("fails with States.Runtime naming the state, event id and path when a path is missing", async () => {
    const def: StateMachineDefinition = {
      StartAt: "P",
      States: { P: { Type: "Pass", InputPath: "$.nope", End: true } },
    };
    const { result } = await engineWith().run(def, { input: {} });
    expect(result).toEqual({
      status: "FAILED",
      error: "States.Runtime",
      cause:
        "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']",
    });
  });

  it("records AWS-shaped events with ids and previousEventId", async () => {
    const def: StateMachineDefinition = {
      StartAt: "P",
      States: { P: { Type: "Pass", Next: "S" }, S: { Type: "Succeed" } },
    };
    const { execution } = await engineWith().run(def, { input: { a: 1 } });
    expect(execution.events.map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, "ExecutionStarted"],
      [2, 0, "PassStateEntered"],
      [3, 2, "PassStateExited"],
      [4, 3, "SucceedStateEntered"],
      [5, 4, "SucceedStateExited"],
      [6, 5, "ExecutionSucceeded"],
    ]);
    expect(execution.events[1]).toMatchObject({
      stateEnteredEventDetails: { name: "P", input: '{"a":1}', inputDetails: { truncated: false } },
    });
  });
});

describe("Wait on virtual time", () => {
  it("a 10-second Wait costs no wall time but 10 s of execution time", async () => {
    const def: StateMachineDefinition = { StartAt: "W", States: { W: { Type: "Wait", Seconds: 10, End: true } } };
    const wall = Date.now();
    const { execution } = await engineWith().run(def);
    expect(Date.now() - wall).toBeLessThan(1000);
    expect(execution.stopDate! - execution.startDate).toBe(10_000);
    expect(at(execution.events, "WaitStateExited")).toEqual([10_000]);
  });

  it("SecondsPath must be a non-negative integer", async () => {
    const def: StateMachineDefinition = {
      StartAt: "W",
      States: { W: { Type: "Wait", SecondsPath: "$.s", End: true } },
    };
    const { result } = await engineWith().run(def, { input: { s: 1.5 } });
    expect(result).toMatchObject({
      error: "States.Runtime",
      cause: expect.stringContaining("cannot be parsed as a long value: $.s == 1.5"),
    });
  });

  it("TimestampPath waits until the instant", async () => {
    const def: StateMachineDefinition = {
      StartAt: "W",
      States: { W: { Type: "Wait", TimestampPath: "$.t", End: true } },
    };
    const { execution } = await engineWith().run(def, { input: { t: "2024-01-01T00:01:00Z" } });
    expect(execution.stopDate! - T0).toBe(60_000);
  });
});

describe("Task, Retry and Catch", () => {
  const flaky = (failures: number, error = "Lambda.ServiceException") => {
    let n = 0;
    return new InMemoryIntegrations().on("lambda:invoke", () => {
      if (n++ < failures) throw new StatesError(error, `attempt ${n} failed`);
      return { StatusCode: 200, Payload: { ok: n } };
    });
  };
  const taskDef = (retry: object[], extra: Record<string, unknown> = {}): StateMachineDefinition => ({
    StartAt: "T",
    States: {
      T: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "f" },
        Retry: retry,
        ...extra,
        End: true,
      },
      // Only present when a Catch leads to it (the definition check rejects unreachable states).
      ...("Catch" in extra ? { Caught: { Type: "Pass", End: true } } : {}),
    },
  });

  it("retries with exponential backoff on the virtual clock, one Scheduled/Started/Failed cycle per attempt", async () => {
    const def = taskDef([
      { ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 },
    ]);
    const { result, execution } = await engineWith(flaky(2)).run(def);
    expect(result).toEqual({ status: "SUCCEEDED", output: { StatusCode: 200, Payload: { ok: 3 } } });
    expect(types(execution.events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(at(execution.events, "TaskScheduled")).toEqual([0, 2000, 8000]);
    expect(execution.events[2]).toMatchObject({
      taskScheduledEventDetails: {
        resourceType: "lambda",
        resource: "invoke",
        region: "us-east-1",
        parameters: '{"FunctionName":"f"}',
      },
    });
    expect(execution.events[4]).toMatchObject({
      taskFailedEventDetails: {
        resourceType: "lambda",
        resource: "invoke",
        error: "Lambda.ServiceException",
        cause: "attempt 1 failed",
      },
    });
  });

  it("MaxDelaySeconds caps the backoff and FULL jitter is deterministic per seed", async () => {
    const retry = [
      {
        ErrorEquals: ["States.ALL"],
        IntervalSeconds: 10,
        BackoffRate: 10,
        MaxAttempts: 3,
        MaxDelaySeconds: 15,
        JitterStrategy: "FULL",
      },
    ];
    const run = async (seed: number) =>
      at((await engineWith(flaky(3), seed).run(taskDef(retry))).execution.events, "TaskScheduled");
    const a = await run(5);
    expect(a).toHaveLength(4);
    for (let i = 1; i < a.length; i++) expect(a[i]! - a[i - 1]!).toBeLessThanOrEqual(15_000);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it("MaxAttempts 0 never retries; exhausted retries fall through to Catch with ResultPath", async () => {
    const def = taskDef([{ ErrorEquals: ["States.ALL"], MaxAttempts: 0 }], {
      Catch: [{ ErrorEquals: ["States.TaskFailed"], ResultPath: "$.err", Next: "Caught" }],
      End: undefined,
      Next: "Caught",
    });
    delete (def.States.T as any).End;
    const { result, execution } = await engineWith(flaky(5)).run(def, { input: { keep: 1 } });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: { keep: 1, err: { Error: "Lambda.ServiceException", Cause: "attempt 1 failed" } },
    });
    expect(types(execution.events).filter((t) => t === "TaskFailed")).toHaveLength(1);
  });

  it("the first matching retrier wins, even when exhausted", async () => {
    const def = taskDef([
      { ErrorEquals: ["Lambda.ServiceException"], MaxAttempts: 1, IntervalSeconds: 1 },
      { ErrorEquals: ["States.ALL"], MaxAttempts: 5, IntervalSeconds: 1 },
    ]);
    const { result, execution } = await engineWith(flaky(10)).run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "Lambda.ServiceException" });
    expect(types(execution.events).filter((t) => t === "TaskFailed")).toHaveLength(2);
  });

  it("States.TaskFailed does not match States.Timeout; TimeoutSeconds times out on the virtual clock", async () => {
    const never = new InMemoryIntegrations().on("lambda:invoke", () => new Promise(() => {}));
    const clock = new VirtualClock(T0);
    // A hanging in-memory call is held by the clock; release it so the timeout can fire.
    const engine = new Engine({ clock, integrations: never.resolve });
    (clock as any).hold = (p: Promise<unknown>) => p;
    const def = taskDef([], {
      TimeoutSeconds: 5,
      Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Caught" }],
    });
    const { result, execution } = await engine.run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    expect(types(execution.events)).toContain("TaskTimedOut");
    expect(execution.stopDate! - T0).toBe(5000);
  });

  it("States.Runtime is not caught by States.ALL", async () => {
    const def: StateMachineDefinition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { "x.$": "$.missing" },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "C" }],
          End: true,
        },
        C: { Type: "Pass", End: true },
      },
    };
    const { result } = await engineWith(flaky(0)).run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "States.Runtime" });
  });

  it("an un-mocked Task without integration fails clearly naming the state and resource", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Copy",
      States: { Copy: { Type: "Task", Resource: "arn:aws:states:::aws-sdk:s3:copyObject", Parameters: {}, End: true } },
    };
    const { result } = await engineWith().run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "States.Runtime" });
    expect((result as any).cause).toMatch(/resource 'arn:aws:states:::aws-sdk:s3:copyObject' in state 'Copy'/);
  });

  it("legacy Lambda ARNs record LambdaFunction* events and pass the payload through", async () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    const def: StateMachineDefinition = { StartAt: "L", States: { L: { Type: "Task", Resource: arn, End: true } } };
    const integ = new InMemoryIntegrations().on(arn, (p: any) => ({ echo: p }));
    const { result, execution } = await engineWith(integ).run(def, { input: { a: 1 } });
    expect(result).toEqual({ status: "SUCCEEDED", output: { echo: { a: 1 } } });
    expect(types(execution.events).slice(2, 5)).toEqual([
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
    ]);
  });
});

describe("MockConfigFile semantics", () => {
  const def: StateMachineDefinition = {
    StartAt: "Invoke",
    States: {
      Invoke: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Retry: [{ ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 1, MaxAttempts: 3 }],
        Next: "Poll",
      },
      Poll: { Type: "Task", Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution", Next: "Check" },
      Check: {
        Type: "Choice",
        Choices: [{ Variable: "$.QueryExecution.Status.State", StringEquals: "SUCCEEDED", Next: "Done" }],
        Default: "Poll",
      },
      Done: { Type: "Succeed" },
    },
  };
  const mocks = MockConfigFile.parse({
    StateMachines: {
      sm: {
        TestCases: {
          Happy: { Invoke: "ThrottledTwice", Poll: "RunningThenSucceeded" },
          Short: { Invoke: "ThrottledTwice", Poll: "OnlyRunning" },
        },
      },
    },
    MockedResponses: {
      ThrottledTwice: {
        "0-1": { Throw: { Error: "Lambda.TooManyRequestsException", Cause: "slow down" } },
        "2": { Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-1" } } },
      },
      RunningThenSucceeded: {
        "0-1": { Return: { QueryExecution: { Status: { State: "RUNNING" } } } },
        "2": { Return: { QueryExecution: { Status: { State: "SUCCEEDED" } } } },
      },
      OnlyRunning: { "0": { Return: { QueryExecution: { Status: { State: "RUNNING" } } } } },
    },
  });

  it("counts invocations per state per execution, retries included", async () => {
    const { result, execution } = await engineWith().run(def, { mockTestCase: mocks.testCase("sm", "Happy")! });
    expect(result.status).toBe("SUCCEEDED");
    expect(types(execution.events).filter((t) => t === "TaskFailed")).toHaveLength(2);
    expect(types(execution.events).filter((t) => t === "TaskStateEntered")).toHaveLength(4);
    // A second execution starts its counters again.
    expect((await engineWith().run(def, { mockTestCase: mocks.testCase("sm", "Happy")! })).result.status).toBe(
      "SUCCEEDED",
    );
  });

  it("fails the execution when an invocation has no numbered response", async () => {
    const { result } = await engineWith().run(def, { mockTestCase: mocks.testCase("sm", "Short")! });
    expect(result).toMatchObject({ status: "FAILED", error: "States.Runtime" });
    expect((result as any).cause).toMatch(/No mocked response for invocation #1 of state 'Poll'/);
  });

  it("rejects malformed mock files with every problem and its path", () => {
    expect(() =>
      MockConfigFile.parse({
        StateMachines: { sm: { TestCases: { t: { A: "Missing" } } } },
        MockedResponses: {
          R: { "0": { Return: 1 }, "2": { Throw: { Error: "E", Cause: "c" } } },
          Bad: { x: { Return: 1 } },
        },
      }),
    ).toThrow(/MockedResponses\.Bad\.x: invocation keys are "N" or "N-M"/);
    expect(() =>
      MockConfigFile.parse({
        StateMachines: { sm: { TestCases: { t: { A: "Missing" } } } },
        MockedResponses: { R: { "0": { Return: 1 }, "2": { Throw: { Error: "E", Cause: "c" } } } },
      }),
    ).toThrow(/consecutive from 0; expected "1" but found "2"[\s\S]*'Missing' is not defined/);
    expect(() =>
      MockConfigFile.parse({
        StateMachines: {},
        MockedResponses: { R: { "0": { Return: 1, Throw: { Error: "E", Cause: "c" } } } },
      }),
    ).toThrow(/MockedResponses\.R\.0/);
  });
});

describe("Map and Parallel", () => {
  it("inline Map respects MaxConcurrency and keeps item order", async () => {
    let running = 0;
    let peak = 0;
    const integ = new InMemoryIntegrations().on("lambda:invoke", async (p: any) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return p.n * 10;
    });
    const def: StateMachineDefinition = {
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          ItemsPath: "$.items",
          MaxConcurrency: 2,
          ItemSelector: { "n.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" },
          ItemProcessor: {
            StartAt: "T",
            States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
          },
          End: true,
        },
      },
    };
    const { result, execution } = await engineWith(integ).run(def, { input: { items: [1, 2, 3, 4, 5] } });
    expect(result).toEqual({ status: "SUCCEEDED", output: [10, 20, 30, 40, 50] });
    expect(peak).toBe(2);
    expect(types(execution.events).filter((t) => t === "MapIterationSucceeded")).toHaveLength(5);
    expect(execution.events.find((e) => e.type === "MapStateStarted")).toMatchObject({
      mapStateStartedEventDetails: { length: 5 },
    });
  });

  it("a failing Parallel branch fails the state and stops its siblings", async () => {
    const def: StateMachineDefinition = {
      StartAt: "P",
      States: {
        P: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Boom", States: { Boom: { Type: "Fail", Error: "Boom", Cause: "branch 1" } } },
            {
              StartAt: "Slow",
              States: { Slow: { Type: "Wait", Seconds: 100, Next: "After" }, After: { Type: "Pass", End: true } },
            },
          ],
          Catch: [{ ErrorEquals: ["Boom"], Next: "Handled" }],
          End: true,
        },
        Handled: { Type: "Pass", End: true },
      },
    };
    const { result, execution } = await engineWith().run(def);
    expect(result).toEqual({ status: "SUCCEEDED", output: { Error: "Boom", Cause: "branch 1" } });
    expect(execution.events.some((e) => (e.stateEnteredEventDetails as any)?.name === "After")).toBe(false);
  });
});

describe("JSONata and variables", () => {
  it("evaluates Arguments/Output/Assign with $states and variables, Assign visible only to later states", async () => {
    const integ = new InMemoryIntegrations().on("lambda:invoke", (p: any) => ({ Payload: { got: p.Payload } }));
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "A",
      States: {
        A: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "f", Payload: "{% $states.input.x * 2 %}" },
          Assign: { seen: "{% $states.result.Payload.got %}", before: "{% $exists($seen) %}" },
          Output: "{% $states.result.Payload %}",
          Next: "B",
        },
        B: {
          Type: "Pass",
          Output: { seen: "{% $seen %}", before: "{% $before %}", name: "{% $states.context.State.Name %}" },
          End: true,
        },
      },
    };
    const { result, execution } = await engineWith(integ).run(def, { input: { x: 21 } });
    expect(result).toEqual({ status: "SUCCEEDED", output: { seen: 42, before: false, name: "B" } });
    const exitA = execution.events.find((e) => e.type === "TaskStateExited")!;
    expect(exitA.stateExitedEventDetails).toMatchObject({ assignedVariables: { seen: "42", before: "false" } });
  });

  it("$now() and $millis() read the virtual clock", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "W",
      States: {
        W: { Type: "Wait", Seconds: 30, Next: "P" },
        P: { Type: "Pass", Output: { now: "{% $now() %}", ms: "{% $millis() %}" }, End: true },
      },
    };
    const { result } = await engineWith().run(def);
    expect(result).toEqual({ status: "SUCCEEDED", output: { now: "2024-01-01T00:00:30.000Z", ms: T0 + 30_000 } });
  });

  it("an expression returning nothing is a States.QueryEvaluationError naming the field", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "P",
      States: { P: { Type: "Pass", Output: "{% $nope %}", End: true } },
    };
    const { result } = await engineWith().run(def);
    expect(result).toEqual({
      status: "FAILED",
      error: "States.QueryEvaluationError",
      cause:
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output' returned nothing (undefined).",
    });
  });

  it("Catch Output sees $states.errorOutput", async () => {
    const integ = new InMemoryIntegrations().on("lambda:invoke", () => {
      throw new StatesError("Lambda.Unknown", "crash");
    });
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Catch: [{ ErrorEquals: ["States.ALL"], Output: { e: "{% $states.errorOutput.Error %}" }, Next: "Done" }],
          End: true,
        },
        Done: { Type: "Succeed" },
      },
    };
    expect((await engineWith(integ).run(def)).result).toEqual({ status: "SUCCEEDED", output: { e: "Lambda.Unknown" } });
  });
});

describe("execution lifecycle", () => {
  it("execution TimeoutSeconds ends it TIMED_OUT on the virtual clock", async () => {
    const def: StateMachineDefinition = {
      TimeoutSeconds: 30,
      StartAt: "W",
      States: { W: { Type: "Wait", Seconds: 3600, End: true } },
    };
    const { result, execution } = await engineWith().run(def);
    expect(result.status).toBe("TIMED_OUT");
    expect(execution.stopDate! - T0).toBe(30_000);
    expect(types(execution.events).at(-1)).toBe("ExecutionTimedOut");
  });

  it("stop() aborts a running execution", async () => {
    const def: StateMachineDefinition = { StartAt: "W", States: { W: { Type: "Wait", Seconds: 3600, End: true } } };
    // Stopped before the virtual clock gets a turn to jump over the wait.
    const execution = engineWith().start(def);
    expect(execution.stop("Manual", "by test")).toBe(true);
    expect(await execution.done).toEqual({ status: "ABORTED", error: "Manual", cause: "by test" });
    expect(execution.stop()).toBe(false);
    // As AWS records it (test_sfn_api test_stop_execution): the abort points at event 0.
    expect(execution.events.map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, "ExecutionStarted"],
      [2, 0, "WaitStateEntered"],
      [3, 0, "ExecutionAborted"],
    ]);
  });

  it("waitForTaskToken completes with SendTaskSuccess and exposes $$.Task.Token", async () => {
    let token = "";
    const integ = new InMemoryIntegrations().on("sqs:sendMessage", (p: any) => {
      token = p.MessageBody.token;
      return {};
    });
    const def: StateMachineDefinition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          Parameters: { QueueUrl: "q", MessageBody: { "token.$": "$$.Task.Token" } },
          End: true,
        },
      },
    };
    const execution = engineWith(integ).start(def);
    for (let i = 0; i < 5 && !token; i++) await new Promise((r) => setImmediate(r));
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(execution.completeToken(token, { output: { done: true } })).toBe(true);
    expect(await execution.done).toEqual({ status: "SUCCEEDED", output: { done: true } });
    expect(types(execution.events).slice(2, 6)).toEqual([
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
    ]);
  });

  it("HeartbeatSeconds fails a callback task with States.HeartbeatTimeout unless heartbeats arrive", async () => {
    const got = { token: "" };
    const integ = new InMemoryIntegrations().on("sqs:sendMessage", (p: any) => {
      got.token = p.MessageBody.token;
      return {};
    });
    const def: StateMachineDefinition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          HeartbeatSeconds: 30,
          Parameters: { QueueUrl: "q", MessageBody: { "token.$": "$$.Task.Token" } },
          End: true,
        },
      },
    };
    const { result, execution } = await engineWith(integ).run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "States.HeartbeatTimeout" });
    expect(execution.stopDate! - T0).toBe(30_000);
    expect(types(execution.events)).toContain("TaskTimedOut");

    // With heartbeats every 20 s (virtual), it keeps waiting until answered.
    const clock = new VirtualClock(T0);
    const engine = new Engine({ clock, integrations: integ.resolve });
    got.token = "";
    const running = engine.start(def);
    for (let i = 0; i < 5 && !got.token; i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      expect(running.heartbeat(got.token)).toBe(true);
    }
    running.completeToken(got.token, { output: { ok: 1 } });
    expect(await running.done).toEqual({ status: "SUCCEEDED", output: { ok: 1 } });
    expect(running.stopDate! - T0).toBe(60_000);
  });

  it("is deterministic: same definition, input and seed give the same history", async () => {
    const def: StateMachineDefinition = {
      StartAt: "P",
      States: {
        P: { Type: "Pass", Parameters: { "id.$": "States.UUID()", "r.$": "States.MathRandom(1, 1000)" }, End: true },
      },
    };
    const a = await engineWith(undefined, 9).run(def);
    const b = await engineWith(undefined, 9).run(def);
    expect(JSON.stringify(b.execution.events)).toBe(JSON.stringify(a.execution.events));
  });
});
