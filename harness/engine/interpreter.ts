import type { Clock } from "../common/clock";
import { NO_CHOICE_MATCHED_CAUSE, selectChoice } from "./choice";
import { StatesError, UNCATCHABLE, queryEvaluationError, runtimeError } from "./errors";
import { HistoryRecorder, stateEventType } from "./history";
import { parseResource, type IntegrationCall, type IntegrationResolver, type ParsedResource } from "./integrations";
import {
  effectiveMaxItems,
  itemReaderAction,
  readItems,
  type ItemReaderAction,
  type ReaderConfig,
} from "./item-reader";
import { batchItems, batchLimit, type BatchLimits } from "./item-batcher";
import { evaluateJsonataTemplate, isJsonataExpression, type JsonataScope } from "./jsonata-eval";
import {
  isResultWriterResource,
  resultObjects,
  resultWriterFailed,
  transformResults,
  writerConfig,
  type ChildResult,
  type ResultObject,
  type WriterConfig,
} from "./result-writer";
import type { MockCursor } from "./mock-config";
import {
  applyFilterPath,
  applyResultPath,
  evaluateDynamic,
  evaluateTemplate,
  requirePath,
  resolvePath,
  type PathScope,
} from "./payload";
import type { SeededRandom } from "./random";
import type { Catcher, QueryLanguage, Retrier, StateDefinition } from "./types";

type ServiceResource = Extract<ParsedResource, { kind: "service" }>;

/** A (sub-)state machine: the top level, a Parallel branch or a Map ItemProcessor. */
export interface Machine {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: QueryLanguage;
  ProcessorConfig?: { Mode?: string; ExecutionType?: string };
}

/** Everything an execution shares across its branches. */
export interface ExecutionRuntime {
  clock: Clock;
  random: SeededRandom;
  history: HistoryRecorder;
  integrations: IntegrationResolver;
  mocks?: MockCursor;
  /** How aws-sdk task resources are named in history events; see {@link EngineOptions.historyResourceNames}. */
  historyResourceNames?: "aws" | "sfn-local";
  region: string;
  accountId: string;
  /** `$$.Execution` and `$$.StateMachine`. */
  context: { Execution: Record<string, unknown>; StateMachine: Record<string, unknown> };
  /** Set once the execution is stopped or timed out; branches stop at their next step. */
  termination: Termination;
  /** Registers a task token so that SendTaskSuccess/Failure can complete it. */
  awaitTaskToken(token: string, heartbeatSeconds?: number): Promise<unknown>;
  /** Map runs of distributed Map states (for ListMapRuns-like inspection). */
  onMapRun?(info: { mapRunArn: string; stateName: string; itemCount: number }): void;
}

/** Rejects every pending wait once the execution ends from outside (StopExecution, execution timeout). */
export class Termination {
  terminated = false;
  private readonly controller = new AbortController();
  /** Aborted on termination: pass it to clock sleeps so pending timers are cancelled. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  private rejecters = new Set<(e: unknown) => void>();
  /** Races `work` against termination. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.terminated) return Promise.reject(TERMINATED);
    return new Promise<T>((resolve, reject) => {
      this.rejecters.add(reject);
      work.then(
        (v) => {
          this.rejecters.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          this.rejecters.delete(reject);
          reject(e);
        },
      );
    });
  }
  terminate(): void {
    this.terminated = true;
    this.controller.abort(TERMINATED);
    for (const r of this.rejecters) r(TERMINATED);
    this.rejecters.clear();
  }
}

/** Thrown through branches once the execution is terminated from outside or a sibling in their group failed. */
export const TERMINATED: unique symbol = Symbol("execution terminated");

/** Variables visible to a branch: its own, then its parents' (read-only from inside). */
class VariableScope {
  readonly own: Record<string, unknown> = Object.create(null);
  constructor(readonly parent?: VariableScope) {}
  get(name: string): { found: true; value: unknown } | { found: false } {
    if (Object.hasOwn(this.own, name)) return { found: true, value: this.own[name] };
    return this.parent ? this.parent.get(name) : { found: false };
  }
  all(): Record<string, unknown> {
    return { ...(this.parent ? this.parent.all() : {}), ...this.own };
  }
}

/** {@link PathScope} with a lazily built context object (most states never read `$$`). */
class LazyPathScope implements PathScope {
  private ctx: unknown;
  constructor(
    readonly input: unknown,
    private readonly rt: ExecutionRuntime,
    private readonly branch: Branch,
    private readonly makeContext: () => unknown,
  ) {}
  get context(): unknown {
    return (this.ctx ??= this.makeContext());
  }
  variable(name: string): { found: true; value: unknown } | { found: false } {
    return this.branch.vars.get(name);
  }
  random(): number {
    return this.rt.random.next();
  }
  uuid(): string {
    return this.rt.random.uuid();
  }
}

/**
 * A Map's iterations or a Parallel's branches. When one of them fails the group is cancelled: its siblings stop at
 * once (pending waits reject with {@link TERMINATED}) and AWS records them as aborted.
 */
interface Group {
  cancelled: boolean;
  readonly controller: AbortController;
}

function newGroup(): Group {
  return { cancelled: false, controller: new AbortController() };
}

/** Per-branch state: variables, the Map item, the last history event of this thread of control. */
interface Branch {
  vars: VariableScope;
  /** Every enclosing Map/Parallel group: cancelled when a sibling failed. */
  groups: Group[];
  mapItem?: Record<string, unknown>;
  /** The event the branch's next event points at (`previousEventId`). */
  prev: number;
  queryLanguage: QueryLanguage;
  /** The state the branch was in when it stopped with an error or was aborted (for `…StateAborted` events). */
  ended?: { type: string; aborted: boolean };
  /** Termination and every enclosing group's cancellation, combined (built on first use). */
  signal?: AbortSignal;
}

/** Options of a history event: `prev` overrides `previousEventId`; a `side` event does not advance the branch. */
interface EventOptions {
  prev?: number;
  side?: boolean;
}

/**
 * Errors whose `EvaluationFailed` event has been recorded (the original and its state-scoped copies), so that the
 * enclosing Map/Parallel states do not record it again.
 */
const evaluationRecorded = new WeakSet<object>();

const TASK_LIKE = new Set(["Task", "Map", "Parallel"]);
const MAX_VARIABLE_BYTES = 256 * 1024;
/** Step Functions' quota for a state's input or output, in bytes of UTF-8 JSON. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

function toJson(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

function typeOfJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function errorMatches(equals: string[], error: string): boolean {
  for (const e of equals) {
    if (e === error) return true;
    if (e === "States.ALL" && !UNCATCHABLE.has(error)) return true;
    // States.TaskFailed matches any error except timeouts (a heartbeat timeout is a timeout too).
    if (
      e === "States.TaskFailed" &&
      error !== "States.Timeout" &&
      error !== "States.HeartbeatTimeout" &&
      !UNCATCHABLE.has(error)
    ) {
      return true;
    }
  }
  return false;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The ASL interpreter. One instance per execution; `run` evaluates a machine from its StartAt and resolves with the
 * output, or rejects with the {@link StatesError} that ended it (or {@link TERMINATED}).
 */
export class Interpreter {
  constructor(private readonly rt: ExecutionRuntime) {}

  /** Runs the top-level machine. */
  run(machine: Machine, input: unknown): Promise<unknown> {
    const branch: Branch = {
      vars: new VariableScope(),
      groups: [],
      prev: 0,
      queryLanguage: machine.QueryLanguage ?? "JSONPath",
    };
    return this.runMachine(machine, input, branch);
  }

  private async runMachine(machine: Machine, input: unknown, branch: Branch): Promise<unknown> {
    let name: string | undefined = machine.StartAt;
    let data = input;
    while (name !== undefined) {
      if (this.rt.termination.terminated || branch.groups.some((g) => g.cancelled)) throw TERMINATED;
      const state = machine.States[name];
      if (!state) throw runtimeError(`State '${name}' does not exist in the state machine`);
      const step = await this.runState(name, state, data, branch, machine);
      data = step.output;
      name = step.next;
    }
    return data;
  }

  private contextFor(
    name: string,
    enteredTime: number,
    branch: Branch,
    retryCount: number | undefined,
    token?: string,
  ): unknown {
    const withRetry = retryCount !== undefined;
    const ctx: Record<string, unknown> = {
      Execution: this.rt.context.Execution,
      StateMachine: this.rt.context.StateMachine,
      State: withRetry
        ? { Name: name, EnteredTime: isoTime(enteredTime), RetryCount: retryCount }
        : { Name: name, EnteredTime: isoTime(enteredTime) },
    };
    if (token !== undefined) ctx.Task = { Token: token };
    if (branch.mapItem) ctx.Map = { Item: branch.mapItem };
    return ctx;
  }

  private pathScope(input: unknown, context: unknown, branch: Branch): PathScope {
    return {
      input,
      context,
      variable: (n) => branch.vars.get(n),
      random: () => this.rt.random.next(),
      uuid: () => this.rt.random.uuid(),
    };
  }

