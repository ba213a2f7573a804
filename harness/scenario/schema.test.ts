import Ajv from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { editDistance, nearest } from "./nearest";
import { SCENARIO_SCHEMA_FILE, pipelineStateNames, scenarioJsonSchema } from "./scenario-json-schema";
import { parseDuration, ScenarioFileSchema, suggestDuration } from "./schema";
import { stateNamesOf } from "./state-names";

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["2m5s", 125_000],
    ["1h0m0s250ms", 3_600_250],
    ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "s", "10 s", "10S", "1m1h", "5mins", "1h30", "-5s", "1d", "10s10s"])(
    "%j is not a duration",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it.each([
    ["10 sec", "10s"],
    ["5 minutes", "5m"],
    ["1 hour 30 minutes", "1h30m"],
    ["1 hour and 30 mins", "1h30m"],
    ["250 milliseconds", "250ms"],
    ["30", "30s"],
  ])("suggests %j for %j", (text, suggestion) => {
    expect(suggestDuration(text)).toBe(suggestion);
  });

  it.each(["soon", "10 fortnights", "1m1h"])("has no suggestion for %j", (text) => {
    expect(suggestDuration(text)).toBeUndefined();
  });

  it("turns numbers of seconds and duration strings into milliseconds when parsing a file", () => {
    const parsed = ScenarioFileSchema.parse({
      version: 1,
      name: "d",
      start: {},
      athena: { advanceEvery: 0.5 },
      expect: { duration: { min: 40, max: "10m" } },
      timeout: "1h30m",
    });
    expect(parsed.athena?.advanceEvery).toBe(500);
    expect(parsed.expect.duration).toEqual({ min: 40_000, max: 600_000 });
    expect(parsed.timeout).toBe(5_400_000);
  });
});

describe("nearest", () => {
  it("counts a transposition as one edit", () => {
    expect(editDistance("Executoin", "Execution")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });

  it.each([
    ["pathInclude", "pathIncludes"],
    ["PATHINCLUDES", "pathIncludes"],
    ["expcet", "expect"],
    ["retires", "retries"],
  ])("suggests for %s: %s", (typed, meant) => {
    expect(nearest(typed, ["path", "pathIncludes", "pathExcludes", "expect", "retries"])).toBe(meant);
  });

  it("suggests nothing for something unlike every candidate, and never the input itself", () => {
    expect(nearest("banana", ["RunAthenaQueryLambda", "Success"])).toBeUndefined();
    expect(nearest("Success", ["Success"])).toBeUndefined();
  });
});

describe("state names", () => {
  it("collects states of nested Parallel branches and Map processors", () => {
    const definition = {
      States: {
        A: { Type: "Parallel", Branches: [{ States: { B: {}, C: {} } }] },
        D: { Type: "Map", ItemProcessor: { States: { E: {} } } },
        F: { Type: "Map", Iterator: { States: { G: {} } } },
      },
    };
    expect(stateNamesOf(definition)).toEqual(["A", "B", "C", "D", "E", "F", "G"]);
  });

  it("reads the pipeline definition", () => {
    const names = pipelineStateNames();
    expect(names).toEqual(
      expect.arrayContaining(["RunAthenaQueryLambda", "GetAthenaQueryExecution", "NotifyFailureSNS"]),
    );
  });
});

describe("scenarios/scenario.schema.json", () => {
  it("is up to date with the zod schema and the definition's state names (else run `npm run schema`)", () => {
    const committed: unknown = JSON.parse(readFileSync(SCENARIO_SCHEMA_FILE, "utf8"));
    expect(committed).toEqual(scenarioJsonSchema());
  });

  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  const validate = ajv.compile(scenarioJsonSchema());

  it("accepts what the loader accepts", () => {
    const doc: unknown = parse(`
version: 1
name: editor-check
tags: [smoke]
start: { trigger: s3, key: a.csv, body: "x" }
athena: { states: [QUEUED, FAILED], advanceEvery: 10s, failure: { reason: boom, errorCategory: 2 } }
faults: [{ lambda: run-athena-query, error: TooManyRequestsException, times: 2 }]
mocks: { RunAthenaQueryLambda: [{ Throw: { Error: Lambda.X, Cause: y } }, { Return: { a: 1 } }] }
actions: [{ when: { stateEntered: GetAthenaQueryExecution }, stop: {} }]
expect:
  status: FAILED
  error: { pattern: "^Athena" }
  path: [RunAthenaQueryLambda]
  retries: { RunAthenaQueryLambda: 2 }
  s3: [{ prefix: production/, count: 0 }]
  duration: { max: 1h30m }
timeout: 5m
`);
    expect(validate(doc)).toBe(true);
    expect(ScenarioFileSchema.safeParse(doc).success).toBe(true);
  });

  it.each([
    ["an unknown key", { expcet: {} }],
    ["a bad duration", { timeout: "10 sec" }],
    ["an unknown state", { expect: { path: ["Nowhere"] } }],
    ["a bad Athena state", { athena: { states: ["DONE"] } }],
    ["an S3 trigger with neither fixture nor body", { start: { trigger: "s3", key: "a" } }],
    ["times below 1", { faults: [{ athena: "GetQueryExecution", error: "X", times: 0 }] }],
  ])("lets editors flag %s", (_what, change) => {
    const doc = { version: 1, name: "x", start: {}, expect: { status: "FAILED" }, ...change };
    expect(validate(doc)).toBe(false);
  });
});
