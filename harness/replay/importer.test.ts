/**
 * Import → the real loader → replay on the embedded target, for every production-history fixture; the "prove a fix"
 * loop with a changed definition; redaction and the personal-data scan; JSONata, Map, Parallel, legacy Lambda ARNs,
 * callback tasks and stopped executions, and what is refused and why.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFINITION_FILE } from "../deploy/pipeline-config";
import { Engine } from "../engine/engine";
import { MockConfigFile, type MockedStep } from "../engine/mock-config";
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import { statesEntered } from "../runner/expectations";
import { runScenarios } from "../runner/run-scenarios";
import { loadScenarioFiles } from "../scenario/loader";
import { pipelineStateNames } from "../scenario/scenario-json-schema";
import { stateNamesOf } from "../scenario/state-names";
import type { Scenario } from "../scenario/types";
import { EmbeddedTarget } from "../targets/embedded-target";
import { formatAwsHistory } from "./aws-history-format";
import { readDefinitionForImport } from "./definition-file";
import { FIXTURES, RAN_BEFORE_FIX, readFixture, type FixtureName } from "./fixtures";
import { parseHistory, type ParsedHistory } from "./history-parser";
import { HistoryImportError, importHistory, type ImportOptions, type ImportResult } from "./importer";
import { replayScenario } from "./replay";

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "replay-import-"));
const pipeline = readDefinitionForImport(DEFINITION_FILE);
const NOW = () => new Date("2025-01-15T12:00:00.000Z");

function parseFixture(name: FixtureName): ParsedHistory {
  return parseHistory(readFixture(name), `fixtures/${FIXTURES[name]}`);
}

function importFixture(name: FixtureName, options: Partial<ImportOptions> = {}): ImportResult {
  return importHistory(parseFixture(name), {
    definition: pipeline,
    definitionFile: "asl/healthcare-pipeline-orchestrator.asl.json",
    now: NOW,
    ...options,
  });
}

/** Writes the scenario text and loads it with the real loader, as `npm run scenario` would. */
async function load(result: ImportResult, knownStates: string[] = pipelineStateNames()): Promise<Scenario> {
  const file = join(dir, `${result.name}.scenario.yaml`);
  writeFileSync(file, result.yaml);
  const [scenario] = await loadScenarioFiles([file], { knownStates, cwd: dir });
  return scenario!;
}

function failures(r: { expectations: Array<{ status: string; name: string; message: string }> }): string[] {
  return r.expectations.filter((e) => e.status !== "passed").map((e) => `${e.name}: ${e.message}`);
}

