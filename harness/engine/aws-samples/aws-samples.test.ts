/**
 * AWS's own MockConfigFile sample suites, run on our engine and asserted the way the samples assert them.
 *
 * Every test case of every AWS sample that ships a Step Functions Local `MockConfigFile.json` is executed here through
 * the `npm run scenario -- exec <definition> --mock-config <file> --test-case <case> --json` command (in process, on
 * the engine's virtual clock), and checked with the same history queries the sample's own tests, makefile or README
 * use — no more lenient, no stricter. Facts the AWS documentation states about Step Functions Local's behaviour (a
 * `Throw` is a TaskFailed with that error and cause; retries consume the next numbered response; a missing numbered
 * response fails the execution; un-mocked states call the real service) are pinned alongside.
 *
 * Sources (fixtures are copies, see ./README.md for commits and licenses — all MIT-0):
 * - [DG] AWS Step Functions Developer Guide, "Using mocked service integrations" (sfn-local-test-sm-exec) and
 *   "Configuration file for mocked service integrations" (sfn-local-mock-cfg-file): LambdaSQSIntegration with test
 *   cases HappyPath, RetryPath, HybridPath.
 * - [STS-MOCK] aws-samples/serverless-test-samples python-test-samples/step-functions-local-mock (pytest).
 * - [EX] aws-samples/aws-stepfunctions-examples sam/app-local-testing-mock-config (README + makefile queries).
 * - [JAVA] aws-samples/aws-stepfunctions-examples sam/demo-local-testing-using-java (JUnit 5 + Spock tests).
 * - [STS-PY] / [STS-TS] aws-samples/serverless-test-samples python-test-samples/step-functions-local and
 *   typescript-test-samples/step-functions-local (pytest / jest). [JAVA], [STS-PY] and [STS-TS] ship the same
 *   definition as [EX] with the original (January 2022) version of its mock file: fixtures/sales-lead/
 *   MockConfigFile.original.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../cli/main";
import type { CliIO } from "../../cli/io";
import { VirtualClock } from "../../common/clock";
import { Engine } from "../engine";
import { InMemoryIntegrations } from "../integrations";
import { MockConfigFile } from "../mock-config";
import type { HistoryEvent, StateMachineDefinition } from "../types";

const FIXTURES = join(__dirname, "fixtures");
const LAMBDA_SQS = {
  definition: join(FIXTURES, "lambda-sqs-integration", "LambdaSQSIntegration.asl.json"),
  /** [DG]: HybridPath mocks only LambdaState. */
  docMocks: join(FIXTURES, "lambda-sqs-integration", "MockConfigFile.json"),
  /** [STS-MOCK]: the same file, except that HybridPath mocks SQSState too. */
  stsMocks: join(FIXTURES, "lambda-sqs-integration", "MockConfigFile.serverless-test-samples.json"),
};
const SALES_LEAD = {
  definition: join(FIXTURES, "sales-lead", "LocalTesting.asl.json"),
  /** [EX] as of today. */
  mocks: join(FIXTURES, "sales-lead", "MockConfigFile.json"),
  /** [EX] before commit 18580e8 ("Mock response matches actual response"); still shipped by [JAVA], [STS-PY], [STS-TS]. */
  originalMocks: join(FIXTURES, "sales-lead", "MockConfigFile.original.json"),
  input: join(FIXTURES, "sales-lead", "sfn_valid_input.json"),
};

/** A history event as `--json` prints it (GetExecutionHistory's shape; `timestamp` as an ISO string). */
type Event = { type: string; id: number; previousEventId: number; timestamp: string } & Record<string, any>;
interface ExecJson {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
  history: Event[];
}

const runs = new Map<string, Promise<ExecJson>>();

/** `npm run scenario -- exec <definition> --mock-config <file> --test-case <case> [--input @file] --json`, memoised. */
function exec(definition: string, mockConfig: string, testCase: string, input?: string): Promise<ExecJson> {
  const argv = ["exec", definition, "--mock-config", mockConfig, "--test-case", testCase, "--json"];
  if (input !== undefined) argv.push("--input", input);
  const key = argv.join("\u0000");
  let run = runs.get(key);
  if (!run) {
    run = (async () => {
      let out = "";
      let err = "";
      const io: CliIO = {
        stdout: (t) => void (out += t),
        stderr: (t) => void (err += t),
        color: false,
        cwd: process.cwd(),
        env: {},
      };
      const code = await runCli(argv, io);
      if (code !== 0) throw new Error(`exec exited with ${code}: ${err}`);
      return JSON.parse(out) as ExecJson;
    })();
    runs.set(key, run);
  }
  return run;
}

