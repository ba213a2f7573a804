import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Engine } from "../engine/engine";
import { MockConfigError, MockConfigFile } from "../engine/mock-config";
import type { StateMachineDefinition } from "../engine/types";
import { InvalidDefinitionError } from "../engine/validate";
import { UsageError, type CliIO } from "./io";
import { formatHistory } from "./format";

/** `exec <definition.json> [--input <json|@file>] [--name <sm>] [--mock-config <file> --test-case <name>] [--json]` */
export interface ExecArgs {
  definition: string;
  input?: string;
  name?: string;
  mockConfig?: string;
  testCase?: string;
  json?: boolean;
  seed?: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs one definition on the embedded engine and prints the result. Exit 0 whenever the execution ran. */
export async function execCommand(args: ExecArgs, io: CliIO): Promise<number> {
  const definition = parseJson(readText(args.definition, "definition"), args.definition) as StateMachineDefinition;
  let input: unknown = {};
  if (args.input !== undefined) {
    input = args.input.startsWith("@")
      ? parseJson(readText(args.input.slice(1), "input file"), args.input.slice(1))
      : parseJson(args.input, "--input");
  }
  const smName = args.name ?? basename(args.definition).replace(/(\.asl)?\.json$/, "");
  let mockTestCase;
  if (args.mockConfig !== undefined || args.testCase !== undefined) {
    if (args.mockConfig === undefined || args.testCase === undefined) {
      throw new UsageError("--mock-config and --test-case go together");
    }
    let mocks: MockConfigFile;
    try {
      mocks = MockConfigFile.parse(readText(args.mockConfig, "mock config"), args.mockConfig);
    } catch (e) {
      if (e instanceof MockConfigError) throw new UsageError(e.message);
      throw e;
    }
    mockTestCase = mocks.testCase(smName, args.testCase);
    if (!mockTestCase) {
      const known = mocks.testCaseNames(smName);
      throw new UsageError(
        known.length
          ? `test case '${args.testCase}' is not defined for state machine '${smName}' in ${args.mockConfig} (defined: ${known.join(", ")})`
          : `state machine '${smName}' has no test cases in ${args.mockConfig} (its StateMachines keys: ${Object.keys(mocks.config.StateMachines).join(", ") || "none"}); pass --name`,
      );
    }
  }
  const seed = args.seed === undefined ? 0 : Number(args.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${args.seed}'`);
  const engine = new Engine({ seed });
  let run;
  try {
    run = await engine.run(definition, { input, stateMachineName: smName, ...(mockTestCase ? { mockTestCase } : {}) });
  } catch (e) {
    if (e instanceof InvalidDefinitionError) throw new UsageError(e.message);
    throw e;
  }
  const { result, execution } = run;
  if (args.json) {
    io.stdout(
      JSON.stringify({
        status: result.status,
        output: result.status === "SUCCEEDED" ? result.output : undefined,
        error: result.status !== "SUCCEEDED" ? result.error : undefined,
        cause: result.status !== "SUCCEEDED" ? result.cause : undefined,
        history: execution.events,
      }) + "\n",
    );
    return 0;
  }
  io.stdout(formatHistory(execution.events, execution.startDate) + "\n");
  io.stdout(`status: ${result.status}\n`);
  if (result.status === "SUCCEEDED") io.stdout(`output: ${JSON.stringify(result.output, null, 2)}\n`);
  else {
    if (result.error !== undefined) io.stdout(`error:  ${result.error}\n`);
    if (result.cause !== undefined) io.stdout(`cause:  ${result.cause}\n`);
  }
  const simulated = ((execution.stopDate ?? execution.startDate) - execution.startDate) / 1000;
  io.stdout(`simulated time: ${simulated}s\n`);
  return 0;
}
