import { isAbsolute, join, relative, resolve } from "node:path";
import { PROJECT_ROOT } from "../deploy/bundle";
import { DEFINITION_FILE } from "../deploy/pipeline-config";
import { HtmlReporter } from "../report/html-reporter";
import { DefinitionFileError, readDefinitionForImport } from "../replay/definition-file";
import { diffPaths, formatPathDiff, type DiffLine } from "../replay/path-diff";
import { replayScenario } from "../replay/replay";
import { statesEntered } from "../runner/expectations";
import type { ExpectationResult } from "../runner/types";
import { findScenarioFiles, ScenarioSelectionError, selectScenarios } from "../scenario/discover";
import { loadScenarioFiles, ScenarioValidationError } from "../scenario/loader";
import { stateNamesOf } from "../scenario/state-names";
import type { Scenario, TextMatcher } from "../scenario/types";
import { UnresolvedSubstitutionError } from "../deploy/pipeline-config";
import { EXIT, UsageError, type CliIO } from "./io";

/** `npm run scenario -- diff <scenario> [--definition <asl>] [--html <file>]`. */
export interface DiffArgs {
  /** A scenario name, file or glob selecting exactly one scenario. */
  scenario: string;
  /** Run against this definition instead of the project's (the fixed one, or the one production ran). */
  definition?: string;
  /** Also write the HTML report (with the side-by-side path) here. */
  html?: string;
}

