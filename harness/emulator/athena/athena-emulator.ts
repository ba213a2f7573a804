import { randomUUID } from "node:crypto";
import type { ServiceFactory } from "../edge";
import { AwsServiceError, notImplemented } from "../errors";
import type { S3Internal } from "../internal-apis";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { columnInfo, encodeResultMetadata, engineQueryId, formatAthenaCsv, formatAthenaText } from "./athena-results";
import type { AthenaColumnInfo } from "./athena-results";
import { AthenaScriptError, DEFAULT_SCRIPT, isTerminal, parseScript } from "./athena-script";
import type {
  QueryScript,
  QueryState,
  ResolvedScript,
  ScriptAdvance,
  ScriptFailure,
  TerminalState,
} from "./athena-script";
import { classifyStatement } from "./statement-type";
import type { StatementKind } from "./statement-type";

export { AthenaScriptError, DEFAULT_SCRIPT, parseScript } from "./athena-script";
export type {
  QueryScript,
  QueryState,
  ResolvedResult,
  ResolvedScript,
  ScriptAdvance,
  ScriptColumn,
  ScriptFailure,
  ScriptResult,
  TerminalState,
} from "./athena-script";

/** A workgroup the emulator knows besides `primary` (AWS answers `WorkGroup is not found.` for any other name). */
export interface AthenaWorkGroupConfig {
  /** `[a-zA-Z0-9._-]{1,128}`, as AWS allows. */
  name: string;
  /** `s3://bucket[/prefix]`: used when a query gives no `ResultConfiguration.OutputLocation`. */
  outputLocation?: string;
  /** When true (and an output location is set), the workgroup's location overrides the query's, as in AWS. */
  enforceWorkGroupConfiguration?: boolean;
  description?: string;
}

export interface AthenaEmulatorOptions {
  /** The script of queries no queued or matching script claims; default {@link DEFAULT_SCRIPT}. */
  defaultScript?: QueryScript;
  /** Workgroups to create besides `primary` (which may be given here to set its output location). */
  workGroups?: AthenaWorkGroupConfig[];
  /** QueryExecutionId source (a seeded one makes runs repeatable); default `crypto.randomUUID`. */
  newId?: () => string;
  /**
   * What a missing output bucket does. `"reject"` (default, AWS's documented behaviour): `StartQueryExecution` fails
   * with `InvalidRequestException: Unable to verify/create output bucket <bucket>`. `"fail"`: the query is accepted and
   * ends FAILED with that reason when it would succeed. Either way a bucket deleted while the query runs fails it.
   */
  missingOutputBucket?: "reject" | "fail";
}

/** Options of {@link AthenaEmulator.enqueueScript} and `POST /_testbed/athena/scripts`. */
export interface EnqueueScriptOptions {
  /** Claim queries whose QueryString matches this pattern (a string is compiled with `new RegExp`). */
  match?: string | RegExp;
  /** With `match`: stop matching after the first query (default false). Without `match` a script is always once. */
  once?: boolean;
}

/** A script waiting for queries. */
export interface RegisteredScript {
  id: string;
  /** The pattern source, for scripts that claim queries by QueryString. */
  match?: string;
  once: boolean;
  script: ResolvedScript;
}

/** One query as the harness sees it (control plane `GET /_testbed/athena/queries`). */
export interface AthenaQuerySnapshot {
  queryExecutionId: string;
  query: string;
  workGroup: string;
  state: QueryState;
  stateChangeReason?: string;
  /** The result file's S3 URI (`s3://bucket/prefix/<id>.csv`). */
  outputLocation?: string;
  submittedAt: string;
  completedAt?: string;
  script: {
    /** Where the script came from: the queue, a QueryString pattern, or the default script. */
    source: "queue" | "match" | "default";
    scriptId?: string;
    states: QueryState[];
    advance: ScriptAdvance;
    /** Index into `states` of the current scripted state (a StopQueryExecution freezes it). */
    position: number;
    /** GetQueryExecution / BatchGetQueryExecution calls that observed this query. */
    polls: number;
  };
}

/**
 * Errors the Athena API declares, with the HTTP status AWS answers them with (Athena's model declares no status; all
 * client errors are 400), for {@link AthenaEmulator.injectFault}.
 */
export const ATHENA_API_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  TooManyRequestsException: { status: 400, message: "Rate exceeded" },
  ThrottlingException: { status: 400, message: "Rate exceeded" },
  InternalServerException: { status: 500, message: "Internal service error" },
  InvalidRequestException: { status: 400, message: "Invalid request" },
  ResourceNotFoundException: { status: 400, message: "Resource not found" },
  MetadataException: { status: 400, message: "Metadata error" },
};

/** What `injectFault` and `POST /_testbed/athena/faults` take. */
export interface AthenaFaultSpec {
  /** The API operation whose calls fail, e.g. `GetQueryExecution`. */
  operation: string;
  /** The AWS error code (a key of {@link ATHENA_API_ERRORS}). */
  error: string;
  /** Default: a generic message for that error. */
  message?: string;
  /** How many matching calls fail before the operation behaves normally again (default 1). */
  times?: number;
}

/** An injected fault with what is left of it (`GET /_testbed/athena/faults`). */
export interface AthenaFault {
  id: string;
  operation: string;
  error: string;
  message: string;
  status: number;
  remaining: number;
}

/** Athena operations the emulator implements (and so the only ones a fault can hit). */
export const ATHENA_OPERATIONS = [
  "StartQueryExecution",
  "GetQueryExecution",
  "BatchGetQueryExecution",
  "StopQueryExecution",
  "GetQueryResults",
  "ListQueryExecutions",
  "GetWorkGroup",
  "ListWorkGroups",
] as const;
const FAULT_FIELDS = ["operation", "error", "message", "times"];

