import { Engine, type Execution } from "../../engine/engine";
import { chainResolvers, type IntegrationResolver } from "../../engine/integrations";
import { MockConfigError, MockConfigFile } from "../../engine/mock-config";
import type { HistoryEvent, StateMachineDefinition } from "../../engine/types";
import { checkDefinition } from "../../engine/validate";
import type { ServiceFactory } from "../edge";
import { AwsServiceError, notImplemented } from "../errors";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { wireIntegrations } from "./wire-integrations";

/**
 * Step Functions (awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Op>`) backed by the embedded engine. Task
 * integrations call the other emulated services over the same wire (through the edge), so a state machine here
 * behaves like one in AWS calling real services.
 */
export interface SfnEmulatorOptions {
  /** A MockConfigFile (parsed or JSON text) for `stateMachineArn#TestCase` starts, like SFN_MOCK_CONFIG. */
  mockConfig?: MockConfigFile | string | object;
  /** Extra integrations consulted before the wire ones (tests). */
  integrations?: IntegrationResolver;
  /** Seed of the engine's random source. */
  seed?: number;
}

type MachineType = "STANDARD" | "EXPRESS";

interface StateMachineRecord {
  arn: string;
  name: string;
  definitionText: string;
  definition: StateMachineDefinition;
  roleArn: string;
  type: MachineType;
  creationDate: number;
  updateDate?: number;
}

interface ExecutionRecord {
  execution: Execution;
  stateMachine: StateMachineRecord;
  inputText: string;
  /** Start order, for stable ListExecutions pages. */
  seq: number;
}

type Json = Record<string, unknown>;

/**
 * AWS's rule for state machine and execution names: 1-80 characters, none of whitespace, brackets `< > { } [ ]`,
 * wildcards `? *`, the characters `" # % \ ^ | ~ \` $ & , ; : /`, or control characters (U+0000-001F, U+007F-009F).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what AWS forbids
const FORBIDDEN_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const STATUS_VALUES = ["SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"];
const TOKEN_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function validName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !FORBIDDEN_NAME_CHARS.test(name);
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(body) };
}

function controlJson(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

function validation(problem: string): AwsServiceError {
  return new AwsServiceError("ValidationException", `1 validation error detected: ${problem}`);
}

function requireString(body: Json, field: string): string {
  const v = body[field];
  if (typeof v !== "string" || v === "") {
    throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

function invalidToken(): AwsServiceError {
  return new AwsServiceError("InvalidToken", "Invalid Token: 'Invalid token'");
}

/** Page tokens are opaque to clients; ours say which listing they belong to and where it continues. */
function pageToken(kind: string, scope: string, after: string | number): string {
  return Buffer.from(JSON.stringify({ k: kind, s: scope, a: after })).toString("base64");
}

function readToken(token: unknown, kind: string, scope: string, maxLength: number): string | number | undefined {
  if (token === undefined || token === null) return undefined;
  const text = String(token);
  if (text.length > maxLength) {
    throw validation(
      `Value '${text}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  try {
    const t = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as { k?: unknown; s?: unknown; a?: unknown };
    if (t.k === kind && t.s === scope && (typeof t.a === "string" || typeof t.a === "number")) return t.a;
  } catch {
    /* fall through */
  }
  throw invalidToken();
}

function limitOf(body: Json): number {
  const m = body.maxResults;
  if (m === undefined || m === null || m === 0) return 100;
  if (typeof m !== "number" || !Number.isInteger(m) || m < 0 || m > 1000) {
    throw validation(
      `Value '${String(m)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return m;
}

/**
 * The parts of a Step Functions ARN, or the InvalidArn AWS answers: `Invalid ARN prefix: …` for what is not an ARN at
 * all, `Resource type not valid in this context: …` for an ARN of another resource type.
 */
function parseStatesArn(arn: string, expected: Array<"stateMachine" | "execution" | "express">) {
  if (!arn.startsWith("arn:")) throw new AwsServiceError("InvalidArn", `Invalid Arn: 'Invalid ARN prefix: ${arn}'`);
  const m = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$/.exec(arn);
  if (!m) throw new AwsServiceError("InvalidArn", `Invalid Arn: 'Unable to parse ARN: ${arn}'`);
  const type = m[3]!;
  if (!(expected as string[]).includes(type)) {
    throw new AwsServiceError(
      "InvalidArn",
      `Invalid Arn: 'Resource type not valid in this context: ${type.toLowerCase()}'`,
    );
  }
  return { region: m[1]!, account: m[2]!, type, resource: m[4]! };
}

/** `$.States['a b'].Retry[0].BackoffRate` → `/States/a b/Retry[0]/BackoffRate`, the way AWS names locations. */
function awsLocation(path: string): string {
  let out = "";
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[3] !== undefined) out += `[${m[3]}]`;
    else out += `/${m[1] ?? m[2]!.replace(/\\(.)/g, "$1")}`;
  }
  return out || "/";
}