describe("the production fixtures replay exactly", () => {
  const names: FixtureName[] = ["success", "queryFailed", "queryCancelled", "lambdaThrottled", "copyFailed"];
  const imported = new Map<FixtureName, ImportResult>();
  const scenarios = new Map<FixtureName, Scenario>();

  beforeAll(async () => {
    for (const n of names) {
      const r = importFixture(n, { piiCheck: false });
      imported.set(n, r);
      scenarios.set(n, await load(r));
    }
  });

  it("every imported scenario reproduces the recorded path, status, error, cause and retries", async () => {
    const list = names.map((n) => scenarios.get(n)!);
    const summary = await runScenarios(list, new EmbeddedTarget(), [], { parallel: list.length });
    for (const r of summary.results) {
      expect({ scenario: r.scenario.name, outcome: r.outcome, error: r.error, failures: failures(r) }).toEqual({
        scenario: r.scenario.name,
        outcome: "passed",
        error: undefined,
        failures: [],
      });
      const n = names[list.findIndex((s) => s.name === r.scenario.name)]!;
      // The replayed path is the recorded one, state for state.
      expect(statesEntered(r.execution!.history)).toEqual(statesEntered(parseFixture(n).events));
    }
  });

  it.each([
    ["success", "SUCCEEDED", undefined, ["QUEUED", "RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"], 22],
    ["queryFailed", "FAILED", "Athena.QueryFailed", ["QUEUED", "RUNNING", "FAILED"], 15],
    ["queryCancelled", "FAILED", "Athena.QueryCancelled", ["QUEUED", "RUNNING", "RUNNING", "CANCELLED"], 19],
    ["lambdaThrottled", "SUCCEEDED", undefined, ["QUEUED", "RUNNING", "SUCCEEDED"], 14],
    ["copyFailed", "FAILED", "S3.NoSuchBucketException", ["QUEUED", "RUNNING", "SUCCEEDED"], 15],
  ] as const)("%s: expectations and Athena script are what happened", (name, status, error, athena, steps) => {
    const s = scenarios.get(name)!;
    expect(s.expect.status).toBe(status);
    expect(s.expect.error).toBe(error);
    expect(s.expect.path).toHaveLength(steps);
    expect(s.athena?.states).toEqual(athena);
    expect(s.tags).toEqual(["imported", "replay"]);
    const terminal = parseFixture(name).events.at(-1)!;
    const d = terminal["executionFailedEventDetails"] as { cause?: string } | undefined;
    expect(s.expect.cause).toBe(d?.cause);
  });

  it("Lambda throttled twice: two Throws then the Return, in invocation order; retries counted", () => {
    const s = scenarios.get("lambdaThrottled")!;
    const steps = s.mocks["RunAthenaQueryLambda"]!;
    expect(steps.map((m) => ("Throw" in m ? m.Throw.Error : "Return"))).toEqual([
      "Lambda.TooManyRequestsException",
      "Lambda.TooManyRequestsException",
      "Return",
    ]);
    expect("Throw" in steps[0]! && steps[0].Throw.Cause).toMatch(
      /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429;/,
    );
    expect(s.expect.retries).toEqual({
      RunAthenaQueryLambda: 2,
      GetAthenaQueryExecution: 0,
      CopyResultsToProduction: 0,
    });
    expect(s.start).toEqual({
      kind: "input",
      input: {
        source: {
          bucket: "healthcare-data",
          key: "raw/2024/11/29/patients.csv",
          eTag: "c4ca4238a0b923820dcc509a6f75849b",
          size: 49302,
        },
      },
    });
  });

  it("the FAILED query's reason and AthenaError become the script's failure", () => {
    expect(scenarios.get("queryFailed")!.athena).toEqual({
      states: ["QUEUED", "RUNNING", "FAILED"],
      failure: {
        reason: "TABLE_NOT_FOUND: line 1:40: Table awsdatacatalog.healthcare.patients does not exist",
        errorCategory: 2,
        errorType: 1301,
        retryable: false,
      },
      queryExecutionId: "b7e2f0c4-1a9d-4c3e-8f52-6d0a7b9e2c14",
    });
  });

  it("the copy failure is a mocked Throw with S3's cause; the SNS publish is mocked too", () => {
    const s = scenarios.get("copyFailed")!;
    const copy = s.mocks["CopyResultsToProduction"]!;
    expect(copy).toHaveLength(1);
    expect(copy[0]).toMatchObject({
      Throw: {
        Error: "S3.NoSuchBucketException",
        Cause: expect.stringMatching(
          /^The specified bucket does not exist \(Service: S3, Status Code: 404, Request ID: [0-9A-F]{16}, Extended Request ID: \S+\)$/,
        ),
      },
      times: 1,
    });
    expect(Object.keys(s.mocks).sort()).toEqual([
      "CopyResultsToProduction",
      "GetAthenaQueryExecution",
      "NotifyFailureSNS",
      "RunAthenaQueryLambda",
    ]);
    // The execution name came from the execution ARN the SNS message carries.
    expect(s.name).toBe("raw-2024-11-30-patients-csv-d07f3a91be5c2c48");
    expect(s.start).toMatchObject({ name: "raw-2024-11-30-patients.csv-d07f3a91be5c2c48" });
  });

  it("identical consecutive responses are compressed with times", () => {
    const r = importFixture("success");
    const polls = (r.scenario["mocks"] as Record<string, Array<Record<string, unknown>>>)["GetAthenaQueryExecution"]!;
    // Five polls; Athena's statistics change from poll to poll, so these answers are all different.
    const total = polls.reduce((n, p) => n + Number(p["times"] ?? 1), 0);
    expect(total).toBe(5);
    expect(polls).toHaveLength(5);
    // Five identical answers become one step.
    const same = importHistory(
      parseHistory(
        formatAwsHistory(
          parseFixture("success").events.map((e) =>
            e.type === "TaskSucceeded" && JSON.stringify(e).includes("getQueryExecution")
              ? {
                  ...e,
                  taskSucceededEventDetails: {
                    ...(e["taskSucceededEventDetails"] as object),
                    output: '{"QueryExecution":{"Status":{"State":"RUNNING"}}}',
                  },
                }
              : e,
          ),
          { style: "cli" },
        ),
        "h.json",
      ),
      { definition: pipeline, definitionFile: "asl", now: NOW },
    );
    expect((same.scenario["mocks"] as Record<string, unknown>)["GetAthenaQueryExecution"]).toEqual([
      { Return: { QueryExecution: { Status: { State: "RUNNING" } } }, times: 5 },
    ]);
  });

  it("the file starts with the schema line and says where it came from", () => {
    const r = importFixture("copyFailed", {
      outputFile: "/p/scenarios/replays/x.scenario.yaml",
      schemaFile: "/p/scenarios/scenario.schema.json",
    });
    expect(r.yaml.split("\n").slice(0, 11)).toEqual([
      "# yaml-language-server: $schema=../scenario.schema.json",
      "# Replay of a production execution, written by `npm run scenario -- import`. Every Task state answers as it did in",
      "# production (mocked responses in invocation order, retries included) and `expect` is what happened. To prove a",
      "# fix: run `npm run scenario -- diff <this file>` against the fixed definition, then edit `expect` to what must",
      "# happen now.",
      "#   execution:  arn:aws:states:eu-west-1:123456789012:execution:healthcare-pipeline-orchestrator:raw-2024-11-30-patients.csv-d07f3a91be5c2c48",
      "#   started:    2024-11-30T11:45:59.006Z",
      "#   history:    fixtures/copy-failed.wire.history (AWS API, 1 page, 49 events)",
      "#   definition: asl/healthcare-pipeline-orchestrator.asl.json",
      "#   imported:   2025-01-15T12:00:00.000Z",
      "",
    ]);
  });
});

