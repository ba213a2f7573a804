/**
 * The JSON Schema file editors use to check and complete scenario files (`scenarios/scenario.schema.json`),
 * generated from the zod schema with the pipeline's real state names, so it never drifts from what the loader
 * accepts. Regenerate with `npm run schema`; a test fails while the committed file is stale.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../deploy/bundle";
import { DEFINITION_FILE } from "../deploy/pipeline-config";
import { buildScenarioJsonSchema } from "./schema";
import { stateNamesOf } from "./state-names";

/** Where the generated schema lives, next to the scenarios that point at it. */
export const SCENARIO_SCHEMA_FILE = join(PROJECT_ROOT, "scenarios", "scenario.schema.json");

/** State names of the pipeline definition (`asl/healthcare-pipeline-orchestrator.asl.json`). */
export function pipelineStateNames(file: string = DEFINITION_FILE): string[] {
  return stateNamesOf(JSON.parse(readFileSync(file, "utf8")));
}

/** The schema as it should be committed. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return buildScenarioJsonSchema(pipelineStateNames());
}
