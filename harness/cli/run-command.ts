import { isAbsolute, join, resolve } from "node:path";
import { PROJECT_ROOT } from "../deploy/bundle";
import { createReporters, ReporterSpecError, type ReporterSpec } from "../report/create-reporters";
import { runScenarios } from "../runner/run-scenarios";
import { findScenarioFiles, ScenarioSelectionError, selectScenarios } from "../scenario/discover";
import { loadScenarioFiles, ScenarioValidationError } from "../scenario/loader";
import { pipelineStateNames } from "../scenario/scenario-json-schema";
import type { Scenario } from "../scenario/types";
import { composeOptionsFromEnv } from "../targets/compose-target";
import { EmbeddedTarget } from "../targets/embedded-target";
import { LocalstackTarget } from "../targets/localstack-target";
import { SfnLocalTarget } from "../targets/sfn-local-target";
import { formatProbeFailure, probeContainerRuntime } from "../targets/docker-probe";
import { TargetUnavailableError, type Target, type TargetName } from "../targets/target";
import { EXIT, UsageError, type CliIO } from "./io";

export interface RunArgs {
  selectors: string[];
  target?: string;
  reporters: string[];
  outputs: string[];
  bail: boolean;
  parallel?: string;
}

const TARGETS: TargetName[] = ["embedded", "sfn-local", "localstack"];
const FILE_REPORTERS = new Set(["junit", "json", "html"]);

/**
 * Pairs `--reporter` and `--output` flags: outputs go, in order, to the file reporters (junit, json, html).
 * A console report is added unless another reporter already writes to stdout (json without a file).
 */
export function reporterSpecs(kinds: string[], outputs: string[]): ReporterSpec[] {
  const specs: ReporterSpec[] = [];
  const queue = [...outputs];
  for (const kind of kinds.length ? kinds : ["console"]) {
    if (!["console", "junit", "json", "html"].includes(kind)) {
      throw new UsageError(`unknown reporter '${kind}'; use console, junit, json or html`);
    }
    if (FILE_REPORTERS.has(kind)) {
      const output = queue.shift();
      specs.push({ kind: kind as ReporterSpec["kind"], ...(output !== undefined ? { output } : {}) });
    } else specs.push({ kind: "console" });
  }
  if (queue.length)
    throw new UsageError(`--output ${queue.join(", ")} has no file reporter to go with (--reporter junit|json|html)`);
  const stdoutTaken = specs.some((s) => s.kind === "console" || (s.kind === "json" && s.output === undefined));
  if (!stdoutTaken) specs.unshift({ kind: "console" });
  return specs;
}

function targetFor(name: TargetName, scenarios: Scenario[], io: CliIO): Target {
  switch (name) {
    case "embedded":
      return new EmbeddedTarget();
    case "sfn-local":
      return new SfnLocalTarget(composeOptionsFromEnv(io.env, { scenarios, log: (l) => io.stderr(`${l}\n`) }));
    case "localstack":
      return new LocalstackTarget(composeOptionsFromEnv(io.env, { scenarios, log: (l) => io.stderr(`${l}\n`) }));
  }
}

/**
 * Resolves selectors (names, files, directories, globs; none = all of scenarios/) and loads them, all or nothing:
 * any bad file is a UsageError listing every problem with file:line:column.
 */
export async function loadSelectedScenarios(selectors: string[], cwd: string): Promise<Scenario[]> {
  let scenarios: Scenario[];
  try {
    const selection = await findScenarioFiles(selectors, { cwd, scenariosDir: join(PROJECT_ROOT, "scenarios") });
    if (selection.files.length === 0) throw new UsageError("no scenario files found (scenarios/*.scenario.yaml)");
    const loaded = await loadScenarioFiles(selection.files, { knownStates: pipelineStateNames(), cwd });
    scenarios = selectScenarios(loaded, selection);
  } catch (e) {
    if (e instanceof ScenarioValidationError || e instanceof ScenarioSelectionError) throw new UsageError(e.message);
    throw e;
  }
  if (scenarios.length === 0) throw new UsageError("the selection matched no scenario");
  return scenarios;
}

/** `npm run scenario [selectors…]`: load every selected scenario (all or nothing), run, report. */
export async function runCommand(args: RunArgs, io: CliIO): Promise<number> {
  const target = (args.target ?? "embedded") as TargetName;
  if (!TARGETS.includes(target)) throw new UsageError(`unknown target '${args.target}'; use ${TARGETS.join(", ")}`);
  let parallel = target === "embedded" ? 4 : 1;
  if (args.parallel !== undefined) {
    parallel = Number(args.parallel);
    if (!Number.isInteger(parallel) || parallel < 1)
      throw new UsageError(`--parallel must be a positive integer, got '${args.parallel}'`);
  }
  const specs = reporterSpecs(args.reporters, args.outputs).map((s) =>
    s.output !== undefined && !isAbsolute(s.output) ? { ...s, output: resolve(io.cwd, s.output) } : s,
  );
  let reporters;
  try {
    reporters = createReporters(specs, {
      stdout: io.stdout,
      stderr: io.stderr,
      color: io.color,
      isTTY: io.isTTY ?? io.color,
    });
  } catch (e) {
    if (e instanceof ReporterSpecError) throw new UsageError(e.message);
    throw e;
  }

  const scenarios = await loadSelectedScenarios(args.selectors, io.cwd);

  if (target !== "embedded" && !(io.env.TESTBED_DOCKER_ATTACH === "1" || io.env.TESTBED_DOCKER_ATTACH === "true")) {
    // Say plainly what is missing before anything tries to start containers.
    const probe = await probeContainerRuntime();
    if (!probe.available) throw new UsageError(formatProbeFailure(probe));
  }
  let summary;
  try {
    summary = await runScenarios(scenarios, targetFor(target, scenarios, io), reporters, { parallel, bail: args.bail });
  } catch (e) {
    if (e instanceof TargetUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  return summary.failed + summary.errors === 0 ? EXIT.ok : EXIT.failed;
}
