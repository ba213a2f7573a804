import { AthenaClient, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { strToU8, zipSync } from "fflate";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";
const LAMBDA_ROLE = "arn:aws:iam::000000000000:role/lambda-role";
const BUCKET = "wire-bucket";

let edge: StartedEdge;
let sfn: SFNClient;
let s3: S3Client;
let sqs: SQSClient;
let machineSeq = 0;

function zip(source: string): Uint8Array {
  return zipSync({ "index.js": strToU8(source) });
}

beforeAll(async () => {
  edge = await startEmulators();
  sfn = new SFNClient({ ...clientConfig(edge), disableHostPrefix: true });
  s3 = new S3Client(clientConfig(edge));
  sqs = new SQSClient(clientConfig(edge));
  const lambda = new LambdaClient(clientConfig(edge));
  const fn = (FunctionName: string, source: string) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Runtime: "nodejs20.x",
        Role: LAMBDA_ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zip(source) },
      }),
    );
  await fn("echo", "exports.handler = async (event, context) => ({ echo: event, fn: context.functionName });");
  await fn(
    "declines",
    `class PaymentDeclinedError extends Error { constructor(m) { super(m); this.name = "PaymentDeclinedError"; } }
     exports.handler = async (event) => { throw new PaymentDeclinedError("card " + event.card + " expired"); };`,
  );
  lambda.destroy();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "in/data.csv", Body: "state,count\nCA,3\n" }));
});

afterAll(async () => {
  sfn.destroy();
  s3.destroy();
  sqs.destroy();
  await edge.close();
});

/** Creates a one-Task machine, runs it with `input` and returns the description and history. */
async function runTask(task: Record<string, unknown>, input: unknown = {}) {
  const definition = JSON.stringify({ StartAt: "Task", States: { Task: { Type: "Task", ...task, End: true } } });
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: `wire-${++machineSeq}`, definition, roleArn: ROLE }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return { described, events: events ?? [], output: described.output ? JSON.parse(described.output) : undefined };
}

function failure(events: HistoryEvent[]) {
  return events.find((e) => e.type === "TaskFailed")?.taskFailedEventDetails;
}

describe("lambda:invoke", () => {
  it("invokes the real function and returns AWS's response shape", async () => {
    const { described, output, events } = await runTask(
      {
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "echo", "Payload.$": "$" },
      },
      { order: 42 },
    );
    expect(described.status).toBe("SUCCEEDED");
    expect(output).toMatchObject({
      ExecutedVersion: "$LATEST",
      Payload: { echo: { order: 42 }, fn: "echo" },
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
      StatusCode: 200,
    });
    expect(events.find((e) => e.type === "TaskScheduled")?.taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
      region: "us-east-1",
      parameters: '{"FunctionName":"echo","Payload":{"order":42}}',
    });
  });

  it("takes a function ARN as the resource (legacy form) and returns the bare payload", async () => {
    const { output } = await runTask(
      { Resource: "arn:aws:lambda:us-east-1:000000000000:function:echo" },
      { legacy: true },
    );
    expect(output).toEqual({ echo: { legacy: true }, fn: "echo" });
  });

  it("surfaces a handler error as its errorType with the error document as the cause", async () => {
    const { described, events } = await runTask(
      { Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "declines", "Payload.$": "$" } },
      { card: "4242" },
    );
    expect(described).toMatchObject({ status: "FAILED", error: "PaymentDeclinedError" });
    const cause = JSON.parse(described.cause!) as { errorType: string; errorMessage: string; trace?: string[] };
    expect(cause).toMatchObject({ errorType: "PaymentDeclinedError", errorMessage: "card 4242 expired" });
    expect(failure(events)).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
      error: "PaymentDeclinedError",
    });
  });

  it("fails with Lambda.ResourceNotFoundException in AWS's (SDK v1) cause format for a missing function", async () => {
    const { described } = await runTask({
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "missing-fn", Payload: {} },
    });
    expect(described.error).toBe("Lambda.ResourceNotFoundException");
    expect(described.cause).toMatch(
      /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing-fn:\$LATEST \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [\w-]+; Proxy: null\)$/,
    );
  });
});

