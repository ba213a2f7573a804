import { StatesError } from "./errors";
import { MAX_BATCH_BYTES, batchItems, batchLimit } from "./item-batcher";
import {
  distributedMap,
  engine,
  eventTypes as types,
  memoryS3,
  recordedFixture,
  withBucket,
  type RecordedS3Case,
} from "./map-test-kit";
import type { StateMachineDefinition } from "./types";
import { assertValidDefinition } from "./validate";
import recordedJson from "./fixtures/item-reader/aws-recorded-item-batcher.json";

const recorded = recordedFixture<RecordedS3Case>(recordedJson);

const BUCKET = "batch-bucket";

/** A Distributed Map over the input array with the given ItemBatcher and child states. */
const batchMachine = (itemBatcher: unknown, extra: Record<string, unknown> = {}, child?: Record<string, unknown>) =>
  distributedMap({ ItemBatcher: itemBatcher, ...extra }, child);

describe("batchItems", () => {
  it("groups by count; without BatchInput a batch is only {Items}", () => {
    expect(batchItems([1, 2, 3, 4, 5], undefined, { maxItems: 2 })).toEqual([
      { Items: [1, 2] },
      { Items: [3, 4] },
      { Items: [5] },
    ]);
    expect(batchItems([], undefined, { maxItems: 2 })).toEqual([]);
  });

  it("puts BatchInput first in every batch", () => {
    const batches = batchItems(["a", "b", "c"], { f: 7 }, { maxItems: 2 });
    expect(batches).toEqual([
      { BatchInput: { f: 7 }, Items: ["a", "b"] },
      { BatchInput: { f: 7 }, Items: ["c"] },
    ]);
    expect(JSON.stringify(batches[0])).toBe('{"BatchInput":{"f":7},"Items":["a","b"]}');
  });

  it("fills a batch up to exactly MaxInputBytesPerBatch bytes of child input (BatchInput and UTF-8 included)", () => {
    // {"BatchInput":1,"Items":["aaaa","aaaa"]} is 40 bytes; a third item would make 47.
    const exact = JSON.stringify({ BatchInput: 1, Items: ["aaaa", "aaaa"] }).length;
    expect(exact).toBe(40);
    expect(batchItems(["aaaa", "aaaa", "aaaa"], 1, { maxBytes: 40 })).toEqual([
      { BatchInput: 1, Items: ["aaaa", "aaaa"] },
      { BatchInput: 1, Items: ["aaaa"] },
    ]);
    expect(batchItems(["aaaa", "aaaa", "aaaa"], 1, { maxBytes: 39 }).map((b) => b.Items.length)).toEqual([1, 1, 1]);
    // "é" is two bytes in UTF-8: {"Items":["éé"]} is 18 bytes.
    expect(batchItems(["éé", "éé"], undefined, { maxBytes: 18 })).toEqual([{ Items: ["éé"] }, { Items: ["éé"] }]);
  });

  it("stops a batch at whichever limit comes first", () => {
    expect(batchItems([1, 2, 3, 4, 5], undefined, { maxItems: 3, maxBytes: 15 }).map((b) => b.Items)).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
    expect(batchItems([1, 2, 3, 4, 5], undefined, { maxItems: 2, maxBytes: 1000 }).map((b) => b.Items)).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
  });

  it("fails on an item too large for a batch by itself, and caps the byte limit at 256 KiB", () => {
    expect(() => batchItems(["short", "x".repeat(50)], undefined, { maxBytes: 40 })).toThrow(
      /item at index 1 makes a batch of 64 bytes, more than the ItemBatcher allows \(40 bytes\)/,
    );
    const big = "x".repeat(MAX_BATCH_BYTES);
    expect(() => batchItems([big], undefined, { maxBytes: 10 * MAX_BATCH_BYTES })).toThrow(/262144 bytes/);
  });

  it("limits must be positive integers; numeric strings count", () => {
    expect(batchLimit("MaxItemsPerBatch", "2")).toBe(2);
    expect(batchLimit("MaxItemsPerBatch", undefined)).toBeUndefined();
    for (const bad of [0, -1, 1.5, "abc", null, true]) {
      let thrown: unknown;
      try {
        batchLimit("MaxItemsPerBatch", bad);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(StatesError);
      expect(thrown).toMatchObject({
        error: "States.Runtime",
        cause: `The ItemBatcher field MaxItemsPerBatch must be a positive integer but was: ${JSON.stringify(bad)}`,
      });
    }
  });
});

describe("ItemBatcher on the engine", () => {
  it("AWS docs tutorial (batch data with a Lambda): [1..10] in batches of 3 with a BatchInput factor of 7", async () => {
    // AWS docs "Processing batch data with a Lambda function": MaxItemsPerBatch 3 over ten integers starts four
    // child executions (3+3+3+1 items), BatchInput `"MyMultiplicationFactor.$": "$.my_multiplication_factor"`; the
    // children multiply (here a JSONata Pass instead of the tutorial's Lambda).
    const def = batchMachine(
      { MaxItemsPerBatch: 3, BatchInput: { "MyMultiplicationFactor.$": "$.my_multiplication_factor" } },
      { ItemsPath: "$.my_array" },
      {
        Type: "Pass",
        QueryLanguage: "JSONata",
        Output: "{% [$states.input.Items.($ * $states.input.BatchInput.MyMultiplicationFactor)] %}",
        End: true,
      },
    );
    expect(() => assertValidDefinition(def)).not.toThrow();
    const { result, execution } = await engine().run(def, {
      input: { my_array: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], my_multiplication_factor: 7 },
    });
    expect(result).toEqual({ status: "SUCCEEDED", output: [[7, 14, 21], [28, 35, 42], [49, 56, 63], [70]] });
    expect(execution.events[2]!.mapStateStartedEventDetails).toEqual({ length: 10 });
  });

  it("ItemSelector shapes each item before batching", async () => {
    const def = batchMachine(
      { MaxItemsPerBatchPath: "$.per" },
      { ItemsPath: "$.xs", ItemSelector: { "v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index" } },
    );
    const { result } = await engine().run(def, { input: { xs: ["a", "b", "c"], per: 2 } });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: [
        {
          Items: [
            { v: "a", i: 0 },
            { v: "b", i: 1 },
          ],
        },
        { Items: [{ v: "c", i: 2 }] },
      ],
    });
  });

  it("JSONata limits and BatchInput", async () => {
    const def = {
      ...batchMachine({
        MaxItemsPerBatch: "{% $states.input.n %}",
        MaxInputBytesPerBatch: "{% 1000 %}",
        BatchInput: { tag: "{% $uppercase($states.input.tag) %}" },
      }),
      QueryLanguage: "JSONata",
    } as StateMachineDefinition;
    (def.States.M as any).Items = "{% $states.input.xs %}";
    const { result } = await engine().run(def, { input: { xs: [1, 2, 3], n: 2, tag: "t" } });
    expect(result).toEqual({
      status: "SUCCEEDED",
      output: [
        { BatchInput: { tag: "T" }, Items: [1, 2] },
        { BatchInput: { tag: "T" }, Items: [3] },
      ],
    });
  });

  it.each([
    [
      "a path to a non-number",
      { MaxItemsPerBatchPath: "$.per" },
      { per: "lots" },
      'The MaxItemsPerBatchPath field refers to value "lots" which is not a valid integer: $.per',
    ],
    [
      "a missing path",
      { MaxInputBytesPerBatchPath: "$.nope" },
      {},
      'The MaxInputBytesPerBatchPath field refers to value "null" which is not a valid integer: $.nope',
    ],
    [
      "zero items per batch",
      { MaxItemsPerBatchPath: "$.per" },
      { per: 0 },
      "The ItemBatcher field MaxItemsPerBatch must be a positive integer but was: 0",
    ],
  ])(
    "ends the execution with States.Runtime for %s (no MapStateFailed, as for MaxConcurrencyPath)",
    async (_what, batcher, input, cause) => {
      const { result, execution } = await engine().run(batchMachine(batcher, { ItemsPath: "$.xs" }), {
        input: { xs: [1], ...input },
      });
      expect(result).toEqual({
        status: "FAILED",
        error: "States.Runtime",
        cause: `An error occurred while executing the state 'M' (entered at the event id #2). ${cause}`,
      });
      expect(types(execution.events)).toEqual([
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "ExecutionFailed",
      ]);
    },
  );
});

