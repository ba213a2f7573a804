/**
 * The proof of the pipeline on the embedded target: deploy through the SDK, upload data under the raw prefix, and
 * watch the real trigger Lambda start the real definition, whose real Stage 3 Lambda starts a scripted Athena
 * query; then the production CSV must equal the Athena result byte for byte. And the failure path must deliver the
 * SNS message to the SQS capture queue. Nothing here is mocked in-process.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { AthenaEmulator } from "../emulator/athena/athena-emulator";
import type { LambdaEmulator } from "../emulator/lambda/lambda-emulator";
import { EmbeddedTarget, type StartedEmbeddedTarget } from "../targets/embedded-target";
import { deployPipeline, uploadRawData, type DeployedPipeline } from "./deploy";

jest.setTimeout(60_000);

async function awaitExecutions(deployed: DeployedPipeline, count: number, target: StartedEmbeddedTarget) {
  const lambda = target.edge.service<LambdaEmulator>("lambda");
  for (let i = 0; i < 200; i++) {
    await lambda.awaitAsyncInvocations();
    const list = await deployed.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: deployed.stateMachineArn }),
    );
    const execs = list.executions ?? [];
    if (execs.length >= count && execs.every((e) => e.status !== "RUNNING")) return execs;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`waited for ${count} finished executions of ${deployed.stateMachineArn}; they did not finish`);
}

describe("healthcare pipeline end to end on the embedded target", () => {
  let target: StartedEmbeddedTarget;
  let deployed: DeployedPipeline;

  beforeEach(async () => {
    target = await new EmbeddedTarget().start();
    deployed = await deployPipeline(target);
  });
  afterEach(async () => {
    await deployed.teardown();
    await target.stop();
  });

  it("S3 upload → trigger → Lambda → Athena polls → production CSV equal to the Athena result", async () => {
    const athena = target.edge.service<AthenaEmulator>("athena");
    athena.setDefaultScript({
      states: ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"],
      advance: "per-call",
      result: {
        columns: ["state", "patient_count"],
        rows: [
          ["CA", "3"],
          ["NY", "2"],
        ],
      },
    });
    const uploaded = await uploadRawData(
      deployed,
      "2024/patients.csv",
      "patient_id,state\n1,CA\n2,CA\n3,NY\n4,CA\n5,NY\n",
    );
    // A second notification for the same object (S3 may deliver events twice) must start nothing new.
    await target.edge.service<LambdaEmulator>("lambda").invokeInternal(deployed.functionArns["start-pipeline"], {
      Records: [
        {
          eventName: "ObjectCreated:Put",
          s3: {
            bucket: { name: uploaded.bucket },
            object: { key: uploaded.key, eTag: uploaded.etag.replace(/"/g, "") },
          },
        },
      ],
    });

    const execs = await awaitExecutions(deployed, 1, target);
    expect(execs).toHaveLength(1);
    const exec = execs[0]!;
    const described = await deployed.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: exec.executionArn }),
    );
    expect(described.status).toBe("SUCCEEDED");
    expect(JSON.parse(described.input!)).toMatchObject({
      source: { bucket: "healthcare-data", key: "raw/2024/patients.csv" },
    });

    const history = await deployed.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: exec.executionArn, maxResults: 1000 }),
    );
    const entered = (history.events ?? [])
      .filter((e) => e.type?.endsWith("StateEntered"))
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual([
      "RunAthenaQueryLambda",
      "WaitBeforePoll",
      "GetAthenaQueryExecution",
      "CheckAthenaStatus",
      "CountPoll",
      "WaitBeforePoll",
      "GetAthenaQueryExecution",
      "CheckAthenaStatus",
      "CountPoll",
      "WaitBeforePoll",
      "GetAthenaQueryExecution",
      "CheckAthenaStatus",
      "CountPoll",
      "WaitBeforePoll",
      "GetAthenaQueryExecution",
      "CheckAthenaStatus",
      "CopyResultsToProduction",
      "Success",
    ]);
    // Four 10-second waits of simulated time.
    expect(described.stopDate!.getTime() - described.startDate!.getTime()).toBeGreaterThanOrEqual(40_000);

    const [query] = await athena.queries();
    const resultCsv = await deployed.clients.s3.send(
      new GetObjectCommand({ Bucket: "healthcare-athena-results", Key: `state-counts/${query!.queryExecutionId}.csv` }),
    );
    const production = await deployed.clients.s3.send(
      new GetObjectCommand({ Bucket: "healthcare-data", Key: `production/state_counts/${exec.name}.csv` }),
    );
    const expected = await resultCsv.Body!.transformToString();
    expect(expected).toBe('"state","patient_count"\n"CA","3"\n"NY","2"\n');
    expect(await production.Body!.transformToString()).toBe(expected);
  });

  it("a FAILED query publishes the execution context to SNS, delivered to the SQS capture queue", async () => {
    const athena = target.edge.service<AthenaEmulator>("athena");
    athena.setDefaultScript({
      states: ["RUNNING", "FAILED"],
      advance: "per-call",
      failure: { reason: "TABLE_NOT_FOUND: Table healthcare.patients does not exist" },
    });
    await uploadRawData(deployed, "patients.csv", "patient_id,state\n1,CA\n");
    const [exec] = await awaitExecutions(deployed, 1, target);
    const described = await deployed.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: exec!.executionArn }),
    );
    expect(described.status).toBe("FAILED");
    expect(described.error).toBe("Athena.QueryFailed");

    const received = await deployed.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deployed.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages![0]!.Body!);
    expect(envelope).toMatchObject({
      Type: "Notification",
      TopicArn: deployed.topicArn,
      Subject: "healthcare-pipeline-orchestrator execution failed",
    });
    const message = JSON.parse(envelope.Message);
    expect(message).toMatchObject({
      executionId: exec!.executionArn,
      executionName: exec!.name,
      stateMachine: deployed.stateMachineArn,
      error: "Athena.QueryFailed",
      input: { source: { key: "raw/patients.csv" } },
    });
    expect(message.cause).toContain("TABLE_NOT_FOUND: Table healthcare.patients does not exist");
    expect(message.context.query.QueryExecutionId).toMatch(/[0-9a-f-]{36}/);

    const production = await deployed.clients.s3.send(
      new ListObjectsV2Command({ Bucket: "healthcare-data", Prefix: "production/" }),
    );
    expect(production.KeyCount ?? 0).toBe(0);
  });
});