const salesLead = (testCase: string, mocks = SALES_LEAD.mocks) =>
  exec(SALES_LEAD.definition, mocks, testCase, `@${SALES_LEAD.input}`);

const detail = (e: Event | HistoryEvent): Record<string, any> =>
  (Object.entries(e).find(([k]) => k.endsWith("EventDetails"))?.[1] ?? {}) as Record<string, any>;
const named = (events: Event[], type: string, name: string) =>
  events.filter((e) => e.type === type && detail(e).name === name);
const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type);
const ms = (e: Event) => Date.parse(e.timestamp);

/** The makefile's `retry-h` / the tests' retry filter: InternalServerException failures + the detectSentiment success. */
const retryQuery = (events: Event[]) =>
  events.filter(
    (e) =>
      (e.type === "TaskFailed" && e.taskFailedEventDetails?.error === "InternalServerException") ||
      (e.type === "TaskSucceeded" && e.taskSucceededEventDetails?.resource === "comprehend:detectSentiment"),
  );

const json = (file: string): any => JSON.parse(readFileSync(file, "utf8"));

describe("[DG] Developer Guide: LambdaSQSIntegration (HappyPath, RetryPath, HybridPath)", () => {
  const mocks = json(LAMBDA_SQS.docMocks);
  const lambdaSuccess = mocks.MockedResponses.MockedLambdaSuccess["0"].Return;
  const sqsSuccess = mocks.MockedResponses.MockedSQSSuccess["0"].Return;

  // Step 3 of the guide: start-execution with `#HappyPath` and no input, then get-execution-history. The excerpt
  // shows: id 2 TaskStateEntered LambdaState (previous 0, input "{}"); id 5 (previous 4) LambdaState's result;
  // id 7 TaskStateEntered SQSState (previous 6) whose input is LambdaState's output ("the output from LambdaState is
  // passed onto SQSState as input"); id 10 TaskSucceeded (previous 9) sqs/sendMessage with the mocked SQS output.
  it("HappyPath: the history excerpt of the guide, event by event", async () => {
    const r = await exec(LAMBDA_SQS.definition, LAMBDA_SQS.docMocks, "HappyPath");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual(sqsSuccess);
    const byId = (id: number) => r.history.find((e) => e.id === id)!;
    expect(byId(2)).toMatchObject({
      type: "TaskStateEntered",
      previousEventId: 0,
      stateEnteredEventDetails: { name: "LambdaState", input: "{}", inputDetails: { truncated: false } },
    });
    // The guide prints id 5 as a LambdaFunctionSucceeded whose output is not the mocked response; that excerpt comes
    // from an un-mocked run (see README.md). A mocked `lambda:invoke` yields the whole mocked Invoke response as the
    // Task result (sfn-local-mock-cfg-file, "Return"), recorded as TaskSucceeded lambda/invoke.
    expect(byId(5)).toMatchObject({ type: "TaskSucceeded", previousEventId: 4 });
    expect(detail(byId(5))).toMatchObject({ resourceType: "lambda", resource: "invoke" });
    expect(JSON.parse(detail(byId(5)).output)).toEqual(lambdaSuccess);
    expect(byId(7)).toMatchObject({
      type: "TaskStateEntered",
      previousEventId: 6,
      stateEnteredEventDetails: { name: "SQSState", inputDetails: { truncated: false } },
    });
    expect(JSON.parse(detail(byId(7)).input)).toEqual(lambdaSuccess);
    expect(byId(10)).toMatchObject({
      type: "TaskSucceeded",
      previousEventId: 9,
      taskSucceededEventDetails: {
        resourceType: "sqs",
        resource: "sendMessage",
        output:
          '{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}',
        outputDetails: { truncated: false },
      },
    });
  });

  // Step 3: `start-execution --name executionWithHappyPathMockedServices --state-machine …:LambdaSQSIntegration#HappyPath`
  // answers executionArn …:execution:LambdaSQSIntegration:executionWithHappyPathMockedServices (no test-case suffix).
  it("HappyPath: the execution ARN is the one the guide's StartExecution returns", async () => {
    const engine = new Engine({ clock: new VirtualClock(Date.UTC(2022, 0, 28)), accountId: "123456789012" });
    const tc = MockConfigFile.parse(readFileSync(LAMBDA_SQS.docMocks, "utf8")).testCase(
      "LambdaSQSIntegration",
      "HappyPath",
    )!;
    const { execution, result } = await engine.run(json(LAMBDA_SQS.definition) as StateMachineDefinition, {
      name: "executionWithHappyPathMockedServices",
      stateMachineName: "LambdaSQSIntegration",
      mockTestCase: tc,
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(execution.arn).toBe(
      "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:executionWithHappyPathMockedServices",
    );
  });

  // RetryPath: "0" Throw ResourceNotReady, "1-2" Throw Timeout, "3" Return; Retry States.ALL, IntervalSeconds 2,
  // MaxAttempts 3, BackoffRate 2. "The initial attempt ends with a task failure containing a cause and error message
  // … The first and second retry attempts end with a task failure … The third retry attempt ends with a task
  // success". "Step Functions Local will exhaust the retry attempts set in the policy until it receives a success".
  it("RetryPath: three TaskFailed with the mocked errors and causes, then the mocked success, with backoff", async () => {
    const r = await exec(LAMBDA_SQS.definition, LAMBDA_SQS.docMocks, "RetryPath");
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual(sqsSuccess);
    const lambdaEvents = r.history.filter((e) => ["TaskFailed", "TaskSucceeded"].includes(e.type)).slice(0, 4);
    expect(lambdaEvents.map((e) => e.type)).toEqual(["TaskFailed", "TaskFailed", "TaskFailed", "TaskSucceeded"]);
    expect(lambdaEvents.slice(0, 3).map((e) => detail(e))).toEqual([
      expect.objectContaining({ error: "Lambda.ResourceNotReadyException", cause: "Lambda resource is not ready." }),
      expect.objectContaining({ error: "Lambda.TimeoutException", cause: "Lambda timed out." }),
      expect.objectContaining({ error: "Lambda.TimeoutException", cause: "Lambda timed out." }),
    ]);
    expect(JSON.parse(detail(lambdaEvents[3]!).output)).toEqual(mocks.MockedResponses.MockedLambdaRetry["3"].Return);
    // One attempt = TaskScheduled/TaskStarted/TaskFailed|TaskSucceeded; retries wait 2 s, 4 s, 8 s.
    const lambdaScheduled = ofType(r.history, "TaskScheduled").filter((e) => detail(e).resourceType === "lambda");
    const t0 = ms(r.history[0]!);
    expect(lambdaScheduled.map((e) => ms(e) - t0)).toEqual([0, 2000, 6000, 14000]);
    expect(JSON.parse(detail(named(r.history, "TaskStateEntered", "SQSState")[0]!).input)).toEqual(
      mocks.MockedResponses.MockedLambdaRetry["3"].Return,
    );
  });

  // HybridPath: "This test mocks the output of LambdaState. After LambdaState runs successfully and receives mocked
  // data as a response, SQSState performs an actual service call"; "A mocked Task will never call the service
  // endpoint". The service endpoint is stood in for by an in-memory SQS that records the call.
  it("HybridPath: the mocked LambdaState never calls Lambda; the un-mocked SQSState calls SQS with its output", async () => {
    const calls: Array<{ key: string; parameters: any }> = [];
    const services = new InMemoryIntegrations()
      .on("lambda:invoke", (parameters) => {
        calls.push({ key: "lambda:invoke", parameters });
        return { StatusCode: 200, Payload: "real lambda" };
      })
      .on("sqs:sendMessage", (parameters) => {
        calls.push({ key: "sqs:sendMessage", parameters });
        return { MD5OfMessageBody: "real-md5", MessageId: "real-message-id" };
      });
    const engine = new Engine({ clock: new VirtualClock(Date.UTC(2022, 0, 28)), integrations: services.resolve });
    const tc = MockConfigFile.parse(readFileSync(LAMBDA_SQS.docMocks, "utf8")).testCase(
      "LambdaSQSIntegration",
      "HybridPath",
    )!;
    const { result, execution } = await engine.run(json(LAMBDA_SQS.definition) as StateMachineDefinition, {
      stateMachineName: "LambdaSQSIntegration",
      mockTestCase: tc,
    });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: { MD5OfMessageBody: "real-md5", MessageId: "real-message-id" },
    });
    expect(calls.map((c) => c.key)).toEqual(["sqs:sendMessage"]);
    const body = calls[0]!.parameters.MessageBody;
    expect(typeof body === "string" ? JSON.parse(body) : body).toEqual(lambdaSuccess);
    expect(calls[0]!.parameters.QueueUrl).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/myQueue");
    const succeeded = execution.events.filter((e) => e.type === "TaskSucceeded").map(detail);
    expect(succeeded.map((d) => [d.resourceType, d.resource])).toEqual([
      ["lambda", "invoke"],
      ["sqs", "sendMessage"],
    ]);
  });

  // The exec command has no SQS endpoint: the un-mocked SQSState is reached with the mocked Lambda output and then
  // cannot be served, so the run fails there rather than silently mocking it.
  it("HybridPath through exec without an endpoint: LambdaState is mocked, SQSState is not served", async () => {
    const r = await exec(LAMBDA_SQS.definition, LAMBDA_SQS.docMocks, "HybridPath");
    expect(r.status).toBe("FAILED");
    expect(JSON.parse(detail(named(r.history, "TaskStateEntered", "SQSState")[0]!).input)).toEqual(lambdaSuccess);
    expect(r.cause).toContain("SQSState");
  });

  // "If you do not specify a mocked response for a specific retry attempt, for example, retry "3", the state machine
  // execution will fail." / "When you mock a Task, you must specify a mocked response for every invocation … If you do
  // not specify a mocked response, the state machine execution will fail." The guide's own LambdaMockedResourceNotReady
  // (defined, used by no test case) has only "0": under the States.ALL retry, the first retry has no response.
  it("a mocked response without a response for the retry fails the execution (the guide's LambdaMockedResourceNotReady)", async () => {
    const config = json(LAMBDA_SQS.docMocks);
    config.StateMachines.LambdaSQSIntegration.TestCases.NotReadyOnce = {
      LambdaState: "LambdaMockedResourceNotReady",
      SQSState: "MockedSQSSuccess",
    };
    const tc = MockConfigFile.parse(config).testCase("LambdaSQSIntegration", "NotReadyOnce")!;
    const engine = new Engine({ clock: new VirtualClock(Date.UTC(2022, 0, 28)) });
    const { result, execution } = await engine.run(json(LAMBDA_SQS.definition) as StateMachineDefinition, {
      stateMachineName: "LambdaSQSIntegration",
      mockTestCase: tc,
    });
    expect(result.status).toBe("FAILED");
    const events = execution.events;
    expect(events.at(-1)!.type).toBe("ExecutionFailed");
    expect(detail(events.find((e) => e.type === "TaskFailed")!)).toMatchObject({
      error: "Lambda.ResourceNotReadyException",
      cause: "Lambda resource is not ready.",
    });
    expect(events.some((e) => e.type === "TaskStateEntered" && detail(e).name === "SQSState")).toBe(false);
  });
});

