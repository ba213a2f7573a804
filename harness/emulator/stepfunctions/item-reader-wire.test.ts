import recordedJson from "../../engine/fixtures/item-reader/aws-recorded.json";
import {
  distributedMap,
  listingNormaliser,
  recordedFixture,
  withBucket,
  type RecordedS3Case,
} from "../../engine/map-test-kit";
import { mapWireTestKit } from "./map-wire-test-kit";

const recorded = recordedFixture<RecordedS3Case>(recordedJson);

/**
 * Distributed Map ItemReader end to end: the objects of LocalStack's AWS-validated tests go into the S3 emulator, the
 * machine runs on the SFN emulator, and its S3 reads go over the wire (wire-integrations `s3:getObject` /
 * `s3:listObjectsV2`). Results are compared with AWS's recordings (fixtures/item-reader/aws-recorded.json,
 * Apache-2.0 LocalStack, commit 8b9a79f), the snapshot placeholders being wildcards.
 */

const kit = mapWireTestKit("item-reader");
const { runOnEmulators } = kit;

/** The listObjectsV2 wildcards of the recordings; the S3 emulator's Etags are quoted MD5s. */
const normaliseListing = listingNormaliser(/^"[0-9a-f]{32}"$/);

const cases = recorded.cases;

describe("AWS-recorded ItemReader executions on the emulators", () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const bucket = `item-reader-${i}`;
    await kit.createBucket(bucket, c.objects);
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
    await kit.createBucket("item-reader-missing");
    const { described, events } = await runOnEmulators(
      distributedMap({
        ItemReader: {
          Resource: "arn:aws:states:::s3:getObject",
          ReaderConfig: { InputType: "JSON" },
          Parameters: { Bucket: "item-reader-missing", Key: "nope.json" },
        },
      }),
      {},
    );
    expect(described.status).toBe("FAILED");
    expect(described.error).toBe("States.ItemReaderFailed");
    expect(described.cause).toMatch(/^The specified key does not exist\. \(Service: S3, Status Code: 404/);
    expect(events.map((e) => e.type).slice(-3)).toEqual(["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
  });

  it("reads a JSON Lines object and a pipe-delimited CSV", async () => {
    const bucket = "item-reader-formats";
    await kit.createBucket(bucket, { "a.jsonl": '{"n":1}\n{"n":2}\n', "b.csv": 'x|y\n"1|one"|2\n' });
    const machine = (reader: Record<string, unknown>) =>
      distributedMap({ ItemReader: { Resource: "arn:aws:states:::s3:getObject", ...reader } });
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
