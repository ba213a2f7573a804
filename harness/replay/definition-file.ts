/**
 * Reading a definition for replay: the project's template (`${…}` placeholders resolved as deploy resolves them)
 * or any other ASL file. Importing only needs state names and types, so placeholders nobody can resolve are left in
 * place (they sit inside JSON strings); deploying an override needs every one resolved.
 */
import { readFileSync } from "node:fs";
import type { PipelineConfig } from "../deploy/pipeline-config";
import { DEFAULT_PIPELINE_CONFIG, substitute, substitutionsFor } from "../deploy/pipeline-config";
import type { StateMachineDefinition } from "../engine/types";

/** The definition file cannot be read or is not a state machine definition. */
export class DefinitionFileError extends Error {
  override readonly name = "DefinitionFileError";
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DefinitionFileError(
      `${file}: ${code === "ENOENT" ? "the definition file does not exist" : `cannot read the definition (${code ?? String(e)})`}`,
    );
  }
}

function parseDefinition(text: string, file: string): StateMachineDefinition {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DefinitionFileError(
      `${file}: not JSON (${(e as Error).message}); a definition is Amazon States Language JSON`,
    );
  }
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== "object" || typeof v["StartAt"] !== "string" || typeof v["States"] !== "object") {
    // `describe-state-machine` output carries the definition as a string.
    if (v && typeof v === "object" && typeof v["definition"] === "string")
      return parseDefinition(v["definition"], file);
    throw new DefinitionFileError(`${file}: not a state machine definition (no StartAt and States)`);
  }
  return value as StateMachineDefinition;
}

/**
 * A definition for reading its states: placeholders resolved with the default deployment's values where they are
 * the project's, left as they are otherwise. Also accepts `describe-state-machine(-for-execution)` output.
 */
export function readDefinitionForImport(file: string): StateMachineDefinition {
  const text = readText(file);
  const subs = substitutionsFor(DEFAULT_PIPELINE_CONFIG, "us-east-1", "000000000000");
  const resolved = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, n: string) =>
    subs[n] === undefined ? m : JSON.stringify(subs[n]).slice(1, -1),
  );
  return parseDefinition(resolved, file);
}

/** The definition text to deploy for a replay: every placeholder resolved for this deployment (or an error). */
export function renderDefinitionForReplay(
  file: string,
  config: Partial<PipelineConfig>,
  region: string,
  accountId: string,
): string {
  const text = readText(file);
  const resolved = substitute(
    text,
    substitutionsFor({ ...DEFAULT_PIPELINE_CONFIG, ...config }, region, accountId),
    file,
  );
  return JSON.stringify(parseDefinition(resolved, file));
}