  private jsonataScope(states: Record<string, unknown>, branch: Branch): JsonataScope {
    return {
      states,
      variable: (n) => branch.vars.get(n),
      now: () => this.rt.clock.now(),
      random: () => this.rt.random.next(),
      uuid: () => this.rt.random.uuid(),
    };
  }

  private addEvent(branch: Branch, type: string, details?: Record<string, unknown>, options?: EventOptions): number {
    const id = this.rt.history.add(type, options?.prev ?? branch.prev, details);
    if (!options?.side) branch.prev = id;
    return id;
  }

  /** Runs one state; returns its output and the next state's name (undefined at the end of the machine). */
  private async runState(
    name: string,
    state: StateDefinition,
    rawInput: unknown,
    branch: Branch,
    machine: Machine,
  ): Promise<{ output: unknown; next: string | undefined }> {
    const ql: QueryLanguage = state.QueryLanguage ?? machine.QueryLanguage ?? branch.queryLanguage;
    const enteredAt = this.rt.clock.now();
    const enteredPrev = branch.prev;
    const enteredId = this.addEvent(branch, stateEventType(state.Type, "Entered"), {
      stateEnteredEventDetails: { name, input: toJson(rawInput), inputDetails: { truncated: false } },
    });
    const exec = new StateExecution(
      this,
      this.rt,
      name,
      state,
      rawInput,
      branch,
      ql,
      enteredAt,
      enteredId,
      enteredPrev,
    );
    let result: StateOutcome;
    try {
      result = await exec.run();
    } catch (e) {
      branch.ended = { type: state.Type, aborted: e === TERMINATED };
      const scoped = this.scoped(e, name, enteredId);
      if (evaluationRecorded.has(e as object)) evaluationRecorded.add(scoped as object);
      throw scoped;
    }
    // Exit events are recorded by StateExecution.
    return { output: result.output, next: result.kind === "end" ? undefined : result.next };
  }

  /** Adds AWS's "An error occurred while executing the state" prefix to state-scoped runtime errors. */
  scoped(e: unknown, name: string, enteredId: number): unknown {
    if (e instanceof StatesError && e.stateScoped) {
      return new StatesError(
        e.error,
        `An error occurred while executing the state '${name}' (entered at the event id #${enteredId}). ${e.cause ?? ""}`,
      );
    }
    return e;
  }

  /** @internal used by StateExecution for Map iterations and Parallel branches. */
  runBranch(machine: Machine, input: unknown, branch: Branch): Promise<unknown> {
    return this.runMachine(machine, input, branch);
  }

  /** @internal */
  newBranch(parent: Branch, ql: QueryLanguage, mapItem?: Record<string, unknown>, group?: Group): Branch {
    return {
      vars: new VariableScope(parent.vars),
      groups: group ? [...parent.groups, group] : parent.groups,
      prev: parent.prev,
      queryLanguage: ql,
      ...(mapItem ? { mapItem } : {}),
    };
  }

  /** @internal */
  contextObject(
    name: string,
    enteredTime: number,
    branch: Branch,
    retryCount: number | undefined,
    token?: string,
  ): unknown {
    return this.contextFor(name, enteredTime, branch, retryCount, token);
  }

  /** @internal */
  scopes() {
    return {
      path: this.pathScope.bind(this),
      jsonata: this.jsonataScope.bind(this),
      addEvent: this.addEvent.bind(this),
    };
  }
}

type StateOutcome = { kind: "next"; output: unknown; next: string } | { kind: "end"; output: unknown };

/** The evaluation of one state entry (with its retries). */
class StateExecution {
  private retryCount = 0;
  private readonly retryAttempts = new Map<number, number>();
  /** How the current Task attempt was answered by a MockConfigFile test case, if it was. */
  private mockedAs: "return" | "throw" | undefined;
  /**
   * The TaskSucceeded event of a mocked Task, held back in Step Functions Local mode until the state's result is
   * processed (see {@link StateExecution.task}).
   */
  private deferredSucceeded: { type: string; key: string; ids: Record<string, unknown> } | undefined;

  constructor(
    private readonly interp: Interpreter,
    private readonly rt: ExecutionRuntime,
    private readonly name: string,
    private readonly state: StateDefinition,
    private readonly rawInput: unknown,
    private readonly branch: Branch,
    private readonly ql: QueryLanguage,
    private readonly enteredAt: number,
    private readonly enteredId: number,
    /** The event before this state's `…StateEntered` (where an early `EvaluationFailed` points). */
    private readonly enteredPrev: number,
  ) {}

  private get jsonata(): boolean {
    return this.ql === "JSONata";
  }

  private context(token?: string): unknown {
    const retry = this.state.Type === "Task" ? this.retryCount : undefined;
    return this.interp.contextObject(this.name, this.enteredAt, this.branch, retry, token);
  }

  /** A path scope whose `$$` context object is only built when a `$$` path is actually evaluated. */
  private pathScope(input: unknown, token?: string): PathScope {
    return new LazyPathScope(input, this.rt, this.branch, () => this.context(token));
  }

  /** `$states` with a lazily built `context` (most expressions never read it). */
  private jsonataScope(extra: Record<string, unknown> = {}, token?: string): JsonataScope {
    let ctx: unknown;
    const states: Record<string, unknown> = { input: this.rawInput, ...extra };
    Object.defineProperty(states, "context", {
      enumerable: true,
      get: () => (ctx ??= this.context(token)),
    });
    return this.interp.scopes().jsonata(states, this.branch);
  }

  private addEvent(type: string, details?: Record<string, unknown>, options?: EventOptions): number {
    return this.interp.scopes().addEvent(this.branch, type, details, options);
  }

  /** The JSONata field being evaluated: the `location` of an `EvaluationFailed` whose message does not name one. */
  private evaluating: string | undefined;

  private async evalJsonata(value: unknown, field: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    if (typeof value !== "string" && (value === null || typeof value !== "object")) return value;
    this.evaluating = field;
    return evaluateJsonataTemplate(value, this.jsonataScope(extra), field);
  }

  /** Aborted when the execution terminates or a sibling in any enclosing Map/Parallel group fails. */
  private signal(): AbortSignal {
    const b = this.branch;
    if (b.groups.length === 0) return this.rt.termination.signal;
    return (b.signal ??= AbortSignal.any([this.rt.termination.signal, ...b.groups.map((g) => g.controller.signal)]));
  }

  /** Races `work` against {@link StateExecution.signal}: rejects with {@link TERMINATED} once it is aborted. */
  private race<T>(work: Promise<T>): Promise<T> {
    if (this.branch.groups.length === 0) return this.rt.termination.race(work);
    const signal = this.signal();
    if (signal.aborted) return Promise.reject(TERMINATED);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(TERMINATED);
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }

  async run(): Promise<StateOutcome> {
    try {
      return await this.runByType();
    } catch (e) {
      if (e !== TERMINATED) this.recordEvaluationFailure(e, this.interp.scoped(e, this.name, this.enteredId));
      throw e;
    }
  }

  /**
   * AWS records a JSONata evaluation error (`States.QueryEvaluationError`) as an `EvaluationFailed` event before the
   * state's failure is handled (recorded: test_assign_reference_variables, test_base_scenarios, test_error_output
   * snapshots). An error before any other event of the state points at the event before `…StateEntered`, except in
   * a Wait state, whose Seconds/Timestamp are evaluated after it is entered; later errors point at the last event.
   */
  private recordEvaluationFailure(original: unknown, scoped: unknown): void {
    if (!(scoped instanceof StatesError) || scoped.error !== "States.QueryEvaluationError") return;
    if (evaluationRecorded.has(original as object) || evaluationRecorded.has(scoped)) return;
    const detail = original instanceof StatesError ? original.cause : undefined;
    const location = evaluationLocation(detail) ?? this.evaluating;
    const early = this.state.Type !== "Wait" && this.branch.prev === this.enteredId;
    this.addEvent(
      "EvaluationFailed",
      {
        evaluationFailedEventDetails: {
          error: scoped.error,
          ...(scoped.cause !== undefined ? { cause: scoped.cause } : {}),
          ...(location !== undefined ? { location } : {}),
          state: this.name,
        },
      },
      early ? { prev: this.enteredPrev } : undefined,
    );
    evaluationRecorded.add(scoped);
    if (original !== null && typeof original === "object") evaluationRecorded.add(original);
  }

  private async runByType(): Promise<StateOutcome> {
    const s = this.state;
    switch (s.Type) {
      case "Pass":
        return this.finish(await this.pass());
      case "Task":
      case "Map":
      case "Parallel":
        return this.runWithErrorHandling();
      case "Choice":
        return this.choice();
      case "Wait":
        return this.finish(await this.wait());
      case "Succeed":
        return this.succeed();
      case "Fail":
        return this.fail();
      default:
        throw runtimeError(`Unsupported state type '${String(s.Type)}'`);
    }
  }

