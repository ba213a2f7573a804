import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT } from "../deploy/bundle";
import { DEFINITION_FILE } from "../deploy/pipeline-config";
import { DefinitionFileError, readDefinitionForImport } from "../replay/definition-file";
import { HistoryParseError, parseHistory } from "../replay/history-parser";
import { describePii, HistoryImportError, importHistory, type ImportResult } from "../replay/importer";
import { diffPaths, formatPathDiff } from "../replay/path-diff";
import { RedactionSpecError } from "../replay/redaction";
import { replayScenario } from "../replay/replay";
import { statesEntered } from "../runner/expectations";
import { listScenarioFiles } from "../scenario/discover";
import { loadScenarioText, ScenarioValidationError } from "../scenario/loader";
import { stateNamesOf } from "../scenario/state-names";
import { EXIT, UsageError, type CliIO } from "./io";

/** `npm run scenario -- import <history.json> …`. */
export interface ImportArgs {
  history: string;
  definition?: string;
  name?: string;
  /** Where to write (default `scenarios/replays/<name>.scenario.yaml`); `-` for stdout. */
  output?: string;
  executionArn?: string;
  redact: string[];
  redactPatterns: string[];
  piiCheck: boolean;
  force: boolean;
  /** Replay the written scenario once and report whether it reproduces the recorded execution. */
  verify: boolean;
}

/** Injected for tests: the clock of the "imported at" header line. */
export interface ImportDeps {
  now?: () => Date;
}

const SCENARIOS_DIR = join(PROJECT_ROOT, "scenarios");
const SCHEMA_FILE = join(SCENARIOS_DIR, "scenario.schema.json");

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function inside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** Names used by the other scenario files under scenarios/ (read leniently: a broken file is the loader's business). */
async function scenarioNamesBesides(file: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const f of await listScenarioFiles(SCENARIOS_DIR)) {
    if (resolve(f) === resolve(file)) continue;
    try {
      const doc = parseYaml(readFileSync(f, "utf8")) as { name?: unknown } | null;
      if (typeof doc?.name === "string") names.set(doc.name, f);
    } catch {
      // not ours to report
    }
  }
  return names;
}

/**
 * Imports a production execution history as a replay scenario. Exit 0 (written; with --verify: and it reproduces the
 * recorded path), 1 (--verify: the replay diverges), 2 (bad history, definition, flags or output location).
 */
