/**
 * Replays scenarios on the embedded target, optionally against another definition than the project's — the "prove
 * a fix" loop: the imported scenario passes on the definition production ran and diverges on the fixed one.
 *
 * Another definition goes through the runner's `renderDefinition` option: deploy renders it for the scenario's
 * deployment instead of the project's template.
 */
import { runScenarios } from "../runner/run-scenarios";
import type { Reporter, ScenarioRunResult } from "../runner/types";
import type { Scenario } from "../scenario/types";
import { EmbeddedTarget } from "../targets/embedded-target";
import { renderDefinitionForReplay } from "./definition-file";

export interface ReplayOptions {
  /** Definition file to run instead of the project's (placeholders resolved for the scenario's deployment). */
  definitionFile?: string;
  reporters?: Reporter[];
}

/** Runs one scenario on the embedded target (against `definitionFile` when given) and returns its result. */
export async function replayScenario(scenario: Scenario, options: ReplayOptions = {}): Promise<ScenarioRunResult> {
  const file = options.definitionFile;
  // Render once up front so a bad definition file is a clear error, not a deploy failure inside the run.
  if (file !== undefined) renderDefinitionForReplay(file, scenario.deploy, "us-east-1", "000000000000");
  const summary = await runScenarios([scenario], new EmbeddedTarget(), options.reporters ?? [], {
    ...(file !== undefined
      ? { renderDefinition: (config, region, account) => renderDefinitionForReplay(file, config, region, account) }
      : {}),
  });
  return summary.results[0]!;
}
