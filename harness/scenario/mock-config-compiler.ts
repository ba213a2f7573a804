/**
 * Scenarios → one Step Functions Local `MockConfigFile` for the Docker targets. The embedded target scripts Athena
 * and injects faults in its own emulators; Step Functions Local and LocalStack cannot reach those knobs, so what a
 * scenario says about the world becomes mocked responses instead, one test case per scenario (named after it):
 *
 * - `GetAthenaQueryExecution` is always mocked (Athena is not in LocalStack's free tier; Step Functions Local has no
 *   Athena endpoint): one `Return` per poll from the scenario's Athena script, the last state repeated up to the
 *   definition's poll bound, after one `Throw` per Athena `GetQueryExecution` fault.
 * - `RunAthenaQueryLambda` is mocked only for Lambda faults (`Throw` × times, then a `Return` with the query id).
 * - On `sfn-local`, `CopyResultsToProduction` is always mocked (no S3 endpoint override there; unmocked it would go
 *   to real AWS), and `NotifyFailureSNS` only on request (SNS reaches LocalStack through `SNS_ENDPOINT`).
 * - The scenario's own `mocks` win over all of the above, state by state.
 *
 * What cannot be expressed is reported in `notes`, never dropped silently.
 */
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { stateCountsQuery } from "../../lambdas/run-athena-query/handler";
import { UsageError, type CliIO } from "../cli/io";
import { DEFAULT_PIPELINE_CONFIG, type PipelineConfig } from "../deploy/pipeline-config";
import { formatAthenaCsv, parseAthenaCsv } from "../emulator/athena/athena-results";
import { isAddressableBucketName } from "../emulator/s3/s3-names";
import { MockConfigFile, type MockConfig, type MockedStep } from "../engine/mock-config";
import type { AthenaScriptSpec, AthenaState, FaultSpec, Scenario } from "./types";

/** The Docker targets a mock config is compiled for. */
export type DockerTargetName = "sfn-local" | "localstack";
export const DOCKER_TARGETS: readonly DockerTargetName[] = ["sfn-local", "localstack"];

/** Task state names of asl/healthcare-pipeline-orchestrator.asl.json that the compiler mocks. */
export const PIPELINE_STATES = {
  runQuery: "RunAthenaQueryLambda",
  poll: "GetAthenaQueryExecution",
  copy: "CopyResultsToProduction",
  notify: "NotifyFailureSNS",
} as const;

/** `CheckAthenaStatus` gives up once `$.query.PollCount >= 60`: at most 61 GetQueryExecution calls (PollCount 0–60). */
export const POLL_BOUND = 60;
/** `WaitBeforePoll.Seconds`: polls happen 10 s, 20 s, … after the query starts (used for time-based scripts). */
export const POLL_INTERVAL_SECONDS = 10;

/** The script the embedded Athena emulator runs when a scenario has none (scenarios/FORMAT.md). */
const DEFAULT_ATHENA: AthenaScriptSpec = { states: ["QUEUED", "RUNNING", "SUCCEEDED"] };
/** Fixed times make the compiled file reproducible; the mocked dates are not compared with the real clock. */
const DEFAULT_SUBMITTED_AT = Date.UTC(2024, 0, 1);

export interface CompileOptions {
  /** Mock `NotifyFailureSNS` on sfn-local (default false: it publishes to LocalStack's SNS via SNS_ENDPOINT). */
  mockSnsPublish?: boolean;
  /** Epoch ms used for `SubmissionDateTime` and friends (default 2024-01-01T00:00:00Z). */
  submittedAt?: number;
}

/** The scenarios cannot be compiled (duplicate names); says which. */
export class MockConfigCompileError extends Error {
  override readonly name = "MockConfigCompileError";
}

interface Counted {
  step: MockedStep;
  times: number;
}

