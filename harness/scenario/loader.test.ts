import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenarioFiles, loadScenarioText, ScenarioValidationError, type ScenarioProblem } from "./loader";
import type { Scenario } from "./types";

const STATES = [
  "RunAthenaQueryLambda",
  "WaitBeforePoll",
  "GetAthenaQueryExecution",
  "CheckAthenaStatus",
  "CountPoll",
  "CopyResultsToProduction",
  "NotifyFailureSNS",
  "PipelineFailed",
  "Success",
];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scenario-loader-"));
  mkdirSync(join(dir, "fixtures"));
  writeFileSync(join(dir, "fixtures", "patients.csv"), "patient_id,state\n1,CA\n2,NY\n");
  writeFileSync(join(dir, "fixtures", "state_counts.csv"), '"state","patient_count"\n"CA","1"\n"NY","1"\n');
  writeFileSync(join(dir, "fixtures", "broken.csv"), 'state,count\n"CA,1\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = () => ({ knownStates: STATES, cwd: dir });

async function problemsOf(lines: string[]): Promise<ScenarioProblem[]> {
  try {
    await loadScenarioText(lines.join("\n") + "\n", join(dir, "case.scenario.yaml"), options());
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioValidationError);
    return (e as ScenarioValidationError).problems;
  }
  throw new Error("the scenario loaded, but problems were expected");
}

const FULL = `# yaml-language-server: $schema=./scenario.schema.json
version: 1
name: full-featured
description: Every field of the format at once.
tags: [smoke, retry]
deploy:
  productionBucket: "invalid bucket!"
  athenaWorkGroup: analytics
start:
  trigger: s3
  key: 2024/patients.csv
  fixture: fixtures/patients.csv
  duplicateEvent: true
  uploadTwice: false
athena:
  states: [QUEUED, RUNNING, RUNNING, SUCCEEDED]
  advanceEvery: 1m30s
  result: { fixture: fixtures/state_counts.csv }
  queryExecutionId: q-fixed-1
faults:
  - lambda: run-athena-query
    error: TooManyRequestsException
    times: 2
  - athena: GetQueryExecution
    error: ThrottlingException
    message: Rate exceeded
    status: 400
mocks:
  RunAthenaQueryLambda:
    - Throw: { Error: Lambda.TooManyRequestsException, Cause: "Rate exceeded" }
      times: 2
    - Return: { StatusCode: 200, Payload: { QueryExecutionId: q-fixed-1 } }
actions:
  - when: { stateEntered: GetAthenaQueryExecution, occurrence: 3 }
    stop: { error: Operator.Abort, cause: "stopped by the scenario" }
  - when: { stateEntered: CountPoll }
    stop: {}
expect:
  status: FAILED
  error: Operator.Abort
  cause: { pattern: "^stopped" }
  path: [RunAthenaQueryLambda, WaitBeforePoll, GetAthenaQueryExecution]
  pathIncludes: [RunAthenaQueryLambda, GetAthenaQueryExecution]
  pathExcludes: [Success]
  retries: { RunAthenaQueryLambda: 2 }
  s3:
    - key: production/state_counts/\${executionName}.csv
      equals: { athenaResult: true }
    - key: production/state_counts/\${executionName}.csv
      equals: { fixture: fixtures/state_counts.csv }
    - bucket: healthcare-data
      key: production/state_counts/\${executionName}.csv
      equals: { object: { bucket: healthcare-athena-results, key: "state-counts/\${queryExecutionId}.csv" } }
    - prefix: production/
      count: 0
    - key: production/other.csv
      exists: false
    - key: some/key
      contains: CA
    - key: some/key
      matches: "^patient_id,"
  sns:
    count: 1
    messages:
      - subject: { contains: failed }
        message: { error: Operator.Abort }
  lambda: { run-athena-query: 3, start-pipeline: 1 }
  output: { query: { QueryExecutionId: q-fixed-1 } }
  duration: { min: 40, max: 10m }
  executions: 1
timeout: 1h30m
`;