describe("[STS-MOCK] serverless-test-samples python-test-samples/step-functions-local-mock (pytest)", () => {
  // execute_stepfunction: input '{"data": "test input"}', polls until an ExecutionSucceeded event appears.
  const run = (testCase: string) =>
    exec(LAMBDA_SQS.definition, LAMBDA_SQS.stsMocks, testCase, '{"data": "test input"}');
  const checkStateExited = (events: Event[], name: string) => named(events, "TaskStateExited", name).length > 0;

  it("test_happy_path", async () => {
    const r = await run("HappyPath");
    expect(ofType(r.history, "ExecutionSucceeded")).toHaveLength(1);
    expect(checkStateExited(r.history, "LambdaState")).toBe(true);
    expect(checkStateExited(r.history, "SQSState")).toBe(true);
    expect(ofType(r.history, "TaskSucceeded")).toHaveLength(2);
  });

  it("test_retry_path", async () => {
    const r = await run("RetryPath");
    expect(ofType(r.history, "ExecutionSucceeded")).toHaveLength(1);
    expect(checkStateExited(r.history, "LambdaState")).toBe(true);
    expect(checkStateExited(r.history, "SQSState")).toBe(true);
    const failures = ofType(r.history, "TaskFailed").map((e) => e.taskFailedEventDetails?.error);
    expect(failures).toHaveLength(3);
    expect(failures.filter((e) => e === "Lambda.ResourceNotReadyException")).toHaveLength(1);
    expect(failures.filter((e) => e === "Lambda.TimeoutException")).toHaveLength(2);
  });

  it("test_hybrid_path", async () => {
    const r = await run("HybridPath");
    expect(ofType(r.history, "ExecutionSucceeded")).toHaveLength(1);
    expect(checkStateExited(r.history, "LambdaState")).toBe(true);
    expect(checkStateExited(r.history, "SQSState")).toBe(true);
  });
});