/** Deterministic uuid-shaped ids (request ids, message ids) so the compiled file does not change between runs. */
function stableId(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\0")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Numbers steps "0", "1-2", … merging neighbours that are the same step. */
export function numberSteps(steps: Counted[]): Record<string, MockedStep> {
  const merged: Counted[] = [];
  for (const s of steps) {
    if (s.times < 1) continue;
    const last = merged[merged.length - 1];
    if (last && JSON.stringify(last.step) === JSON.stringify(s.step)) last.times += s.times;
    else merged.push({ step: s.step, times: s.times });
  }
  const out: Record<string, MockedStep> = {};
  let n = 0;
  for (const { step, times } of merged) {
    out[times === 1 ? `${n}` : `${n}-${n + times - 1}`] = step;
    n += times;
  }
  return out;
}

const FAULT_DEFAULTS: Record<string, { status: number; message: string }> = {
  TooManyRequestsException: { status: 429, message: "Rate Exceeded." },
  ThrottlingException: { status: 400, message: "Rate exceeded" },
  ServiceException: { status: 500, message: "An error occurred and the request cannot be processed." },
  InternalServerException: { status: 500, message: "We encountered an internal error. Please try again." },
};

/**
 * A fault as the state machine sees it: `<Service>.<Code>Exception`, cause "<message> (Service: …, Status Code: …,
 * Request ID: …)" — the shape the embedded target's wire integrations give an SDK error.
 */
function faultThrow(service: "Lambda" | "Athena", fault: FaultSpec, requestId: string): MockedStep {
  const code = fault.error.startsWith(`${service}.`) ? fault.error.slice(service.length + 1) : fault.error;
  const name = code.endsWith("Exception") ? code : `${code}Exception`;
  const defaults = FAULT_DEFAULTS[name] ?? { status: /Internal|Service/.test(name) ? 500 : 400, message: code };
  const status = fault.status ?? (service === "Athena" && name === "TooManyRequestsException" ? 400 : defaults.status);
  return {
    Throw: {
      Error: `${service}.${name}`,
      Cause: `${fault.message ?? defaults.message} (Service: ${service}, Status Code: ${status}, Request ID: ${requestId})`,
    },
  };
}

/** The CSV the Athena emulator writes for a SUCCEEDED script (for the mocked copy's ETag). */
function resultCsv(spec: AthenaScriptSpec): string {
  const r = spec.result;
  if (!r) return formatAthenaCsv(["_col0"], [["1"]]);
  if ("csv" in r) {
    const parsed = parseAthenaCsv(r.csv);
    return formatAthenaCsv(parsed.header, parsed.rows);
  }
  return formatAthenaCsv(r.columns, r.rows);
}

/** The states the state machine sees at poll 0, 1, …, (time-based scripts converted to polls `interval` apart). */
function pollStates(spec: AthenaScriptSpec): { states: AthenaState[]; converted: boolean } {
  const states = spec.states.length ? spec.states : DEFAULT_ATHENA.states;
  if (spec.advanceEveryMs === undefined) return { states, converted: false };
  const out: AthenaState[] = [];
  for (let n = 0; n <= POLL_BOUND; n++) {
    const i = Math.min(Math.floor(((n + 1) * POLL_INTERVAL_SECONDS * 1000) / spec.advanceEveryMs), states.length - 1);
    out.push(states[i]!);
    if (i === states.length - 1) break;
  }
  return { states: out, converted: true };
}

interface ScenarioContext {
  scenario: Scenario;
  config: PipelineConfig;
  queryExecutionId: string;
  submittedAt: number;
}

/** GetQueryExecution's answer at a poll, shaped like Athena's (dates as ISO strings, as Step Functions gives them). */
function queryExecution(ctx: ScenarioContext, state: AthenaState, poll: number, spec: AthenaScriptSpec): unknown {
  const { config, queryExecutionId: id, submittedAt } = ctx;
  const terminal = state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED";
  const failure = spec.failure;
  const reason =
    state === "FAILED"
      ? (failure?.reason ?? "GENERIC_INTERNAL_ERROR: query failed")
      : state === "CANCELLED"
        ? "Query cancelled by user"
        : undefined;
  return {
    QueryExecution: {
      QueryExecutionId: id,
      Query: stateCountsQuery(config.athenaTable),
      StatementType: "DML",
      ResultConfiguration: {
        OutputLocation: `s3://${config.athenaResultsBucket}/${config.athenaResultsPrefix}${id}.csv`,
      },
      QueryExecutionContext: { Database: config.athenaDatabase },
      Status: {
        State: state,
        ...(reason !== undefined ? { StateChangeReason: reason } : {}),
        SubmissionDateTime: new Date(submittedAt).toISOString(),
        ...(terminal
          ? { CompletionDateTime: new Date(submittedAt + (poll + 1) * POLL_INTERVAL_SECONDS * 1000).toISOString() }
          : {}),
        ...(state === "FAILED"
          ? {
              AthenaError: {
                ErrorCategory: failure?.errorCategory ?? 2,
                ErrorType: failure?.errorType ?? 1000,
                Retryable: failure?.retryable ?? false,
                ErrorMessage: reason,
              },
            }
          : {}),
      },
      WorkGroup: config.athenaWorkGroup,
      EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    },
  };
}

/** What a scenario's Athena script looks like to the state machine, poll by poll, after the faults. */
function pollSteps(ctx: ScenarioContext, spec: AthenaScriptSpec, faults: FaultSpec[], notes: string[]): Counted[] {
  const name = ctx.scenario.name;
  const steps: Counted[] = faults.map((f, i) => ({
    step: faultThrow("Athena", f, stableId(name, PIPELINE_STATES.poll, String(i))),
    times: f.times,
  }));
  const { states, converted } = pollStates(spec);
  if (converted) {
    notes.push(
      `${name}: the time-based Athena script (every ${spec.advanceEveryMs} ms) became one state per poll, assuming ` +
        `polls ${POLL_INTERVAL_SECONDS} s apart: ${states.join(", ")}`,
    );
  }
  if (states.length > POLL_BOUND + 1) {
    notes.push(
      `${name}: Athena states after poll ${POLL_BOUND + 1} are never seen (the definition stops polling at ` +
        `PollCount ${POLL_BOUND})`,
    );
  }
  states.slice(0, POLL_BOUND + 1).forEach((state, i, shown) => {
    const last = i === shown.length - 1;
    // The last state sticks: cover every poll the definition can still make.
    steps.push({ step: { Return: queryExecution(ctx, state, i, spec) }, times: last ? POLL_BOUND + 1 - i : 1 });
  });
  return steps;
}

/** The result object the Docker targets' Athena service must hold for the real copy (LocalStack) to succeed. */
function resultKey(ctx: ScenarioContext): string {
  return `s3://${ctx.config.athenaResultsBucket}/${ctx.config.athenaResultsPrefix}${ctx.queryExecutionId}.csv`;
}

function compileScenario(
  scenario: Scenario,
  target: DockerTargetName,
  options: CompileOptions,
  notes: string[],
): Record<string, Counted[]> {
  const config: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...scenario.deploy };
  const spec = scenario.athena ?? DEFAULT_ATHENA;
  const ctx: ScenarioContext = {
    scenario,
    config,
    queryExecutionId: spec.queryExecutionId ?? `q-${scenario.name}`,
    submittedAt: options.submittedAt ?? DEFAULT_SUBMITTED_AT,
  };
  const name = scenario.name;
  const explicit = new Set(Object.keys(scenario.mocks));
  const states: Record<string, Counted[]> = {};

  const lambdaFaults: FaultSpec[] = [];
  const pollFaults: FaultSpec[] = [];
  for (const f of scenario.faults) {
    if (f.service === "lambda" && f.function === "run-athena-query") lambdaFaults.push(f);
    else if (f.service === "athena" && f.operation === "GetQueryExecution") pollFaults.push(f);
    else if (f.service === "lambda") {
      notes.push(
        `${name}: the fault on Lambda '${f.function}' is not reproduced on ${target} (that function is not a Task ` +
          `state, and LocalStack's Lambda cannot inject faults)`,
      );
    } else {
      notes.push(
        `${name}: the fault on Athena ${f.operation} is not reproduced on ${target} (the Lambda calls it; the ` +
          `Docker Athena service has no fault injection)`,
      );
    }
  }

  if (explicit.has(PIPELINE_STATES.runQuery)) {
    if (lambdaFaults.length) {
      notes.push(`${name}: Lambda faults are ignored: the scenario mocks ${PIPELINE_STATES.runQuery} itself`);
    }
  } else if (lambdaFaults.length) {
    states[PIPELINE_STATES.runQuery] = [
      ...lambdaFaults.map((f, i) => ({
        step: faultThrow("Lambda", f, stableId(name, PIPELINE_STATES.runQuery, String(i))),
        times: f.times,
      })),
      {
        step: {
          Return: {
            ExecutedVersion: "$LATEST",
            Payload: { QueryExecutionId: ctx.queryExecutionId, OutputLocation: resultKey(ctx) },
            StatusCode: 200,
          },
        },
        times: 1,
      },
    ];
  }

  if (explicit.has(PIPELINE_STATES.poll)) {
    notes.push(`${name}: the scenario mocks ${PIPELINE_STATES.poll} itself; its Athena script is not compiled`);
    if (pollFaults.length) notes.push(`${name}: Athena GetQueryExecution faults are ignored for the same reason`);
  } else {
    states[PIPELINE_STATES.poll] = pollSteps(ctx, spec, pollFaults, notes);
  }

  if (target === "sfn-local" && !explicit.has(PIPELINE_STATES.copy)) {
    const bucket = config.productionBucket;
    const deployed = new Set([config.dataBucket, config.athenaResultsBucket]);
    const requestId = stableId(name, PIPELINE_STATES.copy);
    let step: MockedStep;
    if (!isAddressableBucketName(bucket)) {
      step = {
        Throw: {
          Error: "S3.InvalidBucketNameException",
          Cause: `The specified bucket is not valid. (Service: S3, Status Code: 400, Request ID: ${requestId})`,
        },
      };
    } else if (!deployed.has(bucket)) {
      step = {
        Throw: {
          Error: "S3.NoSuchBucketException",
          Cause: `The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: ${requestId})`,
        },
      };
    } else {
      const etag = createHash("md5").update(resultCsv(spec)).digest("hex");
      step = {
        Return: {
          CopyObjectResult: {
            ETag: `"${etag}"`,
            // Right after the poll that saw SUCCEEDED.
            LastModified: new Date(
              ctx.submittedAt + (pollStates(spec).states.length + 1) * POLL_INTERVAL_SECONDS * 1000,
            ).toISOString(),
          },
          ServerSideEncryption: "AES256",
        },
      };
    }
    states[PIPELINE_STATES.copy] = [{ step, times: 1 }];
  }

  if (target === "sfn-local" && options.mockSnsPublish && !explicit.has(PIPELINE_STATES.notify)) {
    states[PIPELINE_STATES.notify] = [
      {
        step: {
          Return: {
            MessageId: stableId(name, PIPELINE_STATES.notify),
            SdkHttpMetadata: { HttpHeaders: { "Content-Type": "text/xml" }, HttpStatusCode: 200 },
            SdkResponseMetadata: { RequestId: stableId(name, PIPELINE_STATES.notify, "request") },
          },
        },
        times: 1,
      },
    ];
  }

  for (const [state, steps] of Object.entries(scenario.mocks)) {
    states[state] = steps.map((s) => ({
      step: "Return" in s ? { Return: s.Return } : { Throw: s.Throw },
      times: s.times,
    }));
  }

  const lambdaMocked = PIPELINE_STATES.runQuery in states;
  if (
    target === "localstack" &&
    lambdaMocked &&
    !(PIPELINE_STATES.copy in states) &&
    finalState(spec) === "SUCCEEDED"
  ) {
    notes.push(
      `${name}: ${PIPELINE_STATES.runQuery} is mocked, so no query runs on the Athena service; the real copy needs ` +
        `${resultKey(ctx)} seeded in LocalStack's S3 first`,
    );
  }
  if (scenario.actions.length) {
    notes.push(`${name}: actions (StopExecution on a state entry) need a live history observer, which ${target} lacks`);
  }
  return states;
}