const COLORS: Record<DiffLine["tone"], string> = {
  context: "\x1b[2m",
  equal: "\x1b[32m",
  changed: "\x1b[33m",
  minus: "\x1b[31m",
  plus: "\x1b[32m",
  note: "\x1b[1m",
};

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function shown(m: TextMatcher | undefined): string {
  if (m === undefined) return "(not expected)";
  if (typeof m === "string") return m;
  return "pattern" in m ? `/${m.pattern}/` : `contains ${JSON.stringify(m.contains)}`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

async function loadOne(arg: string, knownStates: string[], io: CliIO): Promise<Scenario> {
  try {
    const selection = await findScenarioFiles([arg], { cwd: io.cwd, scenariosDir: join(PROJECT_ROOT, "scenarios") });
    const loaded = await loadScenarioFiles(selection.files, { knownStates, cwd: io.cwd });
    const picked = selectScenarios(loaded, selection);
    if (picked.length !== 1) {
      throw new UsageError(
        `diff takes exactly one scenario; '${arg}' selects ${picked.length}${picked.length ? ` (${picked.map((s) => s.name).join(", ")})` : ""}`,
      );
    }
    return picked[0]!;
  } catch (e) {
    if (e instanceof ScenarioValidationError || e instanceof ScenarioSelectionError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Replays one scenario on the embedded target and shows where it departs from what the scenario expects: the
 * expected and actual paths side by side with the first divergent step marked, then status, error and cause, then
 * any other expectation that failed. Exit 0 when the replay matches, 1 when it diverges, 2 for bad input.
 */
export async function diffCommand(args: DiffArgs, io: CliIO): Promise<number> {
  const definitionFile = args.definition !== undefined ? resolve(io.cwd, args.definition) : undefined;
  let knownStates: string[];
  try {
    knownStates = [
      ...new Set([
        ...stateNamesOf(readDefinitionForImport(DEFINITION_FILE)),
        ...(definitionFile ? stateNamesOf(readDefinitionForImport(definitionFile)) : []),
      ]),
    ];
  } catch (e) {
    if (e instanceof DefinitionFileError) throw new UsageError(e.message);
    throw e;
  }
  const scenario = await loadOne(args.scenario, knownStates, io);
  const expectedPath = scenario.expect.path ?? scenario.expect.pathIncludes;
  if (!expectedPath) {
    throw new UsageError(
      `${display(scenario.file, io.cwd)}: scenario '${scenario.name}' has no expect.path (nor pathIncludes) to compare the replay's path with; imported scenarios have one`,
    );
  }
  const htmlFile = args.html !== undefined ? resolve(io.cwd, args.html) : undefined;
  let result;
  try {
    result = await replayScenario(scenario, {
      ...(definitionFile ? { definitionFile } : {}),
      ...(htmlFile ? { reporters: [new HtmlReporter(htmlFile, { title: `Replay diff — ${scenario.name}` })] } : {}),
    });
  } catch (e) {
    if (e instanceof DefinitionFileError || e instanceof UnresolvedSubstitutionError) throw new UsageError(e.message);
    throw e;
  }
  const paint = (l: DiffLine) => (io.color ? `${COLORS[l.tone]}${l.text}\x1b[0m` : l.text);
  const against = definitionFile ? display(definitionFile, io.cwd) : display(DEFINITION_FILE, io.cwd);
  io.stdout(
    `diff ${scenario.name} (${display(scenario.file, io.cwd)}) — replayed on the embedded target with ${against}\n\n`,
  );
  if (result.outcome === "error") {
    io.stderr(`error: the replay could not run: ${result.error ?? "(no message)"}\n`);
    return EXIT.usage;
  }
  const execution = result.execution;
  let actualPath = execution ? statesEntered(execution.history) : [];
  const exact = scenario.expect.path !== undefined;
  if (!exact) {
    // pathIncludes (imported from concurrent branches): compare with the actual path's states of the same kind.
    const listed = new Set(expectedPath);
    actualPath = actualPath.filter((s) => listed.has(s));
    io.stdout("(the scenario lists states with pathIncludes; the actual path is shown for those states only)\n");
  }
  const diff = diffPaths(expectedPath, actualPath);
  for (const l of formatPathDiff(diff)) io.stdout(`${paint(l)}\n`);
  io.stdout("\n");

  const rows: Array<[string, string, string, boolean]> = [];
  const row = (label: string, expected: string, actual: string, same: boolean) =>
    rows.push([label, clip(expected, 50), clip(actual, 80), same]);
  const byName = new Map<string, ExpectationResult>(result.expectations.map((e) => [e.name, e]));
  const ok = (name: string) => byName.get(name)?.status !== "failed";
  row("status", scenario.expect.status ?? "(not expected)", execution?.status ?? "(no execution)", ok("status"));
  if (scenario.expect.error !== undefined || execution?.error !== undefined) {
    row(
      "error",
      shown(scenario.expect.error),
      execution?.error ?? "(none)",
      ok("error") && scenario.expect.error !== undefined,
    );
  }
  if (scenario.expect.cause !== undefined || execution?.cause !== undefined) {
    row(
      "cause",
      shown(scenario.expect.cause),
      execution?.cause ?? "(none)",
      ok("cause") && scenario.expect.cause !== undefined,
    );
  }
  const width = Math.max(...rows.map((r) => r[1].length));
  for (const [label, expected, actual, same] of rows) {
    const text = `${label.padEnd(7)} ${expected.padEnd(width)}  ${same ? "=" : "≠"}  ${actual}`;
    io.stdout(`${paint({ tone: same ? "context" : "changed", text })}\n`);
  }
  const others = result.expectations.filter(
    (e) => e.status === "failed" && !["path", "pathIncludes", "status", "error", "cause"].includes(e.name),
  );
  if (others.length) {
    io.stdout("\n");
    for (const e of others) io.stdout(`${paint({ tone: "minus", text: `✗ ${e.name}: ${e.message}` })}\n`);
  }
  const exhausted = /^No mocked response for invocation #(\d+) of state '([^']+)'/.exec(execution?.cause ?? "");
  if (exhausted) {
    io.stdout(
      `\nnote: the new path calls ${exhausted[2]} more often than the recorded execution did (invocation #${exhausted[1]} has no ` +
        "recorded answer). Say what it answers now: add a step to its `mocks`, or delete its mocks (and use `faults`) so the " +
        "real integration runs on the emulators.\n",
    );
  }
  const failed = result.outcome !== "passed";
  io.stdout(
    `\n${
      failed
        ? diff.identical
          ? `✗ the path matches, but ${result.expectations
              .filter((e) => e.status === "failed")
              .map((e) => e.name)
              .join(", ")} differ${result.expectations.filter((e) => e.status === "failed").length === 1 ? "s" : ""}`
          : `✗ the replay diverges at step ${diff.firstDivergence!.step}: expected ${diff.firstDivergence!.expected ?? "(end)"}, got ${diff.firstDivergence!.actual ?? "(end)"}`
        : `✓ the replay matches: ${expectedPath.length} states, ${execution?.status ?? ""}`
    }\n`,
  );
  if (htmlFile) io.stdout(`HTML report: ${display(htmlFile, io.cwd)}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}