describe("[EX] aws-stepfunctions-examples sam/app-local-testing-mock-config (README + makefile)", () => {
  const mocks = json(SALES_LEAD.mocks);

  // `make happy` + `make happy-h`: events[?type==`TaskStateExited` && stateExitedEventDetails.name==`CustomerAddedToFollowup`];
  // the README shows exactly one event: id 32, previousEventId 31.
  it("HappyPathTest: happy-h finds one TaskStateExited CustomerAddedToFollowup, id 32 after 31", async () => {
    const r = await salesLead("HappyPathTest");
    expect(r.status).toBe("SUCCEEDED");
    const found = named(r.history, "TaskStateExited", "CustomerAddedToFollowup");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: 32, previousEventId: 31 });
    expect(found[0]!.stateExitedEventDetails).toEqual({
      name: "CustomerAddedToFollowup",
      output: JSON.stringify(mocks.MockedResponses.CustomerAddedToFollowupSuccess["0"].Return),
      outputDetails: { truncated: false },
    });
  });

  // The README's happy-h output was recorded before commit 18580e8 changed the mocks: with that mock file the output
  // is the README's string exactly.
  it("HappyPathTest: with the mock file the README was recorded with, happy-h prints the README's output", async () => {
    const r = await salesLead("HappyPathTest", SALES_LEAD.originalMocks);
    const found = named(r.history, "TaskStateExited", "CustomerAddedToFollowup");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      id: 32,
      previousEventId: 31,
      stateExitedEventDetails: {
        name: "CustomerAddedToFollowup",
        output: '{"statusCode":200,"Payload":{"statusCode":200}}',
        outputDetails: { truncated: false },
      },
    });
  });

  // README: "If the sales lead data is invalid or a negative sentiment is detected, events are published to
  // EventBridge for notification, but no record is added to the Amazon DynamoDB table".
  it("NegativeSentimentTest: ends in NegativeSentimentDetected and never adds to FollowUp", async () => {
    const r = await salesLead("NegativeSentimentTest");
    expect(r.status).toBe("SUCCEEDED");
    expect(named(r.history, "TaskStateExited", "NegativeSentimentDetected")).toHaveLength(1);
    expect(named(r.history, "TaskStateEntered", "Add to FollowUp")).toHaveLength(0);
    expect(r.output).toEqual(mocks.MockedResponses.NegativeSentimentDetectedSuccess["0"].Return);
  });

  // `make error` + `make error-h`: events[?type==`TaskStateEntered` && stateEnteredEventDetails.name==`CustomValidationFailed`
  // && contains(stateEnteredEventDetails.input, `Check Identity Validation Failed`)]. The mock throws on "0-3": the
  // first attempt and all 3 retries of Check Identity fail, then the Parallel's Catch routes to CustomValidationFailed.
  it("CustomValidationFailedCatchTest: error-h finds CustomValidationFailed entered with the mocked cause", async () => {
    const r = await salesLead("CustomValidationFailedCatchTest");
    expect(r.status).toBe("SUCCEEDED");
    const found = named(r.history, "TaskStateEntered", "CustomValidationFailed").filter((e) =>
      String(e.stateEnteredEventDetails.input).includes("Check Identity Validation Failed"),
    );
    expect(found).toHaveLength(1);
    expect(JSON.parse(found[0]!.stateEnteredEventDetails.input)).toEqual({
      Error: "CustomValidationError",
      Cause: "Check Identity Validation Failed",
    });
    const failed = ofType(r.history, "TaskFailed").map((e) => detail(e));
    expect(failed).toEqual(
      Array(4).fill(
        expect.objectContaining({ error: "CustomValidationError", cause: "Check Identity Validation Failed" }),
      ),
    );
    expect(named(r.history, "TaskStateEntered", "ValidationException")).toHaveLength(0);
  });

  // `make exception` + `make exception-h`: TaskStateEntered ValidationException whose input contains `Address
  // Validation Exception`. CustomAddressValidationError is not in Check Address's Retry: one attempt, then States.ALL.
  it("ValidationExceptionCatchTest: exception-h finds ValidationException entered with the mocked cause", async () => {
    const r = await salesLead("ValidationExceptionCatchTest");
    expect(r.status).toBe("SUCCEEDED");
    const found = named(r.history, "TaskStateEntered", "ValidationException").filter((e) =>
      String(e.stateEnteredEventDetails.input).includes("Address Validation Exception"),
    );
    expect(found).toHaveLength(1);
    expect(JSON.parse(found[0]!.stateEnteredEventDetails.input)).toEqual({
      Error: "CustomAddressValidationError",
      Cause: "Address Validation Exception",
    });
    expect(ofType(r.history, "TaskFailed").map((e) => detail(e).error)).toEqual(["CustomAddressValidationError"]);
    expect(named(r.history, "TaskStateEntered", "CustomValidationFailed")).toHaveLength(0);
  });

  // `make retry` + `make retry-h`; the README's result: TaskFailed ids 19, 22, 25 (previous 18, 21, 24) and
  // TaskSucceeded id 28 (previous 27), about 1 s apart (IntervalSeconds 1, BackoffRate 1), the success naming
  // resourceType "aws-sdk", resource "comprehend:detectSentiment".
  it("RetryOnServiceExceptionTest: retry-h selects the README's four events, ids, errors and 1 s spacing", async () => {
    const r = await salesLead("RetryOnServiceExceptionTest");
    expect(r.status).toBe("SUCCEEDED");
    const found = retryQuery(r.history);
    expect(found.map((e) => [e.type, e.id, e.previousEventId])).toEqual([
      ["TaskFailed", 19, 18],
      ["TaskFailed", 22, 21],
      ["TaskFailed", 25, 24],
      ["TaskSucceeded", 28, 27],
    ]);
    for (const e of found.slice(0, 3)) {
      expect(e.taskFailedEventDetails).toMatchObject({
        error: "InternalServerException",
        cause: "Server Exception while calling DetectSentiment API in Comprehend Service",
      });
    }
    expect(found[3]!.taskSucceededEventDetails).toMatchObject({
      resourceType: "aws-sdk",
      resource: "comprehend:detectSentiment",
      outputDetails: { truncated: false },
    });
    expect(found.slice(1).map((e, i) => ms(e) - ms(found[i]!))).toEqual([1000, 1000, 1000]);
    expect(named(r.history, "TaskStateExited", "CustomerAddedToFollowup")).toHaveLength(1);
  });

  // The README prints the retry-h result verbatim (Step Functions Local, January 2022). Its TaskFailed details are
  // exactly {error, cause}: no resourceType/resource.
  it("RetryOnServiceExceptionTest: the README's retry-h TaskFailed details, verbatim", async () => {
    const found = retryQuery((await salesLead("RetryOnServiceExceptionTest")).history);
    const cause = "Server Exception while calling DetectSentiment API in Comprehend Service";
    expect(found.slice(0, 3).map((e) => e.taskFailedEventDetails)).toEqual([
      { error: "InternalServerException", cause },
      { error: "InternalServerException", cause },
      { error: "InternalServerException", cause },
    ]);
  });

  // The README's retry-h TaskSucceeded output is DetectSentiment's state output after its ResultSelector and
  // ResultPath ({data, results: {sentimentAnalysis}}), not the raw mocked response. (Numbers as Java prints them;
  // compared as parsed JSON.)
  it("RetryOnServiceExceptionTest: the README's retry-h TaskSucceeded details, verbatim", async () => {
    const found = retryQuery((await salesLead("RetryOnServiceExceptionTest")).history);
    const readmeOutput =
      '{"data":{"firstname":"Jane","lastname":"Doe","identity":{"email":"jdoe@example.com","ssn":"123-45-6789"},' +
      '"address":{"street":"123 Main St","city":"Columbus","state":"OH","zip":"43219"},"comments":"I am glad to ' +
      'sign-up for this service. Looking forward to different options."},"results":{"sentimentAnalysis":{"Sentiment"' +
      ':"POSITIVE","SentimentScore":{"Mixed":1.2647535E-4,"Negative":8.031699E-5,"Neutral":0.0051454515,' +
      '"Positive":0.9946478}}}}';
    const succeeded = found[3]!.taskSucceededEventDetails;
    expect({ ...succeeded, output: JSON.parse(succeeded.output) }).toEqual({
      resourceType: "aws-sdk",
      resource: "comprehend:detectSentiment",
      output: JSON.parse(readmeOutput),
      outputDetails: { truncated: false },
    });
  });

  // The samples create the state machine from local_testing.asl.json as is — `${CheckIdentityFunctionArn}`,
  // `${CheckAddressFunctionArn}` and `${FollowUpTableName}` (SAM DefinitionSubstitutions) included: mocked tasks never
  // call them. Substituting plausible values, as `sam deploy` would, changes nothing but the parameters.
  it("runs the definition verbatim, SAM placeholders included, and the same with them substituted", async () => {
    const r = await salesLead("HappyPathTest");
    const params = ofType(r.history, "TaskScheduled").map((e) => JSON.parse(detail(e).parameters));
    expect(params.map((p) => p.FunctionName).filter(Boolean)).toEqual(
      expect.arrayContaining(["${CheckIdentityFunctionArn}", "${CheckAddressFunctionArn}"]),
    );
    expect(params.find((p) => p.TableName)?.TableName).toBe("${FollowUpTableName}");

    const substituted = readFileSync(SALES_LEAD.definition, "utf8")
      .replace("${CheckIdentityFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:CheckIdentityFunction")
      .replace("${CheckAddressFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:CheckAddressFunction")
      .replace("${FollowUpTableName}", "FollowUpTable");
    const tc = MockConfigFile.parse(readFileSync(SALES_LEAD.mocks, "utf8")).testCase("LocalTesting", "HappyPathTest")!;
    const { result, execution } = await new Engine().run(JSON.parse(substituted) as StateMachineDefinition, {
      input: json(SALES_LEAD.input),
      stateMachineName: "LocalTesting",
      mockTestCase: tc,
    });
    expect(result).toEqual({ status: "SUCCEEDED", output: r.output });
    expect(execution.events.map((e) => e.type)).toEqual(r.history.map((e) => e.type));
  });
});

