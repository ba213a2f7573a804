import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import recordedJson from "../../engine/fixtures/item-reader/aws-recorded.json";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

/** One AWS-recorded ItemReader execution (fixtures/item-reader/aws-recorded.json). */
interface RecordedCase {
  name: string;
  bucketPlaceholder: string;
  definition: unknown;
  input: unknown;
  objects: Record<string, string>;
  expected: { status: string; output?: unknown; error?: string; cause?: string };
  eventTypes: string[];
}
const recorded = recordedJson as unknown as { cases: RecordedCase[] };

/**
 * Distributed Map ItemReader end to end: the objects of LocalStack's AWS-validated tests go into the S3 emulator, the
 * machine runs on the SFN emulator, and its S3 reads go over the wire (wire-integrations `s3:getObject` /
 * `s3:listObjectsV2`). Results are compared with AWS's recordings (fixtures/item-reader/aws-recorded.json,
 * Apache-2.0 LocalStack, commit 8b9a79f), the snapshot placeholders being wildcards.
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

function withBucket<T>(value: T, placeholder: string, bucket: string): T {
  return JSON.parse(JSON.stringify(value).split(placeholder).join(bucket));
}

/** The listObjectsV2 wildcards of the recording: a quoted Etag and an epoch-seconds LastModified. */
function normaliseListing(output: unknown): unknown {
  if (!Array.isArray(output)) return output;
  return output.map((o: any) =>
    o && typeof o === "object" && "Etag" in o && "LastModified" in o
      ? {
          ...o,
          Etag: /^"[0-9a-f]{32}"$/.test(o.Etag) ? `<Etag-${o.Key}>` : o.Etag,
          LastModified: Number.isInteger(o.LastModified) && o.LastModified > 1.6e9 ? "<date>" : o.LastModified,
        }
      : o,
  );
}

async function runOnEmulators(definition: unknown, input: unknown) {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `item-reader-${++seq}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return { described, events: events ?? [] };
}

const cases = recorded.cases;

describe("AWS-recorded ItemReader executions on the emulators", () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const bucket = `item-reader-${i}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [Key, Body] of Object.entries(c.objects)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    }
    const expected = withBucket(c.expected, c.bucketPlaceholder, bucket) as any;
    const { described, events } = await runOnEmulators(
      withBucket(c.definition, c.bucketPlaceholder, bucket),
      withBucket(c.input, c.bucketPlaceholder, bucket),
    );
    if (expected.status === "SUCCEEDED") {
      expect(described.status).toBe("SUCCEEDED");
      expect(normaliseListing(JSON.parse(described.output!))).toEqual(expected.output);
    } else {
      expect(described).toMatchObject({ status: "FAILED", error: expected.error, cause: expected.cause });
    }
    expect(events.map((e) => e.type)).toEqual(c.eventTypes);
  });
});

describe("ItemReader over the wire", () => {
  it("fails the Map Run with States.ItemReaderFailed and S3's NoSuchKey message for a missing object", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "item-reader-missing" }));
    const { described, events } = await runOnEmulators(
      {
        StartAt: "M",
        States: {
          M: {
            Type: "Map",
            ItemReader: {
              Resource: "arn:aws:states:::s3:getObject",
              ReaderConfig: { InputType: "JSON" },
              Parameters: { Bucket: "item-reader-missing", Key: "nope.json" },
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
              StartAt: "P",
              States: { P: { Type: "Pass", End: true } },
            },
            End: true,
          },
        },
      },
      {},
    );
    expect(described.status).toBe("FAILED");
    expect(described.error).toBe("States.ItemReaderFailed");
    expect(described.cause).toMatch(/^The specified key does not exist\. \(Service: S3, Status Code: 404/);
    expect(events.map((e) => e.type).slice(-3)).toEqual(["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
  });

  it("reads a JSON Lines object and a pipe-delimited CSV", async () => {
    const bucket = "item-reader-formats";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a.jsonl", Body: '{"n":1}\n{"n":2}\n' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "b.csv", Body: 'x|y\n"1|one"|2\n' }));
    const machine = (reader: Record<string, unknown>) => ({
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          ItemReader: { Resource: "arn:aws:states:::s3:getObject", ...reader },
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "P",
            States: { P: { Type: "Pass", End: true } },
          },
          End: true,
        },
      },
    });
    const jsonl = await runOnEmulators(
      machine({ ReaderConfig: { InputType: "JSONL" }, Parameters: { Bucket: bucket, Key: "a.jsonl" } }),
      {},
    );
    expect(JSON.parse(jsonl.described.output!)).toEqual([{ n: 1 }, { n: 2 }]);
    const csv = await runOnEmulators(
      machine({
        ReaderConfig: { InputType: "CSV", CSVHeaderLocation: "FIRST_ROW", CSVDelimiter: "PIPE" },
        Parameters: { Bucket: bucket, Key: "b.csv" },
      }),
      {},
    );
    expect(JSON.parse(csv.described.output!)).toEqual([{ x: "1|one", y: "2" }]);
  });
});
