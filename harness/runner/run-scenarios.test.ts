import { join } from "node:path";
import type { Scenario } from "../scenario/types";
import { EmbeddedTarget } from "../targets/embedded-target";
import { runScenarios, scenarioMockConfig } from "./run-scenarios";
import type { Reporter, RunSummary, ScenarioRunResult } from "./types";

jest.setTimeout(60_000);

function scenario(partial: Partial<Scenario> & Pick<Scenario, "name" | "expect">): Scenario {
  return {
    version: 1,
    file: join(__dirname, `${partial.name}.scenario.yaml`),
    tags: [],
    deploy: {},
    start: { kind: "input", input: { source: "test" } },
    faults: [],
    mocks: {},
    actions: [],
    ...partial,
  };
}

class Collect implements Reporter {
  results: ScenarioRunResult[] = [];
  summary: RunSummary | undefined;
  onScenarioEnd(r: ScenarioRunResult) {
    this.results.push(r);
  }
  onRunEnd(s: RunSummary) {
    this.summary = s;
  }
}

const failedExpectations = (r: ScenarioRunResult) =>
  r.expectations.filter((e) => e.status !== "passed").map((e) => `${e.name}: ${e.message}`);

describe("runScenarios on the embedded target", () => {
  it("runs isolated scenarios in parallel and checks every kind of expectation", async () => {
    const scenarios: Scenario[] = [
      scenario({
        name: "ok",
        athena: { states: ["QUEUED", "SUCCEEDED"], result: { columns: ["state", "n"], rows: [["CA", "1"]] } },
        expect: {
          status: "SUCCEEDED",
          pathIncludes: ["RunAthenaQueryLambda", "CopyResultsToProduction", "Success"],
          pathExcludes: ["NotifyFailureSNS"],
          s3: [
            { key: "production/state_counts/${executionName}.csv", equals: { athenaResult: true } },
            { key: "production/state_counts/${executionName}.csv", contains: '"CA","1"' },
          ],
          sns: { count: 0 },
          lambda: { "run-athena-query": 1 },
          duration: { minMs: 20_000, maxMs: 21_000 },
          output: { source: "test" },
        },
      }),
      scenario({
        name: "failed-query",
        athena: { states: ["RUNNING", "FAILED"], failure: { reason: "boom" } },
        expect: {
          status: "FAILED",
          error: "Athena.QueryFailed",
          cause: { contains: "boom" },
          sns: { count: 1, messages: [{ message: { error: "Athena.QueryFailed" } }] },
          s3: [{ prefix: "production/", count: 0 }],
        },
      }),
      scenario({
        name: "stopped",
        athena: { states: ["RUNNING"] },
        actions: [
          {
            when: { stateEntered: "GetAthenaQueryExecution", occurrence: 2 },
            do: { stop: { error: "Op.Abort", cause: "test" } },
          },
        ],
        expect: { status: "ABORTED", error: "Op.Abort", pathExcludes: ["NotifyFailureSNS"] },
      }),
    ];
    const collect = new Collect();
    const summary = await runScenarios(scenarios, new EmbeddedTarget(), [collect], { parallel: 3 });
    for (const r of summary.results)
      expect({ name: r.scenario.name, error: r.error, failed: failedExpectations(r) }).toEqual({
        name: r.scenario.name,
        error: undefined,
        failed: [],
      });
    expect(summary).toMatchObject({ passed: 3, failed: 0, errors: 0, target: "embedded" });
    expect(collect.summary).toBe(summary);
    const stopped = summary.results.find((r) => r.scenario.name === "stopped")!;
    const entered = stopped.execution!.history.filter((e) => e.type === "TaskStateEntered").length;
    expect(entered).toBe(3); // RunAthenaQueryLambda + two polls; stopped on entering the second poll
  });

  it("reports broken expectations as failures with expected and actual", async () => {
    const summary = await runScenarios(
      [
        scenario({
          name: "wrong",
          expect: {
            status: "FAILED",
            path: ["RunAthenaQueryLambda", "Success"],
            retries: { RunAthenaQueryLambda: 1 },
            s3: [{ key: "production/state_counts/nope.csv" }],
            sns: { count: 1 },
          },
        }),
      ],
      new EmbeddedTarget(),
      [],
    );
    const r = summary.results[0]!;
    expect(r.outcome).toBe("failed");
    expect(Object.fromEntries(r.expectations.map((e) => [e.name, e.status]))).toEqual({
      status: "failed",
      path: "failed",
      "retries.RunAthenaQueryLambda": "failed",
      "s3[0] healthcare-data/production/state_counts/nope.csv": "failed",
      "sns.count": "failed",
    });
    expect(r.expectations.find((e) => e.name === "path")!.message).toBe(
      "path diverges at step 2: expected Success, got WaitBeforePoll",
    );
    expect(summary).toMatchObject({ passed: 0, failed: 1 });
  });

  it("applies mocked responses (MockConfigFile semantics) through stateMachineArn#TestCase", async () => {
    const s = scenario({
      name: "mocked-copy-failure",
      mocks: {
        CopyResultsToProduction: [{ Throw: { Error: "S3.AccessDeniedException", Cause: "Access Denied" }, times: 1 }],
      },
      expect: { status: "FAILED", error: "S3.AccessDeniedException", cause: "Access Denied", sns: { count: 1 } },
    });
    expect(scenarioMockConfig(s, "sm")).toEqual({
      StateMachines: {
        sm: {
          TestCases: {
            "mocked-copy-failure": { CopyResultsToProduction: "mocked-copy-failure.CopyResultsToProduction" },
          },
        },
      },
      MockedResponses: {
        "mocked-copy-failure.CopyResultsToProduction": {
          "0": { Throw: { Error: "S3.AccessDeniedException", Cause: "Access Denied" } },
        },
      },
    });
    const summary = await runScenarios([s], new EmbeddedTarget(), []);
    expect(failedExpectations(summary.results[0]!)).toEqual([]);
  });

  it("an S3 upload triggers exactly one execution even when the event is delivered twice", async () => {
    const summary = await runScenarios(
      [
        scenario({
          name: "trigger",
          start: { kind: "s3", key: "2024/p.csv", body: "patient_id,state\n1,CA\n", duplicateEvent: true },
          expect: {
            executions: 1,
            status: "SUCCEEDED",
            lambda: { "start-pipeline": 2, "run-athena-query": 1 },
            output: { source: { key: "raw/2024/p.csv" } },
          },
        }),
      ],
      new EmbeddedTarget(),
      [],
    );
    expect(failedExpectations(summary.results[0]!)).toEqual([]);
  });

  it("a harness problem is an error outcome, not a failure", async () => {
    const summary = await runScenarios(
      [
        scenario({
          name: "bad-fault",
          faults: [{ service: "athena", operation: "NoSuchOperation", error: "X", times: 1 }],
          expect: { status: "SUCCEEDED" },
        }),
      ],
      new EmbeddedTarget(),
      [],
    );
    expect(summary.results[0]!.outcome).toBe("error");
    expect(summary.errors).toBe(1);
  });
});