/** A control-plane body the emulator refuses (not JSON, wrong shape, bad workgroup). */
export class AthenaControlError extends Error {
  override readonly name = "AthenaControlError";
}

/** Measured text of AWS's answer when neither the query nor its workgroup gives an output location (2025+). */
const NO_OUTPUT_LOCATION =
  "No output location provided. You did not provide an output location for  your query results. Either specify an S3 bucket location or enable Athena managed query results in your workgroup settings.";
const CANCELLED_REASON = "Query cancelled by user";
const ENGINE_VERSION = { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" };
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const GET_RESULTS_LIMIT = 1000;
const LIST_LIMIT = 50;

type Json = Record<string, unknown>;

interface WorkGroupRecord {
  name: string;
  outputLocation?: string;
  enforce: boolean;
  description?: string;
  createdAt: number;
}

interface ScriptRule {
  id: string;
  pattern?: RegExp;
  once: boolean;
  script: ResolvedScript;
}

interface QueryRecord {
  id: string;
  seq: number;
  query: string;
  kind: StatementKind;
  workGroup: string;
  context: { Database?: string; Catalog?: string };
  resultReuse: unknown;
  output: { bucket: string; key: string; uri: string };
  fingerprint: string;
  script: ResolvedScript;
  source: { kind: "queue" | "match" | "default"; scriptId?: string };
  submittedAt: number;
  position: number;
  polls: number;
  runningAt?: number;
  completedAt?: number;
  /** Set once the query is terminal; overrides the script (StopQueryExecution, a failed result write). */
  final?: { state: TerminalState; reason?: string; error?: Required<ScriptFailure> };
  /** The result write started when the query reached SUCCEEDED; readers wait for it. */
  pending?: Promise<void>;
}

function invalidRequest(message: string, athenaErrorCode: string): AwsServiceError {
  return new AwsServiceError("InvalidRequestException", message, 400, "Sender", { AthenaErrorCode: athenaErrorCode });
}

function validationError(problems: string[]): AwsServiceError {
  return invalidRequest(
    `${problems.length} validation error${problems.length === 1 ? "" : "s"} detected: ${problems.join("; ")}`,
    "INVALID_INPUT",
  );
}

function camel(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(input: Json | undefined, member: string): string | undefined {
  const value = input?.[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new AwsServiceError("SerializationException", `${member}: expected a string`);
  return value;
}

function requireString(input: Json, member: string, min: number, max: number): string {
  const value = optionalString(input, member);
  const field = camel(member);
  if (value === undefined) {
    throw validationError([`Value null at '${field}' failed to satisfy constraint: Member must not be null`]);
  }
  if (value.length < min) {
    throw validationError([
      `Value at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    ]);
  }
  if (value.length > max) {
    throw validationError([
      `Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    ]);
  }
  return value;
}

function optionalInteger(input: Json, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new AwsServiceError("SerializationException", `${member}: expected an integer`);
  }
  return value;
}

function optionalObject(input: Json, member: string): Json | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new AwsServiceError("SerializationException", `${member}: expected an object`);
  return value;
}

/** `s3://bucket[/prefix]` → bucket and prefix without surrounding slashes; undefined when not an S3 path. */
function parseS3Location(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/\s]+)(?:\/(.*))?$/.exec(location);
  if (!match) return undefined;
  return { bucket: match[1]!, prefix: (match[2] ?? "").replace(/\/+$/, "") };
}

