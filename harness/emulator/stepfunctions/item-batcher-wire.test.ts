import recordedJson from "../../engine/fixtures/item-reader/aws-recorded-item-batcher.json";
import { recordedFixture, withBucket, type RecordedS3Case } from "../../engine/map-test-kit";
import { mapWireTestKit } from "./map-wire-test-kit";

const recorded = recordedFixture<RecordedS3Case>(recordedJson);

/**
 * Distributed Map ItemBatcher end to end: the AWS-recorded executions (LocalStack snapshots, Apache-2.0, commit
 * 8b9a79f) run on the SFN emulator, their items read from the S3 emulator over the wire, and their batched results
 * are compared with AWS's.
 */

const kit = mapWireTestKit("item-batcher");

describe("AWS-recorded ItemBatcher executions on the emulators", () => {
  it.each(recorded.cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const bucket = `item-batcher-${i}`;
    await kit.createBucket(bucket, c.objects);
    const { described, events } = await kit.runOnEmulators(
      withBucket(c.definition, c.bucketPlaceholder, bucket),
      withBucket(c.input, c.bucketPlaceholder, bucket),
    );
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