function finalState(spec: AthenaScriptSpec): AthenaState | undefined {
  return spec.states[spec.states.length - 1];
}

/**
 * Compiles scenarios into one MockConfigFile for a Docker target: test case = scenario name, mocked responses named
 * `<scenario>.<State>`. The result is validated with {@link MockConfigFile.parse} before it is returned.
 * @throws MockConfigCompileError for duplicate scenario names.
 */
export function compileMockConfig(
  scenarios: Scenario[],
  target: DockerTargetName,
  stateMachineName: string,
  options: CompileOptions = {},
): { config: MockConfig; notes: string[] } {
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const before = seen.get(s.name);
    if (before !== undefined) {
      throw new MockConfigCompileError(
        `scenario name '${s.name}' is used by both ${before} and ${s.file}; test case names must be unique`,
      );
    }
    seen.set(s.name, s.file);
  }
  const notes: string[] = [];
  const testCases: Record<string, Record<string, string>> = {};
  const responses: MockConfig["MockedResponses"] = {};
  for (const scenario of scenarios) {
    const states = compileScenario(scenario, target, options, notes);
    const testCase: Record<string, string> = {};
    for (const [state, steps] of Object.entries(states)) {
      const responseName = `${scenario.name}.${state}`;
      testCase[state] = responseName;
      responses[responseName] = numberSteps(steps);
    }
    testCases[scenario.name] = testCase;
  }
  if (target === "sfn-local" && !options.mockSnsPublish && scenarios.length) {
    notes.push(`sfn-local: ${PIPELINE_STATES.notify} is not mocked; it publishes to LocalStack's SNS via SNS_ENDPOINT`);
  }
  const config: MockConfig = {
    StateMachines: { [stateMachineName]: { TestCases: testCases } },
    MockedResponses: responses,
  };
  MockConfigFile.parse(config);
  return { config, notes };
}