describe("loadScenarioFiles: a valid file", () => {
  it("loads every field of the format into exactly the model the runner consumes", async () => {
    const file = join(dir, "full.scenario.yaml");
    writeFileSync(file, FULL);
    const [scenario] = await loadScenarioFiles(["full.scenario.yaml"], options());
    const expected: Scenario = {
      version: 1,
      name: "full-featured",
      description: "Every field of the format at once.",
      file,
      tags: ["smoke", "retry"],
      deploy: { productionBucket: "invalid bucket!", athenaWorkGroup: "analytics" },
      start: {
        kind: "s3",
        key: "2024/patients.csv",
        body: "patient_id,state\n1,CA\n2,NY\n",
        fixtureFile: join(dir, "fixtures", "patients.csv"),
        duplicateEvent: true,
        uploadTwice: false,
      },
      athena: {
        states: ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"],
        advanceEveryMs: 90_000,
        result: {
          csv: '"state","patient_count"\n"CA","1"\n"NY","1"\n',
          csvFile: join(dir, "fixtures", "state_counts.csv"),
        },
        queryExecutionId: "q-fixed-1",
      },
      faults: [
        { service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 2 },
        {
          service: "athena",
          operation: "GetQueryExecution",
          error: "ThrottlingException",
          message: "Rate exceeded",
          times: 1,
          status: 400,
        },
      ],
      mocks: {
        RunAthenaQueryLambda: [
          { Throw: { Error: "Lambda.TooManyRequestsException", Cause: "Rate exceeded" }, times: 2 },
          { Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-fixed-1" } }, times: 1 },
        ],
      },
      actions: [
        {
          when: { stateEntered: "GetAthenaQueryExecution", occurrence: 3 },
          do: { stop: { error: "Operator.Abort", cause: "stopped by the scenario" } },
        },
        { when: { stateEntered: "CountPoll", occurrence: 1 }, do: { stop: {} } },
      ],
      expect: {
        status: "FAILED",
        error: "Operator.Abort",
        cause: { pattern: "^stopped" },
        path: ["RunAthenaQueryLambda", "WaitBeforePoll", "GetAthenaQueryExecution"],
        pathIncludes: ["RunAthenaQueryLambda", "GetAthenaQueryExecution"],
        pathExcludes: ["Success"],
        retries: { RunAthenaQueryLambda: 2 },
        s3: [
          { key: "production/state_counts/${executionName}.csv", equals: { athenaResult: true } },
          {
            key: "production/state_counts/${executionName}.csv",
            equals: {
              fixture: "fixtures/state_counts.csv",
              fixtureFile: join(dir, "fixtures", "state_counts.csv"),
              content: '"state","patient_count"\n"CA","1"\n"NY","1"\n',
            },
          },
          {
            bucket: "healthcare-data",
            key: "production/state_counts/${executionName}.csv",
            equals: { object: { bucket: "healthcare-athena-results", key: "state-counts/${queryExecutionId}.csv" } },
          },
          { prefix: "production/", count: 0 },
          { key: "production/other.csv", exists: false },
          { key: "some/key", contains: "CA" },
          { key: "some/key", matches: "^patient_id," },
        ],
        sns: { count: 1, messages: [{ subject: { contains: "failed" }, message: { error: "Operator.Abort" } }] },
        lambda: { "run-athena-query": 3, "start-pipeline": 1 },
        output: { query: { QueryExecutionId: "q-fixed-1" } },
        duration: { minMs: 40_000, maxMs: 600_000 },
        executions: 1,
      },
      timeoutMs: 5_400_000,
    };
    // toStrictEqual: no stray `key: undefined` in the model.
    expect(scenario).toStrictEqual(expected);
  });

  it("fills the defaults of a minimal StartExecution scenario", async () => {
    const scenario = await loadScenarioText(
      "version: 1\nname: minimal\nstart: {}\nexpect: { status: SUCCEEDED }\n",
      "minimal.scenario.yaml",
      options(),
    );
    expect(scenario).toStrictEqual({
      version: 1,
      name: "minimal",
      file: join(dir, "minimal.scenario.yaml"),
      tags: [],
      deploy: {},
      start: { kind: "input", input: {} },
      faults: [],
      mocks: {},
      actions: [],
      expect: { status: "SUCCEEDED" },
    });
  });

  it("keeps an explicit input and execution name, inline bodies, and Athena's default lifecycle", async () => {
    const a = await loadScenarioText(
      'version: 1\nname: a\nstart: { input: [1, "x", null], name: run-1 }\nathena: { failure: null }\nexpect: { output: null }\n',
      "a.scenario.yaml",
      options(),
    ).catch((e: ScenarioValidationError) => e);
    // `failure: null` is still a `failure` key: refused for a query that ends SUCCEEDED.
    expect(a).toBeInstanceOf(ScenarioValidationError);

    const b = await loadScenarioText(
      [
        "version: 1",
        "name: b",
        "start: { input: [1, 'x', null], name: run-1 }",
        "athena: { queryExecutionId: q-1, result: { columns: [n] } }",
        "expect: { output: null }",
      ].join("\n"),
      "b.scenario.yaml",
      options(),
    );
    expect(b.start).toStrictEqual({ kind: "input", input: [1, "x", null], name: "run-1" });
    expect(b.athena).toStrictEqual({
      states: ["QUEUED", "RUNNING", "SUCCEEDED"],
      result: { columns: ["n"], rows: [] },
      queryExecutionId: "q-1",
    });
    expect(b.expect).toStrictEqual({ output: null });

    const c = await loadScenarioText(
      "version: 1\nname: c\nstart: { trigger: s3, key: x.csv, body: '' }\nexpect: { executions: 0 }\n",
      "c.scenario.yaml",
      options(),
    );
    expect(c.start).toStrictEqual({ kind: "s3", key: "x.csv", body: "" });
  });

  it("does not check state names when no states are known", async () => {
    const s = await loadScenarioText(
      "version: 1\nname: any\nstart: {}\nexpect: { pathExcludes: [Anything] }\n",
      "any.scenario.yaml",
      { knownStates: [], cwd: dir },
    );
    expect(s.expect.pathExcludes).toEqual(["Anything"]);
  });

  it("loads a file passed twice once", async () => {
    writeFileSync(join(dir, "once.scenario.yaml"), "version: 1\nname: once\nstart: {}\nexpect: { status: FAILED }\n");
    const loaded = await loadScenarioFiles(["once.scenario.yaml", join(dir, "once.scenario.yaml")], options());
    expect(loaded.map((s) => s.name)).toEqual(["once"]);
  });
});

interface ExpectedProblem {
  at: string;
  path: string;
  message: string | RegExp;
  suggestion?: string;
}

interface Case {
  title: string;
  yaml: string[];
  problems: ExpectedProblem[];
}

const HEAD = ["version: 1", "name: t"];

const CASES: Case[] = [
  // --- types and values
  {
    title: "version written as text",
    yaml: ['version: "1"', "name: t", "start: { input: {} }", "expect: { status: SUCCEEDED }"],
    problems: [{ at: "1:10", path: "version", message: 'expected 1, got "1"', suggestion: "1" }],
  },
  {
    title: "an unsupported version",
    yaml: ["version: 2", "name: t", "start: {}", "expect: { status: SUCCEEDED }"],
    problems: [{ at: "1:10", path: "version", message: "expected 1, got 2" }],
  },
  {
    title: "a number where an integer count is due, written as text",
    yaml: [...HEAD, "start: {}", 'expect: { executions: "2" }'],
    problems: [{ at: "4:23", path: "expect.executions", message: 'expected a number, got "2"', suggestion: "2" }],
  },
  {
    title: "a fractional count",
    yaml: [...HEAD, "start: {}", "expect: { executions: 1.5 }"],
    problems: [{ at: "4:23", path: "expect.executions", message: "expected an integer, got 1.5" }],
  },
  {
    title: "a YAML 1.1 boolean (no) where true/false is due",
    yaml: [...HEAD, "start: {}", "expect:", "  s3:", "    - key: a.csv", "      exists: no"],
    problems: [
      { at: "7:15", path: "expect.s3[0].exists", message: 'expected true or false, got "no"', suggestion: "false" },
    ],
  },
  {
    title: "a scalar where a list is due",
    yaml: [...HEAD, "tags: smoke", "start: {}", "expect: { status: FAILED }"],
    problems: [{ at: "3:7", path: "tags", message: 'expected a list, got "smoke"', suggestion: "[smoke]" }],
  },
  {
    title: "an empty value where a status is due (pointing at the key)",
    yaml: [...HEAD, "start: {}", "expect:", "  status:"],
    problems: [
      {
        at: "5:3",
        path: "expect.status",
        message: "expected one of SUCCEEDED, FAILED, ABORTED, TIMED_OUT, got nothing (an empty value)",
      },
    ],
  },
  {
    title: "a misspelt status",
    yaml: [...HEAD, "start: {}", "expect: { status: SUCCEDED }"],
    problems: [
      {
        at: "4:19",
        path: "expect.status",
        message: 'expected one of SUCCEEDED, FAILED, ABORTED, TIMED_OUT, got "SUCCEDED"',
        suggestion: "SUCCEEDED",
      },
    ],
  },
  {
    title: "a scenario name that is not a slug",
    yaml: ["version: 1", "name: Retry Throttled Lambda", "start: {}", "expect: { status: FAILED }"],
    problems: [{ at: "2:7", path: "name", message: "uses only a-z, 0-9 and -", suggestion: "retry-throttled-lambda" }],
  },
  {
    title: "an execution name StartExecution refuses",
    yaml: [...HEAD, "start: { name: my run#1 }", "expect: { status: FAILED }"],
    problems: [
      {
        at: "3:16",
        path: "start.name",
        message: "StartExecution refuses names with whitespace",
        suggestion: "my-run-1",
      },
    ],
  },
  {
    title: "a value JSON cannot carry in the input",
    yaml: [...HEAD, "start: { input: { n: .inf } }", "expect: { status: FAILED }"],
    problems: [{ at: "3:22", path: "start.input.n", message: "Infinity is not a JSON number" }],
  },
  // --- keys
  {
    title: "a misspelt top-level key (and no second complaint that `expect` is missing)",
    yaml: [...HEAD, "start: {}", "expcet: { status: SUCCEEDED }"],
    problems: [{ at: "4:1", path: "expcet", message: "unknown key `expcet`", suggestion: "expect" }],
  },
  {
    title: "a misspelt nested key",
    yaml: [...HEAD, "start: {}", "expect:", "  pathInclude: [RunAthenaQueryLambda]"],
    problems: [
      { at: "5:3", path: "expect.pathInclude", message: "unknown key `pathInclude`", suggestion: "pathIncludes" },
    ],
  },
  {
    title: "unknown deploy keys: near one suggested, far one listing what is allowed",
    yaml: [...HEAD, "start: {}", "deploy: { colour: red, productionBuckt: x }", "expect: { status: FAILED }"],
    problems: [
      { at: "4:11", path: "deploy.colour", message: /^unknown key `colour`; allowed here: dataBucket, rawPrefix/ },
      {
        at: "4:24",
        path: "deploy.productionBuckt",
        message: "unknown key `productionBuckt`",
        suggestion: "productionBucket",
      },
    ],
  },
  {
    title: "a misspelt key of the StartExecution form",
    yaml: [...HEAD, "start: { input: {}, nam: run-1 }", "expect: { status: FAILED }"],
    problems: [{ at: "3:21", path: "start.nam", message: "unknown key `nam`", suggestion: "name" }],
  },
  {
    title: "a missing required key, reported at the mapping it is missing from",
    yaml: ["# yaml-language-server: $schema=./scenario.schema.json", ...HEAD, "start: {}"],
    problems: [{ at: "2:1", path: "expect", message: "required key `expect` is missing" }],
  },
  // --- durations
  {
    title: "a duration in words",
    yaml: [...HEAD, "start: {}", "expect: { status: FAILED }", "timeout: 10 sec"],
    problems: [{ at: "5:10", path: "timeout", message: '"10 sec" is not a duration', suggestion: "10s" }],
  },
  {
    title: "a duration of the wrong type",
    yaml: [...HEAD, "start: {}", "athena:", "  advanceEvery: true", "expect: { status: FAILED }"],
    problems: [{ at: "5:17", path: "athena.advanceEvery", message: /^expected a duration; .*, got true$/ }],
  },
  {
    title: "a zero timeout and a negative bound",
    yaml: [...HEAD, "start: {}", "expect: { duration: { min: -5 } }", "timeout: 0s"],
    problems: [
      { at: "4:28", path: "expect.duration.min", message: "must be at least 0, got -5" },
      { at: "5:10", path: "timeout", message: "a duration must be longer than 0" },
    ],
  },
  {
    title: "duration bounds the wrong way round",
    yaml: [...HEAD, "start: {}", "expect: { duration: { min: 10m, max: 40s } }"],
    problems: [{ at: "4:38", path: "expect.duration.max", message: "is shorter than min (40000 ms < 600000 ms)" }],
  },
  // --- state names
  {
    title: "an unknown state as a mocks key",
    yaml: [...HEAD, "start: {}", "mocks:", "  RunAthenaQueryLamda:", "    - Return: {}", "expect: { status: FAILED }"],
    problems: [
      {
        at: "5:3",
        path: "mocks.RunAthenaQueryLamda",
        message: "unknown state `RunAthenaQueryLamda`",
        suggestion: "RunAthenaQueryLambda",
      },
    ],
  },
  {
    title: "unknown states in actions, path, pathIncludes, pathExcludes and retries",
    yaml: [
      ...HEAD,
      "start: {}",
      "actions:",
      "  - when: { stateEntered: GetAthenaQueryExecutoin }",
      "    stop: {}",
      "expect:",
      "  path: [RunAthenaQueryLambda, WaitBeforePol]",
      "  pathIncludes: [CopyResults]",
      "  pathExcludes: [Sucess]",
      "  retries: { GetAthenaQuery: 1 }",
    ],
    problems: [
      {
        at: "5:27",
        path: "actions[0].when.stateEntered",
        message: "unknown state `GetAthenaQueryExecutoin`",
        suggestion: "GetAthenaQueryExecution",
      },
      { at: "8:32", path: "expect.path[1]", message: "unknown state `WaitBeforePol`", suggestion: "WaitBeforePoll" },
      {
        at: "9:18",
        path: "expect.pathIncludes[0]",
        message: "unknown state `CopyResults`",
        suggestion: "CopyResultsToProduction",
      },
      { at: "10:18", path: "expect.pathExcludes[0]", message: "unknown state `Sucess`", suggestion: "Success" },
      {
        at: "11:14",
        path: "expect.retries.GetAthenaQuery",
        message: "unknown state `GetAthenaQuery`",
        suggestion: "GetAthenaQueryExecution",
      },
    ],
  },
  {
    title: "an unknown state nothing resembles lists the real ones",
    yaml: [...HEAD, "start: {}", "expect: { pathExcludes: [Banana] }"],
    problems: [
      {
        at: "4:26",
        path: "expect.pathExcludes[0]",
        message: "unknown state `Banana`; states of the definition: RunAthenaQueryLambda, WaitBeforePoll,",
      },
    ],
  },
  {
    title: "a state both required and excluded",
    yaml: [...HEAD, "start: {}", "expect: { pathIncludes: [Success], pathExcludes: [Success] }"],
    problems: [{ at: "4:51", path: "expect.pathExcludes[0]", message: "`Success` is also in pathIncludes" }],
  },
  // --- start forms and fixtures
  {
    title: "both start forms at once",
    yaml: [
      ...HEAD,
      "start:",
      "  input: { a: 1 }",
      "  trigger: s3",
      "  key: x.csv",
      "  body: a",
      "expect: { status: FAILED }",
    ],
    problems: [{ at: "4:3", path: "start", message: "this one mixes `input` with `trigger`" }],
  },
  {
    title: "trigger fields without `trigger: s3`",
    yaml: [...HEAD, "start: { key: x.csv, body: '' }", "expect: { status: FAILED }"],
    problems: [{ at: "3:8", path: "start.trigger", message: "required key `trigger` is missing" }],
  },
  {
    title: "an S3 trigger without contents",
    yaml: [...HEAD, "start:", "  trigger: s3", "  key: x.csv", "expect: { status: FAILED }"],
    problems: [
      { at: "4:3", path: "start.fixture", message: "needs the object's contents: `fixture: <file>` or `body: <text>`" },
    ],
  },
  {
    title: "an S3 trigger with both fixture and body",
    yaml: [
      ...HEAD,
      "start:",
      "  trigger: s3",
      "  key: x.csv",
      "  fixture: fixtures/patients.csv",
      "  body: a",
      "expect: { status: FAILED }",
    ],
    problems: [{ at: "7:3", path: "start.body", message: "either as `fixture` or as `body`, not both" }],
  },
  {
    title: "a trigger other than s3",
    yaml: [...HEAD, "start: { trigger: sqs, key: x.csv, body: a }", "expect: { status: FAILED }"],
    problems: [{ at: "3:19", path: "start.trigger", message: 'expected s3, got "sqs"' }],
  },
  {
    title: "a missing fixture file, with the nearest file in its directory",
    yaml: [...HEAD, "start: { trigger: s3, key: x.csv, fixture: fixtures/patient.csv }", "expect: { status: FAILED }"],
    problems: [
      {
        at: "3:44",
        path: "start.fixture",
        message: "fixture file fixtures/patient.csv does not exist",
        suggestion: "fixtures/patients.csv",
      },
    ],
  },
  {
    title: "a fixture in a directory that does not exist, and a fixture that is a directory",
    yaml: [
      ...HEAD,
      "start: {}",
      "athena: { result: { fixture: nowhere/counts.csv } }",
      "expect:",
      "  s3:",
      "    - key: a.csv",
      "      equals: { fixture: fixtures }",
    ],
    problems: [
      { at: "4:30", path: "athena.result.fixture", message: "fixture file nowhere/counts.csv does not exist" },
      { at: "8:26", path: "expect.s3[0].equals.fixture", message: "fixture file fixtures is a directory, not a file" },
    ],
  },
  {
    title: "a result CSV fixture Athena's parser refuses",
    yaml: [...HEAD, "start: {}", "athena: { result: { fixture: fixtures/broken.csv } }", "expect: { status: FAILED }"],
    problems: [
      {
        at: "4:30",
        path: "athena.result.fixture",
        message: /^fixtures\/broken\.csv: not a usable result CSV: .*quoted field/,
      },
    ],
  },
  // --- Athena script
  {
    title: "a misspelt Athena state",
    yaml: [...HEAD, "start: {}", "athena: { states: [QUEUED, SUCEEDED] }", "expect: { status: FAILED }"],
    problems: [
      {
        at: "4:28",
        path: "athena.states[1]",
        message: 'expected one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, got "SUCEEDED"',
        suggestion: "SUCCEEDED",
      },
    ],
  },
  {
    title: "`failure` for a query that ends SUCCEEDED, explicitly and by default",
    yaml: [...HEAD, "start: {}", "athena:", "  failure: { reason: boom }", "expect: { status: FAILED }"],
    problems: [
      {
        at: "5:3",
        path: "athena.failure",
        message: "applies only to a query whose last state is FAILED; here it is SUCCEEDED (without `states`",
      },
    ],
  },
  {
    title: "`result` for a query that ends FAILED",
    yaml: [
      ...HEAD,
      "start: {}",
      "athena:",
      "  states: [QUEUED, FAILED]",
      "  failure: { reason: 'TABLE_NOT_FOUND: Table healthcare.patients does not exist' }",
      "  result: { columns: [a], rows: [[x]] }",
      "expect: { status: FAILED }",
    ],
    problems: [
      {
        at: "7:3",
        path: "athena.result",
        message: "applies only to a query whose last state is SUCCEEDED; here it is FAILED",
      },
    ],
  },
  {
    title: "a query that ends FAILED without `failure`",
    yaml: [...HEAD, "start: {}", "athena:", "  states: [RUNNING, FAILED]", "expect: { status: FAILED }"],
    problems: [
      {
        at: "5:3",
        path: "athena.failure",
        message: "a query that ends FAILED needs `failure: { reason: <StateChangeReason> }`",
      },
    ],
  },
  {
    title: "a lifecycle Athena never follows",
    yaml: [
      ...HEAD,
      "start: {}",
      "athena: { states: [QUEUED, RUNNING, QUEUED, CANCELLED, RUNNING] }",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "4:37", path: "athena.states[2]", message: "QUEUED after RUNNING" },
      { at: "4:56", path: "athena.states[4]", message: "RUNNING after the terminal state CANCELLED" },
    ],
  },
  {
    title: "result rows: an unquoted number and a short row",
    yaml: [
      ...HEAD,
      "start: {}",
      "athena:",
      "  result:",
      "    columns: [state, patient_count]",
      "    rows: [[CA, 3], [NY]]",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "7:17", path: "athena.result.rows[0][1]", message: "expected text, got 3", suggestion: '"3"' },
      { at: "7:21", path: "athena.result.rows[1]", message: "has 1 value but there are 2 columns" },
    ],
  },
  // --- faults and mocks
  {
    title: "a negative `times`, a misspelt function and a prefixed error code",
    yaml: [
      ...HEAD,
      "start: {}",
      "faults:",
      "  - lambda: run-athena-querry",
      "    error: Lambda.TooManyRequestsException",
      "    times: -1",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "5:13", path: "faults[0].lambda", message: 'got "run-athena-querry"', suggestion: "run-athena-query" },
      {
        at: "6:12",
        path: "faults[0].error",
        message: "a fault takes the service's own error code",
        suggestion: "TooManyRequestsException",
      },
      { at: "7:12", path: "faults[0].times", message: "must be at least 1, got -1" },
    ],
  },
  {
    title: "a misspelt Athena operation",
    yaml: [
      ...HEAD,
      "start: {}",
      "faults: [{ athena: GetQueryExecutions, error: ThrottlingException }]",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "4:20", path: "faults[0].athena", message: 'got "GetQueryExecutions"', suggestion: "GetQueryExecution" },
    ],
  },
  {
    title: "a fault naming both a Lambda and an Athena operation",
    yaml: [
      ...HEAD,
      "start: {}",
      "faults: [{ lambda: start-pipeline, athena: GetQueryExecution, error: X }]",
      "expect: { status: FAILED }",
    ],
    problems: [{ at: "4:36", path: "faults[0].athena", message: "`athena` cannot be combined with `lambda`" }],
  },
  {
    title: "a mocked response with neither Return nor Throw, and a Throw without Cause",
    yaml: [
      ...HEAD,
      "start: {}",
      "mocks:",
      "  RunAthenaQueryLambda:",
      "    - times: 2",
      "    - Throw: { Error: Lambda.Unknown }",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "6:7", path: "mocks.RunAthenaQueryLambda[0]", message: "needs `Return` or `Throw`" },
      { at: "7:14", path: "mocks.RunAthenaQueryLambda[1].Throw.Cause", message: "required key `Cause` is missing" },
    ],
  },
  {
    title: "an empty list of mocked responses and an occurrence of 0",
    yaml: [
      ...HEAD,
      "start: {}",
      "mocks: { Success: [] }",
      "actions: [{ when: { stateEntered: Success, occurrence: 0 }, stop: {} }]",
      "expect: { status: FAILED }",
    ],
    problems: [
      { at: "4:19", path: "mocks.Success", message: "must not be an empty list" },
      { at: "5:56", path: "actions[0].when.occurrence", message: "must be at least 1, got 0" },
    ],
  },
  // --- expectations
  {
    title: "an empty expect",
    yaml: [...HEAD, "start: {}", "expect: {}"],
    problems: [{ at: "4:9", path: "expect", message: "needs at least one expectation: status, error, cause" }],
  },
  {
    title: "a bad regular expression in `pattern` and in `matches`",
    yaml: [...HEAD, "start: {}", "expect:", "  error: { pattern: '(' }", "  s3: [{ key: a, matches: '[' }]"],
    problems: [
      { at: "5:21", path: "expect.error.pattern", message: "invalid regular expression: /(/: Unterminated group" },
      { at: "6:27", path: "expect.s3[0].matches", message: /^invalid regular expression: \/\[\/: / },
    ],
  },
  {
    title: "a text matcher of the wrong type, and one with a misspelt key",
    yaml: [...HEAD, "start: {}", "expect:", "  error: 42", "  cause: { contain: Rate }"],
    problems: [
      {
        at: "5:10",
        path: "expect.error",
        message: "expected text, { pattern: <regex> } or { contains: <text> }, got 42",
      },
      { at: "6:12", path: "expect.cause.contain", message: "unknown key `contain`", suggestion: "contains" },
    ],
  },
  {
    title: "a SUCCEEDED execution expected to have an error",
    yaml: [...HEAD, "start: {}", "expect: { status: SUCCEEDED, error: States.TaskFailed }"],
    problems: [{ at: "4:30", path: "expect.error", message: "a SUCCEEDED execution has no error" }],
  },
  {
    title: "S3 expectations: key and prefix, neither, count with key, equals with prefix",
    yaml: [
      ...HEAD,
      "start: {}",
      "expect:",
      "  s3:",
      "    - { key: a, prefix: b/, exists: true }",
      "    - { exists: true }",
      "    - { key: a, count: 1 }",
      "    - { prefix: b/, count: 1, contains: x }",
    ],
    problems: [
      { at: "6:17", path: "expect.s3[0].prefix", message: "use `key` for one object or `prefix`" },
      { at: "7:7", path: "expect.s3[1].key", message: "needs `key` (one object) or `prefix`" },
      { at: "8:17", path: "expect.s3[2].count", message: "for one `key` use `exists`", suggestion: "exists" },
      { at: "9:31", path: "expect.s3[3].contains", message: "`contains` checks one object's content" },
    ],
  },
  {
    title: "an unknown placeholder, and equals in two forms",
    yaml: [
      ...HEAD,
      "start: {}",
      "expect:",
      "  s3:",
      "    - key: out/${execution_name}.csv",
      "      equals: { fixture: fixtures/patients.csv, object: { key: x } }",
    ],
    problems: [
      {
        at: "6:12",
        path: "expect.s3[0].key",
        message: "unknown placeholder `${execution_name}`",
        suggestion: "out/${executionName}.csv",
      },
      { at: "7:49", path: "expect.s3[0].equals.object", message: "`object` cannot be combined with `fixture`" },
    ],
  },
  {
    title: "`exists: false` with content checks, and empty sns / lambda / duration",
    yaml: [
      ...HEAD,
      "start: {}",
      "expect:",
      "  s3: [{ key: a, exists: false, contains: x }]",
      "  sns: {}",
      "  lambda: {}",
      "  duration: {}",
    ],
    problems: [
      { at: "5:26", path: "expect.s3[0].exists", message: "`exists: false` contradicts `contains`" },
      { at: "6:8", path: "expect.sns", message: "needs `count` or `messages`" },
      {
        at: "7:11",
        path: "expect.lambda",
        message: "needs an invocation count for run-athena-query or start-pipeline",
      },
      { at: "8:13", path: "expect.duration", message: "needs `min` or `max`" },
    ],
  },
  {
    title: "an unknown Lambda in invocation counts, and a negative count",
    yaml: [...HEAD, "start: {}", "expect: { lambda: { run-athena: 1, start-pipeline: -1 } }"],
    problems: [
      {
        at: "4:21",
        path: "expect.lambda.run-athena",
        message: "unknown key `run-athena`",
        suggestion: "run-athena-query",
      },
      { at: "4:52", path: "expect.lambda.start-pipeline", message: "must be at least 0, got -1" },
    ],
  },
  // --- the file as a whole
  {
    title: "a YAML syntax error: an unclosed quote, reported where it opens",
    yaml: [...HEAD, "start: {}", "expect:", "  error: 'Lambda.Unknown"],
    problems: [{ at: "5:10", path: "", message: "YAML syntax: Missing closing 'quote" }],
  },
  {
    title: "tabs used for indentation",
    yaml: [...HEAD, "start:", "\tinput: {}", "expect: { status: FAILED }"],
    problems: [{ at: "4:1", path: "", message: "YAML does not allow tabs for indentation; indent with spaces" }],
  },
  {
    title: "a duplicate key",
    yaml: [...HEAD, "start: {}", "expect: { status: FAILED }", "name: again"],
    problems: [{ at: "5:1", path: "", message: "duplicate key `name`: a key may appear only once in a mapping" }],
  },
  {
    title: "two YAML documents in one file",
    yaml: [...HEAD, "start: {}", "expect: { status: FAILED }", "---", "name: second"],
    problems: [{ at: "5:1", path: "", message: "a scenario file holds one YAML document" }],
  },
  {
    title: "an alias to an anchor that does not exist",
    yaml: [...HEAD, "start: { input: *nope }", "expect: { status: FAILED }"],
    problems: [{ at: "3:17", path: "", message: "YAML: Unresolved alias" }],
  },
  {
    title: "a list at the top",
    yaml: ["- version: 1", "- name: t"],
    problems: [
      {
        at: "1:1",
        path: "",
        message: "expected a mapping of scenario fields (version, name, start, expect, …), got a list",
      },
    ],
  },
  {
    title: "a plain string at the top",
    yaml: ["hello"],
    problems: [{ at: "1:1", path: "", message: 'got "hello"' }],
  },
  {
    title: "an empty file",
    yaml: [""],
    problems: [
      {
        at: "1:1",
        path: "",
        message: "the file is empty; a scenario needs at least `version: 1`, `name`, `start` and `expect`",
      },
    ],
  },
  {
    title: "a file with only comments",
    yaml: ["# yaml-language-server: $schema=./scenario.schema.json", "# nothing yet"],
    problems: [{ at: "1:1", path: "", message: "the file is empty" }],
  },
];

