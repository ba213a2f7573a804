import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { testScenario } from "./test-scenario";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError, type CliIO } from "../cli/io";
import { VirtualClock } from "../common/clock";
import { DEFAULT_PIPELINE_CONFIG, readDefinitionTemplate, renderDefinition } from "../deploy/pipeline-config";
import { Engine } from "../engine/engine";
import { MockConfigFile, type MockConfig } from "../engine/mock-config";
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import {
  athenaScriptForDocker,
  compileMockConfig,
  DOCKER_TARGETS,
  formatMockConfig,
  MockConfigCompileError,
  mockConfigCommand,
  numberSteps,
  PIPELINE_STATES,
  POLL_BOUND,
  POLL_INTERVAL_SECONDS,
  resultObjectsToSeed,
  type DockerTargetName,
} from "./mock-config-compiler";
import type { Scenario } from "./types";

const SM = DEFAULT_PIPELINE_CONFIG.stateMachineName;

function scenario(name: string, over: Partial<Scenario> = {}): Scenario {
  return testScenario(name, over);
}

/** Hand-written scenarios covering the paths of the pipeline (the scenario loader is not used here). */
const SCENARIOS: Record<string, Scenario> = {
  success: scenario("success", {
    expect: {
      status: "SUCCEEDED",
      path: [
        "RunAthenaQueryLambda",
        ...["WaitBeforePoll", "GetAthenaQueryExecution", "CheckAthenaStatus", "CountPoll"],
        ...["WaitBeforePoll", "GetAthenaQueryExecution", "CheckAthenaStatus", "CountPoll"],
        ...["WaitBeforePoll", "GetAthenaQueryExecution", "CheckAthenaStatus"],
        "CopyResultsToProduction",
        "Success",
      ],
    },
  }),
  failedQuery: scenario("failed-query", {
    athena: {
      states: ["QUEUED", "FAILED"],
      failure: { reason: "TABLE_NOT_FOUND: line 1:46: Table 'awsdatacatalog.healthcare.patients' does not exist" },
    },
    expect: {
      status: "FAILED",
      error: "Athena.QueryFailed",
      cause: { contains: "TABLE_NOT_FOUND" },
      pathIncludes: ["GetAthenaQueryExecution", "QueryFailed", "NotifyFailureSNS", "PipelineFailed"],
      pathExcludes: ["CopyResultsToProduction"],
    },
  }),
  cancelled: scenario("cancelled", {
    athena: { states: ["RUNNING", "CANCELLED"] },
    expect: {
      status: "FAILED",
      error: "Athena.QueryCancelled",
      cause: { contains: "Query cancelled by user" },
      pathIncludes: ["CountPoll", "QueryCancelled", "NotifyFailureSNS", "PipelineFailed"],
    },
  }),
  throttled: scenario("lambda-throttled-twice", {
    faults: [{ service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 2 }],
    expect: {
      status: "SUCCEEDED",
      retries: { RunAthenaQueryLambda: 2 },
      pathIncludes: ["RunAthenaQueryLambda", "WaitBeforePoll", "CopyResultsToProduction", "Success"],
    },
  }),
  stuck: scenario("stuck-running", {
    athena: { states: ["RUNNING"] },
    expect: {
      status: "FAILED",
      error: "Pipeline.QueryPollLimitExceeded",
      cause: { pattern: "was still RUNNING after 60 polls$" },
      pathIncludes: ["GetAthenaQueryExecution", "PollLimitExceeded", "NotifyFailureSNS", "PipelineFailed"],
    },
  }),
  athenaThrottled: scenario("athena-throttled-once", {
    athena: { states: ["RUNNING", "SUCCEEDED"] },
    faults: [{ service: "athena", operation: "GetQueryExecution", error: "ThrottlingException", times: 1 }],
    expect: { status: "SUCCEEDED", retries: { GetAthenaQueryExecution: 1 }, pathIncludes: ["Success"] },
  }),
  timeBased: scenario("time-based", {
    athena: { states: ["QUEUED", "RUNNING", "SUCCEEDED"], advanceEveryMs: 25_000 },
    expect: { status: "SUCCEEDED", pathIncludes: ["CopyResultsToProduction", "Success"] },
  }),
};