/**
 * Objects to put into LocalStack's S3 before a scenario runs on a Docker target: when `RunAthenaQueryLambda` is
 * mocked no query runs on the Athena service, yet the real copy (localstack) reads the result CSV of the mocked
 * query id. Empty when nothing needs seeding (sfn-local mocks the copy; a real Lambda makes the service write it).
 */
export function resultObjectsToSeed(
  scenario: Scenario,
  target: DockerTargetName,
): Array<{ bucket: string; key: string; body: string }> {
  const spec = scenario.athena ?? DEFAULT_ATHENA;
  if (target !== "localstack" || finalState(spec) !== "SUCCEEDED") return [];
  const lambdaFaulted = scenario.faults.some((f) => f.service === "lambda" && f.function === "run-athena-query");
  const lambdaMocked = PIPELINE_STATES.runQuery in scenario.mocks || lambdaFaulted;
  if (!lambdaMocked || PIPELINE_STATES.copy in scenario.mocks) return [];
  const config: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...scenario.deploy };
  const explicit = scenario.mocks[PIPELINE_STATES.runQuery];
  // The id the mocked Lambda returns: from the scenario's own Return, else the compiled one.
  const returned = explicit
    ?.map((s) => ("Return" in s ? (s.Return as { Payload?: { QueryExecutionId?: unknown } }) : undefined))
    .find((r) => typeof r?.Payload?.QueryExecutionId === "string")?.Payload?.QueryExecutionId as string | undefined;
  const id = returned ?? spec.queryExecutionId ?? `q-${scenario.name}`;
  return [{ bucket: config.athenaResultsBucket, key: `${config.athenaResultsPrefix}${id}.csv`, body: resultCsv(spec) }];
}