describe("loadScenarioText: malformed files", () => {
  it("covers at least twenty kinds of mistakes", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES.map((c) => [c.title, c] as const))("%s", async (_title, c) => {
    const problems = await problemsOf(c.yaml);
    expect(
      problems.map((p) => ({
        at: `${p.line}:${p.column}`,
        path: p.path,
        message: p.message,
        suggestion: p.suggestion,
      })),
    ).toEqual(
      c.problems.map((e) => ({
        at: e.at,
        path: e.path,
        message: typeof e.message === "string" ? expect.stringContaining(e.message) : expect.stringMatching(e.message),
        suggestion: e.suggestion,
      })),
    );
    for (const p of problems) expect(p.file).toBe("case.scenario.yaml");
  });
});

describe("loadScenarioFiles: across files", () => {
  it("reports every problem of every file at once, one per line, and returns nothing", async () => {
    writeFileSync(
      join(dir, "bad-a.scenario.yaml"),
      "version: 1\nname: bad-a\nstart: {}\nexpect: { status: SUCCEDED }\n",
    );
    writeFileSync(
      join(dir, "bad-b.scenario.yaml"),
      "version: 1\nname: bad-b\nstart: {}\nexpect:\n  pathInclude: [Success]\n",
    );
    writeFileSync(join(dir, "good.scenario.yaml"), "version: 1\nname: good\nstart: {}\nexpect: { status: FAILED }\n");
    const error = await loadScenarioFiles(
      ["bad-a.scenario.yaml", "good.scenario.yaml", "bad-b.scenario.yaml", "missing.scenario.yaml"],
      options(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioValidationError);
    const e = error as ScenarioValidationError;
    expect(e.name).toBe("ScenarioValidationError");
    expect(e.message.split("\n")).toEqual([
      "3 problems in 3 scenario files:",
      "bad-a.scenario.yaml:4:19  expect.status: expected one of SUCCEEDED, FAILED, ABORTED, TIMED_OUT, got " +
        '"SUCCEDED" (did you mean `SUCCEEDED`?)',
      "bad-b.scenario.yaml:5:3  expect.pathInclude: unknown key `pathInclude` (did you mean `pathIncludes`?)",
      "missing.scenario.yaml:1:1  the file does not exist",
    ]);
    expect(e.problems[2]).toEqual({
      file: "missing.scenario.yaml",
      line: 1,
      column: 1,
      path: "",
      message: "the file does not exist",
    });
  });

  it("reports a duplicate scenario name in both files, each pointing at the other", async () => {
    mkdirSync(join(dir, "dup"), { recursive: true });
    writeFileSync(
      join(dir, "dup", "one.scenario.yaml"),
      "version: 1\nname: same\nstart: {}\nexpect: { status: FAILED }\n",
    );
    writeFileSync(
      join(dir, "dup", "two.scenario.yaml"),
      "# second\nversion: 1\nname:   same\nstart: {}\nexpect: { status: FAILED }\n",
    );
    const error = (await loadScenarioFiles(["dup/one.scenario.yaml", "dup/two.scenario.yaml"], options()).catch(
      (e: unknown) => e,
    )) as ScenarioValidationError;
    expect(error).toBeInstanceOf(ScenarioValidationError);
    expect(error.problems).toEqual([
      {
        file: "dup/one.scenario.yaml",
        line: 2,
        column: 7,
        path: "name",
        message: "scenario name `same` is also used by dup/two.scenario.yaml:3:9; names must be unique",
      },
      {
        file: "dup/two.scenario.yaml",
        line: 3,
        column: 9,
        path: "name",
        message: "scenario name `same` is also used by dup/one.scenario.yaml:2:7; names must be unique",
      },
    ]);
  });

  it("shows files outside the working directory by their absolute path", async () => {
    const other = mkdtempSync(join(tmpdir(), "scenario-outside-"));
    try {
      const file = join(other, "x.scenario.yaml");
      writeFileSync(file, "version: 1\nname: x\nstart: {}\nexpect: {}\n");
      const error = (await loadScenarioFiles([file], options()).catch((e: unknown) => e)) as ScenarioValidationError;
      expect(error.problems.map((p) => p.file)).toEqual([file]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