const definitions = new Map<string, StateMachineDefinition>();
function definitionFor(s: Scenario): StateMachineDefinition {
  const key = JSON.stringify(s.deploy);
  let d = definitions.get(key);
  if (!d) {
    d = JSON.parse(
      renderDefinition({ ...DEFAULT_PIPELINE_CONFIG, ...s.deploy }, "us-east-1", "000000000000"),
    ) as StateMachineDefinition;
    definitions.set(key, d);
  }
  return d;
}

/** What an un-mocked Task would have returned on a healthy target (to mock every Task for the engine check). */
const HEALTHY: Record<string, unknown> = {
  [PIPELINE_STATES.runQuery]: { StatusCode: 200, Payload: { QueryExecutionId: "q-from-real-lambda" } },
  [PIPELINE_STATES.copy]: { CopyObjectResult: { ETag: '"etag"' } },
  [PIPELINE_STATES.notify]: { MessageId: "m-1" },
};

/** Runs the real definition on the embedded engine with the compiled test case, every Task state mocked. */
async function runCompiled(config: MockConfig, s: Scenario) {
  const definition = definitionFor(s);
  const full = structuredClone(config);
  const testCase = full.StateMachines[SM]!.TestCases[s.name]!;
  for (const [state, def] of Object.entries(definition.States)) {
    if (def.Type !== "Task" || testCase[state]) continue;
    testCase[state] = `healthy.${state}`;
    full.MockedResponses[`healthy.${state}`] = { "0-99": { Return: HEALTHY[state] } };
  }
  const mockTestCase = MockConfigFile.parse(full).testCase(SM, s.name)!;
  const engine = new Engine({ clock: new VirtualClock(Date.UTC(2024, 0, 1)), seed: 7 });
  return engine.run(definition, { mockTestCase, stateMachineName: SM, name: `exec-${s.name}` });
}

const entered = (events: HistoryEvent[]) =>
  events
    .filter((e) => e.type.endsWith("StateEntered"))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);

/** Failed attempts of a Task that were retried: TaskFailed events followed by another TaskScheduled of that state. */
function retriesOf(events: HistoryEvent[], state: string): number {
  let current: string | undefined;
  let failed = 0;
  let retried = 0;
  for (const e of events) {
    if (e.type === "TaskStateEntered") {
      current = (e.stateEnteredEventDetails as { name: string }).name;
      failed = 0;
    } else if (current === state && e.type === "TaskFailed") failed++;
    else if (current === state && e.type === "TaskScheduled" && failed > 0) {
      retried += failed;
      failed = 0;
    }
  }
  return retried;
}

function isSubsequence(needle: string[], hay: string[]): boolean {
  let i = 0;
  for (const h of hay) if (h === needle[i]) i++;
  return i === needle.length;
}

function matches(text: string | undefined, m: NonNullable<Scenario["expect"]["cause"]>): boolean {
  if (text === undefined) return false;
  if (typeof m === "string") return text === m;
  return "pattern" in m ? new RegExp(m.pattern).test(text) : text.includes(m.contains);
}

