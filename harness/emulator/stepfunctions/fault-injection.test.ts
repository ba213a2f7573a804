import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  TooManyRequestsException as AthenaTooManyRequestsException,
} from "@aws-sdk/client-athena";
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ServiceException,
  TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { strToU8, zipSync } from "fflate";
import type { AthenaEmulator } from "../athena/athena-emulator";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { AwsServiceError } from "../errors";
import type { LambdaEmulator } from "../lambda/lambda-emulator";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";

let edge: StartedEdge;
let lambda: LambdaClient;
let athena: AthenaClient;
let sfn: SFNClient;
let lambdaEmulator: LambdaEmulator;
let athenaEmulator: AthenaEmulator;
let queryId: string;

beforeAll(async () => {
  edge = await startEmulators();
  lambda = new LambdaClient(clientConfig(edge));
  athena = new AthenaClient(clientConfig(edge));
  sfn = new SFNClient({ ...clientConfig(edge), disableHostPrefix: true });
  lambdaEmulator = edge.service<LambdaEmulator>("lambda");
  athenaEmulator = edge.service<AthenaEmulator>("athena");
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "flaky",
      Runtime: "nodejs20.x",
      Role: "arn:aws:iam::000000000000:role/lambda-role",
      Handler: "index.handler",
      Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async (e) => ({ ok: true, got: e });") }) },
    }),
  );
  const s3 = new S3Client(clientConfig(edge));
  await s3.send(new CreateBucketCommand({ Bucket: "fault-results" }));
  s3.destroy();
  queryId = (
    await athena.send(
      new StartQueryExecutionCommand({
        QueryString: "SELECT 1",
        ResultConfiguration: { OutputLocation: "s3://fault-results/q/" },
      }),
    )
  ).QueryExecutionId!;
});

afterEach(() => {
  lambdaEmulator.clearFaults();
  athenaEmulator.clearFaults();
});

afterAll(async () => {
  lambda.destroy();
  athena.destroy();
  sfn.destroy();
  await edge.close();
});

function invoke(name = "flaky") {
  return lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{}") }));
}

