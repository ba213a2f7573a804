/**
 * Turns a production execution's history into a scenario that replays it offline: the original input; for every
 * Task state its recorded outcomes in invocation order (retries included) as mocked responses; the Athena
 * lifecycle seen by `getQueryExecution` as the Athena script; and expectations equal to what happened (status,
 * error, cause, the exact path, retries). Sensitive values are redacted first, and what still looks like personal
 * data is reported by path. What a replay cannot reproduce is refused with the reason.
 */
import { dirname, isAbsolute, relative } from "node:path";
import { Document, isScalar, visit, type Node } from "yaml";
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import { retriesByState, statesEntered } from "../runner/expectations";
import { indexDefinition } from "./definition-index";
import { detailsKey, type ParsedHistory } from "./history-parser";
import { findPersonalData, personalDataInText, type PiiFinding } from "./pii-detector";
import { Redactor } from "./redaction";

/** The history cannot be replayed as a scenario (an unsupported feature, missing data); says why and what to do. */
export class HistoryImportError extends Error {
  override readonly name = "HistoryImportError";
}

export interface ImportOptions {
  /** The definition the execution ran (state names and types), substitutions resolved or not. */
  definition: StateMachineDefinition;
  /** How to name the definition in messages and the file header. */
  definitionFile: string;
  /** Scenario name; default the execution name (sanitised), else the history file's name. */
  name?: string;
  /** The execution's ARN, when the history does not reveal it (GetExecutionHistory output does not carry it). */
  executionArn?: string;
  /** JSONPaths of values to redact (applied to the input and every mocked Task output). */
  redact?: readonly string[];
  /** Regular expressions whose matches are redacted in every string. */
  redactPatterns?: readonly string[];
  /** Scan for personal data (default true). */
  piiCheck?: boolean;
  /** Where the scenario will be written (for the `$schema` line's relative path). */
  outputFile?: string;
  /** The scenario JSON schema file (for the `$schema` line). */
  schemaFile?: string;
  /** Clock for the "imported at" header line. */
  now?: () => Date;
}

/** A finding of the personal-data scan, placed in the history. */
export interface PiiWarning extends PiiFinding {
  eventId: number;
  /** Which document: `ExecutionStarted input`, `TaskSucceeded output of RunAthenaQueryLambda`, … */
  where: string;
}

export interface ImportResult {
  /** The scenario file's text (YAML with a header comment). */
  yaml: string;
  /** The scenario as a plain value (what the YAML holds). */
  scenario: Record<string, unknown>;
  name: string;
  /** The execution's ARN when known. */
  executionArn?: string;
  /** Personal-data findings (after redaction). */
  pii: PiiWarning[];
  /** `--redact` flags that would cover the redactable findings. */
  suggestedRedactions: string[];
  /** Things the user should know (weaker expectations, unmatched --redact paths, …). */
  notes: string[];
  /** Distinct values redacted. */
  redactedValues: number;
  summary: {
    events: number;
    status: string;
    error?: string;
    states: number;
    mockedStates: number;
    mockedResponses: number;
  };
}

type Outcome =
  | { kind: "return"; value: unknown; eventId: number }
  | { kind: "throw"; error: string; cause: string; causeIsJson: boolean; eventId: number; eventType: string };

interface Attempt {
  state: string;
  scheduledId: number;
  resourceType?: string;
  resource?: string;
  outcome?: Outcome;
}