describe("aws-sdk:s3:copyObject", () => {
  it("copies an object", async () => {
    const { described, output } = await runTask({
      Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      Parameters: { Bucket: BUCKET, CopySource: `${BUCKET}/in/data.csv`, Key: "out/copy.csv" },
    });
    expect(described.status).toBe("SUCCEEDED");
    expect(output).toMatchObject({ CopyObjectResult: { ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) } });
    expect(output.CopyObjectResult.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    expect(output).not.toHaveProperty("$metadata");
    const copied = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "out/copy.csv" }));
    expect(await copied.Body!.transformToString()).toBe("state,count\nCA,3\n");
  });

  it("fails with S3.NoSuchKeyException and AWS's (SDK v2) cause for a missing source", async () => {
    const { described, events } = await runTask({
      Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      Parameters: { Bucket: BUCKET, CopySource: `${BUCKET}/in/missing.csv`, Key: "out/never.csv" },
    });
    expect(described.error).toBe("S3.NoSuchKeyException");
    expect(described.cause).toMatch(
      // AWS adds ", Extended Request ID: …" (the x-amz-id-2 header), which the S3 emulator's errors do not carry yet.
      /^The specified key does not exist\. \(Service: S3, Status Code: 404, Request ID: [^,)]+(, Extended Request ID: [^)]+)?\)$/,
    );
    expect(failure(events)).toMatchObject({ resourceType: "aws-sdk:s3", resource: "copyObject" });
  });

  it("names an error the S3 model does not know S3.S3Exception", async () => {
    // CopySource without a key is refused by S3 with InvalidArgument, which the S3 model does not declare.
    const { described } = await runTask({
      Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      Parameters: { Bucket: BUCKET, CopySource: BUCKET, Key: "out/never.csv" },
    });
    expect(described.error).toBe("S3.S3Exception");
    expect(described.cause).toMatch(/\(Service: S3, Status Code: 400, Request ID: /);
  });
});

describe("sns:publish", () => {
  it("publishes to the topic (delivered to its SQS subscriber) and returns the MessageId", async () => {
    const sns = new SNSClient(clientConfig(edge));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "wire-topic" }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "wire-topic-sub" }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: "arn:aws:sqs:us-east-1:000000000000:wire-topic-sub",
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    sns.destroy();
    const { output } = await runTask(
      {
        Resource: "arn:aws:states:::sns:publish",
        Parameters: { TopicArn, "Message.$": "$" },
      },
      { failed: "Copy" },
    );
    expect(output).toMatchObject({
      MessageId: expect.any(String),
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(Messages?.[0]?.Body).toBe('{"failed":"Copy"}');
    expect(Messages?.[0]?.MessageId).toBeDefined();
  });

  it("fails with SNS.NotFoundException for a missing topic", async () => {
    const { described } = await runTask({
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: "arn:aws:sns:us-east-1:000000000000:no-such-topic", Message: "x" },
    });
    expect(described.error).toBe("SNS.NotFoundException");
    expect(described.cause).toMatch(
      /^Topic does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: [\w-]+; Proxy: null\)$/,
    );
  });
});

describe("aws-sdk:athena:getQueryExecution", () => {
  it("reads the scripted query's state", async () => {
    const athena = new AthenaClient(clientConfig(edge));
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: "SELECT state, COUNT(*) FROM patients GROUP BY state",
        ResultConfiguration: { OutputLocation: `s3://${BUCKET}/athena/` },
      }),
    );
    athena.destroy();
    const task = {
      Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution",
      Parameters: { QueryExecutionId },
    };
    // The default script moves one step per poll: QUEUED, RUNNING, SUCCEEDED.
    const states: string[] = [];
    for (let i = 0; i < 3; i++) states.push((await runTask(task)).output.QueryExecution.Status.State);
    expect(states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    const { output } = await runTask(task);
    expect(output.QueryExecution).toMatchObject({
      QueryExecutionId,
      ResultConfiguration: { OutputLocation: `s3://${BUCKET}/athena/${QueryExecutionId}.csv` },
      Status: { State: "SUCCEEDED" },
    });
    // Timestamps arrive as ISO strings, not epoch numbers.
    expect(output.QueryExecution.Status.SubmissionDateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("fails with Athena.InvalidRequestException for an unknown id", async () => {
    const { described } = await runTask({
      Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution",
      Parameters: { QueryExecutionId: "00000000-0000-0000-0000-000000000000" },
    });
    expect(described.error).toBe("Athena.InvalidRequestException");
    expect(described.cause).toMatch(
      /^QueryExecution 00000000-0000-0000-0000-000000000000 was not found \(Service: Athena, Status Code: 400, Request ID: [\w-]+\)$/,
    );
  });
});
