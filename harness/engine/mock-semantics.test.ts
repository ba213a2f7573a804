/**
 * MockConfigFile semantics as AWS Step Functions Local applies them, pinned with our own small definitions.
 *
 * Sources of the behaviour (cited per test):
 * - [DOC] awsdocs/aws-step-functions-developer-guide `doc_source/sfn-local-mock-cfg-file.md` and
 *   `doc_source/sfn-local-test-sm-exec.md` (LambdaSQSIntegration: HappyPath, RetryPath, HybridPath).
 * - [EX] aws-samples/aws-stepfunctions-examples `sam/app-local-testing-mock-config` (README + makefile history
 *   queries) and `sam/demo-local-testing-using-java` (JUnit/Spock tests on SFN Local).
 * - [STS] aws-samples/serverless-test-samples `python-test-samples/step-functions-local-mock`,
 *   `python-test-samples/step-functions-local`, `typescript-test-samples/step-functions-local` (tests on SFN Local).
 * - [LS] localstack/localstack `tests/aws/services/stepfunctions/v2/local_mocking/` (LocalStack's SFN-Local-compatible
 *   mocking; `test_base_callbacks` is validated against AWS).
 */
import { VirtualClock } from "../common/clock";
import { Engine, type EngineOptions } from "./engine";
import { MockConfigFile } from "./mock-config";
import type { HistoryEvent, StateMachineDefinition } from "./types";

const T0 = Date.UTC(2024, 0, 1);

async function runMocked(
  def: StateMachineDefinition,
  mocks: { cases: Record<string, Record<string, string>>; responses: Record<string, unknown> },
  testCase: string,
  input: unknown = {},
  options: EngineOptions = {},
) {
  const file = MockConfigFile.parse({
    StateMachines: { Machine: { TestCases: mocks.cases } },
    MockedResponses: mocks.responses,
  });
  const tc = file.testCase("Machine", testCase);
  if (!tc) throw new Error(`no test case ${testCase}`);
  const engine = new Engine({ clock: new VirtualClock(T0), seed: 3, ...options });
  const { result, execution } = await engine.run(def, { input, stateMachineName: "Machine", mockTestCase: tc });
  return { result, events: execution.events };
}

const detail = (e: HistoryEvent): Record<string, any> =>
  Object.entries(e).find(([k]) => k.endsWith("EventDetails"))?.[1] as Record<string, any>;
const ofType = (events: HistoryEvent[], type: string) => events.filter((e) => e.type === type);
const exitedNames = (events: HistoryEvent[]) =>
  events.filter((e) => e.type.endsWith("StateExited")).map((e) => detail(e).name as string);

const invokeResponse = (payload: unknown) => ({ Return: { StatusCode: 200, Payload: payload } });