describe("proving a fix", () => {
  it("the README walkthrough: production's failure reproduces on the definition it ran, diverges on the fix, and the edited scenario passes", async () => {
    // Production ran a definition whose Retry did not list Lambda.TooManyRequestsException: one throttle failed it.
    const r = importHistory(parseFixture("notRetried"), {
      definition: readDefinitionForImport(RAN_BEFORE_FIX),
      definitionFile: "ran-before-fix.asl.json",
      now: NOW,
    });
    const scenario = await load(r);
    expect(scenario.expect).toEqual({
      status: "FAILED",
      error: "Lambda.TooManyRequestsException",
      cause: expect.stringMatching(/^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429;/),
      path: ["RunAthenaQueryLambda", "NotifyFailureSNS", "PipelineFailed"],
      retries: { RunAthenaQueryLambda: 0, NotifyFailureSNS: 0 },
    });
    expect(failures(await replayScenario(scenario, { definitionFile: RAN_BEFORE_FIX }))).toEqual([]);

    // The fix (the project's definition retries throttles): the second attempt has no recorded answer.
    const fixed = await replayScenario(scenario);
    expect(fixed.outcome).toBe("failed");
    expect(fixed.expectations.find((e) => e.name === "path")!.message).toBe(
      "path diverges at step 2: expected NotifyFailureSNS, got (end)",
    );
    expect(fixed.execution).toMatchObject({
      status: "FAILED",
      error: "States.Runtime",
      cause: expect.stringMatching(/^No mocked response for invocation #1 of state 'RunAthenaQueryLambda'/),
    });

    // Say what must happen now: the throttle is retried and the real Lambda runs the rest of the pipeline.
    const { RunAthenaQueryLambda: _recorded, ...otherMocks } = scenario.mocks;
    const edited: Scenario = {
      ...scenario,
      mocks: otherMocks,
      faults: [{ service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 1 }],
      expect: {
        status: "SUCCEEDED",
        retries: { RunAthenaQueryLambda: 1 },
        pathIncludes: ["CopyResultsToProduction", "Success"],
      },
    };
    const after = await replayScenario(edited);
    expect(failures(after)).toEqual([]);
  });

  it("a changed retry makes the imported scenario diverge at the expected step; the edited expectation passes", async () => {
    const scenario = await load(importFixture("lambdaThrottled", { piiCheck: false }));
    // The change under test: no more Lambda retries (MaxAttempts 1), so the second throttle is caught.
    const changed = JSON.parse(readFileSync(DEFINITION_FILE, "utf8")) as StateMachineDefinition;
    changed.States["RunAthenaQueryLambda"]!["Retry"][0].MaxAttempts = 1;
    const changedFile = join(dir, "fewer-retries.asl.json");
    writeFileSync(changedFile, JSON.stringify(changed, null, 2));

    const before = await replayScenario(scenario, { definitionFile: changedFile });
    expect(before.outcome).toBe("failed");
    const path = before.expectations.find((e) => e.name === "path")!;
    expect(path.status).toBe("failed");
    expect(path.message).toBe("path diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS");
    expect(failures(before)).toEqual([
      "status: expected status SUCCEEDED, got FAILED (Lambda.TooManyRequestsException: " +
        (scenario.mocks["RunAthenaQueryLambda"]![1] as { Throw: { Cause: string } }).Throw.Cause +
        ")",
      "path: path diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS",
      "retries.RunAthenaQueryLambda: expected RunAthenaQueryLambda to be retried 2 time(s), it was retried 1 time(s)",
    ]);

    const edited: Scenario = {
      ...scenario,
      expect: {
        status: "FAILED",
        error: "Lambda.TooManyRequestsException",
        path: ["RunAthenaQueryLambda", "NotifyFailureSNS", "PipelineFailed"],
        retries: { RunAthenaQueryLambda: 1 },
      },
    };
    const after = await replayScenario(edited, { definitionFile: changedFile });
    expect(failures(after)).toEqual([]);
    expect(after.outcome).toBe("passed");
    // …and the unchanged definition still reproduces production.
    expect((await replayScenario(scenario)).outcome).toBe("passed");
  });
});

describe("redaction and the personal-data scan", () => {
  const PATIENT = ["maria.lopez@example-health.org", "John", "Doe", "1961-07-04", "123-45-6789", "+1 617-555-0142"];

  it("warns about the patient's details by event and JSONPath, and suggests --redact flags", () => {
    const r = importFixture("queryFailed");
    expect(r.pii.map((p) => `${p.eventId} ${p.where} ${p.path}: ${p.kind}`)).toEqual([
      "1 ExecutionStarted input $.requestedBy: email address",
      "1 ExecutionStarted input $.patient.firstName: person's name",
      "1 ExecutionStarted input $.patient.lastName: person's name",
      "1 ExecutionStarted input $.patient.dob: date of birth",
      "1 ExecutionStarted input $.patient.ssn: social security number",
      "1 ExecutionStarted input $.patient.phone: phone number",
    ]);
    expect(r.suggestedRedactions).toEqual([
      "$.requestedBy",
      "$.patient.firstName",
      "$.patient.lastName",
      "$.patient.dob",
      "$.patient.ssn",
      "$.patient.phone",
    ]);
    expect(importFixture("queryFailed", { piiCheck: false }).pii).toEqual([]);
    // The pipeline's own data (bucket keys, ETags, query ids, timestamps) is not flagged.
    expect(importFixture("success").pii).toEqual([]);
    expect(importFixture("copyFailed").pii).toEqual([]);
  });

  it("--redact replaces the values everywhere in the file, consistently, and the replay still matches", async () => {
    const r = importFixture("queryFailed", {
      redact: [
        "$.requestedBy",
        "$.patient.firstName",
        "$.patient.lastName",
        "$.patient.dob",
        "$.patient.ssn",
        "$.patient.phone",
      ],
    });
    for (const v of PATIENT) expect(r.yaml).not.toContain(v);
    expect(r.pii).toEqual([]);
    expect(r.redactedValues).toBe(6);
    expect(r.yaml).toContain("#   redacted:   6 values ($.requestedBy, $.patient.firstName,");
    const s = await load(r);
    expect(s.start).toMatchObject({
      input: {
        requestedBy: "<redacted:1>",
        ticket: "INC-20931",
        patient: {
          patientId: "P-0042",
          firstName: "<redacted:2>",
          lastName: "<redacted:3>",
          dob: "<redacted:4>",
          ssn: "<redacted:5>",
          phone: "<redacted:6>",
        },
      },
    });
    const replay = await replayScenario(s);
    expect(failures(replay)).toEqual([]);
  });

  it("a value redacted in the input is replaced in Task outputs and in the expected cause too", async () => {
    // A Lambda looks the patient up; the Fail state's cause quotes the e-mail address it returned.
    const def: StateMachineDefinition = {
      StartAt: "Lookup",
      States: {
        Lookup: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "lookup", "Payload.$": "$" },
          ResultSelector: { "patient.$": "$.Payload.patient" },
          Next: "Consent",
        },
        Consent: {
          Type: "Pass",
          Parameters: {
            "msg.$": "States.Format('no consent on file for {} ({})', $.patient.email, States.JsonToString($.patient))",
          },
          Next: "Refuse",
        },
        Refuse: { Type: "Fail", Error: "Consent.Missing", CausePath: "$.msg" },
      },
    };
    const email = "jane.roe@example.org";
    const text = await production(
      def,
      {
        Lookup: [{ Return: { StatusCode: 200, Payload: { patient: { email, mrn: "MRN-77812", name: "x" } } } }],
      },
      { email, visit: 3 },
    );
    const r = importHistory(parseHistory(text, "h.json"), {
      definition: def,
      definitionFile: "consent.asl.json",
      redact: ["$..email", "$..mrn"],
      now: NOW,
    });
    expect(r.yaml).not.toContain(email);
    expect(r.yaml).not.toContain("MRN-77812");
    const s = await load(r, stateNamesOf(def));
    expect(s.start).toMatchObject({ input: { email: "<redacted:1>" } });
    expect(s.mocks["Lookup"]).toEqual([
      {
        Return: { StatusCode: 200, Payload: { patient: { email: "<redacted:1>", mrn: "<redacted:2>", name: "x" } } },
        times: 1,
      },
    ]);
    expect(s.expect.cause).toBe(
      'no consent on file for <redacted:1> ({"email":"<redacted:1>","mrn":"<redacted:2>","name":"x"})',
    );
    const replay = await replayScenario(s, { definitionFile: writeDefinition("consent", def) });
    expect(failures(replay)).toEqual([]);
  });
});

