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

interface StateMachineRecord {
  arn: string;
  name: string;
  definitionText: string;
  definition: StateMachineDefinition;
  roleArn: string;
  type: "STANDARD" | "EXPRESS";
  creationDate: number;
  updateDate?: number;
}

interface ExecutionRecord {
  execution: Execution;
  stateMachine: StateMachineRecord;
  inputText: string;
}

const NAME = /^[A-Za-z0-9_\-.~]{1,80}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

function epochSeconds(ms: number): number {
  return ms / 1000;
}

function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(body) };
}

function requireString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== "string" || v === "")
    throw new AwsServiceError(
      "ValidationException",
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64");
}

function readToken(token: unknown): number {
  if (token === undefined) return 0;
  try {
    const o = JSON.parse(Buffer.from(String(token), "base64").toString("utf8")).o;
    if (typeof o === "number" && o >= 0) return o;
  } catch {
    /* fall through */
  }
  throw new AwsServiceError("InvalidToken", `Invalid Token: '${String(token)}'`);
}

function limitOf(body: Record<string, unknown>, def: number, max: number): number {
  const m = body.maxResults;
  if (m === undefined || m === 0) return def;
  if (typeof m !== "number" || !Number.isInteger(m) || m < 0 || m > max) {
    throw new AwsServiceError(
      "ValidationException",
      `1 validation error detected: Value '${String(m)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return m;
}

/** The wire form of a history event: timestamps as epoch seconds, optionally without input/output data. */
function wireEvent(e: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e, timestamp: epochSeconds(e.timestamp.getTime()) };
  if (!includeData) {
    for (const [k, v] of Object.entries(out)) {
      if (k.endsWith("EventDetails") && v && typeof v === "object") {
        const d = { ...(v as Record<string, unknown>) };
        for (const f of ["input", "output", "parameters"]) delete d[f];
        out[k] = d;
      }
    }
  }
  return out;
}

export class SfnEmulator implements ServiceEmulator {
  readonly name = "states";
  private engine: Engine;
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private mocks: MockConfigFile | undefined;
  private readonly resolver: IntegrationResolver;
  private readonly eventListeners = new Set<(event: HistoryEvent, execution: Execution) => void>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly options: SfnEmulatorOptions = {},
  ) {
    this.resolver = chainResolvers(options.integrations, wireIntegrations({ endpoint: () => ctx.endpoint() }));
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

  /** Loads (or replaces) the mock config used by `#TestCase` starts. */
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

  reset(): void {
    for (const r of this.executions.values()) r.execution.stop("Testbed.Reset", "the emulator was reset");
    this.machines.clear();
    this.executions.clear();
    this.engine = this.newEngine();
  }

  async close(): Promise<void> {
    for (const r of this.executions.values()) r.execution.stop("Testbed.Shutdown", "the emulator shut down");
  }

  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    if (subpath === "mock-config" && (req.method === "POST" || req.method === "PUT")) {
      try {
        this.loadMockConfig(req.body.toString("utf8"));
      } catch (e) {
        if (e instanceof MockConfigError)
          return {
            status: 400,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ error: e.message }),
          };
        throw e;
      }
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ loaded: true }) };
    }
    return {
      status: 404,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: `no control endpoint /_testbed/states/${subpath}` }),
    };
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const target = req.headers["x-amz-target"] ?? "";
    const op = target.startsWith("AWSStepFunctions.") ? target.slice("AWSStepFunctions.".length) : "";
    let body: Record<string, unknown> = {};
    if (req.body.length) {
      try {
        body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new AwsServiceError("SerializationException", "the request body is not valid JSON");
      }
    }
    switch (op) {
      case "CreateStateMachine":
        return json(200, this.createStateMachine(body, req));
      case "UpdateStateMachine":
        return json(200, this.updateStateMachine(body));
      case "DeleteStateMachine":
        this.machines.delete(this.machine(requireString(body, "stateMachineArn")).arn);
        return json(200, {});
      case "DescribeStateMachine":
        return json(200, this.describeStateMachine(body));
      case "ListStateMachines":
        return json(200, this.listStateMachines(body));
      case "StartExecution":
        return json(200, this.startExecution(body, false));
      case "StartSyncExecution":
        return json(200, await this.startSyncExecution(body));
      case "DescribeExecution":
        return json(200, this.describeExecution(this.executionRecord(requireString(body, "executionArn"))));
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
        const problems = this.definitionProblems(text);
        return json(200, {
          result: problems.length ? "FAIL" : "OK",
          diagnostics: problems.map((p) => ({
            severity: "ERROR",
            code: "SCHEMA_VALIDATION_FAILED",
            message: p,
            location: "/",
          })),
        });
      }
      default:
        throw notImplemented("Step Functions", op || "(no X-Amz-Target)");
    }
  }

  private definitionProblems(text: string): string[] {
    let def: unknown;
    try {
      def = JSON.parse(text);
    } catch (e) {
      return [`Definition is not valid JSON: ${(e as Error).message}`];
    }
    return checkDefinition(def).map((p) => `${p.path}${p.state ? ` (state '${p.state}')` : ""}: ${p.message}`);
  }

  private parseDefinition(text: string): StateMachineDefinition {
    const problems = this.definitionProblems(text);
    if (problems.length) {
      throw new AwsServiceError("InvalidDefinition", `Invalid State Machine Definition: ${problems.join("; ")}`);
    }
    return JSON.parse(text) as StateMachineDefinition;
  }

  private machine(arn: string): StateMachineRecord {
    const m = this.machines.get(arn.split("#")[0]!);
    if (!m) {
      if (!/^arn:aws[a-z-]*:states:[^:]+:\d{12}:stateMachine:.+$/.test(arn))
        throw new AwsServiceError("InvalidArn", `Invalid Arn: '${arn}'`);
      throw new AwsServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    }
    return m;
  }

  private executionRecord(arn: string): ExecutionRecord {
    const r = this.executions.get(arn);
    if (!r) {
      if (!/^arn:aws[a-z-]*:states:[^:]+:\d{12}:(execution|express):.+$/.test(arn))
        throw new AwsServiceError("InvalidArn", `Invalid Arn: '${arn}'`);
      throw new AwsServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    }
    return r;
  }

  private createStateMachine(body: Record<string, unknown>, req: EmulatorRequest) {
    const name = requireString(body, "name");
    const definitionText = requireString(body, "definition");
    const roleArn = requireString(body, "roleArn");
    if (!NAME.test(name)) throw new AwsServiceError("InvalidName", `Invalid Name: '${name}'`);
    if (!ROLE_ARN.test(roleArn)) throw new AwsServiceError("InvalidArn", `Invalid Arn: '${roleArn}'`);
    const type = (body.type as "STANDARD" | "EXPRESS" | undefined) ?? "STANDARD";
    if (type !== "STANDARD" && type !== "EXPRESS")
      throw new AwsServiceError(
        "ValidationException",
        `Value '${String(type)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    const definition = this.parseDefinition(definitionText);
    const arn = `arn:aws:states:${req.region}:${req.accountId}:stateMachine:${name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.definitionText === definitionText && existing.roleArn === roleArn && existing.type === type) {
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

  private updateStateMachine(body: Record<string, unknown>) {
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
    if (typeof body.definition === "string") {
      m.definition = this.parseDefinition(body.definition);
      m.definitionText = body.definition;
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

  private describeStateMachine(body: Record<string, unknown>) {
    return this.describeMachine(this.machine(requireString(body, "stateMachineArn")));
  }

  private listStateMachines(body: Record<string, unknown>) {
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const limit = limitOf(body, 100, 1000);
    const offset = readToken(body.nextToken);
    const page = all.slice(offset, offset + limit);
    return {
      stateMachines: page.map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: epochSeconds(m.creationDate),
      })),
      ...(offset + limit < all.length ? { nextToken: pageToken(offset + limit) } : {}),
    };
  }

  private startExecution(
    body: Record<string, unknown>,
    sync: boolean,
  ): ExecutionRecord & { response: Record<string, unknown> } {
    const smArnRaw = requireString(body, "stateMachineArn");
    const [smArn, testCaseName] = smArnRaw.split("#") as [string, string | undefined];
    const m = this.machine(smArn);
    if (sync && m.type !== "EXPRESS") {
      throw new AwsServiceError(
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
      );
    }
    const inputText = body.input === undefined ? "{}" : String(body.input);
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch (e) {
      throw new AwsServiceError("InvalidExecutionInput", `Invalid execution input: ${(e as Error).message}`);
    }
    let mockTestCase;
    if (testCaseName !== undefined) {
      mockTestCase = this.mocks?.testCase(m.name, testCaseName);
      if (!mockTestCase) {
        throw new AwsServiceError(
          "InvalidName",
          `Invalid mock test case name '${testCaseName}' for state machine '${m.name}'. Either the test case is not defined or the mock configuration file could not be loaded (load one with POST /_testbed/states/mock-config).`,
        );
      }
    }
    const name = body.name === undefined ? undefined : String(body.name);
    if (name !== undefined && !NAME.test(name)) throw new AwsServiceError("InvalidName", `Invalid Name: '${name}'`);
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
      ...(mockTestCase ? { mockTestCase } : {}),
      onEvent: (event, exec) => {
        for (const l of this.eventListeners) l(event, exec);
      },
    });
    const rec: ExecutionRecord = { execution, stateMachine: m, inputText };
    this.executions.set(execution.arn, rec);
    return { ...rec, response: { executionArn: execution.arn, startDate: epochSeconds(execution.startDate) } };
  }

  private async startSyncExecution(body: Record<string, unknown>) {
    const rec = this.startExecution(body, true);
    await rec.execution.done;
    return {
      ...this.describeExecution(rec),
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 100 },
    };
  }

  private describeExecution(r: ExecutionRecord) {
    const e = r.execution;
    const res = e.result;
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
      ...(r.stateMachine.type === "STANDARD"
        ? {
            redriveCount: 0,
            redriveStatus: e.status === "RUNNING" || e.status === "SUCCEEDED" ? "NOT_REDRIVABLE" : "REDRIVABLE",
          }
        : {}),
    };
  }

  private stopExecution(body: Record<string, unknown>) {
    const r = this.executionRecord(requireString(body, "executionArn"));
    r.execution.stop(
      body.error === undefined ? undefined : String(body.error),
      body.cause === undefined ? undefined : String(body.cause),
    );
    return { stopDate: epochSeconds(r.execution.stopDate ?? this.ctx.clock.now()) };
  }

  private listExecutions(body: Record<string, unknown>) {
    const smArn = body.stateMachineArn === undefined ? undefined : this.machine(String(body.stateMachineArn)).arn;
    const status = body.statusFilter as string | undefined;
    if (
      status !== undefined &&
      !["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"].includes(status)
    ) {
      throw new AwsServiceError(
        "ValidationException",
        `Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]`,
      );
    }
    const all = [...this.executions.values()]
      .filter(
        (r) =>
          (smArn === undefined || r.stateMachine.arn === smArn) &&
          (status === undefined || r.execution.status === status),
      )
      .sort((a, b) => b.execution.startDate - a.execution.startDate);
    const limit = limitOf(body, 100, 1000);
    const offset = readToken(body.nextToken);
    return {
      executions: all.slice(offset, offset + limit).map((r) => ({
        executionArn: r.execution.arn,
        stateMachineArn: r.stateMachine.arn,
        name: r.execution.name,
        status: r.execution.status,
        startDate: epochSeconds(r.execution.startDate),
        ...(r.execution.stopDate !== undefined ? { stopDate: epochSeconds(r.execution.stopDate) } : {}),
      })),
      ...(offset + limit < all.length ? { nextToken: pageToken(offset + limit) } : {}),
    };
  }

  private getExecutionHistory(body: Record<string, unknown>) {
    const r = this.executionRecord(requireString(body, "executionArn"));
    const events = r.execution.events.slice();
    if (body.reverseOrder === true) events.reverse();
    const limit = limitOf(body, 100, 1000);
    const offset = readToken(body.nextToken);
    const includeData = body.includeExecutionData !== false;
    return {
      events: events.slice(offset, offset + limit).map((e) => wireEvent(e, includeData)),
      ...(offset + limit < events.length ? { nextToken: pageToken(offset + limit) } : {}),
    };
  }

  private sendTask(op: string, body: Record<string, unknown>) {
    const token = requireString(body, "taskToken");
    const owner = [...this.executions.values()].find((r) => r.execution.hasToken(token));
    if (!owner) throw new AwsServiceError("TaskDoesNotExist", "Task Timed Out or does not exist");
    if (op === "SendTaskHeartbeat") return {};
    if (op === "SendTaskSuccess") {
      let output: unknown;
      try {
        output = JSON.parse(requireString(body, "output"));
      } catch {
        throw new AwsServiceError("InvalidOutput", "Invalid output: the output must be valid JSON");
      }
      owner.execution.completeToken(token, { output });
    } else {
      owner.execution.completeToken(token, {
        error: body.error === undefined ? "" : String(body.error),
        ...(body.cause !== undefined ? { cause: String(body.cause) } : {}),
      });
    }
    return {};
  }
}

/** Factory for the edge. */
export function sfnService(options: SfnEmulatorOptions = {}): ServiceFactory {
  return (ctx) => new SfnEmulator(ctx, options);
}
