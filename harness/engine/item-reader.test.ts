import { csvItems, jsonlItems, listedObjectItem, parseDelimited } from "./item-reader";
import {
  distributedMap,
  engine,
  eventTypes as types,
  memoryS3,
  listingNormaliser,
  recordedFixture,
  T0,
  withBucket,
  type RecordedS3Case,
} from "./map-test-kit";
import type { StateMachineDefinition } from "./types";
import { assertValidDefinition } from "./validate";
import recordedJson from "./fixtures/item-reader/aws-recorded.json";

const recorded = recordedFixture<RecordedS3Case>(recordedJson);

const BUCKET = "items-bucket";

const readerMachine = (itemReader: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  distributedMap({ ItemReader: itemReader, ...extra });

const getObject = (InputType: string, config: Record<string, unknown> = {}) => ({
  Resource: "arn:aws:states:::s3:getObject",
  ReaderConfig: { InputType, ...config },
  Parameters: { Bucket: BUCKET, "Key.$": "$.key" },
});

describe("ItemReader parsing", () => {
  it("splits delimited text by AWS's documented rules (quotes, doubled quotes, backslashes, CRLF, blank lines)", () => {
    expect(parseDelimited('a,"b,c","say ""hi"""\r\nx\\,y,C:\\\\dir,\\q\n\n"multi\nline",,\n', ",")).toEqual([
      ["a", "b,c", 'say "hi"'],
      ["x,y", "C:\\dir", "q"],
      ["multi\nline", "", ""],
    ]);
    expect(parseDelimited("a|b|c\n1|2|3", "|")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
  });

  it('CSV rows pad missing fields with "" and drop extra ones; every value is a string', () => {
    expect(csvItems("h1,h2\n1\n2,3,4\n", { CSVHeaderLocation: "FIRST_ROW" }, 10)).toEqual([
      { h1: "1", h2: "" },
      { h1: "2", h2: "3" },
    ]);
    expect(csvItems("1\t2\n", { CSVHeaderLocation: "GIVEN", CSVHeaders: ["a", "b"], CSVDelimiter: "TAB" }, 10)).toEqual(
      [{ a: "1", b: "2" }],
    );
    expect(() => csvItems("1,2\n", { CSVDelimiter: "COLON" }, 10)).toThrow(/CSVDelimiter 'COLON'/);
  });

  it("JSONL reads one value per non-blank line and fails on a bad line with its number", () => {
    expect(jsonlItems('{"a":1}\n\n[2]\n"s"\n', 10)).toEqual([{ a: 1 }, [2], "s"]);
    expect(jsonlItems('{"a":1}\n{"a":2}\n', 1)).toEqual([{ a: 1 }]);
    expect(() => jsonlItems('{"a":1}\n{oops}\n', 10)).toThrow(/line 2/);
  });

  it("listObjectsV2 items carry Etag (quoted), Key, LastModified in epoch seconds, Size, StorageClass", () => {
    expect(
      listedObjectItem({
        Key: "k",
        ETag: '"abc"',
        LastModified: "2022-11-17T15:44:41.000Z",
        Size: 3,
        StorageClass: "STANDARD",
      }),
    ).toEqual({ Etag: '"abc"', Key: "k", LastModified: 1668699881, Size: 3, StorageClass: "STANDARD" });
  });
});

describe("ItemReader on the engine (in-memory S3)", () => {
  const files = {
    [BUCKET]: {
      "data.csv": "id;name\n1;ann\n2;bob\n3;cy\n",
      "data.json": JSON.stringify([{ n: 1 }, { n: 2 }]),
      "data.jsonl": '{"n":1}\n{"n":2}\n{"n":3}\n',
      "obj.json": JSON.stringify({ not: "a list" }),
      "bad.json": "[1,",
      "logs/a.txt": "a",
      "logs/b.txt": "bb",
      "logs/c.txt": "ccc",
      "other.txt": "x",
    },
  };

  it("reads CSV (semicolon, first-row headers) with ItemSelector over the read items", async () => {
    const s3 = memoryS3(files);
    const def = readerMachine(
      getObject("CSV", { CSVHeaderLocation: "FIRST_ROW", CSVDelimiter: "SEMICOLON", MaxItems: 2 }),
      {
        ItemSelector: { "row.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" },
      },
    );
    const { result, execution } = await engine(s3.resolve).run(def, { input: { key: "data.csv" } });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: [
        { row: { id: "1", name: "ann" }, i: 0 },
        { row: { id: "2", name: "bob" }, i: 1 },
      ],
    });
    expect(s3.calls).toEqual([{ action: "getObject", params: { Bucket: BUCKET, Key: "data.csv" } }]);
    // AWS records no Task events for the read, and MapStateStarted with length 0.
    expect(types(execution.events)).toEqual([
      "ExecutionStarted",
      "MapStateEntered",
      "MapStateStarted",
      "MapRunStarted",
      "MapRunSucceeded",
      "MapStateSucceeded",
      "MapStateExited",
      "ExecutionSucceeded",
    ]);
    expect(execution.events[2]!.mapStateStartedEventDetails).toEqual({ length: 0 });
  });

  it("reads JSON and JSONL, with JSONata Arguments and a JSONata MaxItems", async () => {
    const s3 = memoryS3(files);
    const json = await engine(s3.resolve).run(readerMachine(getObject("JSON")), { input: { key: "data.json" } });
    expect(json.result).toEqual({ status: "SUCCEEDED", output: [{ n: 1 }, { n: 2 }] });
    const jsonata = readerMachine({
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSONL", MaxItems: "{% $states.input.max %}" },
      Arguments: { Bucket: BUCKET, Key: "{% $states.input.key %}" },
    });
    (jsonata as any).QueryLanguage = "JSONata";
    const jsonl = await engine(s3.resolve).run(jsonata, { input: { key: "data.jsonl", max: 2 } });
    expect(jsonl.result).toEqual({ status: "SUCCEEDED", output: [{ n: 1 }, { n: 2 }] });
  });

  it("lists objects under a Prefix across pages and stops at MaxItems", async () => {
    const s3 = memoryS3(files, { pageSize: 2 });
    const list = (config?: Record<string, unknown>) =>
      readerMachine({
        Resource: "arn:aws:states:::s3:listObjectsV2",
        Parameters: { Bucket: BUCKET, "Prefix.$": "$.prefix" },
        ...(config ? { ReaderConfig: config } : {}),
      });
    const all = await engine(s3.resolve).run(list(), { input: { prefix: "logs/" } });
    expect(all.result).toEqual({
      status: "SUCCEEDED",
      output: ["a", "b", "c"].map((k, i) => ({
        Etag: `"etag-logs/${k}.txt"`,
        Key: `logs/${k}.txt`,
        LastModified: T0 / 1000 + 5,
        Size: i + 1,
        StorageClass: "STANDARD",
      })),
    });
    expect(s3.calls.map((c) => c.params.ContinuationToken)).toEqual([undefined, "2"]);
    const limited = await engine(memoryS3(files, { pageSize: 2 }).resolve).run(list({ MaxItems: 1 }), {
      input: { prefix: "logs/" },
    });
    expect((limited.result as any).output.map((o: any) => o.Key)).toEqual(["logs/a.txt"]);
  });

  it.each([
    ["a missing object", "missing.json", /The specified key does not exist/],
    ["a JSON object", "obj.json", /^Attempting to map over non-iterable node\.$/],
    ["malformed JSON", "bad.json", /The JSON file could not be parsed/],
  ])("fails the Map Run with States.ItemReaderFailed for %s (catchable)", async (_what, key, cause) => {
    const s3 = memoryS3(files);
    const { result, execution } = await engine(s3.resolve).run(readerMachine(getObject("JSON")), { input: { key } });
    expect(result.status).toBe("FAILED");
    expect((result as any).error).toBe("States.ItemReaderFailed");
    expect((result as any).cause).toMatch(cause);
    expect(types(execution.events).slice(-3)).toEqual(["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
  });

  it("a Catch on States.ItemReaderFailed handles the read failure", async () => {
    const def = readerMachine(getObject("JSON"), {
      Catch: [{ ErrorEquals: ["States.ItemReaderFailed"], Next: "Done" }],
    }) as any;
    delete def.States.M.End;
    def.States.M.Next = "Never";
    def.States.Never = { Type: "Fail", Error: "X" };
    def.States.Done = { Type: "Pass", End: true };
    const { result } = await engine(memoryS3(files).resolve).run(def, { input: { key: "obj.json" } });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: { Error: "States.ItemReaderFailed", Cause: "Attempting to map over non-iterable node." },
    });
  });

  it("without an S3 integration the execution fails with a clear States.Runtime naming the state", async () => {
    const { result } = await engine().run(readerMachine(getObject("JSON")), { input: { key: "data.json" } });
    expect(result.status).toBe("FAILED");
    expect((result as any).error).toBe("States.Runtime");
    expect((result as any).cause).toMatch(/state 'M'.*emulators serve S3.*in-memory 's3:getObject'/);
  });

  it("rejects an unsupported InputType / resource clearly", async () => {
    const s3 = memoryS3(files);
    const parquet = await engine(s3.resolve).run(readerMachine(getObject("PARQUET")), { input: { key: "data.json" } });
    expect((parquet.result as any).cause).toMatch(/InputType 'PARQUET' is not supported/);
    const bad = await engine(s3.resolve).run(
      readerMachine({ Resource: "arn:aws:states:::dynamodb:scan", Parameters: {} }),
      { input: {} },
    );
    expect((bad.result as any).error).toBe("States.Runtime");
    expect((bad.result as any).cause).toMatch(/ItemReader Resource 'arn:aws:states:::dynamodb:scan' is not supported/);
  });
});

/** The listObjectsV2 wildcards of the recordings; the in-memory S3's Etags are made-up quoted strings. */
const normaliseListing = listingNormaliser(/^".+"$/);

describe("AWS-recorded ItemReader executions (LocalStack snapshots, in-memory S3)", () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const definition = withBucket(c.definition, c.bucketPlaceholder, BUCKET) as StateMachineDefinition;
    const input = withBucket(c.input, c.bucketPlaceholder, BUCKET);
    const expected = withBucket(c.expected, c.bucketPlaceholder, BUCKET) as any;
    // Every recorded definition passes our definition check (MaxItems 0 included: AWS accepts it).
    expect(() => assertValidDefinition(definition)).not.toThrow();
    const { result, execution } = await engine(memoryS3({ [BUCKET]: c.objects }).resolve).run(definition, { input });
    if (expected.status === "SUCCEEDED") {
      expect(result.status).toBe("SUCCEEDED");
      expect(normaliseListing((result as any).output)).toEqual(expected.output);
    } else {
      expect(result).toMatchObject({ status: "FAILED", error: expected.error, cause: expected.cause });
    }
    expect(types(execution.events)).toEqual(c.eventTypes);
  });
});
