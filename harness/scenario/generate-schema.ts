/**
 * Writes `scenarios/scenario.schema.json` from the zod schema (`npm run schema`), formatted as prettier would.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import * as prettier from "prettier";
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchema } from "./scenario-json-schema";

async function main(): Promise<void> {
  const config = (await prettier.resolveConfig(SCENARIO_SCHEMA_FILE)) ?? {};
  const text = await prettier.format(JSON.stringify(scenarioJsonSchema()), {
    ...config,
    filepath: SCENARIO_SCHEMA_FILE,
  });
  writeFileSync(SCENARIO_SCHEMA_FILE, text);
  console.log(`wrote ${relative(process.cwd(), SCENARIO_SCHEMA_FILE)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
