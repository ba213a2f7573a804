/**
 * Every scenario file runs on the embedded target as part of `npm test`, and every scenario is seen to FAIL when its
 * expectations are broken (so none of them passes vacuously).
 */
import { join } from "node:path";
import { runScenarios } from "../harness/runner/run-scenarios";
import { listScenarioFiles } from "../harness/scenario/discover";
import { loadScenarioFiles } from "../harness/scenario/loader";
import { pipelineStateNames } from "../harness/scenario/scenario-json-schema";
import type { Expectations, Scenario } from "../harness/scenario/types";
import { EmbeddedTarget } from "../harness/targets/embedded-target";

jest.setTimeout(120_000);

let scenarios: Scenario[];
beforeAll(async () => {
  scenarios = await loadScenarioFiles(await listScenarioFiles(__dirname), {
    knownStates: pipelineStateNames(),
    cwd: join(__dirname, ".."),
  });
});

it("the scenario set has the ten required scenarios (and more)", () => {
  expect(scenarios.length).toBeGreaterThanOrEqual(10);
});

it("every scenario passes on the embedded target", async () => {
  const summary = await runScenarios(scenarios, new EmbeddedTarget(), [], { parallel: 4 });
  const problems = summary.results
    .filter((r) => r.outcome !== "passed")
    .map(
      (r) =>
        `${r.scenario.name}: ${
          r.error ??
          r.expectations
            .filter((e) => e.status !== "passed")
            .map((e) => `${e.name}: ${e.message}`)
            .join("; ")
        }`,
    );
  expect(problems).toEqual([]);
  expect(summary.passed).toBe(scenarios.length);
});

/** A wrong version of a scenario's expectations: another final status, or a path that cannot happen. */
function broken(expect: Expectations): Expectations {
  const other = expect.status === "SUCCEEDED" ? "FAILED" : "SUCCEEDED";
  const { error: _e, cause: _c, ...rest } = expect;
  return { ...rest, status: other, pathIncludes: ["Success", "RunAthenaQueryLambda"] };
}

it("every scenario fails when its expectations are broken", async () => {
  const mutated = scenarios.map((s) => ({ ...s, expect: broken(s.expect) }));
  const summary = await runScenarios(mutated, new EmbeddedTarget(), [], { parallel: 4 });
  const vacuous = summary.results.filter((r) => r.outcome !== "failed").map((r) => r.scenario.name);
  expect(vacuous).toEqual([]);
});