/** Where a mocked-response key starts: "3" → 3, "4-60" → 4. */
function rangeStart(key: string): number {
  return Number.parseInt(key, 10);
}

/**
 * The file text: like `JSON.stringify(config, null, 2)` but with every mocked response's invocation keys in
 * numeric order ("0-1" before "2"). A plain object lists integer-like keys first, which is valid but reads wrong,
 * and whether Step Functions Local needs the order is UNCONFIRMED.
 */
export function formatMockConfig(config: MockConfig): string {
  const nest = (text: string, by: number) => text.replace(/\n/g, `\n${" ".repeat(by)}`);
  const responses = Object.entries(config.MockedResponses).map(([name, steps]) => {
    const entries = Object.entries(steps)
      .sort(([a], [b]) => rangeStart(a) - rangeStart(b))
      .map(([key, step]) => `      ${JSON.stringify(key)}: ${nest(JSON.stringify(step, null, 2), 6)}`);
    return `    ${JSON.stringify(name)}: {\n${entries.join(",\n")}\n    }`;
  });
  const machines = nest(JSON.stringify(config.StateMachines, null, 2), 2);
  const body = responses.length ? `{\n${responses.join(",\n")}\n  }` : "{}";
  return `{\n  "StateMachines": ${machines},\n  "MockedResponses": ${body}\n}\n`;
}

