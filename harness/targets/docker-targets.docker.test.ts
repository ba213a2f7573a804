/**
 * The scenarios on both Docker targets, for real (`npm run test:docker`). Without a container runtime the suite
 * fails at once, with the probe's message saying what was tried and how to fix it. It never skips.
 *
 * Set TESTBED_DOCKER_ATTACH=1 to use a `docker compose up` that is already running (see docker-compose.yml).
 */
import { runScenarios } from "../runner/run-scenarios";
import type { Reporter, ScenarioRunResult } from "../runner/types";
import type { Scenario } from "../scenario/types";
import { composeOptionsFromEnv, type ComposeTarget, type StartedComposeTarget } from "./compose-target";
import { formatProbeFailure, probeContainerRuntime } from "./docker-probe";
import { LocalstackTarget } from "./localstack-target";
import { SfnLocalTarget } from "./sfn-local-target";
import type { StartedTarget } from "./target";

function scenario(name: string, over: Partial<Scenario>): Scenario {
  return {
    version: 1,
    name,
    file: `${__filename}#${name}`,
    tags: ["docker"],
    deploy: {},
    start: { kind: "input", input: { source: "docker-test" } },
    faults: [],
    mocks: {},
    actions: [],
    expect: {},
    timeoutMs: 5 * 60_000,
    ...over,
  };
}

/** Few and short: every poll waits 10 s of real time on LocalStack. */
const SCENARIOS: Scenario[] = [
  scenario("docker-success", {
    athena: { states: ["RUNNING", "SUCCEEDED"], result: { columns: ["state", "patient_count"], rows: [["CA", "3"]] } },
    expect: {
      status: "SUCCEEDED",
      pathIncludes: ["RunAthenaQueryLambda", "GetAthenaQueryExecution", "CopyResultsToProduction", "Success"],
      // Not observable on sfn-local (the copy is mocked there): reported as such, not as a failure.
      s3: [{ key: "production/state_counts/${executionName}.csv", equals: { athenaResult: true } }],
    },
  }),
  scenario("docker-query-failed", {
    athena: { states: ["FAILED"], failure: { reason: "TABLE_NOT_FOUND: Table healthcare.patients does not exist" } },
    expect: {
      status: "FAILED",
      error: "Athena.QueryFailed",
      cause: { contains: "TABLE_NOT_FOUND" },
      pathIncludes: ["QueryFailed", "NotifyFailureSNS", "PipelineFailed"],
      sns: { count: 1 },
    },
  }),
  scenario("docker-lambda-throttled-twice", {
    faults: [{ service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 2 }],
    expect: { status: "SUCCEEDED", retries: { RunAthenaQueryLambda: 2 }, pathIncludes: ["Success"] },
  }),
];

beforeAll(async () => {
  const probe = await probeContainerRuntime();
  if (!probe.available) throw new Error(formatProbeFailure(probe));
}, 30_000);

const targets: Array<[string, () => ComposeTarget]> = [
  ["sfn-local", () => new SfnLocalTarget({ ...composeOptionsFromEnv(process.env), scenarios: SCENARIOS, log })],
  ["localstack", () => new LocalstackTarget({ ...composeOptionsFromEnv(process.env), scenarios: SCENARIOS, log })],
];

function log(line: string): void {
  process.stderr.write(`[docker] ${line}\n`);
}

describe.each(targets)("scenarios on the %s target", (_name, makeTarget) => {
  it(
    "end as each scenario expects",
    async () => {
      const results: ScenarioRunResult[] = [];
      const reporter: Reporter = {
        onScenarioEnd: (r) => {
          results.push(r);
          log(`${r.target} ${r.scenario.name}: ${r.outcome}${r.error ? ` (${r.error})` : ""}`);
        },
        onRunEnd: () => {},
      };
      const summary = await runScenarios(SCENARIOS, makeTarget(), [reporter], {
        controlFor: (t: StartedTarget) => (t as StartedComposeTarget).control,
      });
      const outcomes = summary.results.map((r) => ({
        scenario: r.scenario.name,
        outcome: r.outcome,
        error: r.error,
        failed: r.expectations.filter((e) => e.status === "failed").map((e) => `${e.name}: ${e.message}`),
      }));
      expect(outcomes).toEqual(
        SCENARIOS.map((s) => ({ scenario: s.name, outcome: "passed", error: undefined, failed: [] })),
      );
      expect(results).toHaveLength(SCENARIOS.length);
    },
    20 * 60_000,
  );
});