describe("mocked optimized integrations", () => {
  // [DOC] HappyPath: the mocked lambda:invoke result is the whole Invoke response (StatusCode + Payload), recorded as
  // TaskSucceeded (not LambdaFunctionSucceeded) and passed on as the next state's input. [LS] test_aws_scenarios
  // asserts events[4].taskSucceededEventDetails.output is that whole response. [STS] counts 2 TaskSucceeded.
  it("a mocked lambda:invoke returns the whole Invoke response as a TaskSucceeded; the next state gets it", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "fn", "Payload.$": "$" },
          Next: "Send",
        },
        Send: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage",
          Parameters: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody.$": "$" },
          End: true,
        },
      },
    };
    const { result, events } = await runMocked(
      def,
      {
        cases: { Ok: { Call: "Fn", Send: "Sqs" } },
        responses: { Fn: { "0": invokeResponse({ greeting: "hi" }) }, Sqs: { "0": { Return: { MessageId: "m-1" } } } },
      },
      "Ok",
      { who: "me" },
    );
    expect(result).toEqual({ status: "SUCCEEDED", output: { MessageId: "m-1" } });
    expect(events[4]!.type).toBe("TaskSucceeded");
    expect(JSON.parse(detail(events[4]!).output)).toEqual({ StatusCode: 200, Payload: { greeting: "hi" } });
    expect(ofType(events, "TaskSucceeded")).toHaveLength(2);
    expect(ofType(events, "LambdaFunctionSucceeded")).toHaveLength(0);
    const sendEntered = events.find((e) => e.type === "TaskStateEntered" && detail(e).name === "Send")!;
    expect(JSON.parse(detail(sendEntered).input)).toEqual({ StatusCode: 200, Payload: { greeting: "hi" } });
    expect(exitedNames(events)).toEqual(["Call", "Send"]);
  });

  // [DOC]/[STS] RetryPath: "0" Throw, "1-2" Throw, "3" Return with Retry MaxAttempts 3 → 3 TaskFailed (error names as
  // mocked, not Lambda.* rewritten), then success; [LS] finds TaskFailed at indices 4, 7, 10 and TaskSucceeded at 13.
  // [EX] README: the retried aws-sdk task's TaskFailed events have ids 19, 22, 25 — one Scheduled/Started/Failed
  // triple per attempt.
  it("numbered responses feed successive retry attempts, one TaskScheduled/Started/Failed triple each", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "fn", "Payload.$": "$" },
          Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
          End: true,
        },
      },
    };
    const { result, events } = await runMocked(
      def,
      {
        cases: { Retry: { Call: "Flaky" } },
        responses: {
          Flaky: {
            "0": { Throw: { Error: "Lambda.ResourceNotReadyException", Cause: "not ready" } },
            "1-2": { Throw: { Error: "Lambda.TimeoutException", Cause: "timed out" } },
            "3": invokeResponse("done"),
          },
        },
      },
      "Retry",
    );
    expect(result).toEqual({ status: "SUCCEEDED", output: { StatusCode: 200, Payload: "done" } });
    expect([4, 7, 10].map((i) => events[i]!.type)).toEqual(["TaskFailed", "TaskFailed", "TaskFailed"]);
    expect([4, 7, 10].map((i) => detail(events[i]!).error)).toEqual([
      "Lambda.ResourceNotReadyException",
      "Lambda.TimeoutException",
      "Lambda.TimeoutException",
    ]);
    // Step Functions Local's TaskFailed for a mocked Throw names only error and cause ([EX] README `retry-h`).
    expect(detail(events[4]!)).toEqual({ error: "Lambda.ResourceNotReadyException", cause: "not ready" });
    expect(events[13]!.type).toBe("TaskSucceeded");
    // Backoff still applies between mocked attempts: 2 s, 4 s, 8 s on the virtual clock.
    const scheduled = ofType(events, "TaskScheduled").map((e) => e.timestamp.getTime() - T0);
    expect(scheduled).toEqual([0, 2000, 6000, 14000]);
  });

  // [DOC] "If you do not specify a mocked response for a specific retry attempt, for example, retry "3", the state
  // machine execution will fail." It fails even though States.ALL Retry and Catch are present.
  it("a missing numbered response fails the execution with States.Runtime, past Retry and Catch", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "fn" },
          Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3 }],
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Handled" }],
          End: true,
        },
        Handled: { Type: "Pass", End: true },
      },
    };
    const { result, events } = await runMocked(
      def,
      {
        cases: { Short: { Call: "TwoFailures" } },
        responses: { TwoFailures: { "0-1": { Throw: { Error: "Boom", Cause: "x" } } } },
      },
      "Short",
    );
    expect(result).toMatchObject({ status: "FAILED", error: "States.Runtime" });
    expect(JSON.stringify(result)).toContain("invocation #2");
    expect(events.some((e) => e.type === "PassStateEntered")).toBe(false);
    expect(ofType(events, "TaskScheduled")).toHaveLength(3);
  });

  // [EX] CustomValidationFailedCatchTest / ValidationExceptionCatchTest: a Throw inside a Parallel branch (after the
  // branch's Retry is exhausted on "0-3") is caught by the Parallel's Catch; the catcher's state input carries the
  // mocked Error/Cause. A branch state left unmocked in another test case is not reached.
  it("a mocked Throw exhausts the branch Retry and is caught by the enclosing Parallel's Catch", async () => {
    const branch = (name: string) => ({
      StartAt: name,
      States: {
        [name]: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: name },
          Retry: [{ ErrorEquals: ["Invalid"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
          End: true,
        },
      },
    });
    const def: StateMachineDefinition = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [branch("Left"), branch("Right")],
          Catch: [
            { ErrorEquals: ["Invalid"], Next: "OnInvalid" },
            { ErrorEquals: ["States.ALL"], Next: "OnOther" },
          ],
          End: true,
        },
        OnInvalid: {
          Type: "Task",
          Resource: "arn:aws:states:::events:putEvents",
          Parameters: { Entries: [] },
          End: true,
        },
        OnOther: {
          Type: "Task",
          Resource: "arn:aws:states:::events:putEvents",
          Parameters: { Entries: [] },
          End: true,
        },
      },
    };
    const responses = {
      Ok: { "0": invokeResponse("ok") },
      AlwaysInvalid: { "0-3": { Throw: { Error: "Invalid", Cause: "left says no" } } },
      Other: { "0": { Throw: { Error: "Unexpected", Cause: "right broke" } } },
      Put: { "0": { Return: { Entries: [{ EventId: "e1" }], FailedEntryCount: 0 } } },
    };
    const invalid = await runMocked(
      def,
      { cases: { Inv: { Left: "AlwaysInvalid", Right: "Ok", OnInvalid: "Put" } }, responses },
      "Inv",
    );
    expect(invalid.result).toEqual({
      status: "SUCCEEDED",
      output: { Entries: [{ EventId: "e1" }], FailedEntryCount: 0 },
    });
    const failures = ofType(invalid.events, "TaskFailed").map((e) => detail(e).error);
    expect(failures).toEqual(["Invalid", "Invalid", "Invalid", "Invalid"]);
    const entered = invalid.events.find((e) => e.type === "TaskStateEntered" && detail(e).name === "OnInvalid")!;
    expect(JSON.parse(detail(entered).input)).toEqual({ Error: "Invalid", Cause: "left says no" });

    const other = await runMocked(
      def,
      { cases: { Oth: { Left: "Ok", Right: "Other", OnOther: "Put" } }, responses },
      "Oth",
    );
    expect(other.result.status).toBe("SUCCEEDED");
    expect(exitedNames(other.events)).toContain("OnOther");
    expect(exitedNames(other.events)).not.toContain("OnInvalid");
  });
});