const SCHEDULED = new Set(["TaskScheduled", "LambdaFunctionScheduled"]);
const CARRIES_ATTEMPT = new Set(["TaskStarted", "TaskSubmitted", "LambdaFunctionStarted"]);
const SUCCEEDED = new Set(["TaskSucceeded", "LambdaFunctionSucceeded"]);
const FAILED = new Set([
  "TaskFailed",
  "TaskTimedOut",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "LambdaFunctionFailed",
  "LambdaFunctionTimedOut",
  "LambdaFunctionStartFailed",
  "LambdaFunctionScheduleFailed",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function details(e: HistoryEvent): Record<string, unknown> {
  const d = e[detailsKey(e.type)];
  return isRecord(d) ? d : {};
}

/** `ExecutionStarted` → `Task`, `TaskStateEntered` → `Task`. */
function stateTypeOf(eventType: string): string {
  return eventType.replace(/State(Entered|Exited|Aborted)$/, "");
}

/** `[a-z0-9][a-z0-9-]*`, at most 63 characters. */
export function sanitizeScenarioName(raw: string): string {
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return slug === "" ? "imported-execution" : slug;
}

const EXECUTION_ARN = /arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_.~-]+:[A-Za-z0-9_.~-]+/;

function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isRecord(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/**
 * Builds the scenario for a parsed history.
 * @throws HistoryImportError when the history names states the definition lacks, lacks the data to replay it, or
 *   uses what a replay cannot reproduce (activities, a distributed Map, an execution time-out, …).
 */
export function importHistory(history: ParsedHistory, options: ImportOptions): ImportResult {
  const file = history.file;
  const events = history.events;
  const index = indexDefinition(options.definition);
  const notes: string[] = [];
  const at = (e: HistoryEvent) => `${file}: event ${e.id} (${e.type})`;
  const fail = (e: HistoryEvent | undefined, message: string): never => {
    throw new HistoryImportError(`${e ? at(e) : file}: ${message}`);
  };
  const parseJsonField = (e: HistoryEvent, field: string, what: string): unknown => {
    const d = details(e);
    const v = d[field];
    const detailsTruncated = d[`${field}Details`];
    if (isRecord(detailsTruncated) && detailsTruncated["truncated"] === true) {
      fail(e, `its ${what} was truncated by Step Functions, so it cannot be replayed; mock this state by hand`);
    }
    if (v === undefined) {
      fail(
        e,
        `has no \`${detailsKey(e.type)}.${field}\` (${what}): the history was exported without execution data ` +
          "(`--no-include-execution-data`); export it again with the data",
      );
    }
    if (typeof v !== "string") return v; // already parsed by whoever wrote the file
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      return fail(e, `\`${detailsKey(e.type)}.${field}\` is not JSON: ${(err as Error).message}`);
    }
  };

  // ---- states against the definition; owners of events; refusals ------------------------------------------------
  const owner = new Map<number, string>();
  const attemptOf = new Map<number, Attempt>();
  const attempts: Attempt[] = [];
  let lastTaskEntered: string | undefined;
  const mapLengths = new Map<string, number>();
  for (const e of events) {
    const d = details(e);
    if (e.type.endsWith("StateEntered") || e.type.endsWith("StateExited")) {
      const name = String(d["name"]);
      const state = index.states.get(name);
      const type = stateTypeOf(e.type);
      if (!state) {
        fail(
          e,
          `the execution entered state '${name}' (${type}), which ${options.definitionFile} does not have: it ran another version of the definition. ` +
            "Pass the one it ran with --definition (`aws stepfunctions describe-state-machine-for-execution --execution-arn <arn> --query definition --output text > ran.asl.json`)",
        );
      }
      if (state!.type !== type) {
        fail(
          e,
          `state '${name}' is a ${type} state in the history but a ${state!.type} state in ${options.definitionFile}: the execution ran another version of the definition; pass it with --definition`,
        );
      }
      owner.set(e.id, name);
      if (e.type === "TaskStateEntered") lastTaskEntered = name;
      continue;
    }
    const inherited = owner.get(e.previousEventId);
    if (inherited !== undefined) owner.set(e.id, inherited);
    if (e.type.startsWith("Activity")) {
      fail(
        e,
        `state '${inherited ?? lastTaskEntered ?? "?"}' runs an Activity; activities are not supported by the embedded engine, so this history cannot be replayed`,
      );
    }
    if (e.type.startsWith("MapRun")) {
      fail(
        e,
        `state '${inherited ?? "?"}' is a distributed Map: its iterations ran as child executions whose events are not in this history, so they cannot be mocked from it`,
      );
    }
    if (e.type === "ExecutionTimedOut") {
      fail(
        e,
        "the execution timed out (its TimeoutSeconds ran out). A replay answers every Task at once from the recorded responses, so the timing that made it time out cannot be reproduced (a Task that timed out — TaskTimedOut — replays fine)",
      );
    }
    if (e.type === "MapStateStarted" && inherited !== undefined) {
      const len = Number(d["length"] ?? 0);
      mapLengths.set(inherited, Math.max(mapLengths.get(inherited) ?? 0, len));
    }
    if (SCHEDULED.has(e.type)) {
      const state = inherited ?? lastTaskEntered;
      if (state === undefined) fail(e, "a Task was scheduled outside any Task state");
      const a: Attempt = {
        state: state!,
        scheduledId: e.id,
        ...(typeof d["resourceType"] === "string" ? { resourceType: d["resourceType"] } : {}),
        ...(typeof d["resource"] === "string" ? { resource: d["resource"] } : {}),
      };
      attempts.push(a);
      attemptOf.set(e.id, a);
      owner.set(e.id, state!);
    } else if (CARRIES_ATTEMPT.has(e.type)) {
      const a = attemptOf.get(e.previousEventId);
      if (a) attemptOf.set(e.id, a);
    } else if (SUCCEEDED.has(e.type) || FAILED.has(e.type)) {
      const state = inherited ?? lastTaskEntered;
      let a = attemptOf.get(e.previousEventId);
      if (!a) {
        // No Scheduled event before it (e.g. LambdaFunctionScheduleFailed) or a broken previousEventId chain.
        a = [...attempts].reverse().find((x) => x.state === state && !x.outcome);
        if (!a || e.type.endsWith("ScheduleFailed")) {
          a = { state: state ?? fail(e, "a Task outcome outside any Task state"), scheduledId: e.id };
          attempts.push(a);
        }
      }
      if (SUCCEEDED.has(e.type)) {
        a.outcome = { kind: "return", value: parseJsonField(e, "output", "the Task's result"), eventId: e.id };
      } else {
        const error = typeof d["error"] === "string" ? d["error"] : "";
        const cause = typeof d["cause"] === "string" ? d["cause"] : "";
        if (error === "") {
          fail(e, "a failed Task without an `error` name cannot be mocked (a mocked Throw needs one)");
        }
        let causeIsJson: boolean;
        try {
          const parsed = JSON.parse(cause) as unknown;
          causeIsJson = isRecord(parsed) || Array.isArray(parsed);
        } catch {
          causeIsJson = false;
        }
        a.outcome = { kind: "throw", error, cause, causeIsJson, eventId: e.id, eventType: e.type };
      }
    }
  }

  // ---- concurrency: can the replay reproduce the order? ------------------------------------------------------------
  const concurrentScopes = new Set<string>();
  for (const scope of index.scopes.values()) {
    if (scope.distributed && events.some((e) => owner.get(e.id) === scope.name)) {
      fail(
        undefined,
        `state '${scope.name}' is a distributed Map: its iterations run as child executions whose events are not in this history`,
      );
    }
    const ran = events.some((e) => e.type.endsWith("StateEntered") && details(e)["name"] === scope.name);
    if (!ran) continue;
    if (scope.type === "Parallel" && scope.branches > 1) concurrentScopes.add(scope.name);
    if (scope.type === "Map" && scope.maxConcurrency !== 1 && (mapLengths.get(scope.name) ?? 0) > 1) {
      concurrentScopes.add(scope.name);
    }
  }
  const inConcurrent = (state: string) => (index.states.get(state)?.scopes ?? []).some((s) => concurrentScopes.has(s));
  const inConcurrentMap = (state: string) =>
    (index.states.get(state)?.scopes ?? []).some((s) => concurrentScopes.has(s) && index.scopes.get(s)?.type === "Map");

  // ---- terminal event -------------------------------------------------------------------------------------------
  const terminal = events[events.length - 1]!;
  const td = details(terminal);
  const status =
    terminal.type === "ExecutionSucceeded" ? "SUCCEEDED" : terminal.type === "ExecutionFailed" ? "FAILED" : "ABORTED";
  const finalError = typeof td["error"] === "string" ? td["error"] : undefined;
  const finalCause = typeof td["cause"] === "string" ? td["cause"] : undefined;

  // ---- input, execution ARN and name ----------------------------------------------------------------------------
  const started = events[0]!;
  const input = parseJsonField(started, "input", "the execution input");
  const arnMatch = options.executionArn ?? EXECUTION_ARN.exec(JSON.stringify(events))?.[0];
  const executionName = arnMatch?.split(":").pop();
  const baseName = file
    .split(/[\\/]/)
    .pop()!
    .replace(/\.[^.]*$/, "")
    .replace(/\.history$/, "");
  const name = sanitizeScenarioName(options.name ?? executionName ?? `replay-${baseName}`);
  if (options.name !== undefined && name !== options.name) {
    notes.push(`--name '${options.name}' became '${name}' (scenario names use a-z, 0-9 and -)`);
  }

  // ---- mocks, per state, in invocation order --------------------------------------------------------------------
  const byState = new Map<string, Attempt[]>();
  for (const a of [...attempts].sort((x, y) => x.scheduledId - y.scheduledId)) {
    if (!a.outcome) continue; // in flight when the execution was stopped: never answered
    byState.set(a.state, [...(byState.get(a.state) ?? []), a]);
  }
  for (const [state, list] of byState) {
    const shared = index.duplicates.has(state);
    if ((inConcurrentMap(state) || (shared && inConcurrent(state))) && list.length > 1) {
      // Event ids differ per outcome: compare without them.
      const shapes = new Set(list.map((a) => canonicalJson({ ...a.outcome, eventId: 0 })));
      if (shapes.size > 1) {
        throw new HistoryImportError(
          `${file}: state '${state}' runs in concurrent ${[...(index.states.get(state)?.scopes ?? [])].filter((s) => concurrentScopes.has(s)).join(", ")} ` +
            `iterations and answered differently across them (${list.length} invocations, ${shapes.size} different outcomes). Mocked responses are counted per state ` +
            "across all iterations in the order the engine schedules them, which need not be the order AWS ran them in, so a replay could hand one iteration's answer to another. " +
            "This history cannot be replayed faithfully; set MaxConcurrency to 1 to make the order reproducible, or write the mocks by hand",
        );
      }
    }
  }

  // ---- redaction: collect every original first, then replace everywhere --------------------------------------------
  const redactor = new Redactor(options.redact ?? [], options.redactPatterns ?? []);
  const causeDoc = (o: Outcome & { kind: "throw" }) => JSON.parse(o.cause) as unknown;
  redactor.collect(input);
  for (const list of byState.values()) {
    for (const a of list) {
      if (a.outcome?.kind === "return") redactor.collect(a.outcome.value);
      else if (a.outcome?.kind === "throw" && a.outcome.causeIsJson) redactor.collect(causeDoc(a.outcome));
    }
  }
  const redactedInput = redactor.redactDocument(input);
  const mocks: Record<string, Array<Record<string, unknown>>> = {};
  const mockEvents = new Map<string, Outcome[]>();
  for (const [state, list] of byState) {
    const steps: Array<Record<string, unknown>> = [];
    let previousKey: string | undefined;
    for (const a of list) {
      const o = a.outcome!;
      const step =
        o.kind === "return"
          ? { Return: redactor.redactDocument(o.value) }
          : { Throw: { Error: redactor.redactText(o.error), Cause: redactor.redactText(o.cause) } };
      const key = canonicalJson(step);
      const last = steps[steps.length - 1];
      if (last && key === previousKey) last["times"] = Number(last["times"] ?? 1) + 1;
      else steps.push({ ...step });
      previousKey = key;
    }
    mocks[state] = steps;
    mockEvents.set(
      state,
      list.map((a) => a.outcome!),
    );
  }

  // ---- Athena script from the getQueryExecution answers -----------------------------------------------------------
  let athena: Record<string, unknown> | undefined;
  const athenaStates = [...byState.entries()].filter(([state, list]) => {
    const a = list[0]!;
    const resource = a.resourceType ? `${a.resourceType}:${a.resource}` : (index.states.get(state)?.resource ?? "");
    return /(^|:)athena:getQueryExecution$/.test(resource);
  });
  if (athenaStates.length > 0) {
    const [pollState, list] = athenaStates[0]!;
    const answers = list
      .map((a) => (a.outcome?.kind === "return" ? a.outcome.value : undefined))
      .map((v) => (isRecord(v) && isRecord(v["QueryExecution"]) ? v["QueryExecution"] : undefined))
      .filter((q): q is Record<string, unknown> => q !== undefined);
    const ids = [...new Set(answers.map((q) => q["QueryExecutionId"]).filter((x) => typeof x === "string"))];
    const states = answers
      .map((q) => (isRecord(q["Status"]) ? q["Status"]["State"] : undefined))
      .filter((s): s is string => typeof s === "string");
    const problem = athenaProblem(states);
    if (athenaStates.length > 1 || ids.length > 1) {
      notes.push(
        `more than one Athena query was polled (${athenaStates.map(([s]) => s).join(", ")}; ${ids.length} query ids); the Athena script describes the first`,
      );
    }
    if (states.length === 0) {
      notes.push(`${pollState} never returned a QueryExecution status, so there is no Athena script`);
    } else if (problem) {
      notes.push(`no Athena script: the recorded states ${states.join(", ")} ${problem}`);
    } else {
      const lastAnswer = answers[answers.length - 1]!;
      const lastStatus = isRecord(lastAnswer["Status"]) ? lastAnswer["Status"] : {};
      athena = { states };
      if (states[states.length - 1] === "FAILED") {
        const err = isRecord(lastStatus["AthenaError"]) ? lastStatus["AthenaError"] : {};
        const reason =
          (typeof lastStatus["StateChangeReason"] === "string" && lastStatus["StateChangeReason"]) ||
          (typeof err["ErrorMessage"] === "string" && err["ErrorMessage"]) ||
          "(no StateChangeReason in the recorded answer)";
        athena["failure"] = {
          reason: redactor.redactText(reason),
          ...([1, 2, 3].includes(Number(err["ErrorCategory"])) ? { errorCategory: Number(err["ErrorCategory"]) } : {}),
          ...(Number.isInteger(err["ErrorType"]) ? { errorType: err["ErrorType"] } : {}),
          ...(typeof err["Retryable"] === "boolean" ? { retryable: err["Retryable"] } : {}),
        };
      }
      if (typeof ids[0] === "string") athena["queryExecutionId"] = redactor.redactText(ids[0]);
    }
  }

  // ---- expectations -------------------------------------------------------------------------------------------------
  const path = statesEntered(events);
  const concurrent = concurrentScopes.size > 0;
  const expect: Record<string, unknown> = { status };
  if (finalError !== undefined) expect["error"] = redactor.redactText(finalError);
  if (finalCause !== undefined) expect["cause"] = redactor.redactText(finalCause);
  let stopAction: Record<string, unknown> | undefined;
  let stoppedIn: string | undefined;
  if (status === "ABORTED") {
    const lastEntered = [...events].reverse().find((e) => e.type.endsWith("StateEntered"));
    if (!lastEntered) {
      fail(terminal, "the execution was stopped before it entered any state; there is nothing to replay");
    }
    stoppedIn = String(details(lastEntered!)["name"]);
    const occurrence = path.filter((s) => s === stoppedIn).length;
    stopAction = {
      when: { stateEntered: stoppedIn, ...(occurrence > 1 ? { occurrence } : {}) },
      stop: {
        ...(finalError !== undefined ? { error: redactor.redactText(finalError) } : {}),
        ...(finalCause !== undefined ? { cause: redactor.redactText(finalCause) } : {}),
      },
    };
    notes.push(
      `the execution was stopped while in '${stoppedIn}'; the replay stops it when it enters that state (occurrence ${occurrence})`,
    );
  }
  const topLevel = (s: string) => (index.states.get(s)?.scopes.length ?? 0) === 0;
  if (concurrent) {
    expect["pathIncludes"] = path.filter(topLevel);
    notes.push(
      `${[...concurrentScopes].join(", ")} ran branches or iterations concurrently; their events interleave differently on every run, ` +
        "so `expect.pathIncludes` checks the top-level states in order instead of an exact `path`, and retries are checked for top-level Task states only",
    );
  } else {
    expect["path"] = path;
  }
  const retries = retriesByState(events);
  const taskStates = [...new Set(path.filter((s) => index.states.get(s)?.type === "Task"))]
    .filter((s) => !concurrent || topLevel(s))
    .filter((s) => s !== stoppedIn);
  if (taskStates.length > 0) expect["retries"] = Object.fromEntries(taskStates.map((s) => [s, retries[s] ?? 0]));

  // ---- personal data ------------------------------------------------------------------------------------------------
  const pii: PiiWarning[] = [];
  if (options.piiCheck !== false) {
    const scan = (doc: unknown, eventId: number, where: string) => {
      for (const f of findPersonalData(doc)) pii.push({ ...f, eventId, where });
    };
    const scanText = (text: string, eventId: number, where: string, path: string) => {
      for (const kind of personalDataInText(text)) pii.push({ path, kind, redactable: false, eventId, where });
    };
    scan(redactedInput, started.id, "ExecutionStarted input");
    for (const [state, outcomes] of mockEvents) {
      const steps = mocks[state]!;
      // Scan what is written (redacted), attributed to the first event that produced it.
      let i = 0;
      for (const step of steps) {
        const o = outcomes[i]!;
        i += Number(step["times"] ?? 1);
        if ("Return" in step) scan(step["Return"], o.eventId, `${eventTypeOf(o)} output of ${state}`);
        else {
          const t = step["Throw"] as { Error: string; Cause: string };
          const where = `${eventTypeOf(o)} of ${state}`;
          let parsed: unknown;
          try {
            parsed = JSON.parse(t.Cause);
          } catch {
            parsed = undefined;
          }
          if (isRecord(parsed) || Array.isArray(parsed)) scan(parsed, o.eventId, `${where}, cause (JSON)`);
          else scanText(t.Cause, o.eventId, where, "cause");
        }
      }
    }
    const reason = (athena?.["failure"] as { reason?: string } | undefined)?.reason;
    if (reason) scanText(reason, terminal.id, "Athena StateChangeReason", "reason");
    if (typeof expect["cause"] === "string") scanText(expect["cause"], terminal.id, `${terminal.type} cause`, "cause");
  }
  const suggested = [...new Set(pii.filter((p) => p.redactable).map((p) => p.path))];
  for (const p of redactor.unmatchedPaths()) {
    notes.push(`--redact '${p}' matched nothing in the input or in any Task output`);
  }

  // ---- the scenario -------------------------------------------------------------------------------------------------
  const outcome = status === "SUCCEEDED" ? "SUCCEEDED" : `${status}${finalError ? `: ${finalError}` : ""}`;
  const startedAt = started.timestamp.toISOString();
  const scenario: Record<string, unknown> = {
    version: 1,
    name,
    description: redactor.redactText(
      `Replay of production execution ${executionName ?? `from ${baseName}`} (${outcome}); every Task answers as recorded.`,
    ),
    tags: ["imported", "replay"],
    start: {
      input: redactedInput,
      ...(executionName && /^[A-Za-z0-9_.-]{1,80}$/.test(executionName) ? { name: executionName } : {}),
    },
    ...(athena ? { athena } : {}),
    ...(Object.keys(mocks).length ? { mocks } : {}),
    ...(stopAction ? { actions: [stopAction] } : {}),
    expect,
  };

  const schemaRef = schemaReference(options.outputFile, options.schemaFile);
  const now = (options.now ?? (() => new Date()))();
  const header = [
    ` yaml-language-server: $schema=${schemaRef}`,
    " Replay of a production execution, written by `npm run scenario -- import`. Every Task state answers as it did in",
    " production (mocked responses in invocation order, retries included) and `expect` is what happened. To prove a",
    " fix: run `npm run scenario -- diff <this file>` against the fixed definition, then edit `expect` to what must",
    " happen now.",
    `   execution:  ${arnMatch ?? "(not recorded in the history; pass --execution-arn)"}`,
    `   started:    ${startedAt}`,
    `   history:    ${file} (${history.layout.source}, ${history.layout.pages} page${history.layout.pages === 1 ? "" : "s"}${history.layout.reverseOrder ? ", reverse order" : ""}, ${events.length} events)`,
    `   definition: ${options.definitionFile}`,
    `   imported:   ${now.toISOString()}`,
    ...(redactor.count > 0
      ? [
          `   redacted:   ${redactor.count} value${redactor.count === 1 ? "" : "s"} (${[...(options.redact ?? []), ...(options.redactPatterns ?? []).map((p) => `/${p}/`)].join(", ")})`,
        ]
      : []),
  ];
  const doc = new Document(scenario);
  doc.commentBefore = header.join("\n");
  flowScalarLists(doc);
  if (athena) {
    const node = doc.getIn(["athena"], true) as Node | undefined;
    if (node) {
      node.commentBefore =
        ` What Athena reported to ${athenaStates[0]![0]}, poll by poll. The mocks answer the polls; the Athena emulator` +
        `\n runs this script only if those mocks are deleted (e.g. to prove a Lambda fix with the real Lambda).`;
    }
  }
  const mocksNode = doc.getIn(["mocks"], true) as Node | undefined;
  if (mocksNode) {
    mocksNode.commentBefore =
      " Recorded Task outcomes: TaskSucceeded output → Return, TaskFailed/TaskTimedOut → Throw.";
  }
  const expectNode = doc.getIn(["expect"], true) as Node | undefined;
  if (expectNode && notes.some((n) => n.includes("concurrently"))) {
    expectNode.commentBefore = wrap(
      notes.find((n) => n.includes("concurrently"))!,
      110,
    );
  }
  const yaml = doc.toString({ lineWidth: 118, minContentWidth: 40, flowCollectionPadding: false });

  const mockedResponses = Object.values(mocks).reduce(
    (n, steps) => n + steps.reduce((m, s) => m + Number(s["times"] ?? 1), 0),
    0,
  );
  return {
    yaml,
    scenario,
    name,
    ...(arnMatch ? { executionArn: arnMatch } : {}),
    pii,
    suggestedRedactions: suggested,
    notes,
    redactedValues: redactor.count,
    summary: {
      events: events.length,
      status,
      ...(finalError !== undefined ? { error: finalError } : {}),
      states: path.length,
      mockedStates: Object.keys(mocks).length,
      mockedResponses,
    },
  };
}

function eventTypeOf(o: Outcome): string {
  return o.kind === "return" ? "TaskSucceeded" : o.eventType;
}

/** Why a recorded Athena sequence cannot be a script (the loader's rules), or undefined. */
function athenaProblem(states: string[]): string | undefined {
  const allowed = new Set(["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]);
  const terminal = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
  const odd = states.find((s) => !allowed.has(s));
  if (odd) return `include '${odd}', which scripts do not support`;
  for (let i = 1; i < states.length; i++) {
    if (terminal.has(states[i - 1]!)) return `continue after the terminal state ${states[i - 1]}`;
    if (states[i - 1] === "RUNNING" && states[i] === "QUEUED") return "go back from RUNNING to QUEUED";
  }
  return undefined;
}

/** A comment body: words wrapped at `width`, each line led by a space (after YAML's `#`). */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => ` ${l}`).join("\n");
}

/** Lists of plain values (paths, tags, header lists) on one line, as the hand-written scenarios have them. */
function flowScalarLists(doc: Document): void {
  visit(doc, {
    Seq(_, node) {
      if (node.items.length > 0 && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
}

/** The `$schema` reference: relative inside the project (portable), absolute from anywhere else. */
function schemaReference(outputFile: string | undefined, schemaFile: string | undefined): string {
  if (!outputFile || !schemaFile) return "./scenario.schema.json";
  const rel = relative(dirname(outputFile), schemaFile).split("\\").join("/");
  const root = dirname(dirname(schemaFile));
  const fromRoot = relative(root, outputFile);
  if (fromRoot.startsWith("..") || isAbsolute(fromRoot)) return schemaFile;
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Short lines for a console: the personal-data findings and the flags that would redact them. */
export function describePii(result: ImportResult): string[] {
  if (result.pii.length === 0) return [];
  const lines = [
    `warning: ${result.pii.length} value${result.pii.length === 1 ? "" : "s"} in the scenario look${result.pii.length === 1 ? "s" : ""} like personal data:`,
    ...result.pii.map(
      (p) =>
        `  event ${p.eventId} (${p.where}) ${p.path}: ${p.kind}${p.redactable ? "" : " — not reachable by a JSONPath; use --redact-pattern"}`,
    ),
  ];
  if (result.suggestedRedactions.length) {
    lines.push(`  redact with: ${result.suggestedRedactions.map((p) => `--redact '${p}'`).join(" ")}`);
  }
  lines.push("  (--no-pii-check silences this scan)");
  return lines;
}