/**
 * The recordings' "date" placeholder: a BatchTimestamp equal to the Map state's entered time (the definition's
 * `$states.context.State.EnteredTime`) becomes "date"; any other value is left to fail the comparison.
 */
function normaliseBatchTimestamp(output: unknown, enteredTime: string): unknown {
  if (!Array.isArray(output)) return output;
  return output.map((b: any) =>
    b?.BatchInput?.BatchTimestamp === enteredTime
      ? { ...b, BatchInput: { ...b.BatchInput, BatchTimestamp: "date" } }
      : b,
  );
}

describe("AWS-recorded ItemBatcher executions (LocalStack snapshots, in-memory S3)", () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const definition = withBucket(c.definition, c.bucketPlaceholder, BUCKET) as StateMachineDefinition;
    const input = withBucket(c.input, c.bucketPlaceholder, BUCKET);
    expect(() => assertValidDefinition(definition)).not.toThrow();
    const { result, execution } = await engine(memoryS3({ [BUCKET]: c.objects }).resolve).run(definition, { input });
    expect(result.status).toBe(c.expected.status);
    const entered = execution.events.find((e) => e.type === "MapStateEntered")!.timestamp.toISOString();
    expect(normaliseBatchTimestamp((result as any).output, entered)).toEqual(c.expected.output);
    expect(types(execution.events)).toEqual(c.eventTypes);
  });
});