export async function importCommand(args: ImportArgs, io: CliIO, deps: ImportDeps = {}): Promise<number> {
  const historyFile = resolve(io.cwd, args.history);
  const shownHistory = display(historyFile, io.cwd);
  let text: string;
  try {
    text = readFileSync(historyFile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${shownHistory}: ${code === "ENOENT" ? "the history file does not exist" : code === "EISDIR" ? "is a directory, not a history file" : `cannot read it (${code ?? String(e)})`}`,
    );
  }
  const definitionFile = args.definition !== undefined ? resolve(io.cwd, args.definition) : DEFINITION_FILE;
  const shownDefinition = display(definitionFile, io.cwd);
  const toStdout = args.output === "-";

  let result: ImportResult;
  let outputFile: string | undefined;
  try {
    const history = parseHistory(text, shownHistory);
    const definition = readDefinitionForImport(definitionFile);
    const run = (out: string | undefined) =>
      importHistory(history, {
        definition,
        definitionFile: display(definitionFile, io.cwd),
        ...(args.name !== undefined ? { name: args.name } : {}),
        ...(args.executionArn !== undefined ? { executionArn: args.executionArn } : {}),
        redact: args.redact,
        redactPatterns: args.redactPatterns,
        piiCheck: args.piiCheck,
        ...(out !== undefined ? { outputFile: out, schemaFile: SCHEMA_FILE } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      });
    result = run(undefined);
    if (!toStdout) {
      outputFile =
        args.output !== undefined
          ? resolve(io.cwd, args.output)
          : join(SCENARIOS_DIR, "replays", `${result.name}.scenario.yaml`);
      result = run(outputFile);
    }
  } catch (e) {
    if (
      e instanceof HistoryParseError ||
      e instanceof HistoryImportError ||
      e instanceof DefinitionFileError ||
      e instanceof RedactionSpecError
    ) {
      throw new UsageError(e.message);
    }
    throw e;
  }

  const definitionStates = stateNamesOf(readDefinitionForImport(definitionFile));
  // The file must load with the real loader, exactly as `npm run scenario` will load it.
  let scenario;
  try {
    scenario = await loadScenarioText(result.yaml, outputFile ?? join(io.cwd, `${result.name}.scenario.yaml`), {
      knownStates: definitionStates,
      cwd: io.cwd,
    });
  } catch (e) {
    if (e instanceof ScenarioValidationError) {
      throw new Error(`internal: the imported scenario does not load:\n${e.message}`, { cause: e });
    }
    throw e;
  }

  if (outputFile !== undefined) {
    const shownOutput = display(outputFile, io.cwd);
    if (inside(outputFile, SCENARIOS_DIR)) {
      // `npm run scenario` loads every file under scenarios/ against the project's definition, all or nothing.
      const projectStates = new Set(stateNamesOf(readDefinitionForImport(DEFINITION_FILE)));
      const used = new Set([
        ...Object.keys(scenario.mocks),
        ...(scenario.expect.path ?? []),
        ...(scenario.expect.pathIncludes ?? []),
        ...Object.keys(scenario.expect.retries ?? {}),
        ...scenario.actions.map((a) => a.when.stateEntered),
      ]);
      const foreign = [...used].filter((s) => !projectStates.has(s));
      if (foreign.length > 0) {
        throw new UsageError(
          `${shownOutput}: the scenario names states the project's definition does not have (${foreign.join(", ")}), and ` +
            "`npm run scenario` loads every file under scenarios/ against that definition; write it elsewhere with --output",
        );
      }
      const clash = (await scenarioNamesBesides(outputFile)).get(result.name);
      if (clash !== undefined) {
        throw new UsageError(
          `scenario name '${result.name}' is already used by ${display(clash, io.cwd)}; choose another with --name`,
        );
      }
    }
    if (existsSync(outputFile) && !args.force) {
      throw new UsageError(`${shownOutput} already exists; pass --force to overwrite it, or --output another file`);
    }
    mkdirSync(dirname(outputFile), { recursive: true });
    const tmp = `${outputFile}.${process.pid}.tmp`;
    writeFileSync(tmp, result.yaml);
    renameSync(tmp, outputFile);
  } else {
    io.stdout(result.yaml);
  }

  for (const line of describePii(result)) io.stderr(`${line}\n`);
  for (const note of result.notes) io.stderr(`note: ${note}\n`);
  const s = result.summary;
  const say = toStdout ? io.stderr : io.stdout;
  say(
    `${outputFile !== undefined ? `wrote ${display(outputFile, io.cwd)}` : "imported"}: scenario '${result.name}', ` +
      `${s.states} states entered, ${s.status}${s.error ? ` (${s.error})` : ""}, ${s.mockedStates} Task state${s.mockedStates === 1 ? "" : "s"} mocked with ${s.mockedResponses} recorded response${s.mockedResponses === 1 ? "" : "s"}` +
      `${result.redactedValues ? `, ${result.redactedValues} value${result.redactedValues === 1 ? "" : "s"} redacted` : ""}\n`,
  );

  if (!args.verify) {
    if (outputFile !== undefined) {
      say(
        `replay it:  npm run scenario -- ${display(outputFile, io.cwd)}\n` +
          `prove a fix: npm run scenario -- diff ${display(outputFile, io.cwd)}${args.definition !== undefined ? "" : " [--definition <fixed asl>]"}\n`,
      );
    }
    return EXIT.ok;
  }
  const replay = await replayScenario(scenario, args.definition !== undefined ? { definitionFile } : {});
  if (replay.outcome === "error") {
    io.stderr(`verify: the replay could not run: ${replay.error ?? "(no message)"}\n`);
    return EXIT.failed;
  }
  const expected = (scenario.expect.path ?? scenario.expect.pathIncludes ?? []) as string[];
  const actual = replay.execution ? statesEntered(replay.execution.history) : [];
  const failed = replay.expectations.filter((e) => e.status === "failed");
  if (failed.length === 0) {
    say(
      `verify: the replay on ${shownDefinition} reproduces the recorded execution (${expected.length} states, ${s.status})\n`,
    );
    return EXIT.ok;
  }
  io.stderr(`verify: the replay on ${shownDefinition} does NOT reproduce the recorded execution:\n`);
  if (scenario.expect.path) for (const l of formatPathDiff(diffPaths(expected, actual))) io.stderr(`  ${l.text}\n`);
  for (const f of failed.filter((x) => x.name !== "path")) io.stderr(`  ✗ ${f.name}: ${f.message}\n`);
  return EXIT.failed;
}