/** One definition problem in AWS's diagnostic terms. */
interface Diagnostic {
  code: string;
  message: string;
  location: string;
}

/** Task resources an Express machine cannot have (AWS refuses them when the machine is created). */
function expressProblems(states: unknown, at: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!states || typeof states !== "object") return out;
  for (const [name, state] of Object.entries(states as Record<string, Json>)) {
    if (!state || typeof state !== "object") continue;
    const here = `${at}/States/${name}`;
    const resource = typeof state.Resource === "string" ? state.Resource : "";
    if (state.Type === "Task") {
      if (resource.endsWith(".waitForTaskToken")) {
        out.push({
          code: "SCHEMA_VALIDATION_FAILED",
          // AWS's text has the double space.
          message: "Express state machine does not support '.waitForTaskToken' service integration ",
          location: `${here}/Resource`,
        });
      } else if (/\.sync(:2)?$/.test(resource)) {
        out.push({
          code: "SCHEMA_VALIDATION_FAILED",
          message: "Express state machine does not support '.sync' service integration",
          location: `${here}/Resource`,
        });
      } else if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) {
        out.push({
          code: "SCHEMA_VALIDATION_FAILED",
          message: "Express state machine does not support Activity ARN",
          location: `${here}/Resource`,
        });
      }
    }
    if (Array.isArray(state.Branches)) {
      state.Branches.forEach((b: Json, i) => out.push(...expressProblems(b?.States, `${here}/Branches[${i}]`)));
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor) out.push(...expressProblems(processor.States, `${here}/ItemProcessor`));
  }
  return out;
}

/** The wire form of a history event: timestamps as epoch seconds, optionally without input/output data. */
function wireEvent(e: HistoryEvent, includeData: boolean): Json {
  const out: Json = { ...e, timestamp: epochSeconds(e.timestamp.getTime()) };
  if (!includeData) {
    for (const [k, v] of Object.entries(out)) {
      if (k.endsWith("EventDetails") && v && typeof v === "object") {
        const d = { ...(v as Json) };
        delete d.input;
        delete d.output;
        out[k] = d;
      }
    }
  }
  return out;
}

/**
 * The Step Functions service. State machines and executions live in memory; executions run on the embedded
 * {@link Engine} with the edge's clock, their Task states calling the other emulators over HTTP. The API follows AWS
 * in its idempotency rules (CreateStateMachine, StartExecution), its errors (modelled codes and AWS's message texts)
 * and its STANDARD/EXPRESS differences; a `stateMachineArn#TestCase` start applies a MockConfigFile test case, like
 * Step Functions Local.
 */