describe("[JAVA] aws-stepfunctions-examples sam/demo-local-testing-using-java (original mock file)", () => {
  const run = (testCase: string) => salesLead(testCase, SALES_LEAD.originalMocks);

  describe("StepFunctionsLocalJUnitTest", () => {
    it("testHappyPath", async () => {
      const r = await run("HappyPathTest");
      expect(named(r.history, "TaskStateExited", "CustomerAddedToFollowup")).toHaveLength(1);
    });

    it("testNegativeSentiment", async () => {
      const r = await run("NegativeSentimentTest");
      expect(named(r.history, "TaskStateExited", "NegativeSentimentDetected")).toHaveLength(1);
    });

    it("testRetryOnServiceException", async () => {
      const results = retryQuery((await run("RetryOnServiceExceptionTest")).history);
      expect(results).toHaveLength(4);
      expect(new Set(results.slice(0, 2).map((e) => e.taskFailedEventDetails?.error))).toEqual(
        new Set(["InternalServerException"]),
      );
      expect(results[3]!.taskSucceededEventDetails?.resource).toBe("comprehend:detectSentiment");
    });
  });

  // StepFunctionsLocalSpockSpec "test #executionName scenario", one row of its where: table each.
  describe("StepFunctionsLocalSpockSpec", () => {
    it.each([
      ["happyPathExecution", "HappyPathTest", "CustomerAddedToFollowup"],
      ["negativeSentimentExecution", "NegativeSentimentTest", "NegativeSentimentDetected"],
      ["validationExceptionExecution", "ValidationExceptionCatchTest", "ValidationException"],
      ["customExceptionExecution", "CustomValidationFailedCatchTest", "CustomValidationFailed"],
    ])("%s (%s): one TaskStateExited %s", async (_execution, testCase, state) => {
      const r = await run(testCase);
      expect(r.history.length).toBeGreaterThan(0);
      expect(named(r.history, "TaskStateExited", state)).toHaveLength(1);
    });

    it("retryExecution (RetryOnServiceExceptionTest): exact number of retries performed", async () => {
      const results = retryQuery((await run("RetryOnServiceExceptionTest")).history);
      expect(results).toHaveLength(4);
      expect([...new Set(results.slice(0, 3).map((e) => e.taskFailedEventDetails?.error))][0]).toBe(
        "InternalServerException",
      );
      expect(results.at(-1)!.taskSucceededEventDetails?.resource).toBe("comprehend:detectSentiment");
    });
  });
});

