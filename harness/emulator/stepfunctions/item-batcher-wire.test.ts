import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import recordedJson from "../../engine/fixtures/item-reader/aws-recorded-item-batcher.json";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

/** One AWS-recorded ItemBatcher execution (fixtures/item-reader/aws-recorded-item-batcher.json). */
interface RecordedCase {
  name: string;
  bucketPlaceholder: string;
  definition: unknown;
  input: unknown;
  objects: Record<string, string>;
  expected: { status: string; output?: unknown };
  eventTypes: string[];
}
const recorded = recordedJson as unknown as { cases: RecordedCase[] };

/**
 * Distributed Map ItemBatcher end to end: the AWS-recorded executions (LocalStack snapshots, Apache-2.0, commit
 * 8b9a79f) run on the SFN emulator, their items read from the S3 emulator over the wire, and their batched results
 * are compared with AWS's.
 */

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";

let edge: StartedEdge;
let sfn: SFNClient;
let s3: S3Client;

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

describe("AWS-recorded ItemBatcher executions on the emulators", () => {
  it.each(recorded.cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const bucket = `item-batcher-${i}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [Key, Body] of Object.entries(c.objects)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    }
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `item-batcher-${i}`,
        definition: JSON.stringify(withBucket(c.definition, c.bucketPlaceholder, bucket)),
        roleArn: ROLE,
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        input: JSON.stringify(withBucket(c.input, c.bucketPlaceholder, bucket)),
      }),
    );
    await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(described.status).toBe(c.expected.status);
    // The recordings' "date" stands for the Map state's entered time ($states.context.State.EnteredTime).
    const entered = events.find((e) => e.type === "MapStateEntered")!.timestamp!.getTime();
    const output = (JSON.parse(described.output!) as any[]).map((b) => {
      const ts = b?.BatchInput?.BatchTimestamp;
      return typeof ts === "string" && Math.abs(Date.parse(ts) - entered) < 1000
        ? { ...b, BatchInput: { ...b.BatchInput, BatchTimestamp: "date" } }
        : b;
    });
    expect(output).toEqual(c.expected.output);
    expect(events.map((e) => e.type)).toEqual(c.eventTypes);
  });
});