export class SfnEmulator implements ServiceEmulator {
  readonly name = "states";
  private engine: Engine;
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private mocks: MockConfigFile | undefined;
  private readonly eventListeners = new Set<(event: HistoryEvent, execution: Execution) => void>();
  private readonly resolver: IntegrationResolver;
  private seq = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly options: SfnEmulatorOptions = {},
  ) {
    this.resolver = chainResolvers(
      options.integrations,
      wireIntegrations({ endpoint: () => ctx.endpoint(), localSocket: () => ctx.localSocket?.() }),
    );
    this.engine = this.newEngine();
    if (options.mockConfig !== undefined) this.loadMockConfig(options.mockConfig);
  }

  private newEngine(): Engine {
    return new Engine({
      clock: this.ctx.clock,
      seed: this.options.seed ?? 0,
      integrations: this.resolver,
      skipValidation: true,
    });
  }

  /** Loads (or replaces) the mock config used by `#TestCase` starts. @throws MockConfigError */
  loadMockConfig(source: MockConfigFile | string | object): void {
    this.mocks = source instanceof MockConfigFile ? source : MockConfigFile.parse(source);
  }

  /**
   * In-process hook for the harness: sees every history event of every execution synchronously, before the
   * execution's next step (scenario actions use it to stop an execution exactly when a state is entered).
   * Returns an unsubscribe function.
   */
  onHistoryEvent(listener: (event: HistoryEvent, execution: Execution) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Every execution started so far (in-process). */
  allExecutions(): Execution[] {
    return [...this.executions.values()].map((r) => r.execution);
  }

  /** In-process access for the harness: the engine execution behind an ARN. */
  execution(arn: string): Execution | undefined {
    return this.executions.get(arn)?.execution;
  }

  /** Drops machines, executions and a mock config loaded over the control plane (the option's config stays). */
  reset(): void {
    for (const r of this.executions.values()) r.execution.stop("Testbed.Reset", "the emulator was reset");
    this.machines.clear();
    this.executions.clear();
    this.mocks = undefined;
    if (this.options.mockConfig !== undefined) this.loadMockConfig(this.options.mockConfig);
    this.engine = this.newEngine();
  }

  async close(): Promise<void> {
    for (const r of this.executions.values()) r.execution.stop("Testbed.Shutdown", "the emulator shut down");
  }

  /**
   * - `POST|PUT mock-config` (a MockConfigFile as the body): load or replace the mock config; 400 `{error}` lists
   *   every problem.
   * - `GET mock-config`: the loaded config's test case names per state machine.
   * - `DELETE mock-config`: unload it.
   */
  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    if (subpath === "mock-config") {
      if (req.method === "POST" || req.method === "PUT") {
        try {
          this.loadMockConfig(req.body.toString("utf8"));
        } catch (e) {
          if (e instanceof MockConfigError) return controlJson(400, { error: e.message });
          throw e;
        }
        return controlJson(200, { loaded: true, testCases: this.testCaseNames() });
      }
      if (req.method === "GET")
        return controlJson(200, { loaded: this.mocks !== undefined, testCases: this.testCaseNames() });
      if (req.method === "DELETE") {
        this.mocks = undefined;
        return controlJson(200, { loaded: false });
      }
      return controlJson(405, { error: `${req.method} /_testbed/states/mock-config: use GET, POST, PUT or DELETE` });
    }
    return controlJson(404, { error: `no control endpoint /_testbed/states/${subpath}`, available: ["mock-config"] });
  }

  private testCaseNames(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const sm of Object.keys(this.mocks?.config.StateMachines ?? {})) out[sm] = this.mocks!.testCaseNames(sm);
    return out;
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const target = req.headers["x-amz-target"] ?? "";
    const op = target.startsWith("AWSStepFunctions.") ? target.slice("AWSStepFunctions.".length) : "";
    let body: Json = {};
    if (req.body.length) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body.toString("utf8"));
      } catch {
        throw new AwsServiceError("SerializationException", "the request body is not valid JSON");
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new AwsServiceError("SerializationException", "the request body must be a JSON object");
      }
      body = parsed as Json;
    }
    switch (op) {
      case "CreateStateMachine":
        return json(200, this.createStateMachine(body, req));
      case "UpdateStateMachine":
        return json(200, this.updateStateMachine(body));
      case "DeleteStateMachine": {
        const arn = requireString(body, "stateMachineArn");
        parseStatesArn(arn, ["stateMachine"]);
        // Deleting a machine that does not exist succeeds; running executions go on, as in AWS.
        this.machines.delete(arn);
        return json(200, {});
      }
      case "DescribeStateMachine":
        return json(200, this.describeMachine(this.machine(requireString(body, "stateMachineArn"))));
      case "ListStateMachines":
        return json(200, this.listStateMachines(body));
      case "StartExecution":
        return json(200, this.startExecution(body, false).response);
      case "StartSyncExecution":
        return json(200, await this.startSyncExecution(body));
      case "DescribeExecution":
        return json(200, this.describeExecution(this.standardExecution(requireString(body, "executionArn"))));
      case "DescribeStateMachineForExecution": {
        const r = this.executionRecord(requireString(body, "executionArn"));
        return json(200, this.describeMachine(r.stateMachine));
      }
      case "StopExecution":
        return json(200, this.stopExecution(body));
      case "ListExecutions":
        return json(200, this.listExecutions(body));
      case "GetExecutionHistory":
        return json(200, this.getExecutionHistory(body));
      case "SendTaskSuccess":
      case "SendTaskFailure":
      case "SendTaskHeartbeat":
        return json(200, this.sendTask(op, body));
      case "ValidateStateMachineDefinition": {
        const text = requireString(body, "definition");
        const type = body.type === "EXPRESS" ? "EXPRESS" : "STANDARD";
        const problems = this.diagnostics(text, type);
        return json(200, {
          result: problems.length ? "FAIL" : "OK",
          diagnostics: problems.map((p) => ({ severity: "ERROR", ...p })),
          truncated: false,
        });
      }
      default:
        throw notImplemented("Step Functions", op || "(no X-Amz-Target)");
    }
  }

  // ---- definitions ---------------------------------------------------------------------------------------------

  private diagnostics(text: string, type: MachineType): Diagnostic[] {
    let def: unknown;
    try {
      def = JSON.parse(text);
    } catch (e) {
      return [{ code: "INVALID_JSON_DESCRIPTION", message: (e as Error).message, location: "/" }];
    }
    const problems: Diagnostic[] = checkDefinition(def).map((p) => ({
      code: /transition target|is not a state of this machine/.test(p.message)
        ? "MISSING_TRANSITION_TARGET"
        : "SCHEMA_VALIDATION_FAILED",
      message: p.state ? `${p.message} (state '${p.state}')` : p.message,
      location: awsLocation(p.path),
    }));
    if (type === "EXPRESS" && def && typeof def === "object")
      problems.push(...expressProblems((def as Json).States, ""));
    return problems;
  }

  /** AWS's InvalidDefinition text: `Invalid State Machine Definition: 'CODE: message at /path, CODE: …'`. */
  private parseDefinition(text: string, type: MachineType): StateMachineDefinition {
    const problems = this.diagnostics(text, type);
    if (problems.length) {
      const list = problems.map((p) => `${p.code}: ${p.message} at ${p.location}`).join(", ");
      throw new AwsServiceError("InvalidDefinition", `Invalid State Machine Definition: '${list}'`);
    }
    return JSON.parse(text) as StateMachineDefinition;
  }

  // ---- lookups -------------------------------------------------------------------------------------------------

  private machine(arn: string): StateMachineRecord {
    parseStatesArn(arn, ["stateMachine"]);
    const base = arn.split("#")[0]!;
    const m = this.machines.get(base);
    if (!m) throw new AwsServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${base}'`);
    return m;
  }

  private executionRecord(arn: string): ExecutionRecord {
    parseStatesArn(arn, ["execution", "express"]);
    const r = this.executions.get(arn);
    if (!r) throw new AwsServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return r;
  }

  /** DescribeExecution, StopExecution and GetExecutionHistory exist for STANDARD executions only. */
  private standardExecution(arn: string): ExecutionRecord {
    parseStatesArn(arn, ["execution", "express"]);
    const r = this.executionRecord(arn);
    if (r.stateMachine.type === "EXPRESS") {
      throw new AwsServiceError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'");
    }
    return r;
  }

  // ---- state machines ------------------------------------------------------------------------------------------

  private createStateMachine(body: Json, req: EmulatorRequest) {
    const name = requireString(body, "name");
    const definitionText = requireString(body, "definition");
    const roleArn = requireString(body, "roleArn");
    if (!validName(name)) throw new AwsServiceError("InvalidName", `Invalid Name: '${name}'`);
    this.checkRole(roleArn);
    const type = (body.type ?? "STANDARD") as MachineType;
    if (type !== "STANDARD" && type !== "EXPRESS") {
      throw validation(
        `Value '${String(type)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    }
    const definition = this.parseDefinition(definitionText, type);
    const arn = `arn:aws:states:${req.region}:${req.accountId}:stateMachine:${name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      // AWS: idempotent on name, definition, type, logging and tracing; a different roleArn or tags is ignored.
      if (existing.definitionText === definitionText && existing.type === type) {
        return { stateMachineArn: arn, creationDate: epochSeconds(existing.creationDate) };
      }
      throw new AwsServiceError("StateMachineAlreadyExists", `State Machine Already Exists: '${arn}'`);
    }
    const rec: StateMachineRecord = {
      arn,
      name,
      definitionText,
      definition,
      roleArn,
      type,
      creationDate: this.ctx.clock.now(),
    };
    this.machines.set(arn, rec);
    return { stateMachineArn: arn, creationDate: epochSeconds(rec.creationDate) };
  }

  private checkRole(roleArn: string): void {
    if (!roleArn.startsWith("arn:")) {
      throw new AwsServiceError("InvalidArn", `Invalid Arn: 'Invalid ARN prefix: ${roleArn}'`);
    }
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
      const type = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:([^/:]+)/.exec(roleArn)?.[1]?.toLowerCase() ?? roleArn;
      throw new AwsServiceError(
        "InvalidArn",
        `Invalid Arn: 'Resource type not valid in this context: ${type}' (roleArn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>)`,
      );
    }
  }

  private updateStateMachine(body: Json) {
    const m = this.machine(requireString(body, "stateMachineArn"));
    if (
      body.definition === undefined &&
      body.roleArn === undefined &&
      body.loggingConfiguration === undefined &&
      body.tracingConfiguration === undefined
    ) {
      throw new AwsServiceError(
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
      );
    }
    const definition = typeof body.definition === "string" ? this.parseDefinition(body.definition, m.type) : undefined;
    if (typeof body.roleArn === "string") this.checkRole(body.roleArn);
    // Running executions keep the definition they started with (they hold their own reference).
    if (definition) {
      m.definition = definition;
      m.definitionText = body.definition as string;
    }
    if (typeof body.roleArn === "string") m.roleArn = body.roleArn;
    m.updateDate = this.ctx.clock.now();
    return { updateDate: epochSeconds(m.updateDate) };
  }

  private describeMachine(m: StateMachineRecord) {
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: "ACTIVE",
      definition: m.definitionText,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: epochSeconds(m.creationDate),
      loggingConfiguration: { level: "OFF", includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private listStateMachines(body: Json) {
    const limit = limitOf(body);
    const after = readToken(body.nextToken, "sm", "", 1024);
    const all = [...this.machines.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .filter((m) => after === undefined || m.name > String(after));
    const page = all.slice(0, limit);
    return {
      stateMachines: page.map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: epochSeconds(m.creationDate),
      })),
      ...(all.length > limit ? { nextToken: pageToken("sm", "", page.at(-1)!.name) } : {}),
    };
  }

  // ---- executions ----------------------------------------------------------------------------------------------

  private startExecution(body: Json, sync: boolean): ExecutionRecord & { response: Json } {
    const smArnRaw = requireString(body, "stateMachineArn");
    const m = this.machine(smArnRaw);
    const hash = smArnRaw.indexOf("#");
    const testCaseName = hash >= 0 ? smArnRaw.slice(hash + 1) : undefined;
    if (sync && m.type !== "EXPRESS") {
      throw new AwsServiceError(
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
      );
    }
    const inputText = body.input === undefined || body.input === null ? "{}" : String(body.input);
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch (e) {
      throw new AwsServiceError(
        "InvalidExecutionInput",
        `Invalid State Machine Execution Input: '${(e as Error).message}'`,
      );
    }
    let mockTestCase;
    if (testCaseName !== undefined) {
      mockTestCase = this.mocks?.testCase(m.name, testCaseName);
      if (!mockTestCase) {
        const known = this.mocks?.testCaseNames(m.name) ?? [];
        throw new AwsServiceError(
          "InvalidName",
          `Invalid mock test case name '${testCaseName}' for state machine '${m.name}'. ` +
            (this.mocks
              ? `Defined test cases: ${known.length ? known.join(", ") : "none for this state machine"}.`
              : "No mock configuration is loaded (pass stepFunctions.mockConfig or POST /_testbed/states/mock-config)."),
        );
      }
    }
    const name = body.name === undefined || body.name === null ? undefined : String(body.name);
    if (name !== undefined && !validName(name)) throw new AwsServiceError("InvalidName", `Invalid Name: '${name}'`);
    if (name !== undefined && m.type === "STANDARD") {
      const arn = `${m.arn.replace(":stateMachine:", ":execution:")}:${name}`;
      const existing = this.executions.get(arn);
      if (existing) {
        // Idempotent only while running and with the same input (AWS StartExecution semantics for STANDARD).
        if (existing.execution.status === "RUNNING" && existing.inputText === inputText) {
          return {
            ...existing,
            response: { executionArn: arn, startDate: epochSeconds(existing.execution.startDate) },
          };
        }
        throw new AwsServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
      }
    }
    const execution = this.engine.start(m.definition, {
      input,
      ...(name !== undefined ? { name } : {}),
      stateMachineName: m.name,
      stateMachineArn: m.arn,
      roleArn: m.roleArn,
      type: m.type,
      startedBy: sync ? "StartSyncExecution" : "StartExecution",
      ...(mockTestCase ? { mockTestCase } : {}),
      onEvent: (event, exec) => {
        for (const l of this.eventListeners) l(event, exec);
      },
    });
    const rec: ExecutionRecord = { execution, stateMachine: m, inputText, seq: ++this.seq };
    this.executions.set(execution.arn, rec);
    return { ...rec, response: { executionArn: execution.arn, startDate: epochSeconds(execution.startDate) } };
  }

  private async startSyncExecution(body: Json) {
    const rec = this.startExecution(body, true);
    await rec.execution.done;
    const { redriveCount: _c, redriveStatus: _s, redriveStatusReason: _r, ...described } = this.describeExecution(rec);
    return {
      ...described,
      billingDetails: {
        billedMemoryUsedInMB: 64,
        // Billed in 100 ms increments of (virtual) execution time.
        billedDurationInMilliseconds: Math.max(
          100,
          Math.ceil(((rec.execution.stopDate ?? this.ctx.clock.now()) - rec.execution.startDate) / 100) * 100,
        ),
      },
    };
  }

  private describeExecution(r: ExecutionRecord) {
    const e = r.execution;
    const res = e.result;
    const notRedrivable = e.status === "RUNNING" || e.status === "SUCCEEDED";
    return {
      executionArn: e.arn,
      stateMachineArn: r.stateMachine.arn,
      name: e.name,
      status: e.status,
      startDate: epochSeconds(e.startDate),
      ...(e.stopDate !== undefined ? { stopDate: epochSeconds(e.stopDate) } : {}),
      input: r.inputText,
      inputDetails: { included: true },
      ...(res?.status === "SUCCEEDED"
        ? { output: JSON.stringify(res.output) ?? "null", outputDetails: { included: true } }
        : {}),
      ...(res && res.status !== "SUCCEEDED" && res.error !== undefined ? { error: res.error } : {}),
      ...(res && res.status !== "SUCCEEDED" && res.cause !== undefined ? { cause: res.cause } : {}),
      redriveCount: 0,
      redriveStatus: notRedrivable ? "NOT_REDRIVABLE" : "REDRIVABLE",
      ...(notRedrivable ? { redriveStatusReason: `Execution is ${e.status} and cannot be redriven` } : {}),
    };
  }

  private stopExecution(body: Json) {
    const r = this.standardExecution(requireString(body, "executionArn"));
    r.execution.stop(
      body.error === undefined || body.error === null ? undefined : String(body.error),
      body.cause === undefined || body.cause === null ? undefined : String(body.cause),
    );
    return { stopDate: epochSeconds(r.execution.stopDate ?? this.ctx.clock.now()) };
  }

  private listExecutions(body: Json) {
    const status = body.statusFilter as string | undefined;
    if (status !== undefined && !STATUS_VALUES.includes(status)) {
      throw validation(
        `Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUS_VALUES.join(", ")}]`,
      );
    }
    if (body.stateMachineArn === undefined && body.mapRunArn === undefined) {
      throw validation("Must provide a StateMachine ARN or MapRun ARN");
    }
    if (body.stateMachineArn === undefined) {
      throw notImplemented("Step Functions", "ListExecutions by mapRunArn (Distributed Map runs)");
    }
    const m = this.machine(String(body.stateMachineArn));
    if (m.type !== "STANDARD") {
      throw new AwsServiceError(
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
      );
    }
    const limit = limitOf(body);
    const before = readToken(body.nextToken, "ex", m.arn, 3096);
    // Newest first; the token is the start order of the last item, so later starts do not shift pages.
    const all = [...this.executions.values()]
      .filter(
        (r) =>
          r.stateMachine.arn === m.arn &&
          (status === undefined || r.execution.status === status) &&
          (before === undefined || r.seq < Number(before)),
      )
      .sort((a, b) => b.seq - a.seq);
    const page = all.slice(0, limit);
    return {
      executions: page.map((r) => ({
        executionArn: r.execution.arn,
        stateMachineArn: r.stateMachine.arn,
        name: r.execution.name,
        status: r.execution.status,
        startDate: epochSeconds(r.execution.startDate),
        ...(r.execution.stopDate !== undefined ? { stopDate: epochSeconds(r.execution.stopDate) } : {}),
      })),
      ...(all.length > limit ? { nextToken: pageToken("ex", m.arn, page.at(-1)!.seq) } : {}),
    };
  }

  private getExecutionHistory(body: Json) {
    const arn = requireString(body, "executionArn");
    const r = this.standardExecution(arn);
    const reverse = body.reverseOrder === true;
    const limit = limitOf(body);
    const after = readToken(body.nextToken, reverse ? "hr" : "hf", arn, 3096);
    const events = r.execution.events;
    // Event ids are 1..n in order; the token is the id of the last event returned.
    let selected: HistoryEvent[];
    if (reverse) {
      const end = after === undefined ? events.length : Number(after) - 1;
      selected = events.slice(Math.max(0, end - limit), end).reverse();
    } else {
      const start = after === undefined ? 0 : Number(after);
      selected = events.slice(start, start + limit);
    }
    const last = selected.at(-1);
    const more = last !== undefined && (reverse ? last.id > 1 : last.id < events.length);
    const includeData = body.includeExecutionData !== false;
    return {
      events: selected.map((e) => wireEvent(e, includeData)),
      ...(more ? { nextToken: pageToken(reverse ? "hr" : "hf", arn, last.id) } : {}),
    };
  }

  private sendTask(op: string, body: Json) {
    const token = requireString(body, "taskToken");
    if (token.length > 1024) {
      throw validation(
        `Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 1024`,
      );
    }
    let owner: ExecutionRecord | undefined;
    for (const r of this.executions.values()) {
      if (r.execution.status === "RUNNING" && r.execution.hasToken(token)) {
        owner = r;
        break;
      }
    }
    if (!owner) {
      // A token this emulator issued whose task has ended (answered, timed out, execution stopped) vs. anything else.
      if (TOKEN_FORMAT.test(token) && this.issued(token)) {
        throw new AwsServiceError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
      }
      throw invalidToken();
    }
    if (op === "SendTaskHeartbeat") {
      owner.execution.heartbeat(token);
      return {};
    }
    if (op === "SendTaskSuccess") {
      const text = requireString(body, "output");
      let output: unknown;
      try {
        output = JSON.parse(text);
      } catch (e) {
        throw new AwsServiceError("InvalidOutput", `Invalid Output: '${(e as Error).message}'`);
      }
      owner.execution.completeToken(token, { output });
    } else {
      owner.execution.completeToken(token, {
        error: body.error === undefined || body.error === null ? "" : String(body.error),
        ...(body.cause !== undefined && body.cause !== null ? { cause: String(body.cause) } : {}),
      });
    }
    return {};
  }

  /** Did a callback task of some execution hand out this token (it appears in its scheduled parameters)? */
  private issued(token: string): boolean {
    for (const r of this.executions.values()) {
      for (const e of r.execution.events) {
        if (e.type !== "TaskScheduled") continue;
        const details = e.taskScheduledEventDetails as { resource?: string; parameters?: string } | undefined;
        if (details?.resource?.endsWith(".waitForTaskToken") && details.parameters?.includes(token)) return true;
      }
    }
    return false;
  }
}

/** Factory for the edge. */
export function sfnService(options: SfnEmulatorOptions = {}): ServiceFactory {
  return (ctx) => new SfnEmulator(ctx, options);
}