  /** Records the exit event and picks the transition. */
  private finish(r: { output: unknown; assigned?: Record<string, unknown> }, nextOverride?: string): StateOutcome {
    const output = toJson(r.output);
    // AWS's payload quota (256 KiB of UTF-8): the state fails before it exits (test_states_errors
    // test_start_large_input: ExecutionStarted, PassStateEntered, ExecutionFailed). At most 3 bytes per UTF-16 unit.
    if (output.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      throw new StatesError(
        "States.DataLimitExceeded",
        `The state/task '${this.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    const details: Record<string, unknown> = {
      name: this.name,
      output,
      outputDetails: { truncated: false },
    };
    if (r.assigned && Object.keys(r.assigned).length > 0) {
      details.assignedVariables = Object.fromEntries(Object.entries(r.assigned).map(([k, v]) => [k, toJson(v)]));
      details.assignedVariablesDetails = { truncated: false };
    }
    this.addEvent(stateEventType(this.state.Type, "Exited"), { stateExitedEventDetails: details });
    const next = nextOverride ?? (this.state.End === true ? undefined : (this.state.Next as string | undefined));
    if (next === undefined) return { kind: "end", output: r.output };
    return { kind: "next", output: r.output, next };
  }

  /** Applies variable assignments after the state's output has been computed (AWS order). */
  private commitAssign(assigned: Record<string, unknown> | undefined): void {
    if (!assigned) return;
    for (const [k, v] of Object.entries(assigned)) {
      const size = Buffer.byteLength(toJson(v));
      if (size > MAX_VARIABLE_BYTES) {
        throw runtimeError(
          `The variable '${k}' has a size of ${size} bytes, which exceeds the maximum of ${MAX_VARIABLE_BYTES} bytes for a single variable.`,
        );
      }
      this.branch.vars.own[k] = v;
    }
  }

  /** JSONPath `Assign`: `.$` values against `$` = `result`; JSONata: `{% %}` against $states. */
  private async evaluateAssign(
    assign: unknown,
    resultForPath: unknown,
    jsonataExtra: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    if (assign === undefined) return undefined;
    if (this.jsonata) return (await this.evalJsonata(assign, "Assign", jsonataExtra)) as Record<string, unknown>;
    return evaluateTemplate(assign, this.pathScope(resultForPath)) as Record<string, unknown>;
  }

  /** JSONata states without a result: `Output` (default: the input) and `Assign`, both over `$states.input`. */
  private async jsonataOutputAndAssign(): Promise<{ output: unknown; assigned?: Record<string, unknown> }> {
    const s = this.state;
    const output = s.Output === undefined ? this.rawInput : await this.evalJsonata(s.Output, "Output");
    const assigned = await this.evaluateAssign(s.Assign, undefined, {});
    this.commitAssign(assigned);
    return { output, ...(assigned ? { assigned } : {}) };
  }

  // ---- Pass ---------------------------------------------------------------------------------------------

  private async pass(): Promise<{ output: unknown; assigned?: Record<string, unknown> }> {
    const s = this.state;
    if (this.jsonata) return this.jsonataOutputAndAssign();
    const input = applyFilterPath(s.InputPath, this.rawInput, this.pathScope(this.rawInput));
    let result: unknown = input;
    if (s.Parameters !== undefined) result = evaluateTemplate(s.Parameters, this.pathScope(input));
    if ("Result" in s) result = s.Result;
    const assigned = await this.evaluateAssign(s.Assign, result, {});
    const merged = applyResultPath(s.ResultPath, this.rawInput, result);
    const output = applyFilterPath(s.OutputPath, merged, this.pathScope(merged));
    this.commitAssign(assigned);
    return { output, ...(assigned ? { assigned } : {}) };
  }

  // ---- Wait ---------------------------------------------------------------------------------------------

  private async wait(): Promise<{ output: unknown; assigned?: Record<string, unknown> }> {
    const s = this.state;
    let until: number;
    const now = this.rt.clock.now();
    if (this.jsonata) {
      if (s.Seconds !== undefined) {
        const secs = isJsonataExpression(s.Seconds) ? await this.evalJsonata(s.Seconds, "Seconds") : s.Seconds;
        if (typeof secs !== "number" || !Number.isInteger(secs) || secs < 0) {
          throw queryEvaluationError(`The Seconds field must be a non-negative integer but was: ${toJson(secs)}`);
        }
        until = now + secs * 1000;
      } else {
        const ts = isJsonataExpression(s.Timestamp) ? await this.evalJsonata(s.Timestamp, "Timestamp") : s.Timestamp;
        const parsed = typeof ts === "string" ? parseTimestamp(ts) : undefined;
        if (parsed === undefined) {
          throw queryEvaluationError(
            `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof ts === "string" ? ts : toJson(ts)}`,
          );
        }
        until = parsed;
      }
    } else {
      const input = applyFilterPath(s.InputPath, this.rawInput, this.pathScope(this.rawInput));
      const scope = this.pathScope(input);
      if (s.Seconds !== undefined) until = now + Number(s.Seconds) * 1000;
      else if (s.SecondsPath !== undefined) {
        const r = resolvePath(s.SecondsPath, scope);
        if (!r.found)
          throw runtimeError(`The SecondsPath parameter does not reference an input value: ${s.SecondsPath}`);
        if (typeof r.value !== "number" || !Number.isInteger(r.value)) {
          throw runtimeError(
            `The SecondsPath parameter cannot be parsed as a long value: ${s.SecondsPath} == ${formatPlain(r.value)}`,
          );
        }
        if (r.value < 0)
          throw runtimeError(`The SecondsPath parameter references a negative value: ${s.SecondsPath} == ${r.value}`);
        until = now + r.value * 1000;
      } else if (s.Timestamp !== undefined) {
        until = parseTimestamp(String(s.Timestamp)) ?? now;
      } else {
        const r = resolvePath(String(s.TimestampPath), scope);
        if (!r.found)
          throw runtimeError(`The TimestampPath parameter does not reference an input value: ${s.TimestampPath}`);
        const parsed = typeof r.value === "string" ? parseTimestamp(r.value) : undefined;
        if (parsed === undefined) {
          throw runtimeError(
            `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${s.TimestampPath} == ${formatPlain(r.value)}`,
          );
        }
        until = parsed;
      }
    }
    if (until > now) await this.rt.clock.sleep(until - now, this.signal());
    return this.plainOutput(undefined);
  }

  /** Output processing for states without a result (Wait, Succeed): JSONPath InputPath/OutputPath, JSONata Output. */
  private async plainOutput(
    resultForAssign: unknown,
  ): Promise<{ output: unknown; assigned?: Record<string, unknown> }> {
    const s = this.state;
    if (this.jsonata) return this.jsonataOutputAndAssign();
    const input = applyFilterPath(s.InputPath, this.rawInput, this.pathScope(this.rawInput));
    const assigned = await this.evaluateAssign(s.Assign, resultForAssign ?? input, {});
    const output = applyFilterPath(s.OutputPath, input, this.pathScope(input));
    this.commitAssign(assigned);
    return { output, ...(assigned ? { assigned } : {}) };
  }

  // ---- Succeed / Fail -----------------------------------------------------------------------------------

  private async succeed(): Promise<StateOutcome> {
    const r = await this.plainOutput(undefined);
    this.addEvent("SucceedStateExited", {
      stateExitedEventDetails: { name: this.name, output: toJson(r.output), outputDetails: { truncated: false } },
    });
    return { kind: "end", output: r.output };
  }

  private async fail(): Promise<never> {
    const s = this.state;
    let error: unknown = s.Error;
    let cause: unknown = s.Cause;
    if (this.jsonata) {
      if (s.Error !== undefined) error = await this.evalJsonata(s.Error, "Error");
      if (s.Cause !== undefined) cause = await this.evalJsonata(s.Cause, "Cause");
    } else {
      const scope = this.pathScope(this.rawInput);
      if (s.ErrorPath !== undefined) error = evaluateDynamic(s.ErrorPath, scope, "ErrorPath");
      if (s.CausePath !== undefined) cause = evaluateDynamic(s.CausePath, scope, "CausePath");
    }
    const err = error === undefined ? undefined : typeof error === "string" ? error : toJson(error);
    const cau = cause === undefined ? undefined : typeof cause === "string" ? cause : toJson(cause);
    throw new FailStateError(err, cau);
  }

  // ---- Choice -------------------------------------------------------------------------------------------

  private async choice(): Promise<StateOutcome> {
    const s = this.state;
    if (this.jsonata) {
      const choices = (s.Choices ?? []) as Array<Record<string, unknown>>;
      let matched: Record<string, unknown> | undefined;
      for (const [i, rule] of choices.entries()) {
        const cond = await this.evalJsonata(rule.Condition, `Choices[${i}]/Condition`);
        if (typeof cond !== "boolean") {
          throw queryEvaluationError(
            `The JSONata expression '${String(rule.Condition).replace(/^\{%\s*|\s*%\}$/g, "")}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${typeOfJson(cond)}' for value: ${toJson(cond)}`,
          );
        }
        if (cond) {
          matched = rule;
          break;
        }
      }
      const next = (matched?.Next as string | undefined) ?? (s.Default as string | undefined);
      if (next === undefined) throw new StatesError("States.NoChoiceMatched", NO_CHOICE_MATCHED_CAUSE, true);
      const outputSrc = matched && "Output" in matched ? matched.Output : s.Output;
      const assignSrc = matched && "Assign" in matched ? matched.Assign : matched ? undefined : s.Assign;
      const output = outputSrc === undefined ? this.rawInput : await this.evalJsonata(outputSrc, "Output");
      const assigned = await this.evaluateAssign(assignSrc, undefined, {});
      this.commitAssign(assigned);
      return this.finish({ output, ...(assigned ? { assigned } : {}) }, next);
    }
    const input = applyFilterPath(s.InputPath, this.rawInput, this.pathScope(this.rawInput));
    const scope = this.pathScope(input);
    const picked = selectChoice(s as never, { resolve: (p) => resolvePath(p, scope) });
    const assignSrc = picked.rule && "Assign" in picked.rule ? picked.rule.Assign : picked.rule ? undefined : s.Assign;
    const assigned = await this.evaluateAssign(assignSrc, input, {});
    const output = applyFilterPath(s.OutputPath, input, this.pathScope(input));
    this.commitAssign(assigned);
    return this.finish({ output, ...(assigned ? { assigned } : {}) }, picked.next);
  }

  // ---- Task / Map / Parallel with Retry and Catch ------------------------------------------------------

  /** Set when the current Map/Parallel attempt failed in its iterations/branches (not in its own fields). */
  private branchesFailed = false;

  private async runWithErrorHandling(): Promise<StateOutcome> {
    const s = this.state;
    const retriers = (s.Retry ?? []) as Retrier[];
    const catchers = (s.Catch ?? []) as Catcher[];
    for (;;) {
      this.branchesFailed = false;
      this.evaluating = undefined;
      try {
        const r = await this.executeOnce();
        return this.finish(r);
      } catch (e) {
        if (e === TERMINATED) throw e;
        const err = this.toStatesError(e);
        this.recordEvaluationFailure(e, err);
        const catchable = !UNCATCHABLE.has(err.error);
        const idx = catchable ? retriers.findIndex((r) => errorMatches(r.ErrorEquals, err.error)) : -1;
        if (idx >= 0) {
          const retrier = retriers[idx]!;
          const attempts = this.retryAttempts.get(idx) ?? 0;
          const max = retrier.MaxAttempts ?? 3;
          if (attempts < max) {
            this.retryAttempts.set(idx, attempts + 1);
            await this.rt.clock.sleep(this.backoffMs(retrier, attempts), this.signal());
            this.retryCount++;
            continue;
          }
        }
        // A Map/Parallel records its failure once, when it is not retried (AWS records no …StateFailed between
        // attempts: test_base_scenarios test_map_state_retry*, test_parallel_state_retry). States.Runtime errors of
        // the state itself (MaxConcurrencyPath, ToleratedFailureCountPath, …) end the execution without it.
        if ((s.Type === "Map" || s.Type === "Parallel") && (catchable || this.branchesFailed)) {
          this.addEvent(`${s.Type}StateFailed`);
        }
        if (!catchable) throw err;
        const catcher = catchers.find((c) => errorMatches(c.ErrorEquals, err.error));
        if (!catcher) throw e instanceof FailStateError ? e : err;
        return this.caught(catcher, err);
      }
    }
  }

  private backoffMs(r: Retrier, attempt: number): number {
    const interval = r.IntervalSeconds ?? 1;
    const rate = r.BackoffRate ?? 2;
    let delay = interval * Math.pow(rate, attempt);
    if (r.MaxDelaySeconds !== undefined) delay = Math.min(delay, r.MaxDelaySeconds);
    if (r.JitterStrategy === "FULL") delay = this.rt.random.next() * delay;
    return Math.round(delay * 1000);
  }

  private toStatesError(e: unknown): StatesError {
    if (e instanceof StatesError) return this.interp.scoped(e, this.name, this.enteredId) as StatesError;
    if (e instanceof FailStateError) return new StatesError(e.error ?? "", e.cause);
    return new StatesError("States.Runtime", e instanceof Error ? e.message : String(e));
  }

  private async caught(catcher: Catcher, err: StatesError): Promise<StateOutcome> {
    const errorOutput: Record<string, unknown> = { Error: err.error, Cause: err.cause ?? "" };
    if (this.jsonata) {
      const extra = { errorOutput };
      const output =
        catcher.Output === undefined ? errorOutput : await this.evalJsonata(catcher.Output, "Output", extra);
      const assigned = await this.evaluateAssign(catcher.Assign, undefined, extra);
      this.commitAssign(assigned);
      return this.finish({ output, ...(assigned ? { assigned } : {}) }, catcher.Next);
    }
    const assigned = await this.evaluateAssign(catcher.Assign, errorOutput, {});
    const output = applyResultPath(catcher.ResultPath, this.rawInput, errorOutput);
    this.commitAssign(assigned);
    return this.finish({ output, ...(assigned ? { assigned } : {}) }, catcher.Next);
  }

  /** One attempt of a Task/Map/Parallel: input processing, the work, result processing. */
  private async executeOnce(): Promise<{ output: unknown; assigned?: Record<string, unknown> }> {
    const s = this.state;
    // A callback task's token must be visible to its parameters as `$$.Task.Token`.
    const token =
      s.Type === "Task" && String(s.Resource).endsWith(".waitForTaskToken") ? this.rt.random.uuid() : undefined;
    if (this.jsonata) {
      const args =
        s.Type === "Map"
          ? undefined
          : s.Arguments === undefined
            ? this.rawInput
            : await this.evalArguments(s.Arguments, token);
      const result = await this.work(args, this.rawInput, token);
      const extra = { result };
      const output = s.Output === undefined ? result : await this.evalJsonata(s.Output, "Output", extra);
      const assigned = await this.evaluateAssign(s.Assign, undefined, extra);
      this.commitAssign(assigned);
      return { output, ...(assigned ? { assigned } : {}) };
    }
    const input = applyFilterPath(s.InputPath, this.rawInput, this.pathScope(this.rawInput));
    let effective = input;
    if (s.Type !== "Map" && s.Parameters !== undefined)
      effective = evaluateTemplate(s.Parameters, this.pathScope(input, token));
    let result = await this.work(effective, input, token);
    if (s.ResultSelector !== undefined) result = evaluateTemplate(s.ResultSelector, this.pathScope(result));
    const assigned = await this.evaluateAssign(s.Assign, result, {});
    const merged = applyResultPath(s.ResultPath, this.rawInput, result);
    const deferred = this.deferredSucceeded;
    if (deferred) {
      this.deferredSucceeded = undefined;
      this.addEvent(deferred.type, {
        [deferred.key]: { ...deferred.ids, output: toJson(merged), outputDetails: { truncated: false } },
      });
    }
    const output = applyFilterPath(s.OutputPath, merged, this.pathScope(merged));
    this.commitAssign(assigned);
    return { output, ...(assigned ? { assigned } : {}) };
  }

  private evalArguments(args: unknown, token: string | undefined): Promise<unknown> {
    this.evaluating = "Arguments";
    return evaluateJsonataTemplate(args, this.jsonataScope({}, token), "Arguments");
  }

  private work(effective: unknown, input: unknown, token: string | undefined): Promise<unknown> {
    switch (this.state.Type) {
      case "Task":
        return this.task(effective, token);
      case "Parallel":
        return this.parallel(effective);
      default:
        return this.map(input);
    }
  }

  // ---- Task ---------------------------------------------------------------------------------------------

  private async task(parameters: unknown, token: string | undefined): Promise<unknown> {
    const s = this.state;
    const resource = String(s.Resource);
    const parsed = parseResource(resource);
    if (!parsed) throw runtimeError(`The resource '${resource}' is not a valid Task resource ARN`);
    const timeoutSeconds = await this.numberField("TimeoutSeconds", "TimeoutSecondsPath");
    const heartbeatSeconds = await this.numberField("HeartbeatSeconds", "HeartbeatSecondsPath");
    const ev = taskEvents(parsed);
    const scheduled: Record<string, unknown> =
      parsed.kind === "service"
        ? {
            ...this.historyIds(parsed),
            region: this.rt.region,
            parameters: toJson(parameters),
          }
        : { resource: resource, input: toJson(parameters), inputDetails: { truncated: false } };
    if (timeoutSeconds !== undefined) scheduled.timeoutInSeconds = timeoutSeconds;
    if (heartbeatSeconds !== undefined) scheduled.heartbeatInSeconds = heartbeatSeconds;
    this.addEvent(ev.scheduled, { [ev.scheduledKey]: scheduled });
    const ids = parsed.kind === "service" ? this.historyIds(parsed) : undefined;
    this.addEvent(ev.started, ids ? { taskStartedEventDetails: ids } : {});

    const call: IntegrationCall = {
      resource,
      parsed,
      parameters,
      stateName: this.name,
      executionArn: String(this.rt.context.Execution.Id),
      region: this.rt.region,
      accountId: this.rt.accountId,
      ...(token !== undefined ? { taskToken: token } : {}),
    };
    this.mockedAs = undefined;
    try {
      let work = this.invoke(call, token, heartbeatSeconds);
      if (timeoutSeconds !== undefined) {
        const cancel = new AbortController();
        const timer = this.rt.clock
          .sleep(timeoutSeconds * 1000, AbortSignal.any([cancel.signal, this.signal()]))
          .then(() => {
            throw new StatesError("States.Timeout", undefined);
          });
        timer.catch(() => {});
        work = Promise.race([work, timer]).finally(() => cancel.abort());
      }
      const result = await this.race(work);
      if (this.mockedAs === "return" && this.rt.historyResourceNames === "sfn-local" && !this.jsonata) {
        // Step Functions Local records a mocked Task's TaskSucceeded with the state's result after ResultSelector
        // and ResultPath, not the mocked response itself (aws-samples app-local-testing-mock-config, README output
        // of `make retry-h`). AWS records the service's raw result, as below.
        this.deferredSucceeded = { type: ev.succeeded, key: ev.succeededKey, ids: ids ?? {} };
        return result;
      }
      this.addEvent(ev.succeeded, {
        [ev.succeededKey]: { ...(ids ?? {}), output: toJson(result), outputDetails: { truncated: false } },
      });
      return result;
    } catch (e) {
      if (e === TERMINATED) throw e;
      const err =
        e instanceof StatesError ? e : new StatesError("States.TaskFailed", e instanceof Error ? e.message : String(e));
      if (err.error === "States.Timeout" || err.error === "States.HeartbeatTimeout") {
        this.addEvent(ev.timedOut, {
          [ev.timedOutKey]: {
            ...(ids ?? {}),
            error: err.error,
            ...(err.cause !== undefined ? { cause: err.cause } : {}),
          },
        });
      } else if (!(err.stateScoped && err.error === "States.Runtime")) {
        // Step Functions Local's TaskFailed for a mocked Throw carries only error and cause (same README output).
        const named = this.mockedAs === "throw" && this.rt.historyResourceNames === "sfn-local" ? undefined : ids;
        this.addEvent(ev.failed, {
          [ev.failedKey]: {
            ...(named ?? {}),
            error: err.error,
            ...(err.cause !== undefined ? { cause: err.cause } : {}),
          },
        });
      }
      throw err;
    }
  }

  private async invoke(
    call: IntegrationCall,
    token: string | undefined,
    heartbeatSeconds: number | undefined,
  ): Promise<unknown> {
    const mocked = this.rt.mocks?.next(this.name);
    if (mocked && mocked.kind !== "unmocked") {
      if (mocked.kind === "exhausted") {
        throw new StatesError(
          "States.Runtime",
          `No mocked response for invocation #${mocked.invocation} of state '${this.name}' (mocked response '${mocked.response}' in test case '${this.rt.mocks!.testCase.name}'): every invocation, retries included, needs a numbered response`,
        );
      }
      if ("Throw" in mocked.step) {
        this.mockedAs = "throw";
        throw new StatesError(mocked.step.Throw.Error, mocked.step.Throw.Cause);
      }
      this.mockedAs = "return";
      const result = structuredClone(mocked.step.Return);
      // A mocked callback or .sync task does not wait: the mocked Return is both what the request "submitted" and
      // the task's result, so the history still shows TaskSubmitted before TaskSucceeded (a Throw skips it).
      if (call.parsed.kind === "service" && call.parsed.pattern !== "request") this.addSubmitted(call.parsed, result);
      return result;
    }
    const integration = this.rt.integrations(call);
    if (!integration) {
      throw new StatesError(
        "States.Runtime",
        `No service integration for resource '${call.resource}' in state '${this.name}': mock this state (a MockConfigFile test case) or run on a target whose emulators serve it`,
      );
    }
    const result = await this.rt.clock.hold(integration.invoke(call));
    if (token === undefined) return result;
    // The callback request went out; AWS records it as TaskSubmitted, then waits for SendTask*.
    if (call.parsed.kind === "service") this.addSubmitted(call.parsed, result);
    return this.rt.awaitTaskToken(token, heartbeatSeconds);
  }

  private addSubmitted(parsed: ServiceResource, output: unknown): void {
    this.addEvent("TaskSubmitted", {
      taskSubmittedEventDetails: {
        ...this.historyIds(parsed),
        output: toJson(output),
        outputDetails: { truncated: false },
      },
    });
  }

  /** `resourceType`/`resource` of a service task's history events (AWS: `aws-sdk:s3`/`getObject`). */
  private historyIds(parsed: ServiceResource): { resourceType: string; resource: string } {
    // Step Functions Local names SDK integrations `aws-sdk`/`s3:getObject` instead.
    if (parsed.sdk && this.rt.historyResourceNames === "sfn-local") {
      return { resourceType: "aws-sdk", resource: `${parsed.service}:${parsed.resourceName}` };
    }
    return { resourceType: parsed.resourceType, resource: parsed.resourceName };
  }

  private async numberField(field: string, pathField: string): Promise<number | undefined> {
    const s = this.state;
    let v: unknown = s[field];
    if (this.jsonata && isJsonataExpression(v)) v = await this.evalJsonata(v, field);
    else if (!this.jsonata && s[pathField] !== undefined) {
      v = requirePath(String(s[pathField]), this.pathScope(this.rawInput), pathField);
    }
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw runtimeError(`The ${field} field must be a positive integer but was: ${toJson(v)}`);
    }
    return v;
  }

  // ---- Parallel -----------------------------------------------------------------------------------------

  private async parallel(input: unknown): Promise<unknown> {
    const s = this.state;
    const branches = (s.Branches ?? []) as Machine[];
    this.addEvent("ParallelStateStarted");
    const started = this.branch.prev;
    const group = newGroup();
    const members: GroupMember[] = branches.map((b) => {
      const child = this.interp.newBranch(this.branch, b.QueryLanguage ?? this.ql, undefined, group);
      child.prev = started;
      return { child, done: false };
    });
    const run = await runLimited(
      branches.map((machine, i) => async () => {
        const member = members[i]!;
        const out = await this.interp.runBranch(machine, input, member.child);
        member.done = true;
        return out;
      }),
      0,
      group,
    );
    if (run.failure) throw this.groupFailed(run.failure, members, undefined);
    // ParallelStateSucceeded and ParallelStateExited both point at the last event of the branches (AWS:
    // test_base_scenarios test_parallel_state, test_parallel_state_nested — the exit skips ParallelStateSucceeded).
    this.branch.prev = Math.max(started, ...members.map((m) => m.child.prev));
    this.addEvent("ParallelStateSucceeded", undefined, { side: true });
    return run.results;
  }

  /**
   * The iterations/branches of a Map/Parallel stopped on a failure: records what AWS records and returns the error
   * to rethrow. First the failed member (MapIterationFailed, then `TaskStateAborted` when it stopped in a Task), then
   * every other member that had not finished, in order (MapIterationAborted, then the `…StateAborted` of the state it
   * was in). All of them, and the state's `…StateFailed` or next attempt, point at the failed member's last event
   * (test_timeouts test_service_lambda_map_timeout, test_callback SQS_PARALLEL_WAIT_FOR_TASK_TOKEN, test_error_output
   * test_parallel_catch_error, test_base_scenarios test_map_state_catch / test_map_state_retry). Stopped from
   * outside (StopExecution, timeout): nothing; aborted by an enclosing group: only the aborts.
   */
  private groupFailed(
    failure: GroupFailure,
    members: Array<GroupMember | undefined>,
    map: string | undefined,
  ): unknown {
    const fromOutside =
      failure.error === TERMINATED || this.rt.termination.terminated || this.branch.groups.some((g) => g.cancelled);
    if (fromOutside) {
      if (!this.rt.termination.terminated) {
        for (const [index, m] of members.entries()) {
          if (m && !m.done) this.recordAborted(m, index, map, this.branch.prev);
        }
      }
      return TERMINATED;
    }
    this.branchesFailed = true;
    const failed = members[failure.index]!;
    const prev = failed.child.prev;
    if (map !== undefined) {
      this.addEvent(
        "MapIterationFailed",
        { mapIterationFailedEventDetails: { name: map, index: failure.index } },
        { prev, side: true },
      );
    }
    this.addStateAborted(failed.child, prev);
    for (const [index, m] of members.entries()) {
      if (m && m !== failed && !m.done) this.recordAborted(m, index, map, prev);
    }
    this.branch.prev = prev;
    return failure.error;
  }

  private recordAborted(member: GroupMember, index: number, map: string | undefined, prev: number): void {
    if (map !== undefined) {
      this.addEvent(
        "MapIterationAborted",
        { mapIterationAbortedEventDetails: { name: map, index } },
        { prev, side: true },
      );
    }
    this.addStateAborted(member.child, prev);
  }

  /**
   * `TaskStateAborted` / `WaitStateAborted` for a member that stopped inside a Task or Wait, and `MapStateAborted` /
   * `ParallelStateAborted` for one stopped inside a nested Map/Parallel from outside (one that failed by itself has
   * recorded its `…StateFailed`). Pass, Choice, Succeed and Fail have no aborted event.
   */
  private addStateAborted(child: Branch, prev: number): void {
    const ended = child.ended;
    if (!ended) return;
    const abortable =
      ended.type === "Task" ||
      ended.type === "Wait" ||
      (ended.aborted && (ended.type === "Map" || ended.type === "Parallel"));
    if (abortable) this.addEvent(`${ended.type}StateAborted`, undefined, { prev, side: true });
  }

  // ---- Map ----------------------------------------------------------------------------------------------

  private async map(input: unknown): Promise<unknown> {
    const s = this.state;
    const processor = (s.ItemProcessor ?? s.Iterator) as Machine;
    const distributed = processor.ProcessorConfig?.Mode === "DISTRIBUTED";
    if (isObject(s.ItemReader)) return this.itemReaderMap(processor, input);
    let items: unknown;
    if (this.jsonata) {
      if (s.Items !== undefined) {
        // A literal array may hold expressions at any depth (AWS evaluates `[1, "{% $number('2') %}", 3]`).
        items = await this.evalJsonata(s.Items, "Items");
        if (!Array.isArray(items)) {
          const expr = typeof s.Items === "string" ? s.Items.replace(/^\{%\s*|\s*%\}$/g, "") : toJson(s.Items);
          throw queryEvaluationError(
            `The JSONata expression '${expr}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${typeOfJson(items)}' for value: ${toJson(items)}`,
          );
        }
      } else {
        items = this.rawInput;
        if (!Array.isArray(items))
          throw queryEvaluationError(`Map state input must be an array but was: ${toJson(items)}`);
      }
    } else {
      items = s.ItemsPath === undefined ? input : requirePath(String(s.ItemsPath), this.pathScope(input), "ItemsPath");
      if (!Array.isArray(items)) {
        throw runtimeError(`Item path ${s.ItemsPath ?? "$"} evaluated to ${toJson(items)}, but must be a JSON array.`);
      }
    }
    const list = items as unknown[];
    // AWS reads MaxConcurrency before MapStateStarted and the tolerated failures after it: their States.Runtime
    // errors come before / after that event (test_base_scenarios test_max_concurrency_path[NoNumber],
    // test_map_state_tolerated_failure_count_path[NoNumber]).
    const maxConcurrency = await this.mapNumber("MaxConcurrency", "MaxConcurrencyPath", "integer");
    this.addEvent("MapStateStarted", { mapStateStartedEventDetails: { length: list.length } });
    const { toleratedCount, toleratedPct } = await this.toleratedFailures(distributed);
    const batch = distributed ? await this.itemBatcher(input) : undefined;
    const prepared = await this.selectItems(list, input);
    const ql = processor.QueryLanguage ?? this.ql;
    if (distributed) {
      const items = batch ? batch(prepared) : { list, prepared };
      const writer = await this.resultWriter(input);
      return this.distributedMap(processor, items, ql, maxConcurrency, toleratedCount, toleratedPct, writer);
    }
    return this.inlineMap(processor, list, prepared, ql, maxConcurrency);
  }

  /** ToleratedFailureCount / Percentage (Distributed mode only), checked as AWS checks them. */
  private async toleratedFailures(
    distributed: boolean,
  ): Promise<{ toleratedCount: number | undefined; toleratedPct: number | undefined }> {
    const toleratedCount = distributed
      ? await this.mapNumber("ToleratedFailureCount", "ToleratedFailureCountPath", "integer")
      : undefined;
    const toleratedPct = distributed
      ? await this.mapNumber("ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "float")
      : undefined;
    if (toleratedCount !== undefined && toleratedCount < 0) {
      throw runtimeError("ToleratedFailureCount cannot be negative.");
    }
    if (toleratedPct !== undefined && (toleratedPct < 0 || toleratedPct > 100)) {
      throw runtimeError("ToleratedFailurePercentage must be between 0 and 100.");
    }
    return { toleratedCount, toleratedPct };
  }

  /**
   * A Map with an `ItemReader` (Distributed mode): the items come from S3 through the integrations, read by the Map
   * Run. AWS records `MapStateStarted` with length 0 (the items are not known yet), then `MapRunStarted`; a bad
   * MaxItemsPath value is a States.Runtime before the run, a read failure a `MapRunFailed` with
   * States.ItemReaderFailed. ItemsPath is not applied to the read items (AWS:
   * test_map_item_reader_base_json_with_items_path, every ItemsPath gives the file's items).
   */
  private async itemReaderMap(processor: Machine, input: unknown): Promise<unknown> {
    const s = this.state;
    const reader = s.ItemReader as Record<string, unknown>;
    const action = itemReaderAction(reader.Resource);
    if (!action) {
      throw runtimeError(
        `The ItemReader Resource '${String(reader.Resource)}' is not supported: use arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2`,
      );
    }
    const maxConcurrency = await this.mapNumber("MaxConcurrency", "MaxConcurrencyPath", "integer");
    this.addEvent("MapStateStarted", { mapStateStartedEventDetails: { length: 0 } });
    const rawConfig = isObject(reader.ReaderConfig) ? reader.ReaderConfig : undefined;
    const maxItems = await this.readerMaxItems(rawConfig, input);
    const { toleratedCount, toleratedPct } = await this.toleratedFailures(true);
    let parameters: unknown;
    if (this.jsonata) {
      parameters = reader.Arguments === undefined ? {} : await this.evalArguments(reader.Arguments, undefined);
    } else {
      parameters = reader.Parameters === undefined ? {} : evaluateTemplate(reader.Parameters, this.pathScope(input));
    }
    const batch = await this.itemBatcher(input);
    const writer = await this.resultWriter(input);
    const config: ReaderConfig | undefined = rawConfig as ReaderConfig | undefined;
    const s3 = this.s3Caller(String(reader.Resource), "read the ItemReader");
    // Each reader calls only the action of its Resource.
    const call = (_act: ItemReaderAction, params: Record<string, unknown>) => s3(params);
    const ql = processor.QueryLanguage ?? this.ql;
    return this.distributedMap(
      processor,
      async () => {
        const list = await readItems(
          action,
          (parameters ?? {}) as Record<string, unknown>,
          config,
          effectiveMaxItems(maxItems),
          call,
        );
        const prepared = await this.selectItems(list, input);
        return batch ? batch(prepared) : { list, prepared };
      },
      ql,
      maxConcurrency,
      toleratedCount,
      toleratedPct,
      writer,
    );
  }

  /**
   * The state's `ResultWriter`, evaluated against the Map's input: its WriterConfig and, with a Resource
   * (`s3:putObject`), the export's Bucket and Prefix from Parameters (JSONPath) / Arguments (JSONata) and the S3 call
   * through the integrations. Undefined without a ResultWriter (see result-writer.ts).
   */
  private async resultWriter(input: unknown): Promise<PreparedWriter | undefined> {
    const w = this.state.ResultWriter;
    if (!isObject(w)) return undefined;
    if (w.Resource === undefined) return { config: writerConfig(w.WriterConfig, false) };
    if (!isResultWriterResource(w.Resource)) {
      throw runtimeError(
        `The ResultWriter Resource '${String(w.Resource)}' is not supported: use arn:aws:states:::s3:putObject`,
      );
    }
    const config = writerConfig(w.WriterConfig, true);
    let parameters: unknown;
    if (this.jsonata) parameters = w.Arguments === undefined ? {} : await this.evalArguments(w.Arguments, undefined);
    else parameters = w.Parameters === undefined ? {} : evaluateTemplate(w.Parameters, this.pathScope(input));
    const p = (isObject(parameters) ? parameters : {}) as Record<string, unknown>;
    if (typeof p.Bucket !== "string" || p.Bucket === "") {
      throw runtimeError(
        `The ResultWriter of state '${this.name}' needs a Bucket (a string) in its Parameters/Arguments`,
      );
    }
    const bucket = p.Bucket;
    const prefix = p.Prefix === undefined ? "" : String(p.Prefix);
    const resource = String(w.Resource);
    const s3 = this.s3Caller(resource, "write the ResultWriter");
    const put = async (object: ResultObject) => {
      try {
        await s3({ Bucket: bucket, Key: object.Key, Body: object.Body });
      } catch (e) {
        if (e === TERMINATED) throw e;
        throw resultWriterFailed(e instanceof StatesError ? (e.cause ?? e.error) : String(e));
      }
    };
    return { config, export: { bucket, prefix, put } };
  }

  /**
   * Calls `resource` (an ItemReader / ResultWriter S3 action) through the integrations — the S3 emulator on the
   * embedded target, an in-memory handler in engine tests. Fails at once, naming the state, when nothing serves it.
   */
  private s3Caller(resource: string, what: string): (params: Record<string, unknown>) => Promise<unknown> {
    const action = resource.slice(resource.lastIndexOf(":") + 1);
    const callOf = (params: Record<string, unknown>): IntegrationCall => ({
      resource,
      parsed: parseResource(resource)!,
      parameters: params,
      stateName: this.name,
      executionArn: String(this.rt.context.Execution.Id),
      region: this.rt.region,
      accountId: this.rt.accountId,
    });
    const integration = this.rt.integrations(callOf({}));
    if (!integration) {
      throw new StatesError(
        "States.Runtime",
        `No S3 integration to ${what} of state '${this.name}' (s3:${action}): run the execution on a target whose emulators serve S3, or give the engine an in-memory 's3:${action}' integration`,
      );
    }
    return (params) => this.race(this.rt.clock.hold(integration.invoke(callOf(params))));
  }

  /**
   * ReaderConfig `MaxItems` (a number, or JSONata) / `MaxItemsPath`. A path value that is not an integer is a
   * States.Runtime (AWS: test_map_item_reader_csv_max_items_paths[1.5]); numeric strings count (a variable holding
   * "2": test_assign_reference_variables MAP_STATE_REFERENCE_IN_MAX_ITEMS_PATH).
   */
  private async readerMaxItems(
    config: Record<string, unknown> | undefined,
    input: unknown,
  ): Promise<number | undefined> {
    if (!config) return undefined;
    const v = await this.numericOrPath(config, "MaxItems", "MaxItemsPath", "integer", input);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw runtimeError(`The MaxItems field must be an integer but was: ${toJson(v)}`);
    }
    return v;
  }

  /**
   * The state's `ItemBatcher`, evaluated against the Map's input: its limits (MaxItemsPerBatch / MaxInputBytesPerBatch,
   * their `…Path` forms in JSONPath, JSONata expressions in JSONata) and its `BatchInput` (a payload template or a
   * JSONata template). Returns how to turn the selected items into the child executions' batch inputs, or undefined
   * without an ItemBatcher. Bad limits are States.Runtime errors (see item-batcher.ts).
   */
  private async itemBatcher(input: unknown): Promise<((prepared: unknown[]) => MapItems) | undefined> {
    const batcher = this.state.ItemBatcher;
    if (!isObject(batcher)) return undefined;
    const limit = async (field: string, pathField: string): Promise<number | undefined> =>
      batchLimit(field, await this.numericOrPath(batcher, field, pathField, "integer", input, `ItemBatcher.${field}`));
    const limits: BatchLimits = {};
    const maxItems = await limit("MaxItemsPerBatch", "MaxItemsPerBatchPath");
    const maxBytes = await limit("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath");
    if (maxItems !== undefined) limits.maxItems = maxItems;
    if (maxBytes !== undefined) limits.maxBytes = maxBytes;
    let batchInput: unknown;
    if (batcher.BatchInput !== undefined) {
      batchInput = this.jsonata
        ? await this.evalJsonata(batcher.BatchInput, "ItemBatcher.BatchInput")
        : evaluateTemplate(batcher.BatchInput, this.pathScope(input));
    }
    return (prepared) => {
      const batches = batchItems(prepared, batchInput, limits);
      return { list: batches, prepared: batches };
    };
  }

  /** Applies ItemSelector (or the legacy Parameters) to every item; the items themselves when there is none. */
  private async selectItems(list: unknown[], input: unknown): Promise<unknown[]> {
    const s = this.state;
    const selector = s.ItemSelector ?? s.Parameters;
    const prepared: unknown[] = [];
    for (let index = 0; index < list.length; index++) {
      const value = list[index];
      if (selector === undefined) {
        prepared.push(value);
        continue;
      }
      const item = { Index: index, Value: value };
      const tmp = this.interp.newBranch(this.branch, this.ql, item);
      if (this.jsonata) {
        const ctx = this.interp.contextObject(this.name, this.enteredAt, tmp, undefined);
        this.evaluating = "ItemSelector";
        prepared.push(
          await evaluateJsonataTemplate(
            selector,
            this.interp.scopes().jsonata({ input: this.rawInput, context: ctx }, tmp),
            "ItemSelector",
          ),
        );
      } else {
        const ctx = this.interp.contextObject(this.name, this.enteredAt, tmp, undefined);
        prepared.push(evaluateTemplate(selector, this.interp.scopes().path(input, ctx, tmp)));
      }
    }
    return prepared;
  }

  private async inlineMap(
    processor: Machine,
    list: unknown[],
    prepared: unknown[],
    ql: QueryLanguage,
    maxConcurrency: number | undefined,
  ): Promise<unknown> {
    const mapStarted = this.branch.prev;
    const group = newGroup();
    // Each of the MaxConcurrency workers chains its iterations: an iteration starts from the last event of the
    // worker's previous iteration, the first ones from MapStateStarted (AWS: test_base_scenarios test_map_state*
    // with MaxConcurrency 1; test_timeouts test_service_lambda_map_timeout, unlimited: all from MapStateStarted).
    // MapIterationSucceeded is a side event; MapStateSucceeded and MapStateExited point at the last of them.
    const workerPrev = new Array<number>(workerCount(maxConcurrency ?? 0, prepared.length)).fill(mapStarted);
    let end = mapStarted;
    const members: GroupMember[] = [];
    const jobs = prepared.map((itemInput, index) => async (worker: number) => {
      const child = this.interp.newBranch(this.branch, ql, { Index: index, Value: list[index] }, group);
      child.prev = workerPrev[worker]!;
      const member: GroupMember = { child, done: false };
      members[index] = member;
      const addEvent = this.interp.scopes().addEvent;
      addEvent(child, "MapIterationStarted", { mapIterationStartedEventDetails: { name: this.name, index } });
      const out = await this.interp.runBranch(processor, itemInput, child);
      workerPrev[worker] = child.prev;
      const id = addEvent(
        child,
        "MapIterationSucceeded",
        { mapIterationSucceededEventDetails: { name: this.name, index } },
        { side: true },
      );
      end = Math.max(end, id);
      member.done = true;
      return out;
    });
    const run = await runLimited(jobs, maxConcurrency ?? 0, group);
    if (run.failure) throw this.groupFailed(run.failure, members, this.name);
    this.branch.prev = end;
    this.addEvent("MapStateSucceeded", undefined, { side: true });
    return run.results;
  }

  private async distributedMap(
    processor: Machine,
    items: MapItems | (() => Promise<MapItems>),
    ql: QueryLanguage,
    maxConcurrency: number | undefined,
    toleratedCount: number | undefined,
    toleratedPct: number | undefined,
    writer?: PreparedWriter,
  ): Promise<unknown> {
    const execId = String(this.rt.context.Execution.Id);
    const smName = String(this.rt.context.StateMachine.Name);
    const runId = this.rt.random.uuid();
    // `mapRun:<machine>/<Label or state name>:<run id>`, and a Label names the child executions too (AWS:
    // test_map_state_result_writer, `mapRun:<machine>/TestMap:<id>` with Label "TestMap").
    const label = typeof this.state.Label === "string" && this.state.Label !== "" ? this.state.Label : this.name;
    const mapRunArn = `${execId.slice(0, execId.indexOf(":execution:"))}:mapRun:${smName}/${label}:${runId}`;
    this.addEvent("MapRunStarted", { mapRunStartedEventDetails: { mapRunArn } });
    let loaded: MapItems;
    if (typeof items === "function") {
      // An ItemReader's items are read by the Map Run: its failures end the run (AWS: MapRunFailed with
      // States.ItemReaderFailed, then MapStateFailed — test_map_item_reader_csv_headers_decl_duplicate_headers).
      try {
        loaded = await items();
      } catch (e) {
        if (e instanceof StatesError && e.error === "States.ItemReaderFailed") {
          this.addEvent("MapRunFailed", {
            mapRunFailedEventDetails: { error: e.error, ...(e.cause !== undefined ? { cause: e.cause } : {}) },
          });
          this.branchesFailed = true;
        }
        throw e;
      }
    } else loaded = items;
    const { list, prepared } = loaded;
    this.rt.onMapRun?.({ mapRunArn, stateName: this.name, itemCount: list.length });
    let failures = 0;
    // Child executions have their own histories in AWS; run them on a scratch recorder so the parent's stays clean.
    const group = newGroup();
    // The children's records, kept only when a ResultWriter needs them (their ARNs draw on the seeded random).
    const children: ChildResult[] = [];
    const childArn = (kind: "execution" | "stateMachine", id?: string) =>
      `${execId.slice(0, execId.indexOf(":execution:"))}:${kind}:${smName}/${label}${id === undefined ? "" : `:${id}`}`;
    const record = (index: number, input: unknown, started: number, outcome: Partial<ChildResult>) => {
      if (!writer) return;
      const name = this.rt.random.uuid();
      children[index] = {
        status: "SUCCEEDED",
        executionArn: childArn("execution", name),
        name,
        stateMachineArn: childArn("stateMachine"),
        input,
        startDate: new Date(started),
        stopDate: new Date(this.rt.clock.now()),
        ...outcome,
      };
    };
    const jobs = prepared.map((itemInput, index) => async () => {
      const child = this.interp.newBranch(this.branch, ql, { Index: index, Value: list[index] }, group);
      const childInterp = new Interpreter({ ...this.rt, history: new HistoryRecorder(this.rt.clock) });
      const started = this.rt.clock.now();
      try {
        const output = await childInterp.runBranch(processor, itemInput, child);
        record(index, itemInput, started, { output });
        return output;
      } catch (e) {
        if (e === TERMINATED) throw e;
        failures++;
        const err =
          e instanceof StatesError
            ? e
            : e instanceof FailStateError
              ? new StatesError(e.error ?? "", e.cause)
              : new StatesError("States.Runtime", String(e));
        const tolerated =
          (toleratedCount !== undefined && failures <= toleratedCount) ||
          (toleratedPct !== undefined && (failures / Math.max(1, list.length)) * 100 <= toleratedPct);
        if (!tolerated) throw err;
        record(index, itemInput, started, { status: "FAILED", error: err.error, cause: err.cause ?? "" });
        return { Error: err.error, Cause: err.cause ?? "" };
      }
    });
    const run = await runLimited(jobs, maxConcurrency ?? 0, group);
    if (!run.failure) {
      let result: unknown = run.results;
      if (writer) {
        try {
          result = await this.writeResults(writer, children, mapRunArn);
        } catch (e) {
          if (e instanceof StatesError && e.error === "States.ResultWriterFailed") {
            this.addEvent("MapRunFailed", {
              mapRunFailedEventDetails: { error: e.error, ...(e.cause !== undefined ? { cause: e.cause } : {}) },
            });
            this.branchesFailed = true;
          }
          throw e;
        }
      }
      // AWS (recordings since 2024-11: test_base_scenarios test_map_state_config_distributed_items_path_from_previous,
      // test_map_state_nested_config_distributed, …): MapRunSucceeded points at MapRunStarted, MapStateSucceeded at
      // MapRunSucceeded, and MapStateExited at MapRunStarted. (Recordings from early 2024 pointed the exit at
      // MapRunSucceeded; AWS has changed since.)
      const runSucceeded = this.addEvent("MapRunSucceeded", undefined, { side: true });
      this.addEvent("MapStateSucceeded", undefined, { prev: runSucceeded, side: true });
      return result;
    }
    const e = run.failure.error;
    if (e === TERMINATED || this.rt.termination.terminated || this.branch.groups.some((g) => g.cancelled)) {
      throw TERMINATED;
    }
    const thresholdSet = toleratedCount !== undefined || toleratedPct !== undefined;
    const err = thresholdSet
      ? new StatesError(
          "States.ExceedToleratedFailureThreshold",
          "The specified tolerated failure threshold was exceeded",
        )
      : e instanceof StatesError
        ? e
        : new StatesError("States.Runtime", String(e));
    this.addEvent("MapRunFailed", {
      mapRunFailedEventDetails: { error: err.error, ...(err.cause !== undefined ? { cause: err.cause } : {}) },
    });
    this.branchesFailed = true;
    throw err;
  }

  /**
   * A finished Map Run's results through its ResultWriter: exported to S3 (status files, then the manifest) with the
   * Map's result `{MapRunArn, ResultWriterDetails: {Bucket, Key}}`, or, WriterConfig alone, the transformed results.
   */
  private async writeResults(writer: PreparedWriter, children: ChildResult[], mapRunArn: string): Promise<unknown> {
    const done = children.filter((c) => c !== undefined);
    if (!writer.export) return transformResults(done, writer.config.Transformation);
    const { bucket, prefix, put } = writer.export;
    const { objects, manifestKey } = resultObjects(done, { bucket, prefix, mapRunArn, config: writer.config });
    for (const object of objects) await put(object);
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
  }

  private async mapNumber(field: string, pathField: string, kind: "integer" | "float"): Promise<number | undefined> {
    const v = await this.numericOrPath(this.state, field, pathField, kind, this.rawInput);
    if (v === undefined) return undefined;
    if (typeof v !== "number") throw runtimeError(`The ${field} field must be a number but was: ${toJson(v)}`);
    return v;
  }

  /**
   * A numeric field of `container` (the state, its ReaderConfig or ItemBatcher): the literal, a JSONata expression's
   * value, or in JSONPath the value at its `…Path` field, where AWS also takes numeric strings ("1") and refuses other
   * values with a States.Runtime. The literal and JSONata values are returned unchecked, for the caller's own check.
   */
  private async numericOrPath(
    container: Record<string, unknown>,
    field: string,
    pathField: string,
    kind: "integer" | "float",
    input: unknown,
    evalField: string = field,
  ): Promise<unknown> {
    const v = container[field];
    if (this.jsonata && isJsonataExpression(v)) return this.evalJsonata(v, evalField);
    if (this.jsonata || container[pathField] === undefined) return v;
    const path = String(container[pathField]);
    const r = resolvePath(path, this.pathScope(input));
    let value = r.found ? r.value : undefined;
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) value = Number(value);
    if (typeof value !== "number" || (kind === "integer" && !Number.isInteger(value))) {
      throw runtimeError(
        `The ${pathField} field refers to value "${r.found ? formatPlain(r.value) : "null"}" which is not a valid ${kind}: ${path}`,
      );
    }
    return value;
  }
}

