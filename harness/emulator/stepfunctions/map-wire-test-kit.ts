/**
 * Shared scaffolding of the Distributed Map wire tests (ItemReader, ItemBatcher, ResultWriter on the emulators).
 * Test support only; no test lives here (jest runs `*.test.ts` files only).
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from "@aws-sdk/client-sfn";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";

/** One finished execution on the SFN emulator, as the SDK describes it. */
export interface WireRun {
  /** The state machine's name (part of the Map Run ARN and the ResultWriter's recorded placeholders). */
  name: string;
  described: DescribeExecutionCommandOutput;
  events: HistoryEvent[];
  /** The Map Run's ARN from MapRunStarted ("" when the execution started none). */
  mapRunArn: string;
  /** The Map Run's id, the last part of its ARN: the ResultWriter's folder under the Prefix. */
  runId: string;
}

/** What {@link mapWireTestKit} gives a test file. The clients exist from `beforeAll` on. */
export interface MapWireTestKit {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Creates a state machine (named `<prefix>-<n>` unless `name` is given), runs it to the end and describes it. */
  runOnEmulators(definition: unknown, input: unknown, name?: string): Promise<WireRun>;
  /** Creates `bucket` in the S3 emulator and puts `objects` (key → body) into it, e.g. a recorded case's objects. */
  createBucket(bucket: string, objects?: Record<string, string>): Promise<void>;
  /** An object's body as text, to read back what a ResultWriter wrote. */
  text(bucket: string, key: string): Promise<string>;
}

/**
 * Starts the emulators and SDK clients once for the calling test file (registers its `beforeAll` / `afterAll`), so
 * that each Map wire test is only its machine and its expectations. Call it at the top level of a test file;
 * `prefix` names the state machines it creates.
 */
export function mapWireTestKit(prefix: string): MapWireTestKit {
  let edge: StartedEdge | undefined;
  let clients: { s3: S3Client; sfn: SFNClient } | undefined;
  let seq = 0;

  beforeAll(async () => {
    edge = await startEmulators();
    clients = {
      sfn: new SFNClient({ ...clientConfig(edge), disableHostPrefix: true }),
      s3: new S3Client(clientConfig(edge)),
    };
  });

  afterAll(async () => {
    clients?.sfn.destroy();
    clients?.s3.destroy();
    await edge?.close();
  });

  const started = () => {
    if (!edge || !clients)
      throw new Error("mapWireTestKit: the emulators start in beforeAll; use the kit inside tests");
    return { edge, ...clients };
  };

  return {
    get s3() {
      return started().s3;
    },
    get sfn() {
      return started().sfn;
    },
    async runOnEmulators(definition, input, name = `${prefix}-${++seq}`) {
      const { edge, sfn } = started();
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
      );
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      await edge.service<SfnEmulator>("states").execution(executionArn!)!.done;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const mapRunArn = events.find((e) => e.type === "MapRunStarted")?.mapRunStartedEventDetails?.mapRunArn ?? "";
      return { name, described, events, mapRunArn, runId: mapRunArn.slice(mapRunArn.lastIndexOf(":") + 1) };
    },
    async createBucket(bucket, objects = {}) {
      const { s3 } = started();
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const [Key, Body] of Object.entries(objects)) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
      }
    },
    async text(bucket, key) {
      const { s3 } = started();
      return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    },
  };
}