// ---- synthetic executions: other definitions, other features ---------------------------------------------------------

function writeDefinition(name: string, def: StateMachineDefinition): string {
  const file = join(dir, `${name}.asl.json`);
  writeFileSync(file, JSON.stringify(def, null, 2));
  return file;
}

/** A "production" run on the engine, its history written as the AWS CLI writes it. */
async function production(
  def: StateMachineDefinition,
  responses: Record<string, MockedStep[]>,
  input: unknown,
  options: { stopWhenEntering?: string; name?: string } = {},
): Promise<string> {
  const cases: Record<string, string> = {};
  const mocked: Record<string, Record<string, MockedStep>> = {};
  for (const [state, steps] of Object.entries(responses)) {
    cases[state] = `r.${state}`;
    mocked[`r.${state}`] = Object.fromEntries(steps.map((s, i) => [String(i), s]));
  }
  const mocks = MockConfigFile.parse({ StateMachines: { prod: { TestCases: { t: cases } } }, MockedResponses: mocked });
  // Production is AWS: its history names and records Task results as AWS does, not as Step Functions Local does.
  const { execution } = await new Engine({ seed: 7, historyResourceNames: "aws" }).run(def, {
    input,
    name: options.name ?? "prod-run-1",
    stateMachineName: "prod",
    mockTestCase: mocks.testCase("prod", "t")!,
    ...(options.stopWhenEntering
      ? {
          onEvent: (e: HistoryEvent, x) => {
            if (
              e.type.endsWith("StateEntered") &&
              (e["stateEnteredEventDetails"] as { name: string }).name === options.stopWhenEntering
            ) {
              x.stop("Operator.Abort", "stopped from the console");
            }
          },
        }
      : {}),
  });
  return formatAwsHistory(execution.events, { style: "cli" });
}