/** A Fail state's error/cause (either may be absent, as in AWS's events). */
export class FailStateError extends Error {
  override readonly name = "FailStateError";
  constructor(
    readonly error: string | undefined,
    override readonly cause: string | undefined,
  ) {
    super(`${error ?? ""}: ${cause ?? ""}`);
  }
}

function taskEvents(parsed: ParsedResource) {
  if (parsed.kind === "lambda-function") {
    return {
      scheduled: "LambdaFunctionScheduled",
      scheduledKey: "lambdaFunctionScheduledEventDetails",
      started: "LambdaFunctionStarted",
      succeeded: "LambdaFunctionSucceeded",
      succeededKey: "lambdaFunctionSucceededEventDetails",
      failed: "LambdaFunctionFailed",
      failedKey: "lambdaFunctionFailedEventDetails",
      timedOut: "LambdaFunctionTimedOut",
      timedOutKey: "lambdaFunctionTimedOutEventDetails",
    };
  }
  if (parsed.kind === "activity") {
    return {
      scheduled: "ActivityScheduled",
      scheduledKey: "activityScheduledEventDetails",
      started: "ActivityStarted",
      succeeded: "ActivitySucceeded",
      succeededKey: "activitySucceededEventDetails",
      failed: "ActivityFailed",
      failedKey: "activityFailedEventDetails",
      timedOut: "ActivityTimedOut",
      timedOutKey: "activityTimedOutEventDetails",
    };
  }
  return {
    scheduled: "TaskScheduled",
    scheduledKey: "taskScheduledEventDetails",
    started: "TaskStarted",
    succeeded: "TaskSucceeded",
    succeededKey: "taskSucceededEventDetails",
    failed: "TaskFailed",
    failedKey: "taskFailedEventDetails",
    timedOut: "TaskTimedOut",
    timedOutKey: "taskTimedOutEventDetails",
  };
}