describe("[STS-PY] [STS-TS] serverless-test-samples step-functions-local (original mock file)", () => {
  // Both poll GetExecutionHistory until an ExecutionSucceeded event appears: every test case must succeed.
  const run = async (testCase: string) => {
    const r = await salesLead(testCase, SALES_LEAD.originalMocks);
    expect(ofType(r.history, "ExecutionSucceeded")).toHaveLength(1);
    return r.history;
  };

  describe("python-test-samples/step-functions-local (pytest)", () => {
    it("test_happy_path", async () => {
      expect(named(await run("HappyPathTest"), "TaskStateExited", "CustomerAddedToFollowup").length).toBeGreaterThan(0);
    });

    it("test_negative_sentiment", async () => {
      const events = await run("NegativeSentimentTest");
      expect(named(events, "TaskStateExited", "NegativeSentimentDetected").length).toBeGreaterThan(0);
    });

    it("test_retry_on_service_exception", async () => {
      const results = retryQuery(await run("RetryOnServiceExceptionTest"));
      expect(results).toHaveLength(4);
      expect(
        results
          .slice(0, 3)
          .filter((e) => e.type === "TaskFailed" && e.taskFailedEventDetails?.error === "InternalServerException"),
      ).toHaveLength(3);
      expect(results[3]!.taskSucceededEventDetails.resource).toBe("comprehend:detectSentiment");
    });
  });

  describe("typescript-test-samples/step-functions-local (jest)", () => {
    it("Test Happy Path Scenario", async () => {
      expect(named(await run("HappyPathTest"), "TaskStateExited", "CustomerAddedToFollowup")).toHaveLength(1);
    });

    it("Test Negative Sentiment Scenario", async () => {
      expect(named(await run("NegativeSentimentTest"), "TaskStateExited", "NegativeSentimentDetected")).toHaveLength(1);
    });

    it("Test Retry on Service Exception", async () => {
      const results = retryQuery(await run("RetryOnServiceExceptionTest"));
      expect(results).toHaveLength(4);
      expect(results.slice(0, 2).every((e) => e.taskFailedEventDetails?.error === "InternalServerException")).toBe(
        true,
      );
      expect(results[3]!.taskSucceededEventDetails?.resource).toBe("comprehend:detectSentiment");
    });
  });
});

