import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import recordedJson from "../../engine/fixtures/item-reader/aws-recorded-result-writer.json";
import { distributedMap, recordedFixture, type RecordedWriterCase } from "../../engine/map-test-kit";
import { mapWireTestKit } from "./map-wire-test-kit";

const recorded = recordedFixture<RecordedWriterCase>(recordedJson);

/**
 * Distributed Map ResultWriter end to end: the machine runs on the SFN emulator and its result files are put into
 * the S3 emulator over the wire (wire-integrations `s3:putObject`). The Map's result is compared with AWS's recording
 * (LocalStack snapshot, Apache-2.0, commit 8b9a79f); the files with the layout AWS documents ("ResultWriter (Map)").
 */

const kit = mapWireTestKit("result-writer");
const { text } = kit;

describe("AWS-recorded ResultWriter execution on the emulators", () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    await kit.createBucket(c.bucket);
    const { name: smName, described, events, mapRunArn, runId } = await kit.runOnEmulators(c.definition, c.input);
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
    await kit.createBucket("rw-out");
    const { described, runId } = await kit.runOnEmulators(
      distributedMap({
        ResultWriter: {
          Resource: "arn:aws:states:::s3:putObject",
          Parameters: { Bucket: "rw-out", "Prefix.$": "$.prefix" },
          WriterConfig: { Transformation: "FLATTEN", OutputType: "JSON" },
        },
        ItemsPath: "$.xs",
      }),
      { prefix: "runs/", xs: [[1, 2], [3]] },
    );
    expect(described.status).toBe("SUCCEEDED");
    const listed = await kit.s3.send(new ListObjectsV2Command({ Bucket: "rw-out", Prefix: "runs/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      `runs/${runId}/SUCCEEDED_0.json`,
      `runs/${runId}/manifest.json`,
    ]);
    expect(JSON.parse(await text("rw-out", `runs/${runId}/SUCCEEDED_0.json`))).toEqual([1, 2, 3]);
  });

  it("a missing bucket fails the execution with States.ResultWriterFailed and S3's message", async () => {
    const { described, events } = await kit.runOnEmulators(
      distributedMap({
        ResultWriter: { Resource: "arn:aws:states:::s3:putObject", Parameters: { Bucket: "rw-nope", Prefix: "x" } },
      }),
      [1],
    );
    expect(described.status).toBe("FAILED");
    expect(described.error).toBe("States.ResultWriterFailed");
    expect(described.cause).toMatch(/bucket does not exist/);
    expect(events.map((e) => e.type).slice(-3)).toEqual(["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
  });
});