async function importAndReplay(name: string, def: StateMachineDefinition, text: string) {
  const r = importHistory(parseHistory(text, `${name}.json`), {
    definition: def,
    definitionFile: `${name}.asl.json`,
    now: NOW,
  });
  const s = await load(r, stateNamesOf(def));
  const replay = await replayScenario(s, { definitionFile: writeDefinition(name, def) });
  return { r, s, replay };
}

const lambda = (extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: "f", "Payload.$": "$" },
  ...extra,
});

describe("other definitions and features", () => {
  it("JSONata: mocks are engine-agnostic; a retried Task, a Condition and a computed Fail cause replay exactly", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "Fetch",
      States: {
        Fetch: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "f", Payload: "{% $states.input %}" },
          Output: "{% $states.result.Payload %}",
          Retry: [{ ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 1, MaxAttempts: 2 }],
          Next: "Route",
        },
        Route: {
          Type: "Choice",
          Choices: [{ Condition: "{% $states.input.count > 2 %}", Next: "Big" }],
          Default: "Small",
        },
        Big: { Type: "Pass", Output: { size: "big" }, End: true },
        Small: { Type: "Fail", Error: "Too.Small", Cause: "{% 'only ' & $string($states.input.count) %}" },
      },
    };
    const text = await production(
      def,
      {
        Fetch: [
          { Throw: { Error: "Lambda.ServiceException", Cause: "The Lambda service encountered an internal error." } },
          { Return: { StatusCode: 200, Payload: { count: 1 } } },
        ],
      },
      {},
    );
    const { s, replay } = await importAndReplay("jsonata", def, text);
    expect(s.expect).toMatchObject({
      status: "FAILED",
      error: "Too.Small",
      cause: "only 1",
      path: ["Fetch", "Route", "Small"],
      retries: { Fetch: 1 },
    });
    expect(failures(replay)).toEqual([]);
  });

  it("a legacy Lambda ARN (LambdaFunction* events) is mocked the same way", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Legacy",
      States: {
        Legacy: {
          Type: "Task",
          Resource: "arn:aws:lambda:us-east-1:000000000000:function:legacy",
          Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 1 }],
          End: true,
        },
      },
    };
    const text = await production(
      def,
      {
        Legacy: [
          { Throw: { Error: "Error", Cause: '{"errorMessage":"boom","errorType":"Error"}' } },
          { Return: { ok: true } },
        ],
      },
      {},
    );
    expect(text).toContain('"type": "LambdaFunctionFailed"');
    const { s, replay } = await importAndReplay("legacy", def, text);
    expect(s.mocks["Legacy"]).toEqual([
      { Throw: { Error: "Error", Cause: '{"errorMessage":"boom","errorType":"Error"}' }, times: 1 },
      { Return: { ok: true }, times: 1 },
    ]);
    expect(failures(replay)).toEqual([]);
  });

  const mapDef = (maxConcurrency: number): StateMachineDefinition => ({
    StartAt: "Fan",
    States: {
      Fan: {
        Type: "Map",
        ItemsPath: "$.items",
        MaxConcurrency: maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "Work",
          States: {
            Work: lambda({ Catch: [{ ErrorEquals: ["States.ALL"], Next: "Skip" }], End: true }),
            Skip: { Type: "Pass", End: true },
          },
        },
        Next: "Report",
      },
      Report: lambda({ End: true }),
    },
  });

  it("Map with MaxConcurrency 1: iterations run in order, so the exact path and per-iteration outcomes replay", async () => {
    const def = mapDef(1);
    const text = await production(
      def,
      {
        Work: [
          { Return: { Payload: 1 } },
          { Throw: { Error: "Bad.Item", Cause: "item 2" } },
          { Return: { Payload: 3 } },
        ],
        Report: [{ Return: { Payload: "done" } }],
      },
      { items: [1, 2, 3] },
    );
    const { s, replay } = await importAndReplay("map-sequential", def, text);
    expect(s.expect.path).toEqual(["Fan", "Work", "Work", "Skip", "Work", "Report"]);
    expect(failures(replay)).toEqual([]);
  });

  it("Map with concurrent iterations and identical answers: imported with the top-level path (pathIncludes)", async () => {
    const def = mapDef(0);
    const text = await production(
      def,
      { Work: [1, 2, 3].map(() => ({ Return: { Payload: "ok" } })), Report: [{ Return: { Payload: "done" } }] },
      { items: [1, 2, 3] },
    );
    const { r, s, replay } = await importAndReplay("map-concurrent", def, text);
    expect(s.expect.path).toBeUndefined();
    expect(s.expect.pathIncludes).toEqual(["Fan", "Report"]);
    expect(s.expect.retries).toEqual({ Report: 0 });
    expect(s.mocks["Work"]).toEqual([{ Return: { Payload: "ok" }, times: 3 }]);
    expect(r.notes.join("\n")).toMatch(/Fan ran branches or iterations concurrently/);
    expect(r.yaml).toMatch(/# Fan ran branches or iterations concurrently; their events interleave differently/);
    expect(failures(replay)).toEqual([]);
  });

  it("Map with concurrent iterations that answered differently is refused, with the reason", async () => {
    const def = mapDef(0);
    const text = await production(
      def,
      {
        Work: [
          { Return: { Payload: 1 } },
          { Throw: { Error: "Bad.Item", Cause: "item 2" } },
          { Return: { Payload: 3 } },
        ],
        Report: [{ Return: { Payload: "done" } }],
      },
      { items: [1, 2, 3] },
    );
    expect(() =>
      importHistory(parseHistory(text, "m.json"), { definition: def, definitionFile: "m.asl.json" }),
    ).toThrow(
      new HistoryImportError(
        "m.json: state 'Work' runs in concurrent Fan iterations and answered differently across them (3 invocations, 3 different outcomes). " +
          "Mocked responses are counted per state across all iterations in the order the engine schedules them, which need not be the order AWS ran them in, " +
          "so a replay could hand one iteration's answer to another. This history cannot be replayed faithfully; set MaxConcurrency to 1 to make the order reproducible, or write the mocks by hand",
      ),
    );
  });

  it("Parallel: each branch's Tasks have their own mocks; the top-level path is checked", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [
            { StartAt: "A", States: { A: lambda({ End: true }) } },
            { StartAt: "B", States: { B: { Type: "Pass", Next: "B2" }, B2: lambda({ End: true }) } },
          ],
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    const text = await production(def, { A: [{ Return: { Payload: "a" } }], B2: [{ Return: { Payload: "b" } }] }, {});
    const { s, replay } = await importAndReplay("parallel", def, text);
    expect(s.expect.pathIncludes).toEqual(["Both", "Done"]);
    expect(failures(replay)).toEqual([]);
  });

  it("an execution stopped by an operator replays as a stop when the same state is entered", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Start",
      States: {
        Start: lambda({ Next: "Hold" }),
        Hold: { Type: "Wait", Seconds: 3600, Next: "Finish" },
        Finish: lambda({ End: true }),
      },
    };
    const text = await production(def, { Start: [{ Return: { Payload: 1 } }] }, {}, { stopWhenEntering: "Hold" });
    const { r, s, replay } = await importAndReplay("stopped", def, text);
    expect(s.expect).toMatchObject({
      status: "ABORTED",
      error: "Operator.Abort",
      cause: "stopped from the console",
      path: ["Start", "Hold"],
    });
    expect(s.actions).toEqual([
      {
        when: { stateEntered: "Hold", occurrence: 1 },
        do: { stop: { error: "Operator.Abort", cause: "stopped from the console" } },
      },
    ]);
    expect(r.notes).toContain(
      "the execution was stopped while in 'Hold'; the replay stops it when it enters that state (occurrence 1)",
    );
    expect(failures(replay)).toEqual([]);
  });

  it("a .waitForTaskToken Task is mocked with the result its callback delivered (TaskSubmitted is skipped)", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Approve",
      States: {
        Approve: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          Parameters: {
            QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/approvals",
            MessageBody: { "token.$": "$$.Task.Token" },
          },
          End: true,
        },
      },
    };
    const t = (s: number) => `2024-12-01T08:00:${String(s).padStart(2, "0")}.000000+00:00`;
    const ids = { resourceType: "sqs", resource: "sendMessage.waitForTaskToken" };
    const events = [
      {
        timestamp: t(0),
        type: "ExecutionStarted",
        id: 1,
        previousEventId: 0,
        executionStartedEventDetails: {
          input: "{}",
          inputDetails: { truncated: false },
          roleArn: "arn:aws:iam::123456789012:role/r",
        },
      },
      {
        timestamp: t(0),
        type: "TaskStateEntered",
        id: 2,
        previousEventId: 0,
        stateEnteredEventDetails: { name: "Approve", input: "{}", inputDetails: { truncated: false } },
      },
      {
        timestamp: t(0),
        type: "TaskScheduled",
        id: 3,
        previousEventId: 2,
        taskScheduledEventDetails: { ...ids, region: "eu-west-1", parameters: "{}" },
      },
      { timestamp: t(1), type: "TaskStarted", id: 4, previousEventId: 3, taskStartedEventDetails: ids },
      {
        timestamp: t(1),
        type: "TaskSubmitted",
        id: 5,
        previousEventId: 4,
        taskSubmittedEventDetails: { ...ids, output: '{"MessageId":"m-1"}', outputDetails: { truncated: false } },
      },
      {
        timestamp: t(40),
        type: "TaskSucceeded",
        id: 6,
        previousEventId: 5,
        taskSucceededEventDetails: { ...ids, output: '{"approved":true}', outputDetails: { truncated: false } },
      },
      {
        timestamp: t(40),
        type: "TaskStateExited",
        id: 7,
        previousEventId: 6,
        stateExitedEventDetails: { name: "Approve", output: '{"approved":true}', outputDetails: { truncated: false } },
      },
      {
        timestamp: t(40),
        type: "ExecutionSucceeded",
        id: 8,
        previousEventId: 7,
        executionSucceededEventDetails: { output: '{"approved":true}', outputDetails: { truncated: false } },
      },
    ];
    const { s, replay } = await importAndReplay("callback", def, JSON.stringify({ events }));
    expect(s.mocks["Approve"]).toEqual([{ Return: { approved: true }, times: 1 }]);
    expect(failures(replay)).toEqual([]);
  });
});