describe("mocked callback and Map states", () => {
  // [DOC] "Step Functions Local will automatically generate a task token when you mock a Task using the
  // .waitForTaskToken": the mocked Return is the task result at once, nobody calls SendTaskSuccess. [LS]
  // test_base_callbacks (validated against AWS): TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded; a mocked
  // Throw is a TaskFailed without TaskSubmitted.
  it("a mocked .waitForTaskToken task completes with the mocked Return, after TaskSubmitted", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Ask",
      States: {
        Ask: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          Parameters: { QueueUrl: "q", MessageBody: { "token.$": "$$.Task.Token" } },
          Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Pass", End: true },
      },
    };
    const responses = {
      Approve: { "0": { Return: { approved: true } } },
      Reject: { "0": { Throw: { Error: "Rejected", Cause: "no" } } },
    };
    const cases = { Yes: { Ask: "Approve" }, No: { Ask: "Reject" } };
    const yes = await runMocked(def, { cases, responses }, "Yes");
    expect(yes.result).toEqual({ status: "SUCCEEDED", output: { approved: true } });
    expect(yes.events.map((e) => e.type).slice(2, 6)).toEqual([
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
    ]);
    expect(detail(yes.events[4]!)).toMatchObject({
      resourceType: "sqs",
      resource: "sendMessage.waitForTaskToken",
      output: '{"approved":true}',
    });
    expect(typeof JSON.parse(detail(yes.events[2]!).parameters).MessageBody.token).toBe("string");

    const no = await runMocked(def, { cases, responses }, "No");
    expect(no.result).toEqual({ status: "SUCCEEDED", output: { error: { Error: "Rejected", Cause: "no" } } });
    expect(no.events.map((e) => e.type).slice(2, 5)).toEqual(["TaskScheduled", "TaskStarted", "TaskFailed"]);
    expect(ofType(no.events, "TaskSubmitted")).toHaveLength(0);
  });

  // [DOC] note on Map: with MaxConcurrency 1 the iterations consume a state's numbered responses in order — one
  // counter per state per execution, shared by all iterations, retries included.
  it("Map iterations share the inner state's counter, retries included", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          MaxConcurrency: 1,
          ItemsPath: "$.items",
          ItemProcessor: {
            StartAt: "Work",
            States: {
              Work: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: "fn", "Payload.$": "$" },
                OutputPath: "$.Payload",
                Retry: [{ ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 1, MaxAttempts: 2 }],
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const { result, events } = await runMocked(
      def,
      {
        cases: { Seq: { Work: "Seq" } },
        responses: {
          Seq: {
            "0": invokeResponse("first"),
            "1": { Throw: { Error: "Lambda.TooManyRequestsException", Cause: "slow down" } },
            "2": invokeResponse("second"),
            "3": invokeResponse("third"),
          },
        },
      },
      "Seq",
      { items: ["a", "b", "c"] },
    );
    expect(result).toEqual({ status: "SUCCEEDED", output: ["first", "second", "third"] });
    expect(ofType(events, "TaskFailed")).toHaveLength(1);
    expect(ofType(events, "MapIterationSucceeded")).toHaveLength(3);
  });
});