async function control(path: string, method: string, body?: unknown) {
  const res = await fetch(`${edge.endpoint}/_testbed/${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("Lambda faults", () => {
  it("fails the first N invocations with the SDK's modelled exception, then runs the function", async () => {
    const fault = lambdaEmulator.injectFault({ function: "flaky", error: "TooManyRequestsException", times: 2 });
    expect(fault).toMatchObject({ functionName: "flaky", status: 429, message: "Rate Exceeded.", remaining: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await invoke().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TooManyRequestsException);
      expect(err).toMatchObject({ message: "Rate Exceeded.", $metadata: { httpStatusCode: 429 } });
    }
    const ok = await invoke();
    expect(JSON.parse(Buffer.from(ok.Payload!).toString())).toEqual({ ok: true, got: {} });
    expect(lambdaEmulator.listFaults()).toEqual([]);
    // Failed attempts never reached the handler.
    expect(lambdaEmulator.invocations("flaky")).toHaveLength(1);
  });

  it("matches the function by ARN, applies faults in order and also fails in-process invocations", async () => {
    lambdaEmulator.injectFault({
      function: "arn:aws:lambda:us-east-1:000000000000:function:flaky",
      error: "ServiceException",
      message: "boom",
    });
    lambdaEmulator.injectFault({ function: "flaky", error: "TooManyRequestsException" });
    await expect(invoke()).rejects.toThrow(ServiceException);
    const internal = await lambdaEmulator.invokeInternal("flaky", {}).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(AwsServiceError);
    expect(internal).toMatchObject({ code: "TooManyRequestsException", status: 429 });
    await expect(lambdaEmulator.invokeInternal("flaky", {})).resolves.toMatchObject({ statusCode: 200 });
  });

  it("has a control plane that validates what it is given", async () => {
    const created = await control("lambda/faults", "POST", {
      function: "flaky",
      error: "ResourceNotReadyException",
      times: 3,
    });
    expect(created).toMatchObject({ status: 201, body: { fault: { status: 502, remaining: 3 } } });
    await expect(invoke()).rejects.toMatchObject({ name: "ResourceNotReadyException" });
    expect((await control("lambda/faults", "GET")).body.faults).toEqual([
      expect.objectContaining({ functionName: "flaky", error: "ResourceNotReadyException", remaining: 2 }),
    ]);
    expect((await control("lambda/faults", "DELETE")).body).toEqual({ cleared: 1 });
    await expect(invoke()).resolves.toMatchObject({ StatusCode: 200 });

    const refused: Array<[unknown, string]> = [
      ["not json", "the body must be a JSON object with function, error, message, status, times"],
      [
        { error: "TooManyRequestsException" },
        'function: expected a function name or ARN (e.g. "run-athena-query"), got undefined',
      ],
      [
        { function: "flaky", error: "Too Many" },
        'error: expected an AWS error code such as "TooManyRequestsException", got "Too Many"',
      ],
      [
        { function: "flaky", error: "TooManyRequestException" },
        "error: 'TooManyRequestException' is not an error the Lambda Invoke API declares",
      ],
      [{ function: "flaky", error: "TooManyRequestsException", times: 0 }, "times: expected a positive integer, got 0"],
      [
        { function: "flaky", error: "ServiceException", status: 200 },
        "status: expected an HTTP error status 400-599, got 200",
      ],
      [
        { function: "flaky", error: "ServiceException", when: "always" },
        "when: unknown field; a fault has function, error, message, status, times",
      ],
    ];
    for (const [body, message] of refused) {
      const res = await control("lambda/faults", "POST", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
    }
    // An error the model does not declare is allowed with an explicit status (the SDK then throws a generic error).
    await control("lambda/faults", "POST", { function: "flaky", error: "AWSLambdaException", status: 500 });
    await expect(invoke()).rejects.toMatchObject({ name: "AWSLambdaException", $metadata: { httpStatusCode: 500 } });
  });
});

describe("Athena faults", () => {
  it("fails the first N calls of an operation with the SDK's modelled exception", async () => {
    athenaEmulator.injectFault({ operation: "GetQueryExecution", error: "TooManyRequestsException", times: 1 });
    const err = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaTooManyRequestsException);
    expect(err).toMatchObject({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
    const ok = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
    expect(ok.QueryExecution?.QueryExecutionId).toBe(queryId);
  });

  it("has a control plane that validates what it is given", async () => {
    const created = await control("athena/faults", "POST", {
      operation: "GetQueryExecution",
      error: "InternalServerException",
      message: "try later",
      times: 2,
    });
    expect(created).toMatchObject({ status: 201, body: { fault: { status: 500, remaining: 2 } } });
    await expect(athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))).rejects.toMatchObject({
      name: "InternalServerException",
      message: "try later",
    });
    expect((await control("athena/faults", "GET")).body.faults).toEqual([
      expect.objectContaining({ operation: "GetQueryExecution", remaining: 1 }),
    ]);
    expect((await control("athena/faults", "DELETE")).body).toEqual({ cleared: 1 });

    const refused: Array<[unknown, string]> = [
      ["[]", "the body must be a JSON object with operation, error, message, times"],
      [
        { operation: "GetQueryExecutions", error: "TooManyRequestsException" },
        "operation: expected one of StartQueryExecution, GetQueryExecution",
      ],
      [
        { operation: "GetQueryExecution", error: "Throttled" },
        "error: expected one of TooManyRequestsException, ThrottlingException",
      ],
      [
        { operation: "GetQueryExecution", error: "TooManyRequestsException", times: 1.5 },
        "times: expected a positive integer, got 1.5",
      ],
      [
        { operation: "GetQueryExecution", error: "TooManyRequestsException", status: 429 },
        "status: unknown field; expected operation, error, message, times",
      ],
    ];
    for (const [body, message] of refused) {
      const res = await control("athena/faults", "POST", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
    }
  });
});

describe("Step Functions sees injected faults as AWS errors", () => {
  async function run(name: string, states: Record<string, unknown>) {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name,
        roleArn: ROLE,
        definition: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"run":1}' }));
    await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
    return { described, events };
  }

  it("retries Lambda.TooManyRequestsException twice, then gets the real function's result", async () => {
    lambdaEmulator.injectFault({ function: "flaky", error: "TooManyRequestsException", times: 2 });
    const { described, events } = await run("retry-throttled-lambda", {
      Invoke: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "flaky", "Payload.$": "$" },
        Retry: [
          { ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
        ],
        OutputPath: "$.Payload",
        End: true,
      },
    });
    expect(described.status).toBe("SUCCEEDED");
    expect(JSON.parse(described.output!)).toEqual({ ok: true, got: { run: 1 } });
    const failed = events.filter((e) => e.type === "TaskFailed");
    expect(failed).toHaveLength(2);
    for (const f of failed) {
      expect(f.taskFailedEventDetails).toMatchObject({
        resourceType: "lambda",
        resource: "invoke",
        error: "Lambda.TooManyRequestsException",
      });
      expect(f.taskFailedEventDetails?.cause).toMatch(
        /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: [\w-]+; Proxy: null\)$/,
      );
    }
    expect(events.filter((e) => e.type === "TaskSucceeded")).toHaveLength(1);
    // The retries waited 2 s and then 4 s of virtual time.
    const scheduled = events.filter((e) => e.type === "TaskScheduled").map((e) => e.timestamp!.getTime());
    expect(scheduled.slice(1).map((t, i) => t - scheduled[i]!)).toEqual([2000, 4000]);
  });

  it("retries Athena.TooManyRequestsException on getQueryExecution", async () => {
    athenaEmulator.injectFault({ operation: "GetQueryExecution", error: "TooManyRequestsException" });
    const { described, events } = await run("retry-throttled-athena", {
      Poll: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution",
        Parameters: { QueryExecutionId: queryId },
        Retry: [{ ErrorEquals: ["Athena.TooManyRequestsException"], IntervalSeconds: 1, MaxAttempts: 3 }],
        ResultSelector: { "State.$": "$.QueryExecution.Status.State" },
        End: true,
      },
    });
    expect(described.status).toBe("SUCCEEDED");
    const failed = events.filter((e) => e.type === "TaskFailed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.taskFailedEventDetails).toMatchObject({
      resourceType: "aws-sdk:athena",
      error: "Athena.TooManyRequestsException",
    });
    expect(failed[0]?.taskFailedEventDetails?.cause).toMatch(
      /^Rate exceeded \(Service: Athena, Status Code: 400, Request ID: [\w-]+\)$/,
    );
  });

  it("without a matching Retry the fault fails the execution", async () => {
    lambdaEmulator.injectFault({ function: "flaky", error: "ServiceException", times: 1 });
    const { described } = await run("unretried-lambda-fault", {
      Invoke: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "flaky", Payload: {} },
        End: true,
      },
    });
    expect(described).toMatchObject({ status: "FAILED", error: "Lambda.ServiceException" });
  });
});

describe("reset", () => {
  it("drops injected faults", async () => {
    lambdaEmulator.injectFault({ function: "flaky", error: "TooManyRequestsException", times: 5 });
    athenaEmulator.injectFault({ operation: "GetQueryExecution", error: "TooManyRequestsException", times: 5 });
    expect((await control("reset", "POST")).status).toBe(200);
    expect(lambdaEmulator.listFaults()).toEqual([]);
    expect(athenaEmulator.listFaults()).toEqual([]);
  });
});