/**
 * The Athena script the Docker targets' Athena service runs for a scenario: only its last state, so the query ends
 * (and a SUCCEEDED one writes its result CSV) when the Lambda starts it. Nobody polls that service on Docker targets
 * — the state machine's polls are mocked — so a multi-step per-call script would never advance.
 */
export function athenaScriptForDocker(spec: AthenaScriptSpec | undefined): AthenaScriptSpec {
  const s = spec ?? DEFAULT_ATHENA;
  const last = finalState(s) ?? "SUCCEEDED";
  return {
    states: [last],
    ...(s.failure && last === "FAILED" ? { failure: s.failure } : {}),
    ...(s.result && last === "SUCCEEDED" ? { result: s.result } : {}),
    ...(s.queryExecutionId !== undefined ? { queryExecutionId: s.queryExecutionId } : {}),
  };
}

/** `npm run scenario -- mock-config [--target sfn-local|localstack] [scenarios…] [--output file] [--mock-sns]`. */
export interface MockConfigArgs {
  target?: string;
  /** Scenario files or directories (the loader decides; default: the loader's default set). */
  scenarios: string[];
  /** Write here (directories created; written atomically) instead of stdout. */
  output?: string;
  /** State machine name (default the deployment's: healthcare-pipeline-orchestrator). */
  stateMachineName?: string;
  mockSns?: boolean;
}

/** What the command needs besides IO: the scenario loader (harness/scenario/loader.ts, wired by the CLI). */
export interface MockConfigDeps {
  loadScenarios(paths: string[], cwd: string): Promise<Scenario[]>;
}

/**
 * Compiles scenario files into a MockConfigFile for `docker compose` (write it to `.testbed/mock/MockConfigFile.json`,
 * the directory docker-compose.yml mounts by default). Notes go to stderr. Exit 0, or 2 for bad usage.
 */
export async function mockConfigCommand(args: MockConfigArgs, io: CliIO, deps: MockConfigDeps): Promise<number> {
  const target = args.target ?? "localstack";
  if (!DOCKER_TARGETS.includes(target as DockerTargetName)) {
    throw new UsageError(`--target must be one of ${DOCKER_TARGETS.join(", ")}; got '${target}'`);
  }
  const scenarios = await deps.loadScenarios(args.scenarios, io.cwd);
  if (scenarios.length === 0) throw new UsageError("no scenarios found to compile");
  let compiled;
  try {
    compiled = compileMockConfig(
      scenarios,
      target as DockerTargetName,
      args.stateMachineName ?? DEFAULT_PIPELINE_CONFIG.stateMachineName,
      { mockSnsPublish: Boolean(args.mockSns) },
    );
  } catch (e) {
    if (e instanceof MockConfigCompileError) throw new UsageError(e.message);
    throw e;
  }
  const text = formatMockConfig(compiled.config);
  for (const note of compiled.notes) io.stderr(`note: ${note}\n`);
  if (args.output === undefined) {
    io.stdout(text);
  } else {
    const file = resolve(io.cwd, args.output);
    mkdirSync(dirname(file), { recursive: true });
    // Rename into place: a reader (LocalStack re-reads on mtime change) never sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    io.stderr(`wrote ${file}: ${scenarios.length} test case(s) for ${target}\n`);
  }
  return 0;
}