describe("what is refused, and why", () => {
  const refuse = (
    text: string,
    def: StateMachineDefinition = pipeline,
    definitionFile = "asl/healthcare-pipeline-orchestrator.asl.json",
  ) => {
    try {
      importHistory(parseHistory(text, "h.json"), { definition: def, definitionFile });
    } catch (e) {
      if (e instanceof HistoryImportError) return e.message;
      throw e;
    }
    throw new Error("expected a HistoryImportError");
  };
  const base = () => parseFixture("lambdaThrottled").events;
  const cli = (evs: HistoryEvent[]) => formatAwsHistory(evs, { style: "cli" });

  it("a state the definition does not have: the execution ran another version", () => {
    const renamed = JSON.parse(
      JSON.stringify(pipeline).replace(/"CountPoll"/g, '"CountPolls"'),
    ) as StateMachineDefinition;
    expect(refuse(readFixture("success"), renamed, "asl/new.asl.json")).toBe(
      "h.json: event 16 (PassStateEntered): the execution entered state 'CountPoll' (Pass), which asl/new.asl.json does not have: it ran another version of the definition. " +
        "Pass the one it ran with --definition (`aws stepfunctions describe-state-machine-for-execution --execution-arn <arn> --query definition --output text > ran.asl.json`)",
    );
  });

  it("a state of another type", () => {
    const changed = structuredClone(pipeline);
    changed.States["CountPoll"] = { Type: "Wait", Seconds: 1, Next: "WaitBeforePoll" };
    expect(refuse(readFixture("success"), changed)).toMatch(
      /^h\.json: event 16 \(PassStateEntered\): state 'CountPoll' is a Pass state in the history but a Wait state in/,
    );
  });

  it("a history exported without execution data (--no-include-execution-data)", () => {
    const evs = base().map((e) =>
      e.type === "TaskSucceeded"
        ? { ...e, taskSucceededEventDetails: { resourceType: "lambda", resource: "invoke" } }
        : e,
    );
    expect(refuse(cli(evs))).toBe(
      "h.json: event 11 (TaskSucceeded): has no `taskSucceededEventDetails.output` (the Task's result): the history was exported without execution data (`--no-include-execution-data`); export it again with the data",
    );
  });

  it("an Activity", () => {
    const def: StateMachineDefinition = {
      StartAt: "Human",
      States: { Human: { Type: "Task", Resource: "arn:aws:states:eu-west-1:123456789012:activity:review", End: true } },
    };
    const t = "2024-12-01T08:00:00.000000+00:00";
    const events = [
      {
        timestamp: t,
        type: "ExecutionStarted",
        id: 1,
        previousEventId: 0,
        executionStartedEventDetails: { input: "{}" },
      },
      {
        timestamp: t,
        type: "TaskStateEntered",
        id: 2,
        previousEventId: 0,
        stateEnteredEventDetails: { name: "Human", input: "{}" },
      },
      {
        timestamp: t,
        type: "ActivityScheduled",
        id: 3,
        previousEventId: 2,
        activityScheduledEventDetails: {
          resource: "arn:aws:states:eu-west-1:123456789012:activity:review",
          input: "{}",
        },
      },
      {
        timestamp: t,
        type: "ExecutionFailed",
        id: 4,
        previousEventId: 3,
        executionFailedEventDetails: { error: "States.Timeout" },
      },
    ];
    expect(refuse(JSON.stringify({ events }), def, "h.asl.json")).toBe(
      "h.json: event 3 (ActivityScheduled): state 'Human' runs an Activity; activities are not supported by the embedded engine, so this history cannot be replayed",
    );
  });

  it("a distributed Map", () => {
    const def: StateMachineDefinition = {
      StartAt: "Big",
      States: {
        Big: {
          Type: "Map",
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "P",
            States: { P: { Type: "Pass", End: true } },
          },
          End: true,
        },
      },
    };
    const t = "2024-12-01T08:00:00.000000+00:00";
    const events = [
      {
        timestamp: t,
        type: "ExecutionStarted",
        id: 1,
        previousEventId: 0,
        executionStartedEventDetails: { input: "[]" },
      },
      {
        timestamp: t,
        type: "MapStateEntered",
        id: 2,
        previousEventId: 0,
        stateEnteredEventDetails: { name: "Big", input: "[]" },
      },
      {
        timestamp: t,
        type: "MapRunStarted",
        id: 3,
        previousEventId: 2,
        mapRunStartedEventDetails: { mapRunArn: "arn:aws:states:eu-west-1:123456789012:mapRun:sm/Big:1" },
      },
      { timestamp: t, type: "MapRunSucceeded", id: 4, previousEventId: 3 },
      {
        timestamp: t,
        type: "ExecutionSucceeded",
        id: 5,
        previousEventId: 4,
        executionSucceededEventDetails: { output: "[]" },
      },
    ];
    expect(refuse(JSON.stringify({ events }), def, "h.asl.json")).toBe(
      "h.json: event 3 (MapRunStarted): state 'Big' is a distributed Map: its iterations ran as child executions whose events are not in this history, so they cannot be mocked from it",
    );
  });

  it("an execution that timed out", async () => {
    const def: StateMachineDefinition = {
      TimeoutSeconds: 5,
      StartAt: "Slow",
      States: { Slow: lambda({ Next: "Hold" }), Hold: { Type: "Wait", Seconds: 60, End: true } },
    };
    const text = await production(def, { Slow: [{ Return: { Payload: 1 } }] }, {});
    expect(refuse(text, def, "t.asl.json")).toMatch(
      /^h\.json: event \d+ \(ExecutionTimedOut\): the execution timed out \(its TimeoutSeconds ran out\)\. A replay answers every Task at once/,
    );
  });
});