describe("compiled mock config drives the real definition down the path each scenario expects", () => {
  const cases = DOCKER_TARGETS.flatMap((target) => Object.values(SCENARIOS).map((s) => [target, s.name, s] as const));

  it.each(cases)("%s: %s", async (target, _name, s) => {
    const { config } = compileMockConfig([s], target, SM);
    const { result, execution } = await runCompiled(config, s);
    const path = entered(execution.events);
    const e = s.expect;
    if (e.status) expect(result.status).toBe(e.status);
    if (e.path) expect(path).toEqual(e.path);
    if (e.pathIncludes)
      expect({ path, includesInOrder: isSubsequence(e.pathIncludes, path) }).toEqual({ path, includesInOrder: true });
    for (const state of e.pathExcludes ?? []) expect(path).not.toContain(state);
    const failure = result as { error?: string; cause?: string };
    if (typeof e.error === "string") expect(failure.error).toBe(e.error);
    if (e.cause) expect(matches(failure.cause, e.cause)).toBe(true);
    for (const [state, n] of Object.entries(e.retries ?? {})) expect(retriesOf(execution.events, state)).toBe(n);
  });

  it("a query stuck in RUNNING is polled exactly up to the bound (61 GetQueryExecution calls)", async () => {
    const { config } = compileMockConfig([SCENARIOS.stuck!], "localstack", SM);
    const { execution } = await runCompiled(config, SCENARIOS.stuck!);
    expect(entered(execution.events).filter((n) => n === PIPELINE_STATES.poll)).toHaveLength(POLL_BOUND + 1);
  });

  it("a time-based script becomes per-poll states 10 s apart (QUEUED, QUEUED, RUNNING, RUNNING, SUCCEEDED)", async () => {
    const { config, notes } = compileMockConfig([SCENARIOS.timeBased!], "localstack", SM);
    const states = Object.values(config.MockedResponses["time-based.GetAthenaQueryExecution"]!).map(
      (s) => ((s as { Return: any }).Return.QueryExecution.Status.State as string) ?? "",
    );
    expect(Object.keys(config.MockedResponses["time-based.GetAthenaQueryExecution"]!)).toEqual(["0-1", "2-3", "4-60"]);
    expect(states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    expect(notes.join("\n")).toMatch(/time-based: .*QUEUED, QUEUED, RUNNING, RUNNING, SUCCEEDED/);
    const { execution } = await runCompiled(config, SCENARIOS.timeBased!);
    expect(entered(execution.events).filter((n) => n === PIPELINE_STATES.poll)).toHaveLength(5);
  });

  it("sfn-local: an invalid production bucket makes the mocked copy throw what S3 answers, caught into SNS", async () => {
    const s = scenario("invalid-production-bucket", { deploy: { productionBucket: "invalid bucket!" } });
    const { config } = compileMockConfig([s], "sfn-local", SM);
    const { result, execution } = await runCompiled(config, s);
    expect(result).toMatchObject({ status: "FAILED", error: "S3.InvalidBucketNameException" });
    expect((result as { cause: string }).cause).toMatch(
      /^The specified bucket is not valid\. \(Service: S3, Status Code: 400, Request ID: [0-9a-f-]{36}\)$/,
    );
    expect(
      isSubsequence(["CopyResultsToProduction", "NotifyFailureSNS", "PipelineFailed"], entered(execution.events)),
    ).toBe(true);
    const missing = scenario("missing-production-bucket", { deploy: { productionBucket: "no-such-bucket" } });
    const compiled = compileMockConfig([missing], "sfn-local", SM).config;
    expect(compiled.MockedResponses["missing-production-bucket.CopyResultsToProduction"]).toEqual({
      "0": {
        Throw: {
          Error: "S3.NoSuchBucketException",
          Cause: expect.stringMatching(/^The specified bucket does not exist \(Service: S3, Status Code: 404/),
        },
      },
    });
  });

  it("the scenario's own mocks win, times merged into ranges, and the ignored faults are noted", async () => {
    const s = scenario("explicit-mocks", {
      mocks: {
        RunAthenaQueryLambda: [
          { Throw: { Error: "Lambda.ServiceException", Cause: "boom" }, times: 2 },
          { Throw: { Error: "Lambda.ServiceException", Cause: "boom" }, times: 1 },
          { Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-fixed-1" } }, times: 1 },
        ],
      },
      faults: [{ service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 1 }],
    });
    const { config, notes } = compileMockConfig([s], "sfn-local", SM);
    expect(config.MockedResponses["explicit-mocks.RunAthenaQueryLambda"]).toEqual({
      "0-2": { Throw: { Error: "Lambda.ServiceException", Cause: "boom" } },
      "3": { Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-fixed-1" } } },
    });
    expect(notes).toContain(
      "explicit-mocks: Lambda faults are ignored: the scenario mocks RunAthenaQueryLambda itself",
    );
    const { result, execution } = await runCompiled(config, s);
    expect(result.status).toBe("SUCCEEDED");
    expect(retriesOf(execution.events, "RunAthenaQueryLambda")).toBe(3);
  });
});

describe("compileMockConfig output", () => {
  it("numbers responses consecutively from 0, the last Athena state covering every poll the definition can make", () => {
    const { config } = compileMockConfig(Object.values(SCENARIOS), "localstack", SM);
    expect(() => MockConfigFile.parse(config)).not.toThrow();
    const keys = (name: string) =>
      Object.keys(config.MockedResponses[name]!).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    expect(keys("success.GetAthenaQueryExecution")).toEqual(["0", "1", "2-60"]);
    expect(keys("stuck-running.GetAthenaQueryExecution")).toEqual(["0-60"]);
    expect(keys("athena-throttled-once.GetAthenaQueryExecution")).toEqual(["0", "1", "2-61"]);
    expect(keys("lambda-throttled-twice.RunAthenaQueryLambda")).toEqual(["0-1", "2"]);
    expect(Object.keys(config.StateMachines[SM]!.TestCases)).toEqual(Object.values(SCENARIOS).map((s) => s.name));
  });

  it("mocks per target: sfn-local also mocks the copy (no S3 endpoint override there); localstack never the copy or SNS", () => {
    const all = Object.values(SCENARIOS);
    const ls = compileMockConfig(all, "localstack", SM).config.StateMachines[SM]!.TestCases;
    const sfn = compileMockConfig(all, "sfn-local", SM).config.StateMachines[SM]!.TestCases;
    for (const s of all) {
      expect(Object.keys(sfn[s.name]!)).toEqual(expect.arrayContaining([PIPELINE_STATES.poll, PIPELINE_STATES.copy]));
      expect(sfn[s.name]).not.toHaveProperty(PIPELINE_STATES.notify);
      expect(ls[s.name]).toHaveProperty(PIPELINE_STATES.poll);
      expect(ls[s.name]).not.toHaveProperty(PIPELINE_STATES.copy);
      expect(ls[s.name]).not.toHaveProperty(PIPELINE_STATES.notify);
    }
    expect(ls["success"]).not.toHaveProperty(PIPELINE_STATES.runQuery);
    const withSns = compileMockConfig([SCENARIOS.failedQuery!], "sfn-local", SM, { mockSnsPublish: true }).config;
    expect(withSns.MockedResponses["failed-query.NotifyFailureSNS"]!["0"]).toMatchObject({
      Return: { MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it("shapes GetQueryExecution like Athena: Status in model order, ISO dates, AthenaError on FAILED", () => {
    const { config } = compileMockConfig([SCENARIOS.failedQuery!], "localstack", SM);
    const r = config.MockedResponses["failed-query.GetAthenaQueryExecution"]!;
    const queued = (r["0"] as { Return: any }).Return.QueryExecution;
    const failed = (r["1-60"] as { Return: any }).Return.QueryExecution;
    expect(queued).toMatchObject({
      QueryExecutionId: "q-failed-query",
      Query: "SELECT state, COUNT(*) AS patient_count FROM patients GROUP BY state ORDER BY state",
      StatementType: "DML",
      ResultConfiguration: { OutputLocation: "s3://healthcare-athena-results/state-counts/q-failed-query.csv" },
      QueryExecutionContext: { Database: "healthcare" },
      WorkGroup: "primary",
    });
    expect(queued.Status).toEqual({ State: "QUEUED", SubmissionDateTime: "2024-01-01T00:00:00.000Z" });
    expect(Object.keys(failed.Status)).toEqual([
      "State",
      "StateChangeReason",
      "SubmissionDateTime",
      "CompletionDateTime",
      "AthenaError",
    ]);
    expect(failed.Status.CompletionDateTime).toBe("2024-01-01T00:00:20.000Z");
    expect(failed.Status.AthenaError).toEqual({
      ErrorCategory: 2,
      ErrorType: 1000,
      Retryable: false,
      ErrorMessage: SCENARIOS.failedQuery!.athena!.failure!.reason,
    });
  });

  it("turns Lambda faults into Lambda.<Code> errors with an SDK-style cause, then a Return with the query id", () => {
    const { config } = compileMockConfig([SCENARIOS.throttled!], "localstack", SM);
    expect(config.MockedResponses["lambda-throttled-twice.RunAthenaQueryLambda"]).toEqual({
      "0-1": {
        Throw: {
          Error: "Lambda.TooManyRequestsException",
          Cause: expect.stringMatching(
            /^Rate Exceeded\. \(Service: Lambda, Status Code: 429, Request ID: [0-9a-f-]{36}\)$/,
          ),
        },
      },
      "2": {
        Return: {
          ExecutedVersion: "$LATEST",
          Payload: {
            QueryExecutionId: "q-lambda-throttled-twice",
            OutputLocation: "s3://healthcare-athena-results/state-counts/q-lambda-throttled-twice.csv",
          },
          StatusCode: 200,
        },
      },
    });
  });

  it("is deterministic: the same scenarios compile to the same file", () => {
    const a = compileMockConfig(Object.values(SCENARIOS), "sfn-local", SM);
    const b = compileMockConfig(Object.values(SCENARIOS), "sfn-local", SM);
    expect(JSON.stringify(a.config)).toBe(JSON.stringify(b.config));
  });

  it("notes what Docker targets cannot reproduce instead of dropping it", () => {
    const s = scenario("unrepresentable", {
      faults: [
        { service: "lambda", function: "start-pipeline", error: "ServiceException", times: 1 },
        { service: "athena", operation: "StartQueryExecution", error: "TooManyRequestsException", times: 1 },
      ],
      mocks: {
        RunAthenaQueryLambda: [{ Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-x" } }, times: 1 }],
      },
      actions: [{ when: { stateEntered: "WaitBeforePoll", occurrence: 1 }, do: { stop: {} } }],
    });
    const { notes } = compileMockConfig([s], "localstack", SM);
    expect(notes).toEqual([
      expect.stringContaining("unrepresentable: the fault on Lambda 'start-pipeline' is not reproduced on localstack"),
      expect.stringContaining("unrepresentable: the fault on Athena StartQueryExecution is not reproduced"),
      "unrepresentable: RunAthenaQueryLambda is mocked, so no query runs on the Athena service; the real copy needs " +
        "s3://healthcare-athena-results/state-counts/q-unrepresentable.csv seeded in LocalStack's S3 first",
      expect.stringContaining("unrepresentable: actions (StopExecution on a state entry) need a live history observer"),
    ]);
  });

  it("refuses two scenarios with the same name (they would share a test case)", () => {
    expect(() =>
      compileMockConfig([scenario("same"), { ...scenario("same"), file: "/other.scenario.yaml" }], "localstack", SM),
    ).toThrow(
      new MockConfigCompileError(
        "scenario name 'same' is used by both /virtual/same.scenario.yaml and /other.scenario.yaml; test case names must be unique",
      ),
    );
  });

  it("formats the file with invocation keys in numeric order, and it reads back as the same config", () => {
    const { config } = compileMockConfig(Object.values(SCENARIOS), "sfn-local", SM);
    const text = formatMockConfig(config);
    expect(JSON.parse(text)).toEqual(config);
    const throttled = text.slice(text.indexOf('"lambda-throttled-twice.RunAthenaQueryLambda"'));
    expect(throttled.indexOf('"0-1"')).toBeLessThan(throttled.indexOf('"2"'));
    expect(text).toMatch(/^\{\n {2}"StateMachines": \{\n {4}"healthcare-pipeline-orchestrator": \{/);
    expect(formatMockConfig({ StateMachines: {}, MockedResponses: {} })).toBe(
      '{\n  "StateMachines": {},\n  "MockedResponses": {}\n}\n',
    );
  });

  it("numberSteps merges equal neighbours only", () => {
    const a = { Return: 1 };
    const b = { Throw: { Error: "E", Cause: "c" } };
    expect(
      numberSteps([
        { step: b, times: 2 },
        { step: b, times: 1 },
        { step: a, times: 1 },
        { step: b, times: 1 },
        { step: a, times: 0 },
      ]),
    ).toEqual({ "0-2": b, "3": a, "4": b });
  });

  it("relies on the definition's poll bound and poll interval (asl/healthcare-pipeline-orchestrator.asl.json)", () => {
    const d = JSON.parse(readDefinitionTemplate()) as StateMachineDefinition;
    expect(d.States["WaitBeforePoll"]!["Seconds"]).toBe(POLL_INTERVAL_SECONDS);
    expect(JSON.stringify(d.States["CheckAthenaStatus"])).toContain(
      `{"Variable":"$.query.PollCount","NumericGreaterThanEquals":${POLL_BOUND}}`,
    );
  });
});

describe("resultObjectsToSeed", () => {
  it("seeds the result CSV of the mocked query id on localstack only, when the copy will really run", () => {
    expect(resultObjectsToSeed(SCENARIOS.throttled!, "localstack")).toEqual([
      {
        bucket: "healthcare-athena-results",
        key: "state-counts/q-lambda-throttled-twice.csv",
        body: '"_col0"\n"1"\n',
      },
    ]);
    expect(resultObjectsToSeed(SCENARIOS.throttled!, "sfn-local")).toEqual([]);
    expect(resultObjectsToSeed(SCENARIOS.success!, "localstack")).toEqual([]);
    const failedWithMockedLambda = scenario("x", {
      athena: { states: ["FAILED"], failure: { reason: "r" } },
      faults: SCENARIOS.throttled!.faults,
    });
    expect(resultObjectsToSeed(failedWithMockedLambda, "localstack")).toEqual([]);
    const ownMock = scenario("own-mock", {
      athena: { states: ["SUCCEEDED"], result: { csv: "state,n\nCA,3\n", csvFile: "/f.csv" } },
      mocks: {
        RunAthenaQueryLambda: [{ Return: { StatusCode: 200, Payload: { QueryExecutionId: "q-fixed-1" } }, times: 1 }],
      },
    });
    expect(resultObjectsToSeed(ownMock, "localstack")).toEqual([
      { bucket: "healthcare-athena-results", key: "state-counts/q-fixed-1.csv", body: '"state","n"\n"CA","3"\n' },
    ]);
  });
});

describe("athenaScriptForDocker", () => {
  it("keeps only the last state (nobody polls the Docker Athena service) with its failure or result", () => {
    expect(athenaScriptForDocker(undefined)).toEqual({ states: ["SUCCEEDED"] });
    expect(athenaScriptForDocker(SCENARIOS.failedQuery!.athena)).toEqual({
      states: ["FAILED"],
      failure: SCENARIOS.failedQuery!.athena!.failure,
    });
    expect(
      athenaScriptForDocker({
        states: ["QUEUED", "SUCCEEDED"],
        advanceEveryMs: 5000,
        result: { columns: ["state"], rows: [["CA"]] },
        queryExecutionId: "q-1",
      }),
    ).toEqual({ states: ["SUCCEEDED"], result: { columns: ["state"], rows: [["CA"]] }, queryExecutionId: "q-1" });
  });
});

describe("mockConfigCommand", () => {
  function io(cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), color: false, cwd, env: {} };
    return { cli, out, err };
  }
  const loader = (scenarios: Scenario[]) => ({
    loadScenarios: async (paths: string[]) => {
      expect(paths).toEqual(["scenarios/"]);
      return scenarios;
    },
  });

  it("writes the compiled file where docker-compose.yml mounts it, notes on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mock-config-"));
    try {
      const { cli, out, err } = io(dir);
      const code = await mockConfigCommand(
        { target: "sfn-local", scenarios: ["scenarios/"], output: ".testbed/mock/MockConfigFile.json" },
        cli,
        loader([SCENARIOS.success!, SCENARIOS.throttled!]),
      );
      expect(code).toBe(0);
      expect(out).toEqual([]);
      const file = join(dir, ".testbed/mock/MockConfigFile.json");
      const parsed = MockConfigFile.parse(readFileSync(file, "utf8"), file);
      expect(parsed.testCaseNames(SM)).toEqual(["success", "lambda-throttled-twice"]);
      expect(err.join("")).toContain("note: sfn-local: NotifyFailureSNS is not mocked");
      expect(err.join("")).toContain(`wrote ${file}: 2 test case(s) for sfn-local`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints to stdout without --output, and rejects an unknown target as a usage error", async () => {
    const { cli, out } = io("/");
    await mockConfigCommand({ scenarios: ["scenarios/"] }, cli, loader([SCENARIOS.success!]));
    expect(MockConfigFile.parse(out.join("")).testCaseNames(SM)).toEqual(["success"]);
    await expect(mockConfigCommand({ target: "embedded", scenarios: [] }, io("/").cli, loader([]))).rejects.toThrow(
      new UsageError("--target must be one of sfn-local, localstack; got 'embedded'"),
    );
  });

  it("turns duplicate scenario names into a usage error", async () => {
    await expect(
      mockConfigCommand({ scenarios: ["scenarios/"] }, io("/").cli, loader([scenario("a"), scenario("a")])),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

// Keeps the list of targets honest: every Docker target is exercised above.
it("compiles for every Docker target", () => {
  expect([...DOCKER_TARGETS].sort()).toEqual(["localstack", "sfn-local"] satisfies DockerTargetName[]);
});