function encodeToken(value: Json): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function decodeToken(token: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function pagingProblems(nextToken: string | undefined, maxResults: number | undefined, min: number, max?: number) {
  const problems: string[] = [];
  if (nextToken === "") {
    problems.push(
      "Value at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (maxResults !== undefined && maxResults < min) {
    problems.push(
      `Value at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  } else if (maxResults !== undefined && max !== undefined && maxResults > max) {
    problems.push(
      `Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  if (problems.length > 0) throw validationError(problems);
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function json(status: number, value: unknown): EmulatorResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

/**
 * The scripted Athena service. It runs no SQL: each query follows a {@link QueryScript} chosen when it starts (the next
 * queued script, else the first script whose pattern matches the QueryString, else the default script), and on
 * reaching SUCCEEDED writes the script's result to S3 as Athena does (`<OutputLocation>/<id>.csv` plus
 * `.csv.metadata`). It answers the awsJson1_1 operations the pipeline and its harness use with AWS's shapes, errors
 * and messages (`InvalidRequestException` with `AthenaErrorCode`).
 *
 * States are evaluated lazily, whenever a query is read: `{ everyMs }` scripts from the clock (transition and
 * completion times are exact even when observed late), `"per-call"` scripts from the number of polls. The emulator
 * registers no timers, so it never moves a virtual clock by itself.
 */
export class AthenaEmulator implements ServiceEmulator {
  readonly name = "athena";
  private readonly newId: () => string;
  private readonly missingOutputBucket: "reject" | "fail";
  private readonly initialDefault: ResolvedScript;
  private readonly initialWorkGroups: AthenaWorkGroupConfig[];
  private defaultScript!: ResolvedScript;
  private queue: ScriptRule[] = [];
  private matchers: ScriptRule[] = [];
  private workGroups = new Map<string, WorkGroupRecord>();
  private queriesById = new Map<string, QueryRecord>();
  private tokens = new Map<string, string>();
  private seq = 0;
  private scriptSeq = 0;
  private faults: AthenaFault[] = [];
  private faultSeq = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    options: AthenaEmulatorOptions = {},
  ) {
    this.newId = options.newId ?? randomUUID;
    this.missingOutputBucket = options.missingOutputBucket ?? "reject";
    this.initialDefault = parseScript(options.defaultScript ?? DEFAULT_SCRIPT, "defaultScript");
    this.initialWorkGroups = options.workGroups ?? [];
    for (const wg of this.initialWorkGroups) this.checkWorkGroup(wg);
    this.reset();
  }

  reset(): void {
    this.defaultScript = this.initialDefault;
    this.queue = [];
    this.matchers = [];
    this.queriesById.clear();
    this.tokens.clear();
    this.workGroups.clear();
    this.faults = [];
    this.seq = 0;
    this.workGroups.set("primary", { name: "primary", enforce: false, createdAt: this.ctx.clock.now() });
    for (const wg of this.initialWorkGroups) this.putWorkGroup(wg);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // In-process API for the harness

  /** Replaces the script of queries no queued or matching script claims. @throws AthenaScriptError */
  setDefaultScript(script: QueryScript): ResolvedScript {
    this.defaultScript = parseScript(script, "script");
    return this.defaultScript;
  }

  /**
   * Registers a script. Without `match` it joins the queue and the next query to start takes it; with `match` it
   * claims every query whose QueryString matches (only the first with `once`). @throws AthenaScriptError
   */
  enqueueScript(script: QueryScript, options: EnqueueScriptOptions = {}): RegisteredScript {
    const resolved = parseScript(script, "script");
    const id = `script-${++this.scriptSeq}`;
    if (options.match === undefined) {
      if (options.once === false) {
        throw new AthenaScriptError(
          "once",
          "a script without `match` is taken by exactly one query; to script every query set the default script",
        );
      }
      this.queue.push({ id, once: true, script: resolved });
      return { id, once: true, script: resolved };
    }
    let pattern: RegExp;
    try {
      pattern =
        typeof options.match === "string"
          ? new RegExp(options.match)
          : new RegExp(options.match.source, options.match.flags.replace(/[gy]/g, ""));
    } catch (e) {
      throw new AthenaScriptError("match", `not a valid regular expression: ${e instanceof Error ? e.message : e}`);
    }
    const once = options.once ?? false;
    this.matchers.push({ id, pattern, once, script: resolved });
    return { id, match: pattern.source, once, script: resolved };
  }

  /** Drops queued and matching scripts (the default script stays). */
  clearScripts(): void {
    this.queue = [];
    this.matchers = [];
  }

  /**
   * Makes the next `times` calls of an API operation fail with an AWS error before the emulator looks at them
   * (throttling, service errors), so that Retry on `Athena.TooManyRequestsException` & co. can be exercised. Faults
   * for one operation apply in the order they were injected. @throws AthenaControlError for a spec that is not valid
   */
  injectFault(spec: AthenaFaultSpec): AthenaFault {
    if (!isRecord(spec)) throw new AthenaControlError(`a fault is an object with ${FAULT_FIELDS.join(", ")}`);
    for (const key of Object.keys(spec)) {
      if (!FAULT_FIELDS.includes(key)) {
        throw new AthenaControlError(`${key}: unknown field; a fault has ${FAULT_FIELDS.join(", ")}`);
      }
    }
    if (typeof spec.operation !== "string" || !(ATHENA_OPERATIONS as readonly string[]).includes(spec.operation)) {
      throw new AthenaControlError(
        `operation: expected one of ${ATHENA_OPERATIONS.join(", ")}, got ${JSON.stringify(spec.operation)}`,
      );
    }
    const known =
      typeof spec.error === "string" && Object.hasOwn(ATHENA_API_ERRORS, spec.error)
        ? ATHENA_API_ERRORS[spec.error]
        : undefined;
    if (!known) {
      throw new AthenaControlError(
        `error: expected one of ${Object.keys(ATHENA_API_ERRORS).join(", ")}, got ${JSON.stringify(spec.error)}`,
      );
    }
    if (spec.message !== undefined && typeof spec.message !== "string") {
      throw new AthenaControlError(`message: expected a string, got ${JSON.stringify(spec.message)}`);
    }
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new AthenaControlError(`times: expected a positive integer, got ${JSON.stringify(spec.times)}`);
    }
    const fault: AthenaFault = {
      id: `fault-${++this.faultSeq}`,
      operation: spec.operation,
      error: spec.error,
      message: spec.message ?? known.message,
      status: known.status,
      remaining: times,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Faults with calls left to fail, in the order they apply. */
  listFaults(): AthenaFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Drops every injected fault; returns how many there were. */
  clearFaults(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /** Consumes one call of the first fault for this operation, if any. */
  private takeFault(operation: string): AthenaFault | undefined {
    const index = this.faults.findIndex((f) => f.operation === operation);
    const fault = this.faults[index];
    if (!fault) return undefined;
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    this.ctx.log(`athena: injected ${fault.error} for ${operation} (${fault.remaining} left)`);
    return fault;
  }

  /** Scripts waiting for queries, in the order they are consulted. */
  scripts(): { queue: RegisteredScript[]; matchers: RegisteredScript[]; defaultScript: ResolvedScript } {
    const view = (r: ScriptRule): RegisteredScript => ({
      id: r.id,
      ...(r.pattern && { match: r.pattern.source }),
      once: r.once,
      script: r.script,
    });
    return { queue: this.queue.map(view), matchers: this.matchers.map(view), defaultScript: this.defaultScript };
  }

  /** Creates or replaces a workgroup. @throws AthenaControlError for a bad name or output location */
  putWorkGroup(config: AthenaWorkGroupConfig): void {
    this.checkWorkGroup(config);
    const existing = this.workGroups.get(config.name);
    this.workGroups.set(config.name, {
      name: config.name,
      ...(config.outputLocation !== undefined && { outputLocation: config.outputLocation }),
      enforce: config.enforceWorkGroupConfiguration ?? false,
      ...(config.description !== undefined && { description: config.description }),
      createdAt: existing?.createdAt ?? this.ctx.clock.now(),
    });
  }

  /** Every query, oldest first, with its state brought up to the clock (polls are not counted). */
  async queries(): Promise<AthenaQuerySnapshot[]> {
    const out: AthenaQuerySnapshot[] = [];
    for (const q of this.queriesById.values()) {
      await this.observe(q, false);
      out.push(this.snapshot(q));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Wire protocol

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    try {
      const target = req.headers["x-amz-target"] ?? "";
      const [prefix, operation] = target.split(".");
      if (prefix !== "AmazonAthena" || !operation) {
        throw new AwsServiceError("UnknownOperationException", `expected X-Amz-Target: AmazonAthena.<Operation>`);
      }
      const fault = this.takeFault(operation);
      if (fault) {
        return {
          status: fault.status,
          headers: {
            "content-type": "application/x-amz-json-1.1",
            "x-amzn-requestid": requestId,
            "x-amzn-errortype": fault.error,
          },
          body: JSON.stringify({ __type: fault.error, Message: fault.message }),
        };
      }
      let input: unknown = {};
      if (req.body.length > 0) {
        try {
          input = JSON.parse(req.body.toString("utf8"));
        } catch {
          throw new AwsServiceError("SerializationException", "the request body is not valid JSON");
        }
      }
      if (!isRecord(input))
        throw new AwsServiceError("SerializationException", "the request body must be a JSON object");
      const output = await this.dispatch(operation, input);
      return {
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
        body: JSON.stringify(output),
      };
    } catch (e) {
      const code = e instanceof AwsServiceError ? e.extra["AthenaErrorCode"] : undefined;
      if (e instanceof AwsServiceError && code !== undefined) {
        // Athena's error body: `Message` (capital M) and the finer reason in `AthenaErrorCode` (also as `ErrorCode`).
        return {
          status: e.status,
          headers: {
            "content-type": "application/x-amz-json-1.1",
            "x-amzn-requestid": requestId,
            "x-amzn-errortype": e.code,
          },
          body: JSON.stringify({ __type: e.code, Message: e.message, AthenaErrorCode: code, ErrorCode: code }),
        };
      }
      throw e;
    }
  }

  private dispatch(operation: string, input: Json): Promise<unknown> {
    switch (operation) {
      case "StartQueryExecution":
        return this.startQueryExecution(input);
      case "GetQueryExecution":
        return this.getQueryExecution(input);
      case "BatchGetQueryExecution":
        return this.batchGetQueryExecution(input);
      case "StopQueryExecution":
        return this.stopQueryExecution(input);
      case "GetQueryResults":
        return this.getQueryResults(input);
      case "ListQueryExecutions":
        return Promise.resolve(this.listQueryExecutions(input));
      case "GetWorkGroup":
        return Promise.resolve(this.getWorkGroup(input));
      case "ListWorkGroups":
        return Promise.resolve(this.listWorkGroups(input));
      default:
        throw notImplemented("Athena", operation);
    }
  }

  private async startQueryExecution(input: Json): Promise<unknown> {
    const queryString = requireString(input, "QueryString", 1, 262144);
    const token = optionalString(input, "ClientRequestToken");
    // The SDKs and the CLI always send one (an idempotency token they generate); AWS refuses a request without it.
    if (token === undefined) throw invalidRequest("clientRequestToken is null or empty", "INVALID_INPUT");
    if (token.length < 32 || token.length > 128) {
      throw validationError([
        `Value at 'clientRequestToken' failed to satisfy constraint: Member must have length ${
          token.length < 32 ? "greater than or equal to 32" : "less than or equal to 128"
        }`,
      ]);
    }
    const contextIn = optionalObject(input, "QueryExecutionContext");
    const database = optionalString(contextIn, "Database");
    const catalog = optionalString(contextIn, "Catalog");
    const requested = optionalString(optionalObject(input, "ResultConfiguration"), "OutputLocation");
    const workGroupName = optionalString(input, "WorkGroup") ?? "primary";

    const fingerprint = JSON.stringify([queryString, database ?? null, requested ?? null]);
    const existingId = this.tokens.get(token);
    if (existingId !== undefined) {
      if (this.queriesById.get(existingId)?.fingerprint !== fingerprint) {
        throw invalidRequest("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
      }
      return { QueryExecutionId: existingId };
    }

    const workGroup = this.workGroups.get(workGroupName);
    if (!workGroup) throw invalidRequest("WorkGroup is not found.", "INVALID_INPUT");
    if (requested !== undefined && !parseS3Location(requested)) {
      throw invalidRequest("outputLocation is not a valid S3 path.", "INVALID_INPUT");
    }
    const location =
      workGroup.enforce && workGroup.outputLocation !== undefined
        ? workGroup.outputLocation
        : (requested ?? workGroup.outputLocation);
    if (location === undefined) throw invalidRequest(NO_OUTPUT_LOCATION, "INVALID_INPUT");
    const target = parseS3Location(location)!;
    const s3 = this.s3();
    if (s3 && this.missingOutputBucket === "reject" && !s3.bucketExists(target.bucket)) {
      throw invalidRequest(`Unable to verify/create output bucket ${target.bucket}`, "INVALID_INPUT");
    }

    const id = this.newId();
    const kind = classifyStatement(queryString);
    const key = `${target.prefix ? `${target.prefix}/` : ""}${id}.${kind.resultFile}`;
    const { script, source } = this.pickScript(queryString);
    const q: QueryRecord = {
      id,
      seq: ++this.seq,
      query: queryString,
      kind,
      workGroup: workGroupName,
      context: {
        ...(database !== undefined && { Database: database }),
        // AWS reports the catalog in lower case, whatever the request's spelling.
        ...(catalog !== undefined && { Catalog: catalog.toLowerCase() }),
      },
      resultReuse: input["ResultReuseConfiguration"] ?? { ResultReuseByAgeConfiguration: { Enabled: false } },
      output: { bucket: target.bucket, key, uri: `s3://${target.bucket}/${key}` },
      fingerprint,
      script,
      source,
      submittedAt: this.ctx.clock.now(),
      position: 0,
      polls: 0,
    };
    this.queriesById.set(id, q);
    this.tokens.set(token, id);
    this.ctx.log(
      `athena: ${id} started (${source.kind}${source.scriptId ? ` ${source.scriptId}` : ""}: ${script.states.join(" → ")})`,
    );
    this.enter(q, 0, q.submittedAt);
    if (q.pending) await q.pending;
    return { QueryExecutionId: id };
  }

  private async getQueryExecution(input: Json): Promise<unknown> {
    const q = this.find(requireString(input, "QueryExecutionId", 1, 128));
    await this.observe(q, true);
    return { QueryExecution: this.render(q) };
  }

  private async batchGetQueryExecution(input: Json): Promise<unknown> {
    const ids = input["QueryExecutionIds"];
    if (ids === undefined || ids === null) {
      throw validationError([
        "Value null at 'queryExecutionIds' failed to satisfy constraint: Member must not be null",
      ]);
    }
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
      throw new AwsServiceError("SerializationException", "QueryExecutionIds: expected a list of strings");
    }
    if (ids.length < 1 || ids.length > 50) {
      throw validationError([
        `Value '[${ids.join(", ")}]' at 'queryExecutionIds' failed to satisfy constraint: Member must have length ${
          ids.length < 1 ? "greater than or equal to 1" : "less than or equal to 50"
        }`,
      ]);
    }
    const executions: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const id of new Set(ids as string[])) {
      const q = this.queriesById.get(id);
      if (!q) {
        unprocessed.push({
          QueryExecutionId: id,
          ErrorCode: "QUERY_EXECUTION_NOT_FOUND",
          ErrorMessage: `QueryExecution ${id} was not found`,
        });
        continue;
      }
      await this.observe(q, true);
      executions.push(this.render(q));
    }
    return { QueryExecutions: executions, UnprocessedQueryExecutionIds: unprocessed };
  }

  private async stopQueryExecution(input: Json): Promise<unknown> {
    const q = this.find(requireString(input, "QueryExecutionId", 1, 128));
    await this.observe(q, false);
    // Stopping a finished query succeeds and changes nothing, as in AWS.
    if (!q.final) {
      q.completedAt = this.ctx.clock.now();
      q.final = { state: "CANCELLED", reason: CANCELLED_REASON };
      this.ctx.log(`athena: ${q.id} CANCELLED by StopQueryExecution`);
    }
    return {};
  }

  private async getQueryResults(input: Json): Promise<unknown> {
    const id = requireString(input, "QueryExecutionId", 1, 128);
    const nextToken = optionalString(input, "NextToken");
    const maxResults = optionalInteger(input, "MaxResults");
    // AWS's order: constraint checks, then the id, then the 1000 limit, then the state, then the token.
    pagingProblems(nextToken, maxResults, 1);
    const q = this.find(id);
    const limit = maxResults ?? GET_RESULTS_LIMIT;
    if (limit > GET_RESULTS_LIMIT) {
      throw invalidRequest(`MaxResults is more than maximum allowed length ${GET_RESULTS_LIMIT}`, "INVALID_INPUT");
    }
    await this.observe(q, false);
    const state = this.stateOf(q);
    if (state === "CANCELLED") throw invalidRequest("Could not find results", "RESULT_NOT_FOUND");
    if (state === "FAILED") {
      throw invalidRequest(
        "Query did not finish successfully. Final query state: FAILED",
        "INVALID_QUERY_EXECUTION_STATE",
      );
    }
    if (state !== "SUCCEEDED") {
      throw invalidRequest(`Query has not yet finished. Current state: ${state}`, "INVALID_QUERY_EXECUTION_STATE");
    }
    const result = q.script.result!;
    // Only SELECT-like (DML) results start with the header row; DDL and utility statements return data rows only.
    const rows: Array<Array<string | null>> =
      q.kind.statementType === "DML" ? [result.columns.map((c) => c.name), ...result.rows] : result.rows;
    let offset = 0;
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      const o = decoded?.["o"];
      if (decoded?.["q"] !== q.id || typeof o !== "number" || !Number.isInteger(o) || o < 0 || o > rows.length) {
        throw invalidRequest(`Malformed nextPageToken ${nextToken}`, "INVALID_INPUT");
      }
      offset = o;
    }
    const page = rows.slice(offset, offset + limit);
    // Like AWS, a full page carries a token even when nothing follows; the next call returns no rows and no token.
    const next = page.length === limit ? encodeToken({ q: q.id, o: offset + limit }) : undefined;
    return {
      ...(q.kind.statementType !== "DDL" && { UpdateCount: 0 }),
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: { ColumnInfo: this.columns(q) },
      },
      ...(next !== undefined && { NextToken: next }),
    };
  }

  private listQueryExecutions(input: Json): unknown {
    const workGroupName = optionalString(input, "WorkGroup") ?? "primary";
    const nextToken = optionalString(input, "NextToken");
    const maxResults = optionalInteger(input, "MaxResults");
    pagingProblems(nextToken, maxResults, 0, LIST_LIMIT);
    if (!this.workGroups.has(workGroupName)) throw invalidRequest("WorkGroup is not found.", "INVALID_INPUT");
    const limit = maxResults || LIST_LIMIT;
    let before = Number.POSITIVE_INFINITY;
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      const b = decoded?.["b"];
      if (decoded?.["w"] !== workGroupName || typeof b !== "number") {
        throw invalidRequest(`The nextPageToken is malformed: ${nextToken}`, "INVALID_INPUT");
      }
      before = b;
    }
    // Newest first, as AWS lists them.
    const matching = [...this.queriesById.values()]
      .filter((q) => q.workGroup === workGroupName && q.seq < before)
      .sort((a, b) => b.seq - a.seq);
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return {
      QueryExecutionIds: page.map((q) => q.id),
      ...(matching.length > limit && last && { NextToken: encodeToken({ w: workGroupName, b: last.seq }) }),
    };
  }

  private getWorkGroup(input: Json): unknown {
    const name = requireString(input, "WorkGroup", 1, 128);
    const wg = this.workGroups.get(name);
    if (!wg) throw invalidRequest("WorkGroup is not found.", "INVALID_INPUT");
    return {
      WorkGroup: {
        Name: wg.name,
        State: "ENABLED",
        Configuration: {
          ResultConfiguration: wg.outputLocation !== undefined ? { OutputLocation: wg.outputLocation } : {},
          EnforceWorkGroupConfiguration: wg.enforce,
          PublishCloudWatchMetricsEnabled: false,
          RequesterPaysEnabled: false,
          EngineVersion: ENGINE_VERSION,
        },
        ...(wg.description !== undefined && { Description: wg.description }),
        CreationTime: wg.createdAt / 1000,
      },
    };
  }

  private listWorkGroups(input: Json): unknown {
    const nextToken = optionalString(input, "NextToken");
    const maxResults = optionalInteger(input, "MaxResults");
    pagingProblems(nextToken, maxResults, 1, LIST_LIMIT);
    const names = [...this.workGroups.keys()].sort();
    let offset = 0;
    if (nextToken !== undefined) {
      const o = decodeToken(nextToken)?.["wo"];
      if (typeof o !== "number" || !Number.isInteger(o) || o < 0 || o >= names.length) {
        throw invalidRequest(`The nextPageToken is malformed: ${nextToken}`, "INVALID_INPUT");
      }
      offset = o;
    }
    const end = Math.min(offset + (maxResults ?? LIST_LIMIT), names.length);
    return {
      WorkGroups: names.slice(offset, end).map((name) => {
        const wg = this.workGroups.get(name)!;
        return {
          Name: wg.name,
          State: "ENABLED",
          Description: wg.description ?? "",
          CreationTime: wg.createdAt / 1000,
          EngineVersion: ENGINE_VERSION,
        };
      }),
      ...(end < names.length && { NextToken: encodeToken({ wo: end }) }),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Script execution

  private pickScript(queryString: string): { script: ResolvedScript; source: QueryRecord["source"] } {
    const queued = this.queue.shift();
    if (queued) return { script: queued.script, source: { kind: "queue", scriptId: queued.id } };
    const index = this.matchers.findIndex((rule) => rule.pattern!.test(queryString));
    const rule = this.matchers[index];
    if (rule) {
      if (rule.once) this.matchers.splice(index, 1);
      return { script: rule.script, source: { kind: "match", scriptId: rule.id } };
    }
    return { script: this.defaultScript, source: { kind: "default" } };
  }

  private find(id: string): QueryRecord {
    const q = this.queriesById.get(id);
    if (!q) throw invalidRequest(`QueryExecution ${id} was not found`, "QUERY_EXECUTION_NOT_FOUND");
    return q;
  }

  private stateOf(q: QueryRecord): QueryState {
    return q.final?.state ?? q.script.states[q.position]!;
  }

  /**
   * Brings a query's state up to date and waits for any result write. `poll` marks a status poll (GetQueryExecution,
   * BatchGetQueryExecution): for per-call scripts every poll after the first moves one step, so poll n (0-based)
   * returns `states[min(n, len - 1)]`.
   */
  private async observe(q: QueryRecord, poll: boolean): Promise<void> {
    const polled = q.polls > 0;
    if (poll) q.polls++;
    if (!q.final) {
      const { states, advance } = q.script;
      const now = this.ctx.clock.now();
      let target: number;
      if (advance === "per-call") {
        target = poll && polled ? q.position + 1 : q.position;
      } else {
        target = Math.floor((now - q.submittedAt) / advance.everyMs);
      }
      target = Math.min(target, states.length - 1);
      for (let i = q.position + 1; i <= target && !q.final; i++) {
        this.enter(q, i, advance === "per-call" ? now : q.submittedAt + i * advance.everyMs);
      }
    }
    if (q.pending) await q.pending;
  }

  /** The query enters `states[index]` at `at` (epoch ms). */
  private enter(q: QueryRecord, index: number, at: number): void {
    q.position = index;
    const state = q.script.states[index]!;
    if (state === "RUNNING" && q.runningAt === undefined) q.runningAt = at;
    if (!isTerminal(state)) return;
    q.completedAt = at;
    switch (state) {
      case "FAILED": {
        const failure = q.script.failure!;
        q.final = { state, reason: failure.reason, error: failure };
        break;
      }
      case "CANCELLED":
        q.final = { state, reason: CANCELLED_REASON };
        break;
      case "SUCCEEDED":
        q.final = { state };
        q.pending = this.writeResult(q);
        break;
    }
    this.ctx.log(`athena: ${q.id} ${q.final?.state ?? state}`);
  }

  /** Writes the result file and its `.metadata` companion; a missing bucket or failed write fails the query. */
  private async writeResult(q: QueryRecord): Promise<void> {
    const s3 = this.s3();
    if (!s3) {
      this.ctx.log(`athena: no "s3" service on this edge; ${q.output.uri} is not written`);
      return;
    }
    const { bucket, key, uri } = q.output;
    if (!s3.bucketExists(bucket)) {
      this.fail(q, `Unable to verify/create output bucket ${bucket}`, 2);
      return;
    }
    const result = q.script.result!;
    const body =
      q.kind.resultFile === "csv"
        ? formatAthenaCsv(
            result.columns.map((c) => c.name),
            result.rows,
          )
        : formatAthenaText(result.rows);
    const metadata = encodeResultMetadata(engineQueryId(q.completedAt!, q.seq, q.id), this.columns(q));
    try {
      await s3.putObjectInternal(bucket, key, Buffer.from(body, "utf8"), {
        contentType: q.kind.resultFile === "csv" ? "application/octet-stream" : "binary/octet-stream",
      });
      await s3.putObjectInternal(bucket, `${key}.metadata`, metadata, { contentType: "application/octet-stream" });
      this.ctx.log(`athena: ${q.id} wrote ${uri}`);
    } catch (e) {
      this.fail(q, `Error writing query results to ${uri}: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
  }

  private fail(q: QueryRecord, reason: string, errorCategory: 1 | 2): void {
    q.final = { state: "FAILED", reason, error: { reason, errorCategory, errorType: 1000, retryable: false } };
    this.ctx.log(`athena: ${q.id} FAILED: ${reason}`);
  }

  private s3(): (S3Internal & ServiceEmulator) | undefined {
    return this.ctx.services.get<S3Internal & ServiceEmulator>("s3");
  }

  private columns(q: QueryRecord): AthenaColumnInfo[] {
    return (q.script.result?.columns ?? []).map((c) => columnInfo(c.name, c.type));
  }

  /** `QueryExecution` as GetQueryExecution returns it (timestamps as epoch seconds, as awsJson sends them). */
  private render(q: QueryRecord): unknown {
    const state = this.stateOf(q);
    const end = q.completedAt ?? this.ctx.clock.now();
    const queueTime = (q.runningAt ?? end) - q.submittedAt;
    const engineTime = q.runningAt === undefined ? 0 : end - q.runningAt;
    const error = q.final?.error;
    return {
      QueryExecutionId: q.id,
      Query: q.query,
      StatementType: q.kind.statementType,
      ResultConfiguration: { OutputLocation: q.output.uri },
      ResultReuseConfiguration: q.resultReuse,
      QueryExecutionContext: q.context,
      Status: {
        State: state,
        ...(q.final?.reason !== undefined && { StateChangeReason: q.final.reason }),
        SubmissionDateTime: q.submittedAt / 1000,
        ...(q.completedAt !== undefined && { CompletionDateTime: q.completedAt / 1000 }),
        ...(error && {
          AthenaError: {
            ErrorCategory: error.errorCategory,
            ErrorType: error.errorType,
            Retryable: error.retryable,
            ErrorMessage: error.reason,
          },
        }),
      },
      Statistics: {
        EngineExecutionTimeInMillis: engineTime,
        DataScannedInBytes: q.final ? q.script.dataScannedInBytes : 0,
        TotalExecutionTimeInMillis: end - q.submittedAt,
        QueryQueueTimeInMillis: queueTime,
        ServicePreProcessingTimeInMillis: 0,
        QueryPlanningTimeInMillis: 0,
        ServiceProcessingTimeInMillis: 0,
        ResultReuseInformation: { ReusedPreviousResult: false },
      },
      WorkGroup: q.workGroup,
      EngineVersion: ENGINE_VERSION,
      ...(q.kind.substatementType !== undefined && { SubstatementType: q.kind.substatementType }),
    };
  }

  private snapshot(q: QueryRecord): AthenaQuerySnapshot {
    return {
      queryExecutionId: q.id,
      query: q.query,
      workGroup: q.workGroup,
      state: this.stateOf(q),
      ...(q.final?.reason !== undefined && { stateChangeReason: q.final.reason }),
      outputLocation: q.output.uri,
      submittedAt: iso(q.submittedAt),
      ...(q.completedAt !== undefined && { completedAt: iso(q.completedAt) }),
      script: {
        source: q.source.kind,
        ...(q.source.scriptId !== undefined && { scriptId: q.source.scriptId }),
        states: q.script.states,
        advance: q.script.advance,
        position: q.position,
        polls: q.polls,
      },
    };
  }

  private checkWorkGroup(config: AthenaWorkGroupConfig): void {
    if (typeof config.name !== "string" || !WORKGROUP_NAME.test(config.name)) {
      throw new AthenaControlError(
        `workGroup.name: expected 1-128 characters of [a-zA-Z0-9._-], got ${JSON.stringify(config.name)}`,
      );
    }
    if (
      config.outputLocation !== undefined &&
      (typeof config.outputLocation !== "string" || !parseS3Location(config.outputLocation))
    ) {
      throw new AthenaControlError(
        `workGroup.outputLocation: expected s3://bucket[/prefix], got ${JSON.stringify(config.outputLocation)}`,
      );
    }
    if (
      config.enforceWorkGroupConfiguration !== undefined &&
      typeof config.enforceWorkGroupConfiguration !== "boolean"
    ) {
      throw new AthenaControlError("workGroup.enforceWorkGroupConfiguration: expected true or false");
    }
    if (config.description !== undefined && typeof config.description !== "string") {
      throw new AthenaControlError("workGroup.description: expected a string");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Control plane: /_testbed/athena/...

  /**
   * - `POST scripts` `{script, match?, once?}`: queue a script (no `match`) or register a QueryString pattern.
   * - `GET scripts`, `DELETE scripts`: list or drop queued and pattern scripts.
   * - `PUT default-script` `{script}`, `GET default-script`.
   * - `GET queries`: every query with its state and script position.
   * - `POST workgroups` `{name, outputLocation?, enforceWorkGroupConfiguration?, description?}`, `GET workgroups`.
   * - `POST faults` `{operation, error, message?, times?}` (see {@link injectFault}), `GET faults`, `DELETE faults`.
   * Bad bodies get 400 `{error}` naming the field.
   */
  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    const route = subpath.replace(/\/+$/, "");
    const routes: Record<string, string[]> = {
      scripts: ["GET", "POST", "DELETE"],
      "default-script": ["GET", "PUT"],
      queries: ["GET"],
      workgroups: ["GET", "POST"],
      faults: ["GET", "POST", "DELETE"],
    };
    const allowed = Object.hasOwn(routes, route) ? routes[route] : undefined;
    if (!allowed) {
      return json(404, {
        error: `no control endpoint /_testbed/athena/${route}; available: ${Object.keys(routes).join(", ")}`,
      });
    }
    if (!allowed.includes(req.method)) {
      return json(405, {
        error: `${req.method} /_testbed/athena/${route} is not supported; use ${allowed.join(" or ")}`,
      });
    }
    try {
      switch (`${req.method} ${route}`) {
        case "GET scripts":
          return json(200, this.scripts());
        case "DELETE scripts":
          this.clearScripts();
          return json(200, { cleared: true });
        case "POST scripts": {
          const body = this.controlBody(req, ["script", "match", "once"]);
          const { match, once } = body;
          if (match !== undefined && typeof match !== "string") {
            throw new AthenaControlError(`match: expected a regular expression as a string, got ${typeof match}`);
          }
          if (once !== undefined && typeof once !== "boolean") {
            throw new AthenaControlError(`once: expected true or false, got ${typeof once}`);
          }
          const registered = this.enqueueScript(body["script"] as QueryScript, {
            ...(match !== undefined && { match }),
            ...(once !== undefined && { once }),
          });
          return json(201, registered);
        }
        case "GET default-script":
          return json(200, { script: this.defaultScript });
        case "PUT default-script": {
          const body = this.controlBody(req, ["script"]);
          return json(200, { script: this.setDefaultScript(body["script"] as QueryScript) });
        }
        case "GET queries":
          return json(200, { queries: await this.queries() });
        case "GET faults":
          return json(200, { faults: this.listFaults() });
        case "DELETE faults":
          return json(200, { cleared: this.clearFaults() });
        case "POST faults":
          return json(201, {
            fault: this.injectFault(this.controlBody(req, FAULT_FIELDS) as unknown as AthenaFaultSpec),
          });
        case "GET workgroups":
          return json(200, { workGroups: [...this.workGroups.values()].map((wg) => this.workGroupView(wg)) });
        default: {
          const body = this.controlBody(req, [
            "name",
            "outputLocation",
            "enforceWorkGroupConfiguration",
            "description",
          ]);
          this.putWorkGroup(body as unknown as AthenaWorkGroupConfig);
          return json(201, { workGroup: this.workGroupView(this.workGroups.get(body["name"] as string)!) });
        }
      }
    } catch (e) {
      if (e instanceof AthenaScriptError || e instanceof AthenaControlError) return json(400, { error: e.message });
      throw e;
    }
  }

  private controlBody(req: EmulatorRequest, fields: string[]): Json {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch {
      throw new AthenaControlError(`the body must be a JSON object with ${fields.join(", ")}`);
    }
    if (!isRecord(body)) throw new AthenaControlError(`the body must be a JSON object with ${fields.join(", ")}`);
    for (const key of Object.keys(body)) {
      if (!fields.includes(key)) throw new AthenaControlError(`${key}: unknown field; expected ${fields.join(", ")}`);
    }
    if (fields.includes("script") && body["script"] === undefined) {
      throw new AthenaControlError('script: required, e.g. {"script": {"states": ["QUEUED", "RUNNING", "SUCCEEDED"]}}');
    }
    return body;
  }

  private workGroupView(wg: WorkGroupRecord) {
    return {
      name: wg.name,
      ...(wg.outputLocation !== undefined && { outputLocation: wg.outputLocation }),
      enforceWorkGroupConfiguration: wg.enforce,
      ...(wg.description !== undefined && { description: wg.description }),
    };
  }
}

/** The Athena emulator as an edge service: `startEdge({ services: [athenaService(), ...] })`. */
export function athenaService(options?: AthenaEmulatorOptions): ServiceFactory {
  return (ctx) => new AthenaEmulator(ctx, options);
}
