import { StatesError } from "./errors";
import {
  distributedMap,
  engine,
  eventTypes as types,
  memoryS3,
  recordedFixture,
  T0,
  type RecordedWriterCase,
} from "./map-test-kit";
import { childRecord, resultObjects, transformResults, writerConfig, type ChildResult } from "./result-writer";
import type { HistoryEvent, StateMachineDefinition } from "./types";
import { assertValidDefinition } from "./validate";
import recordedJson from "./fixtures/item-reader/aws-recorded-result-writer.json";

const recorded = recordedFixture<RecordedWriterCase>(recordedJson);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mapRunArnOf = (events: HistoryEvent[]) =>
  (events.find((e) => e.type === "MapRunStarted")!.mapRunStartedEventDetails as { mapRunArn: string }).mapRunArn;

/** A Distributed Map over the input array, children `child`, with the given ResultWriter. */
const writerMachine = (resultWriter: unknown, child?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  distributedMap({ ResultWriter: resultWriter, ...extra }, child);

const toS3 = { Resource: "arn:aws:states:::s3:putObject", Parameters: { Bucket: "out", Prefix: "jobs" } };

/** A child that fails on items with `fail: true` and otherwise outputs `out`. */
const choosyChild = {
  Type: "Choice",
  Choices: [{ Variable: "$.fail", BooleanEquals: true, Next: "Boom" }],
  Default: "Ok",
};

describe("AWS-recorded ResultWriter execution (LocalStack snapshot, in-memory S3)", () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const definition = c.definition as StateMachineDefinition;
    expect(() => assertValidDefinition(definition)).not.toThrow();
    const s3 = memoryS3();
    const { result, execution } = await engine(s3.resolve).run(definition, { input: c.input });
    const mapRunArn = mapRunArnOf(execution.events);
    const runId = mapRunArn.slice(mapRunArn.lastIndexOf(":") + 1);
    expect(runId).toMatch(UUID);
    // The snapshot's placeholders, filled in from this run.
    const expected = JSON.parse(
      JSON.stringify(c.expected.output)
        .replace(/<partition>/g, "aws")
        .replace(/<region>/g, "us-east-1")
        .replace(/111111111111/g, "000000000000")
        .replace(/<ArnPart_0idx>/g, "StateMachine")
        .replace(/<MapRunArnPart1_0idx>/g, runId),
    );
    expect(result).toEqual({ status: c.expected.status, output: expected });
    expect(types(execution.events)).toEqual(c.eventTypes);
    // What the LocalStack test reads back from S3.
    const read = JSON.parse(s3.objects.get(`${c.bucket}/mapJobs/${runId}/manifest.json`)!);
    expect(read.DestinationBucket).toBe(c.bucket);
    expect(read.MapRunArn).toBe(mapRunArn);
  });
});

