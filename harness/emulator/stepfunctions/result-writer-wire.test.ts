import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import recordedJson from "../../engine/fixtures/item-reader/aws-recorded-result-writer.json";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

/** One AWS-recorded ResultWriter execution (fixtures/item-reader/aws-recorded-result-writer.json). */
interface RecordedCase {
  name: string;
  bucket: string;
  definition: unknown;
  input: unknown;
  expected: { status: string; output: unknown };
  eventTypes: string[];
}
const recorded = recordedJson as unknown as { cases: RecordedCase[] };

/**
 * Distributed Map ResultWriter end to end: the machine runs on the SFN emulator and its result files are put into
 * the S3 emulator over the wire (wire-integrations `s3:putObject`). The Map's result is compared with AWS's recording
 * (LocalStack snapshot, Apache-2.0, commit 8b9a79f); the files with the layout AWS documents ("ResultWriter (Map)").
 */

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";

let edge: StartedEdge;
let sfn: SFNClient;
let s3: S3Client;
let seq = 0;

beforeAll(async () => {
  edge = await startEmulators();
  sfn = new SFNClient({ ...clientConfig(edge), disableHostPrefix: true });
  s3 = new S3Client(clientConfig(edge));
});

afterAll(async () => {
  sfn.destroy();
  s3.destroy();
  await edge.close();
});

async function run(name: string, definition: unknown, input: unknown) {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  const mapRunArn = events.find((e) => e.type === "MapRunStarted")?.mapRunStartedEventDetails?.mapRunArn ?? "";
  return { described, events, mapRunArn, runId: mapRunArn.slice(mapRunArn.lastIndexOf(":") + 1) };
}

const text = async (Bucket: string, Key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();

describe("AWS-recorded ResultWriter execution on the emulators", () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    await s3.send(new CreateBucketCommand({ Bucket: c.bucket }));
    const smName = `result-writer-${++seq}`;
    const { described, events, mapRunArn, runId } = await run(smName, c.definition, c.input);
    const [, partition, , region, account] = mapRunArn.split(":");
    const expected = JSON.parse(
      JSON.stringify(c.expected.output)
        .replace(/<partition>/g, partition!)
        .replace(/<region>/g, region!)
        .replace(/111111111111/g, account!)
        .replace(/<ArnPart_0idx>/g, smName)
        .replace(/<MapRunArnPart1_0idx>/g, runId),
    );
    expect(described.status).toBe(c.expected.status);
    expect(JSON.parse(described.output!)).toEqual(expected);
    expect(events.map((e) => e.type)).toEqual(c.eventTypes);
    // The LocalStack test reads the manifest back from S3.
    const manifest = JSON.parse(await text(c.bucket, `mapJobs/${runId}/manifest.json`));
    expect(manifest.DestinationBucket).toBe(c.bucket);
    expect(manifest.MapRunArn).toBe(mapRunArn);
    // The child results, as AWS documents SUCCEEDED_0.json (Transformation NONE): one record per child.
    const records = JSON.parse(await text(c.bucket, `mapJobs/${runId}/SUCCEEDED_0.json`));
    expect(records.map((r: any) => [r.Input, r.Output, r.Status])).toEqual([
      ['"Hello"', '"Hello"', "SUCCEEDED"],
      ['"World"', '"World"', "SUCCEEDED"],
    ]);
  });
});

describe("ResultWriter over the wire", () => {
  it("writes the status file and manifest into the S3 emulator under the Prefix", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "rw-out" }));
    const { described, runId } = await run(
      `result-writer-${++seq}`,
      {
        StartAt: "M",
        States: {
          M: {
            Type: "Map",
            ItemProcessor: {
              ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
              StartAt: "P",
              States: { P: { Type: "Pass", End: true } },
            },
            ResultWriter: {
              Resource: "arn:aws:states:::s3:putObject",
              Parameters: { Bucket: "rw-out", "Prefix.$": "$.prefix" },
              WriterConfig: { Transformation: "FLATTEN", OutputType: "JSON" },
            },
            ItemsPath: "$.xs",
            End: true,
          },
        },
      },
      { prefix: "runs/", xs: [[1, 2], [3]] },
    );
    expect(described.status).toBe("SUCCEEDED");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "rw-out", Prefix: "runs/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      `runs/${runId}/SUCCEEDED_0.json`,
      `runs/${runId}/manifest.json`,
    ]);
    expect(JSON.parse(await text("rw-out", `runs/${runId}/SUCCEEDED_0.json`))).toEqual([1, 2, 3]);
  });

  it("a missing bucket fails the execution with States.ResultWriterFailed and S3's message", async () => {
    const { described, events } = await run(
      `result-writer-${++seq}`,
      {
        StartAt: "M",
        States: {
          M: {
            Type: "Map",
            ItemProcessor: {
              ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
              StartAt: "P",
              States: { P: { Type: "Pass", End: true } },
            },
            ResultWriter: { Resource: "arn:aws:states:::s3:putObject", Parameters: { Bucket: "rw-nope", Prefix: "x" } },
            End: true,
          },
        },
      },
      [1],
    );
    expect(described.status).toBe("FAILED");
    expect(described.error).toBe("States.ResultWriterFailed");
    expect(described.cause).toMatch(/bucket does not exist/);
    expect(events.map((e) => e.type).slice(-3)).toEqual(["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
  });
});