/** A Map's items and their ItemSelector results. */
interface MapItems {
  list: unknown[];
  prepared: unknown[];
}

/** An evaluated ResultWriter: its WriterConfig and, when it exports, where and how to put the objects. */
interface PreparedWriter {
  config: WriterConfig;
  export?: { bucket: string; prefix: string; put: (object: ResultObject) => Promise<void> };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A member of a Map/Parallel group: its branch, and whether it finished successfully. */
interface GroupMember {
  child: Branch;
  done: boolean;
}

/** The first failure of a group (in time; a real error wins over {@link TERMINATED}) and the job it came from. */
interface GroupFailure {
  error: unknown;
  index: number;
}

/** How many workers run a group's jobs: `limit` (0 = unlimited, one per job), never more than there are jobs. */
function workerCount(limit: number, jobs: number): number {
  return limit <= 0 ? jobs : Math.min(limit, jobs);
}

/**
 * Runs jobs on {@link workerCount} workers, each taking the next job when its previous one is done; results in job
 * order. The first failure cancels the group: no further jobs start, and the siblings' pending waits are aborted.
 * Resolves once every started job has settled.
 */
async function runLimited<T>(
  jobs: Array<(worker: number) => Promise<T>>,
  limit: number,
  group: Group,
): Promise<{ results: T[]; failure?: GroupFailure }> {
  const results = new Array<T>(jobs.length);
  let nextIndex = 0;
  const outcome: { failure?: GroupFailure } = {};
  const worker = async (w: number) => {
    while (!outcome.failure && nextIndex < jobs.length) {
      const i = nextIndex++;
      try {
        results[i] = await jobs[i]!(w);
      } catch (e) {
        const prior = outcome.failure as GroupFailure | undefined;
        if (!prior || (prior.error === TERMINATED && e !== TERMINATED)) outcome.failure = { error: e, index: i };
        if (!group.cancelled) {
          group.cancelled = true;
          group.controller.abort(TERMINATED);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: workerCount(limit, jobs.length) }, (_, w) => worker(w)));
  return outcome.failure ? { results, failure: outcome.failure } : { results };
}

/**
 * The `location` of an `EvaluationFailed` event: the field the message names ("… specified for the field
 * 'Output/result' …", "The Timestamp field cannot be parsed …").
 */
function evaluationLocation(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  const named = /' specified for the field '([^']*)'/.exec(detail) ?? /^The (\w+) field /.exec(detail);
  return named?.[1];
}

function formatPlain(v: unknown): string {
  return typeof v === "string" ? v : toJson(v);
}

const ISO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO-8601 extended offset date-time (what Wait's Timestamp accepts); `undefined` when invalid. */
export function parseTimestamp(s: string): number | undefined {
  const m = ISO_OFFSET.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 59) return undefined;
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (d! > days) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

export { TASK_LIKE };