describe("ResultWriter export (AWS docs 'ResultWriter (Map)')", () => {
  it("writes SUCCEEDED_0.json records (Transformation NONE) and a manifest listing it with its size", async () => {
    const s3 = memoryS3();
    const { result, execution } = await engine(s3.resolve).run(
      writerMachine(toS3, { Type: "Pass", Parameters: { "doubled.$": "States.MathAdd($.n, $.n)" }, End: true }),
      { input: [{ n: 1 }, { n: 2 }] },
    );
    const mapRunArn = mapRunArnOf(execution.events);
    const runId = mapRunArn.split(":").pop()!;
    expect(mapRunArn).toBe(`arn:aws:states:us-east-1:000000000000:mapRun:StateMachine/M:${runId}`);
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: "out", Key: `jobs/${runId}/manifest.json` } },
    });
    // Status files first, the manifest last.
    expect([...s3.objects.keys()]).toEqual([`out/jobs/${runId}/SUCCEEDED_0.json`, `out/jobs/${runId}/manifest.json`]);
    const body = s3.objects.get(`out/jobs/${runId}/SUCCEEDED_0.json`)!;
    const records = JSON.parse(body);
    expect(records).toHaveLength(2);
    expect(Object.keys(records[0])).toEqual([
      "ExecutionArn",
      "Input",
      "InputDetails",
      "Name",
      "Output",
      "OutputDetails",
      "RedriveCount",
      "RedriveStatus",
      "RedriveStatusReason",
      "StartDate",
      "StateMachineArn",
      "Status",
      "StopDate",
    ]);
    expect(records[1]).toMatchObject({
      Input: '{"n":2}',
      InputDetails: { Included: true },
      Output: '{"doubled":4}',
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: "NOT_REDRIVABLE",
      StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:StateMachine/M",
      Status: "SUCCEEDED",
      StartDate: new Date(T0).toISOString(),
    });
    expect(records[1].ExecutionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:StateMachine/M:${records[1].Name}`,
    );
    expect(records[0].Name).not.toBe(records[1].Name);
    expect(JSON.parse(s3.objects.get(`out/jobs/${runId}/manifest.json`)!)).toEqual({
      DestinationBucket: "out",
      MapRunArn: mapRunArn,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [{ Key: `jobs/${runId}/SUCCEEDED_0.json`, Size: Buffer.byteLength(body) }],
      },
    });
  });

  it("tolerated failures go to FAILED_0.json with Error and Cause; COMPACT and JSONL shape SUCCEEDED_0.json", async () => {
    const s3 = memoryS3();
    const def = writerMachine(
      { ...toS3, WriterConfig: { Transformation: "COMPACT", OutputType: "JSONL" } },
      choosyChild,
      { ToleratedFailureCount: 1 },
    ) as any;
    def.States.M.ItemProcessor.States = {
      P: choosyChild,
      Ok: { Type: "Pass", Result: { ok: "é" }, End: true },
      Boom: { Type: "Fail", Error: "Bad", Cause: "item failed" },
    };
    const { result, execution } = await engine(s3.resolve).run(def, {
      input: [{ fail: false }, { fail: true }, { fail: false }],
    });
    expect(result.status).toBe("SUCCEEDED");
    const runId = mapRunArnOf(execution.events).split(":").pop()!;
    const succeeded = s3.objects.get(`out/jobs/${runId}/SUCCEEDED_0.json`)!;
    expect(succeeded).toBe('{"ok":"é"}\n{"ok":"é"}');
    // JSONL applies to every file: one record per line.
    const failed = s3.objects
      .get(`out/jobs/${runId}/FAILED_0.json`)!
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      Cause: "item failed",
      Error: "Bad",
      Input: '{"fail":true}',
      Status: "FAILED",
      RedriveStatus: "REDRIVABLE",
    });
    expect(failed[0]).not.toHaveProperty("Output");
    const manifest = JSON.parse(s3.objects.get(`out/jobs/${runId}/manifest.json`)!);
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([
      { Key: `jobs/${runId}/SUCCEEDED_0.json`, Size: Buffer.byteLength(succeeded) },
    ]);
    expect(manifest.ResultFiles.FAILED.map((f: any) => f.Key)).toEqual([`jobs/${runId}/FAILED_0.json`]);
  });

  it("JSONata Arguments; no Prefix puts the run's folder at the bucket root", async () => {
    const s3 = memoryS3();
    const def = {
      ...writerMachine({
        Resource: "arn:aws:states:::s3:putObject",
        Arguments: { Bucket: "{% $states.input.bucket %}" },
      }),
      QueryLanguage: "JSONata",
    } as any;
    def.States.M.Items = "{% $states.input.xs %}";
    const { result, execution } = await engine(s3.resolve).run(def, { input: { bucket: "b2", xs: [1] } });
    const runId = mapRunArnOf(execution.events).split(":").pop()!;
    expect((result as any).output.ResultWriterDetails).toEqual({ Bucket: "b2", Key: `${runId}/manifest.json` });
    expect(s3.objects.has(`b2/${runId}/SUCCEEDED_0.json`)).toBe(true);
  });

  it("a failed write fails the Map Run with States.ResultWriterFailed (catchable)", async () => {
    const s3 = memoryS3(
      {},
      { putFails: new StatesError("S3.NoSuchBucketException", "The specified bucket does not exist") },
    );
    const def = writerMachine(
      toS3,
      { Type: "Pass", End: true },
      {
        Catch: [{ ErrorEquals: ["States.ResultWriterFailed"], Next: "Caught" }],
      },
    ) as any;
    delete def.States.M.End;
    def.States.M.Next = "Caught";
    def.States.Caught = { Type: "Pass", End: true };
    const { result, execution } = await engine(s3.resolve).run(def, { input: [1] });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: { Error: "States.ResultWriterFailed", Cause: "The specified bucket does not exist" },
    });
    expect(types(execution.events)).toContain("MapRunFailed");
    expect(types(execution.events)).not.toContain("MapRunSucceeded");
  });

  it("without an S3 integration, or with a bad resource or config, fails with a clear States.Runtime", async () => {
    const none = await engine().run(writerMachine(toS3), { input: [1] });
    expect(none.result).toMatchObject({ status: "FAILED", error: "States.Runtime" });
    expect((none.result as any).cause).toMatch(/state 'M'.*in-memory 's3:putObject'/);
    const s3 = memoryS3();
    const bad = await engine(s3.resolve).run(writerMachine({ ...toS3, Resource: "arn:aws:states:::s3:getObject" }), {
      input: [1],
    });
    expect((bad.result as any).cause).toMatch(/ResultWriter Resource 'arn:aws:states:::s3:getObject' is not supported/);
    expect(() => writerConfig({ Transformation: "GZIP" }, true)).toThrow(/Transformation 'GZIP'/);
    expect(() => writerConfig({ OutputType: "CSV" }, true)).toThrow(/OutputType 'CSV'/);
  });
});

describe("result-writer helpers", () => {
  const child = (status: "SUCCEEDED" | "FAILED", output?: unknown): ChildResult => ({
    status,
    executionArn: "arn:x",
    name: "n",
    stateMachineArn: "arn:sm",
    input: { a: 1 },
    ...(status === "SUCCEEDED" ? { output } : { error: "E", cause: "C" }),
    startDate: new Date(T0),
    stopDate: new Date(T0 + 5),
  });

  it("defaults: NONE when exporting, COMPACT for a preview; JSON output", () => {
    expect(writerConfig(undefined, true)).toEqual({ Transformation: "NONE", OutputType: "JSON" });
    expect(writerConfig({}, false)).toEqual({ Transformation: "COMPACT", OutputType: "JSON" });
  });

  it("FLATTEN flattens array outputs one level (the preview a WriterConfig alone gives); failed children stay full records", () => {
    const out = transformResults([child("SUCCEEDED", [[1], 2]), child("FAILED"), child("SUCCEEDED", "s")], "FLATTEN");
    expect(out).toEqual([[1], 2, childRecord(child("FAILED")), "s"]);
    expect(childRecord(child("FAILED"))).toMatchObject({
      Error: "E",
      Cause: "C",
      StopDate: new Date(T0 + 5).toISOString(),
    });
  });

  it("a Prefix ending in / is not doubled; statuses without results get no file", () => {
    const { objects, manifestKey } = resultObjects([child("FAILED")], {
      bucket: "b",
      prefix: "p/",
      mapRunArn: "arn:aws:states:r:1:mapRun:sm/M:abc",
      config: { Transformation: "NONE", OutputType: "JSON" },
    });
    expect(objects.map((o) => o.Key)).toEqual(["p/abc/FAILED_0.json", "p/abc/manifest.json"]);
    expect(manifestKey).toBe("p/abc/manifest.json");
  });
});

// AWS docs, ResultWriter (Map), "Required field combinations": WriterConfig alone previews the transformed output
// without saving it to Amazon S3; FLATTEN flattens children's array outputs, COMPACT returns their outputs.
describe("ResultWriter with only WriterConfig", () => {
  it("transforms the children's outputs into the Map's result and writes nothing", async () => {
    const s3 = memoryS3();
    const child = { Type: "Pass", Parameters: { "pair.$": "States.Array($, $)" }, OutputPath: "$.pair", End: true };
    const flatten = writerMachine({ WriterConfig: { Transformation: "FLATTEN", OutputType: "JSON" } }, child);
    expect(() => assertValidDefinition(flatten)).not.toThrow();
    const flat = await engine(s3.resolve).run(flatten, { input: [1, 2] });
    expect(flat.result).toEqual({ status: "SUCCEEDED", output: [1, 1, 2, 2] });
    const compact = writerMachine({ WriterConfig: { Transformation: "COMPACT", OutputType: "JSON" } }, child);
    expect((await engine(s3.resolve).run(compact, { input: [1, 2] })).result).toEqual({
      status: "SUCCEEDED",
      output: [
        [1, 1],
        [2, 2],
      ],
    });
    expect(s3.objects.size).toBe(0);
  });
});