describe("history naming of AWS SDK integrations", () => {
  const def: StateMachineDefinition = {
    StartAt: "Detect",
    States: {
      Detect: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:comprehend:detectSentiment",
        Parameters: { LanguageCode: "en", "Text.$": "$.text" },
        Retry: [{ ErrorEquals: ["InternalServerException"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
        End: true,
      },
    },
  };
  const mocks = {
    cases: { Flaky: { Detect: "Flaky" } },
    responses: {
      Flaky: {
        "0-2": { Throw: { Error: "InternalServerException", Cause: "try again" } },
        "3": { Return: { Sentiment: "POSITIVE" } },
      },
    },
  };
  const sdkEvents = (events: HistoryEvent[]) =>
    events.filter((e) => e.type === "TaskFailed" || e.type === "TaskSucceeded").map((e) => [e.type, detail(e)]);

  // Real AWS (LocalStack's AWS-validated snapshot v2/services/test_aws_sdk_task_service.snapshot.json):
  // resourceType "aws-sdk:dynamodb", resource "putItem".
  it('with historyResourceNames "aws" names them as AWS does: resourceType aws-sdk:<service>, resource <action>', async () => {
    const { result, events } = await runMocked(def, mocks, "Flaky", { text: "great" }, { historyResourceNames: "aws" });
    expect(result).toEqual({ status: "SUCCEEDED", output: { Sentiment: "POSITIVE" } });
    for (const [, d] of sdkEvents(events)) {
      expect(d).toMatchObject({ resourceType: "aws-sdk:comprehend", resource: "detectSentiment" });
    }
  });

  // [EX] README/makefile `retry-h` and the [EX]/[STS] Java/Python/TypeScript tests on Step Functions Local select
  // `TaskSucceeded && taskSucceededEventDetails.resource == "comprehend:detectSentiment"` and expect 3 TaskFailed +
  // 1 TaskSucceeded; the README shows `resourceType: "aws-sdk"` on the TaskSucceeded and TaskFailed details of
  // only `error` and `cause` (mocked Throws).
  it("by default a MockConfigFile test case names them as Step Functions Local does", async () => {
    const { events } = await runMocked(def, mocks, "Flaky", { text: "great" });
    const picked = sdkEvents(events);
    expect(picked.map(([t]) => t)).toEqual(["TaskFailed", "TaskFailed", "TaskFailed", "TaskSucceeded"]);
    for (const [, d] of picked.slice(0, 3)) expect(Object.keys(d as object).sort()).toEqual(["cause", "error"]);
    expect(picked[3]![1]).toMatchObject({ resourceType: "aws-sdk", resource: "comprehend:detectSentiment" });
    const scheduled = ofType(events, "TaskScheduled").map(detail);
    expect(scheduled[0]).toMatchObject({ resourceType: "aws-sdk", resource: "comprehend:detectSentiment" });
  });

  it('"sfn-local" leaves optimized integrations named as before', async () => {
    const lambdaDef: StateMachineDefinition = {
      StartAt: "L",
      States: {
        L: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "f" }, End: true },
      },
    };
    const { events } = await runMocked(
      lambdaDef,
      { cases: { T: { L: "R" } }, responses: { R: { "0": invokeResponse(1) } } },
      "T",
      {},
      { historyResourceNames: "sfn-local" },
    );
    expect(detail(ofType(events, "TaskSucceeded")[0]!)).toMatchObject({ resourceType: "lambda", resource: "invoke" });
  });
});

describe("TaskSucceeded of a mocked Task", () => {
  const def: StateMachineDefinition = {
    StartAt: "Detect",
    States: {
      Detect: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:comprehend:detectSentiment",
        Parameters: { LanguageCode: "en", "Text.$": "$.text" },
        ResultSelector: { "sentiment.$": "$.Sentiment" },
        ResultPath: "$.results",
        OutputPath: "$.results",
        End: true,
      },
    },
  };
  const mocks = {
    cases: { Happy: { Detect: "Positive" } },
    responses: { Positive: { "0": { Return: { Sentiment: "POSITIVE", SentimentScore: { Positive: 0.9 } } } } },
  };
  const succeeded = (events: HistoryEvent[]) => JSON.parse(detail(ofType(events, "TaskSucceeded")[0]!).output);

  // [EX] README `retry-h` (Step Functions Local): the output after ResultSelector and ResultPath. OutputPath is not
  // shown there; the state's output is still OutputPath's.
  it("records the result after ResultSelector and ResultPath, as Step Functions Local does", async () => {
    const { result, events } = await runMocked(def, mocks, "Happy", { text: "great" });
    expect(succeeded(events)).toEqual({ text: "great", results: { sentiment: "POSITIVE" } });
    expect(result).toEqual({ status: "SUCCEEDED", output: { sentiment: "POSITIVE" } });
    // Still between TaskStarted and TaskStateExited.
    expect(events.map((e) => e.type).slice(-4)).toEqual([
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it('records the raw mocked response with historyResourceNames "aws", as AWS records a service result', async () => {
    const { events } = await runMocked(def, mocks, "Happy", { text: "great" }, { historyResourceNames: "aws" });
    expect(succeeded(events)).toEqual({ Sentiment: "POSITIVE", SentimentScore: { Positive: 0.9 } });
  });
});