describe("every sample test case runs through exec", () => {
  // Each (mock file, test case) the samples start, with the sample's input; all of them end SUCCEEDED on Step
  // Functions Local (the pollers above wait for ExecutionSucceeded; the makefile/Spock cases end in a Task with End).
  const salesLeadCases = [
    "HappyPathTest",
    "NegativeSentimentTest",
    "CustomValidationFailedCatchTest",
    "ValidationExceptionCatchTest",
    "RetryOnServiceExceptionTest",
  ];
  it.each([
    ...salesLeadCases.map((c) => ["sales-lead/MockConfigFile.json", c] as const),
    ...salesLeadCases.map((c) => ["sales-lead/MockConfigFile.original.json", c] as const),
  ])("%s %s: SUCCEEDED with the last mocked Task's Return as output", async (file, testCase) => {
    const mocks = join(FIXTURES, file);
    const r = await salesLead(testCase, mocks);
    expect(r.status).toBe("SUCCEEDED");
    const config = json(mocks);
    const lastTask = [...r.history].reverse().find((e) => e.type === "TaskStateExited")!;
    const response = config.StateMachines.LocalTesting.TestCases[testCase][detail(lastTask).name];
    expect(r.output).toEqual(config.MockedResponses[response]["0"].Return);
  });

  it.each([
    ["lambda-sqs-integration/MockConfigFile.json", "HappyPath"],
    ["lambda-sqs-integration/MockConfigFile.json", "RetryPath"],
    ["lambda-sqs-integration/MockConfigFile.serverless-test-samples.json", "HappyPath"],
    ["lambda-sqs-integration/MockConfigFile.serverless-test-samples.json", "RetryPath"],
    ["lambda-sqs-integration/MockConfigFile.serverless-test-samples.json", "HybridPath"],
  ])("%s %s: SUCCEEDED with the mocked SQS response as output", async (relative, testCase) => {
    const file = join(FIXTURES, relative);
    const r = await exec(LAMBDA_SQS.definition, file, testCase);
    expect(r).toMatchObject({ status: "SUCCEEDED", output: json(file).MockedResponses.MockedSQSSuccess["0"].Return });
  });
});
