import path from "node:path";
import { randomUUID } from "node:crypto";
import type { ServiceFactory } from "../edge";
import { AwsServiceError, notImplemented } from "../errors";
import type { LambdaInternal, LambdaInvokeResult, S3Internal } from "../internal-apis";
import { ACCOUNT_ID } from "../types";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { CodeStore, unpackDeploymentPackage } from "./code-store";
import type { DeploymentPackage } from "./code-store";
import { EnvironmentPool } from "./environment-pool";
import type { EnvironmentSpec, ErrorDocument } from "./execution-environment";

/** Runtimes the emulator runs (Node.js handlers execute on the host's Node.js, whatever the version says). */
export const SUPPORTED_RUNTIMES = ["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"] as const;

/** Synchronous Invoke request/response limit (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
/** Asynchronous (Event) Invoke request limit (1 MB). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
/** The response limit as AWS words it in `Function.ResponseSizeTooLarge`. */
const MAX_RESPONSE_BYTES = 6_291_556;
const MAX_RECORDS = 10_000;

/** Variables AWS refuses in `Environment.Variables` (the runtime sets them). */
const RESERVED_ENV_KEYS = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

const FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
const FUNCTION_REF =
  /^(?:arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9-_.]+)(?::(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?$/;
const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const STATEMENT_ID_PATTERN = /^[a-zA-Z0-9-_]+$/;

/** Options of the Lambda emulator; every field has a default that mirrors AWS where AWS has one. */
export interface LambdaServiceOptions {
  /**
   * Execution environments per function that may run at once (default 10, the concurrency quota of a new AWS
   * account). Further invocations wait for a free environment instead of being throttled.
   */
  maxEnvironmentsPerFunction?: number;
  /** Retries of a failed asynchronous (Event) invocation (default 2, as AWS). */
  asyncRetryAttempts?: number;
  /** Delay before each retry, on the emulator clock (default 60 s then 120 s, as AWS). */
  asyncRetryDelaysMs?: number[];
  /**
   * `node_modules` that handlers fall back to for bare imports (AWS's runtimes ship the SDK v3). Default: the
   * project's, found relative to this file.
   */
  nodeModulesDir?: string;
  /** Where the temporary directory for extracted packages is created (default: the OS temp dir). */
  workDir?: string;
  /**
   * Hold the emulator clock while a handler runs (default true): a virtual clock then cannot jump over a Wait state
   * while real handler code is still executing. Turn off for handlers that wait on virtual time themselves.
   */
  holdClock?: boolean;
  /** Echo everything handlers print into the edge log (default false; it is always in the invocation records). */
  echoHandlerOutput?: boolean;
  /** Limit for loading a handler module on a cold start (default 10 000 ms, AWS's init phase limit). */
  initTimeoutMs?: number;
  /** Cap each environment's V8 heap at ~90% of MemorySize (default true). */
  enforceMemoryLimit?: boolean;
  /** Extra variables every handler sees before its own (e.g. `PATH` for handlers that spawn processes). */
  baseEnv?: Record<string, string>;
  /** Request ids, revision ids and log stream suffixes (default `crypto.randomUUID`); inject for reproducible runs. */
  newId?: () => string;
}

/** One invocation as the control plane reports it (`GET /_testbed/lambda/invocations`). */
export interface LambdaInvocationRecord {
  requestId: string;
  functionName: string;
  functionArn: string;
  invocationType: "RequestResponse" | "Event";
  /** 1 for the first attempt; async retries repeat the request id with a higher attempt. */
  attempt: number;
  /** Who invoked: the Invoke API over HTTP, or another emulator in-process (S3 notification, SNS, …). */
  source: "api" | "internal";
  /** The event (parsed JSON). */
  payload: unknown;
  /** The handler's result, or the error document on failure (parsed JSON when it parses). */
  result?: unknown;
  functionError?: "Unhandled";
  error?: { errorType: string; errorMessage: string };
  status: "running" | "succeeded" | "failed";
  /** Emulator-clock times (ISO 8601). */
  startTime: string;
  endTime?: string;
  /** Wall-clock duration of the handler. */
  durationMs?: number;
  coldStart?: boolean;
  /** The invocation's log (START … REPORT). */
  logs?: string;
}

/**
 * Errors the Invoke API can answer with, and their HTTP status (from the Lambda service model), for
 * {@link LambdaEmulator.injectFault}; `message` is AWS's text where it is known, otherwise the fault's message says it
 * was injected.
 */
export const LAMBDA_INVOKE_ERRORS: Readonly<Record<string, { status: number; message?: string }>> = {
  TooManyRequestsException: { status: 429, message: "Rate Exceeded." },
  ServiceException: { status: 500 },
  ResourceNotReadyException: { status: 502 },
  ResourceNotFoundException: { status: 404 },
  ResourceConflictException: { status: 409 },
  InvalidRequestContentException: { status: 400 },
  InvalidParameterValueException: { status: 400 },
  RequestTooLargeException: { status: 413 },
  UnsupportedMediaTypeException: { status: 415 },
  RecursiveInvocationException: { status: 400 },
  EC2ThrottledException: { status: 502 },
  EC2UnexpectedException: { status: 502 },
  EC2AccessDeniedException: { status: 502 },
  ENILimitReachedException: { status: 502 },
  InvalidRuntimeException: { status: 502 },
  InvalidZipFileException: { status: 502 },
  KMSAccessDeniedException: { status: 502 },
  KMSDisabledException: { status: 502 },
  KMSInvalidStateException: { status: 502 },
  KMSNotFoundException: { status: 502 },
  SnapStartException: { status: 400 },
  SnapStartNotReadyException: { status: 409 },
  SnapStartTimeoutException: { status: 408 },
  EFSIOException: { status: 410 },
  EFSMountConnectivityException: { status: 408 },
  EFSMountFailureException: { status: 403 },
  EFSMountTimeoutException: { status: 408 },
};

/** What `injectFault` and `POST /_testbed/lambda/faults` take. */
export interface LambdaFaultSpec {
  /** The function (name, full or partial ARN) whose invocations fail. */
  function: string;
  /** The AWS error code Invoke answers with (a key of {@link LAMBDA_INVOKE_ERRORS}, or any code with `status`). */
  error: string;
  /** Default: AWS's message for that error. */
  message?: string;
  /** HTTP status; default from {@link LAMBDA_INVOKE_ERRORS}. Required for codes the Lambda model does not know. */
  status?: number;
  /** How many matching invocations fail before Invoke behaves normally again (default 1). */
  times?: number;
}

/** An injected fault with what is left of it (`GET /_testbed/lambda/faults`). */
export interface LambdaFault {
  id: string;
  functionName: string;
  error: string;
  message: string;
  status: number;
  remaining: number;
}

/** A fault spec the emulator refuses; the message names the field and what is expected. */
export class LambdaFaultError extends Error {
  override readonly name = "LambdaFaultError";
}

const FAULT_FIELDS = ["function", "error", "message", "status", "times"];

interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: string | Record<string, string>;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

interface LambdaFunction {
  name: string;
  region: string;
  arn: string;
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string> | undefined;
  architectures: string[];
  ephemeralStorage: number;
  tags: Record<string, string>;
  pkg: DeploymentPackage;
  codeDir: string;
  lastModified: string;
  revisionId: string;
  policy: PolicyStatement[];
  pool: EnvironmentPool;
}

interface Executed {
  payload: string;
  error?: ErrorDocument;
  logs: string;
}

type Json = Record<string, unknown>;

function json(status: number, value: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-requestid": randomUUID(), ...headers },
    body: value === undefined ? "" : JSON.stringify(value),
  };
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", `1 validation error detected: ${message}`);
}

function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError("InvalidParameterValueException", message);
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The Invoke API's answer to a payload that is not JSON (undefined when it is). */
function invalidPayload(eventText: string): AwsServiceError | undefined {
  try {
    JSON.parse(eventText);
    return undefined;
  } catch (e) {
    return new AwsServiceError(
      "InvalidRequestContentException",
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
}

/** AWS's `LastModified` format: `2024-05-01T12:00:00.000+0000`. */
function lastModified(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+0000");
}

/**
 * The Lambda service behind the edge: the restJson1 control plane `@aws-sdk/client-lambda` speaks (functions,
 * permissions, tags, Invoke) and an execution engine that runs the real handler code in isolated, warm worker-thread
 * environments (see {@link ExecutionEnvironment}) with its own environment variables and `AWS_ENDPOINT_URL` pointing
 * back at the edge. Other emulators invoke functions in-process through {@link LambdaInternal}; every invocation is
 * recorded for the control plane (`/_testbed/lambda/invocations`).
 */
export class LambdaEmulator implements ServiceEmulator, LambdaInternal {
  readonly name = "lambda";
  private readonly functions = new Map<string, LambdaFunction>();
  private readonly retiredPools = new Set<EnvironmentPool>();
  private readonly obsoleteDirs: string[] = [];
  private readonly codeStore: CodeStore;
  private records: LambdaInvocationRecord[] = [];
  private faults: LambdaFault[] = [];
  private faultSeq = 0;
  /** Event invocations still running or waiting for a retry. */
  private readonly background = new Set<Promise<void>>();
  private closed = false;
  private readonly options: Required<Omit<LambdaServiceOptions, "nodeModulesDir" | "workDir" | "newId">>;
  private readonly newId: () => string;

  constructor(
    private readonly ctx: EmulatorContext,
    options: LambdaServiceOptions = {},
  ) {
    this.options = {
      maxEnvironmentsPerFunction: options.maxEnvironmentsPerFunction ?? 10,
      asyncRetryAttempts: options.asyncRetryAttempts ?? 2,
      asyncRetryDelaysMs: options.asyncRetryDelaysMs ?? [60_000, 120_000],
      holdClock: options.holdClock ?? true,
      echoHandlerOutput: options.echoHandlerOutput ?? false,
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
      enforceMemoryLimit: options.enforceMemoryLimit ?? true,
      baseEnv: options.baseEnv ?? {},
    };
    this.newId = options.newId ?? randomUUID;
    if (this.options.maxEnvironmentsPerFunction < 1) {
      throw new Error("lambdaService({ maxEnvironmentsPerFunction }) must be at least 1");
    }
    this.codeStore = new CodeStore(
      options.nodeModulesDir ?? path.resolve(__dirname, "..", "..", "..", "node_modules"),
      options.workDir,
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Wire protocol

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (this.closed) throw new AwsServiceError("ServiceException", "the Lambda emulator is shut down", 500);
    const p = req.path.replace(/\/+$/, "");
    const m = req.method;
    let match: RegExpExecArray | null;

    if (p === "/2015-03-31/functions") {
      if (m === "POST") return this.createFunction(req);
      if (m === "GET") return this.listFunctions(req);
    }
    if (
      (match = /^\/2015-03-31\/functions\/([^/]+)(?:\/(configuration|code|invocations|policy)(?:\/([^/]+))?)?$/.exec(p))
    ) {
      const ref = match[1] ?? "";
      const sub = match[2];
      const tail = match[3];
      if (!sub && m === "GET") return this.getFunction(req, ref);
      if (!sub && m === "DELETE") return this.deleteFunction(req, ref);
      if (sub === "configuration" && m === "GET") return json(200, this.configuration(this.resolve(req, ref).fn));
      if (sub === "configuration" && m === "PUT") return this.updateFunctionConfiguration(req, ref);
      if (sub === "code" && m === "PUT") return this.updateFunctionCode(req, ref);
      if (sub === "invocations" && m === "POST") return this.invokeApi(req, ref);
      if (sub === "policy" && !tail && m === "POST") return this.addPermission(req, ref);
      if (sub === "policy" && !tail && m === "GET") return this.getPolicy(req, ref);
      if (sub === "policy" && tail && m === "DELETE") return this.removePermission(req, ref, tail);
    }
    if ((match = /^\/2017-03-31\/tags\/(.+)$/.exec(p))) return this.tags(req, match[1] ?? "");
    throw notImplemented("lambda", `${m} ${req.path}`);
  }

  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    if (subpath === "invocations") {
      const filter = req.query.get("function");
      const matches = (r: LambdaInvocationRecord) => !filter || r.functionName === filter || r.functionArn === filter;
      if (req.method === "GET") return json(200, { invocations: this.records.filter(matches) });
      if (req.method === "DELETE") {
        const before = this.records.length;
        this.records = this.records.filter((r) => !matches(r));
        return json(200, { cleared: before - this.records.length });
      }
    }
    if (subpath === "functions" && req.method === "GET") {
      return json(200, {
        functions: [...this.functions.values()].map((fn) => ({
          functionName: fn.name,
          functionArn: fn.arn,
          environments: fn.pool.size,
          idleEnvironments: fn.pool.idleCount,
          codeDirectory: fn.codeDir,
        })),
      });
    }
    if (subpath === "faults") {
      if (req.method === "GET") return json(200, { faults: this.listFaults() });
      if (req.method === "DELETE") return json(200, { cleared: this.clearFaults() });
      if (req.method === "POST") {
        let body: unknown;
        try {
          body = JSON.parse(req.body.toString("utf8"));
        } catch {
          return json(400, { error: `the body must be a JSON object with ${FAULT_FIELDS.join(", ")}` });
        }
        try {
          return json(201, { fault: this.injectFault(body as LambdaFaultSpec) });
        } catch (e) {
          if (e instanceof LambdaFaultError) return json(400, { error: e.message });
          throw e;
        }
      }
      return json(405, { error: `${req.method} /_testbed/lambda/faults is not supported; use GET, POST or DELETE` });
    }
    const code = /^code\/([^/]+)$/.exec(subpath);
    if (code && req.method === "GET") {
      const fn = this.functions.get(code[1] ?? "");
      if (!fn) return json(404, { error: `no function '${code[1]}'` });
      return { status: 200, headers: { "content-type": "application/zip" }, body: fn.pkg.zip };
    }
    return json(404, {
      error: `no control endpoint /_testbed/lambda/${subpath}`,
      available: [
        "GET|DELETE invocations[?function=]",
        "GET functions",
        "GET code/<function>",
        "GET|POST|DELETE faults",
      ],
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // In-process API

  functionExists(functionNameOrArn: string): boolean {
    return this.lookup(functionNameOrArn) !== undefined;
  }

  /**
   * Invokes a function for another emulator. `payload` objects are serialised to JSON; strings and Buffers are taken
   * as the JSON document itself. Synchronous calls reject with the Invoke API's error for a missing function or a
   * payload that is not JSON. Asynchronous invocations resolve at once with 202 and never reject: refused ones resolve
   * with that error's status (404, 400) and are logged; handler failures are retried like AWS and logged.
   */
  async invokeInternal(
    functionNameOrArn: string,
    payload: unknown,
    options: { async?: boolean } = {},
  ): Promise<LambdaInvokeResult> {
    const found = this.lookup(functionNameOrArn);
    const eventText =
      typeof payload === "string"
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString("utf8")
          : (JSON.stringify(payload ?? {}) ?? "{}");
    if (!found) {
      const missing = new AwsServiceError("ResourceNotFoundException", `Function not found: ${functionNameOrArn}`, 404);
      return this.refuse(missing, functionNameOrArn, options);
    }
    const refused = invalidPayload(eventText);
    if (refused) return this.refuse(refused, functionNameOrArn, options);
    const { fn, invokedArn } = found;
    const fault = this.takeFault(fn);
    if (fault) return this.refuse(fault, functionNameOrArn, options);
    if (options.async) {
      this.startAsync(fn, this.newId(), eventText, invokedArn, "internal");
      return { statusCode: 202, payload: "", executedVersion: "$LATEST" };
    }
    const result = await this.execute(fn, this.newId(), eventText, invokedArn, {
      invocationType: "RequestResponse",
      attempt: 1,
      source: "internal",
    });
    return {
      statusCode: 200,
      payload: result.payload,
      ...(result.error ? { functionError: "Unhandled" } : {}),
      executedVersion: "$LATEST",
    };
  }

  /** A refused in-process invocation: thrown when synchronous, logged and answered when asynchronous. */
  private refuse(err: AwsServiceError, ref: string, options: { async?: boolean }): LambdaInvokeResult {
    if (!options.async) throw err;
    this.ctx.log(`lambda: asynchronous invocation of ${ref} dropped: ${err.message}`);
    const error = { errorType: err.code, errorMessage: err.message };
    return { statusCode: err.status, payload: JSON.stringify(error), executedVersion: "$LATEST" };
  }

  /**
   * Resolves once every asynchronous invocation accepted so far has finished, retries included (retry delays pass
   * on the emulator clock, so under a virtual clock this costs no wall time).
   */
  async awaitAsyncInvocations(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** The records kept for the control plane (newest last). */
  invocations(functionName?: string): LambdaInvocationRecord[] {
    return this.records.filter((r) => !functionName || r.functionName === functionName);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fault injection

  /**
   * Makes the next `times` invocations of a function (Invoke over the wire and {@link invokeInternal}; not DryRun)
   * fail with an AWS error instead of running the handler — throttling, service errors — so that Retry and Catch on
   * `Lambda.TooManyRequestsException` & co. can be exercised against the real function. Faults for one function
   * apply in the order they were injected. @throws LambdaFaultError for a spec that is not valid
   */
  injectFault(spec: LambdaFaultSpec): LambdaFault {
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) {
      throw new LambdaFaultError(`a fault is an object with ${FAULT_FIELDS.join(", ")}`);
    }
    for (const key of Object.keys(spec)) {
      if (!FAULT_FIELDS.includes(key)) {
        throw new LambdaFaultError(`${key}: unknown field; a fault has ${FAULT_FIELDS.join(", ")}`);
      }
    }
    const name = typeof spec.function === "string" ? FUNCTION_REF.exec(spec.function)?.groups?.name : undefined;
    if (!name) {
      throw new LambdaFaultError(
        `function: expected a function name or ARN (e.g. "run-athena-query"), got ${JSON.stringify(spec.function)}`,
      );
    }
    if (typeof spec.error !== "string" || !/^[A-Za-z][A-Za-z0-9.]*$/.test(spec.error)) {
      throw new LambdaFaultError(
        `error: expected an AWS error code such as "TooManyRequestsException", got ${JSON.stringify(spec.error)}`,
      );
    }
    const known = Object.hasOwn(LAMBDA_INVOKE_ERRORS, spec.error) ? LAMBDA_INVOKE_ERRORS[spec.error] : undefined;
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)) {
      throw new LambdaFaultError(`status: expected an HTTP error status 400-599, got ${JSON.stringify(spec.status)}`);
    }
    if (!known && spec.status === undefined) {
      throw new LambdaFaultError(
        `error: '${spec.error}' is not an error the Lambda Invoke API declares (known: ${Object.keys(LAMBDA_INVOKE_ERRORS).join(", ")}); give "status" to inject it anyway`,
      );
    }
    if (spec.message !== undefined && typeof spec.message !== "string") {
      throw new LambdaFaultError(`message: expected a string, got ${JSON.stringify(spec.message)}`);
    }
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new LambdaFaultError(`times: expected a positive integer, got ${JSON.stringify(spec.times)}`);
    }
    const fault: LambdaFault = {
      id: `fault-${++this.faultSeq}`,
      functionName: name,
      error: spec.error,
      message: spec.message ?? known?.message ?? `${spec.error} (injected by the pipeline-testbed Lambda emulator)`,
      status: spec.status ?? known!.status,
      remaining: times,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Faults with invocations left to fail, in the order they apply. */
  listFaults(): LambdaFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Drops every injected fault; returns how many there were. */
  clearFaults(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /** Consumes one invocation of the first fault for this function, if any. */
  private takeFault(fn: LambdaFunction): AwsServiceError | undefined {
    const index = this.faults.findIndex((f) => f.functionName === fn.name);
    const fault = this.faults[index];
    if (!fault) return undefined;
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    this.ctx.log(`lambda: injected ${fault.error} for ${fn.name} (${fault.remaining} left)`);
    return new AwsServiceError(fault.error, fault.message, fault.status);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  async reset(): Promise<void> {
    const fns = [...this.functions.values()];
    this.functions.clear();
    this.records = [];
    this.faults = [];
    await this.stopPools(fns);
    for (const fn of fns) this.codeStore.remove(fn.codeDir);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const fns = [...this.functions.values()];
    this.functions.clear();
    await this.stopPools(fns);
    this.codeStore.close();
  }

  private async stopPools(fns: LambdaFunction[]): Promise<void> {
    const pools = [...fns.map((fn) => fn.pool), ...this.retiredPools];
    this.retiredPools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
    for (const dir of this.obsoleteDirs.splice(0)) this.codeStore.remove(dir);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Functions

  private createFunction(req: EmulatorRequest): EmulatorResponse {
    const body = this.body(req);
    const name = this.newFunctionName(body.FunctionName, req.region);
    const role = this.role(body.Role);
    if (body.PackageType === "Image") {
      throw invalidParameter(
        "PackageType Image is not supported by the pipeline-testbed Lambda emulator; deploy a Zip package with a Node.js runtime",
      );
    }
    const runtime = this.runtime(body.Runtime);
    const handler = this.handlerString(body.Handler);
    if (!runtime || !handler) {
      throw invalidParameter(
        "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
      );
    }
    this.rejectLayers(body.Layers);
    const environment = this.environment(body.Environment);
    const timeout = this.integer(body.Timeout, "timeout", 1, 900) ?? 3;
    const memorySize = this.integer(body.MemorySize, "memorySize", 128, 10240) ?? 128;
    const architectures = this.architectures(body.Architectures);
    if (this.functions.has(name)) {
      throw new AwsServiceError("ResourceConflictException", `Function already exist: ${name}`, 409);
    }
    const { pkg, files } = this.code(body.Code);
    const codeDir = this.codeStore.extract(name, files);
    const ephemeral = (body.EphemeralStorage as { Size?: unknown } | undefined)?.Size;
    const base: Omit<LambdaFunction, "pool"> = {
      name,
      region: req.region,
      arn: `arn:aws:lambda:${req.region}:${ACCOUNT_ID}:function:${name}`,
      runtime,
      role,
      handler,
      description: typeof body.Description === "string" ? body.Description : "",
      timeout,
      memorySize,
      environment,
      architectures,
      ephemeralStorage: typeof ephemeral === "number" ? ephemeral : 512,
      tags: this.tagMap(body.Tags),
      pkg,
      codeDir,
      lastModified: lastModified(this.ctx.clock.now()),
      revisionId: this.newId(),
      policy: [],
    };
    const fn: LambdaFunction = { ...base, pool: this.newPool(base) };
    this.functions.set(name, fn);
    return json(201, this.configuration(fn));
  }

  private getFunction(req: EmulatorRequest, ref: string): EmulatorResponse {
    const { fn } = this.resolve(req, ref);
    return json(200, {
      Configuration: this.configuration(fn),
      Code: { RepositoryType: "S3", Location: `${this.ctx.endpoint()}/_testbed/lambda/code/${fn.name}` },
      ...(Object.keys(fn.tags).length ? { Tags: fn.tags } : {}),
    });
  }

  private listFunctions(req: EmulatorRequest): EmulatorResponse {
    const maxItems = req.query.has("MaxItems") ? Number(req.query.get("MaxItems")) : 50;
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10000) {
      throw validation(
        `Value '${req.query.get("MaxItems")}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
      );
    }
    const marker = req.query.get("Marker");
    const after = marker ? Buffer.from(marker, "base64url").toString("utf8") : "";
    const all = [...this.functions.values()]
      .filter((fn) => fn.region === req.region)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .filter((fn) => fn.name > after);
    const page = all.slice(0, maxItems);
    const last = page[page.length - 1];
    return json(200, {
      Functions: page.map((fn) => this.configuration(fn)),
      ...(all.length > maxItems && last ? { NextMarker: Buffer.from(last.name).toString("base64url") } : {}),
    });
  }

  private deleteFunction(req: EmulatorRequest, ref: string): EmulatorResponse {
    const { fn, qualifier } = this.resolve(req, ref);
    if (qualifier === "$LATEST") {
      throw invalidParameter("$LATEST version cannot be deleted without deleting the function.");
    }
    this.functions.delete(fn.name);
    this.retire(fn, fn.codeDir);
    return { status: 204, headers: { "x-amzn-requestid": randomUUID() } };
  }

  private updateFunctionCode(req: EmulatorRequest, ref: string): EmulatorResponse {
    const { fn } = this.resolve(req, ref);
    const body = this.body(req);
    this.checkRevision(fn, body.RevisionId);
    if (body.Architectures !== undefined) fn.architectures = this.architectures(body.Architectures);
    const { pkg, files } = this.code(body);
    if (body.DryRun === true)
      return json(200, { ...this.configuration(fn), CodeSha256: pkg.sha256, CodeSize: pkg.size });
    const oldDir = fn.codeDir;
    fn.pkg = pkg;
    fn.codeDir = this.codeStore.extract(fn.name, files);
    this.retire(fn, oldDir);
    this.touch(fn);
    return json(200, this.configuration(fn));
  }

  private updateFunctionConfiguration(req: EmulatorRequest, ref: string): EmulatorResponse {
    const { fn } = this.resolve(req, ref);
    const body = this.body(req);
    this.checkRevision(fn, body.RevisionId);
    const next = {
      role: body.Role !== undefined ? this.role(body.Role) : fn.role,
      runtime: body.Runtime !== undefined ? (this.runtime(body.Runtime) ?? fn.runtime) : fn.runtime,
      handler: body.Handler !== undefined ? (this.handlerString(body.Handler) ?? fn.handler) : fn.handler,
      timeout: this.integer(body.Timeout, "timeout", 1, 900) ?? fn.timeout,
      memorySize: this.integer(body.MemorySize, "memorySize", 128, 10240) ?? fn.memorySize,
      environment: body.Environment !== undefined ? this.environment(body.Environment) : fn.environment,
    };
    this.rejectLayers(body.Layers);
    if (typeof body.Description === "string") fn.description = body.Description;
    Object.assign(fn, next);
    const ephemeral = (body.EphemeralStorage as { Size?: unknown } | undefined)?.Size;
    if (typeof ephemeral === "number") fn.ephemeralStorage = ephemeral;
    this.retire(fn);
    this.touch(fn);
    return json(200, this.configuration(fn));
  }

  /**
   * Replaces the function's environments (new code or configuration → fresh environments, as on AWS; a deleted
   * function gets none). The old package directory is removed once the old environments are gone (reset/close).
   */
  private retire(fn: LambdaFunction, obsoleteCodeDir?: string): void {
    fn.pool.retire();
    this.retiredPools.add(fn.pool);
    if (obsoleteCodeDir) this.obsoleteDirs.push(obsoleteCodeDir);
    if (this.functions.get(fn.name) === fn) fn.pool = this.newPool(fn);
  }

  private touch(fn: LambdaFunction): void {
    fn.lastModified = lastModified(this.ctx.clock.now());
    fn.revisionId = this.newId();
  }

  private newPool(fn: Omit<LambdaFunction, "pool">): EnvironmentPool {
    const date = new Date(this.ctx.clock.now()).toISOString().slice(0, 10).replace(/-/g, "/");
    const spec: EnvironmentSpec = {
      functionName: fn.name,
      runtime: fn.runtime,
      handler: fn.handler,
      taskRoot: fn.codeDir,
      memorySize: fn.memorySize,
      timeoutSeconds: fn.timeout,
      env: this.handlerEnv(fn),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `${date}/[$LATEST]${this.newId().replace(/-/g, "")}`,
      initTimeoutMs: this.options.initTimeoutMs,
      enforceMemoryLimit: this.options.enforceMemoryLimit,
    };
    spec.env.AWS_LAMBDA_LOG_STREAM_NAME = spec.logStreamName;
    const sink = this.options.echoHandlerOutput
      ? (name: string, text: string) => this.ctx.log(`[lambda:${name}] ${text.replace(/\n$/, "")}`)
      : undefined;
    return new EnvironmentPool(spec, this.options.maxEnvironmentsPerFunction, sink);
  }

  /**
   * The handler's `process.env`: its own variables, then what the Lambda runtime defines, then the testbed's
   * wiring — `AWS_ENDPOINT_URL` at the edge (any `AWS_ENDPOINT_URL_*` the function sets is pointed there too, so
   * nothing reaches a real endpoint), dummy credentials, and the SDK's config files pointed away from the host's
   * `~/.aws`.
   */
  private handlerEnv(fn: Omit<LambdaFunction, "pool">): Record<string, string> {
    const endpoint = this.ctx.endpoint();
    const env: Record<string, string> = { ...this.options.baseEnv, LANG: "en_US.UTF-8" };
    for (const [key, value] of Object.entries(fn.environment ?? {})) {
      if (key === "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") continue;
      env[key] = key.startsWith("AWS_ENDPOINT_URL") ? endpoint : value;
    }
    const nodeModules = this.codeStore.nodeModulesDir;
    Object.assign(env, {
      AWS_REGION: fn.region,
      AWS_DEFAULT_REGION: fn.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SESSION_TOKEN: "test",
      AWS_ENDPOINT_URL: endpoint,
      AWS_CONFIG_FILE: this.codeStore.missingFile("aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: this.codeStore.missingFile("aws-credentials"),
      LAMBDA_TASK_ROOT: fn.codeDir,
      LAMBDA_RUNTIME_DIR: __dirname,
      NODE_PATH: [nodeModules, fn.codeDir].filter(Boolean).join(path.delimiter),
      _HANDLER: fn.handler,
      TZ: ":UTC",
    });
    return env;
  }

  private configuration(fn: LambdaFunction): Json {
    return {
      FunctionName: fn.name,
      FunctionArn: fn.arn,
      Runtime: fn.runtime,
      Role: fn.role,
      Handler: fn.handler,
      CodeSize: fn.pkg.size,
      Description: fn.description,
      Timeout: fn.timeout,
      MemorySize: fn.memorySize,
      LastModified: fn.lastModified,
      CodeSha256: fn.pkg.sha256,
      Version: "$LATEST",
      ...(fn.environment ? { Environment: { Variables: fn.environment } } : {}),
      TracingConfig: { Mode: "PassThrough" },
      RevisionId: fn.revisionId,
      State: "Active",
      LastUpdateStatus: "Successful",
      PackageType: "Zip",
      Architectures: fn.architectures,
      EphemeralStorage: { Size: fn.ephemeralStorage },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Permissions and tags

  private addPermission(req: EmulatorRequest, ref: string): EmulatorResponse {
    const body = this.body(req);
    const { fn, qualifier } = this.resolve(req, ref);
    if (qualifier === "$LATEST") throw invalidParameter("We currently do not support adding policies for $LATEST.");
    this.checkRevision(fn, body.RevisionId, "GetPolicy");
    const sid = body.StatementId;
    if (typeof sid !== "string" || !STATEMENT_ID_PATTERN.test(sid)) {
      throw validation(
        `Value '${String(sid)}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)`,
      );
    }
    if (typeof body.Action !== "string" || typeof body.Principal !== "string") {
      throw invalidParameter("AddPermission needs Action (e.g. lambda:InvokeFunction) and Principal");
    }
    if (fn.policy.some((s) => s.Sid === sid)) {
      throw new AwsServiceError(
        "ResourceConflictException",
        `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        409,
      );
    }
    const statement: PolicyStatement = {
      Sid: sid,
      Effect: "Allow",
      Principal: this.principal(body.Principal),
      Action: body.Action,
      Resource: fn.arn,
    };
    const condition: Record<string, Record<string, string>> = {};
    const add = (op: string, key: string, value: unknown) => {
      if (typeof value === "string") condition[op] = { ...condition[op], [key]: value };
    };
    add("StringEquals", "lambda:FunctionUrlAuthType", body.FunctionUrlAuthType);
    add("StringEquals", "aws:PrincipalOrgID", body.PrincipalOrgID);
    add("StringEquals", "AWS:SourceAccount", body.SourceAccount);
    add("StringEquals", "lambda:EventSourceToken", body.EventSourceToken);
    add("ArnLike", "AWS:SourceArn", body.SourceArn);
    if (Object.keys(condition).length) statement.Condition = condition;
    fn.policy.push(statement);
    fn.revisionId = this.newId();
    return json(201, { Statement: JSON.stringify(statement) });
  }

  private getPolicy(req: EmulatorRequest, ref: string): EmulatorResponse {
    const { fn } = this.resolve(req, ref);
    if (!fn.policy.length) {
      throw new AwsServiceError("ResourceNotFoundException", "No policy is associated with the given resource.", 404);
    }
    return json(200, {
      Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: fn.policy }),
      RevisionId: fn.revisionId,
    });
  }

  private removePermission(req: EmulatorRequest, ref: string, sid: string): EmulatorResponse {
    const { fn } = this.resolve(req, ref);
    if (!fn.policy.length) {
      throw new AwsServiceError("ResourceNotFoundException", "No policy is associated with the given resource.", 404);
    }
    const index = fn.policy.findIndex((s) => s.Sid === sid);
    if (index < 0) {
      throw new AwsServiceError("ResourceNotFoundException", `Statement ${sid} is not found in resource policy.`, 404);
    }
    this.checkRevision(fn, req.query.get("RevisionId") ?? undefined);
    fn.policy.splice(index, 1);
    fn.revisionId = this.newId();
    return { status: 204, headers: { "x-amzn-requestid": randomUUID() } };
  }

  private principal(principal: string): PolicyStatement["Principal"] {
    if (principal === "*") return "*";
    if (principal.endsWith(".amazonaws.com")) return { Service: principal };
    if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
    if (/^arn:aws[a-zA-Z-]*:iam:/.test(principal)) return { AWS: principal };
    throw invalidParameter("The provided principal was invalid. Please check the principal and try again.");
  }

  private tags(req: EmulatorRequest, arn: string): EmulatorResponse {
    const fn = this.lookup(arn)?.fn;
    if (!fn || !arn.startsWith("arn:")) {
      throw new AwsServiceError("ResourceNotFoundException", `Function not found: ${arn}`, 404);
    }
    if (req.method === "GET") return json(200, { Tags: fn.tags });
    if (req.method === "POST") {
      Object.assign(fn.tags, this.tagMap(this.body(req).Tags));
      return { status: 204, headers: { "x-amzn-requestid": randomUUID() } };
    }
    if (req.method === "DELETE") {
      for (const key of req.query.getAll("tagKeys")) delete fn.tags[key];
      return { status: 204, headers: { "x-amzn-requestid": randomUUID() } };
    }
    throw notImplemented("lambda", `${req.method} ${req.path}`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Invoke

  private async invokeApi(req: EmulatorRequest, ref: string): Promise<EmulatorResponse> {
    const { fn, qualifier } = this.resolve(req, ref, { invoke: true });
    const invocationType = req.headers["x-amz-invocation-type"] ?? "RequestResponse";
    if (invocationType !== "RequestResponse" && invocationType !== "Event" && invocationType !== "DryRun") {
      throw validation(
        `Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }
    const logType = req.headers["x-amz-log-type"] ?? "None";
    if (logType !== "None" && logType !== "Tail") {
      throw validation(
        `Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`,
      );
    }
    const limit = invocationType === "Event" ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    if (req.body.length > limit) {
      throw new AwsServiceError(
        "RequestTooLargeException",
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        413,
      );
    }
    const eventText = req.body.length ? req.body.toString("utf8") : "{}";
    const refused = invalidPayload(eventText);
    if (refused) throw refused;
    const clientContext = this.clientContext(req.headers["x-amz-client-context"]);
    const requestId = this.newId();
    const invokedArn = qualifier ? `${fn.arn}:${qualifier}` : fn.arn;
    if (invocationType === "DryRun") return { status: 204, headers: { "x-amzn-requestid": requestId } };
    const fault = this.takeFault(fn);
    if (fault) throw fault;
    if (invocationType === "Event") {
      this.startAsync(fn, requestId, eventText, invokedArn, "api");
      return { status: 202, headers: { "x-amzn-requestid": requestId } };
    }
    const result = await this.execute(fn, requestId, eventText, invokedArn, {
      invocationType: "RequestResponse",
      attempt: 1,
      source: "api",
      clientContext,
    });
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-amzn-requestid": requestId,
      "x-amz-executed-version": "$LATEST",
    };
    if (result.error) headers["x-amz-function-error"] = "Unhandled";
    if (logType === "Tail") headers["x-amz-log-result"] = Buffer.from(result.logs).subarray(-4096).toString("base64");
    return { status: 200, headers, body: result.payload };
  }

  private clientContext(header: string | undefined): unknown {
    if (!header) return undefined;
    try {
      return JSON.parse(Buffer.from(header, "base64").toString("utf8")) as unknown;
    } catch {
      throw new AwsServiceError(
        "InvalidRequestContentException",
        "Client context must be a valid Base64-encoded JSON object.",
      );
    }
  }

  /** Runs one attempt and records it. Never rejects. */
  private async execute(
    fn: LambdaFunction,
    requestId: string,
    eventText: string,
    invokedArn: string,
    meta: {
      invocationType: "RequestResponse" | "Event";
      attempt: number;
      source: "api" | "internal";
      clientContext?: unknown;
    },
  ): Promise<Executed> {
    const record: LambdaInvocationRecord = {
      requestId,
      functionName: fn.name,
      functionArn: fn.arn,
      invocationType: meta.invocationType,
      attempt: meta.attempt,
      source: meta.source,
      payload: parseJsonOrText(eventText),
      status: "running",
      startTime: new Date(this.ctx.clock.now()).toISOString(),
    };
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    const run = fn.pool.invoke({
      requestId,
      event: eventText,
      invokedFunctionArn: invokedArn,
      ...(meta.clientContext !== undefined ? { clientContext: meta.clientContext } : {}),
    });
    const outcome = await (this.options.holdClock ? this.ctx.clock.hold(run) : run);
    let { payload, error } = outcome;
    if (!error && Buffer.byteLength(payload) > MAX_RESPONSE_BYTES) {
      error = {
        errorType: "Function.ResponseSizeTooLarge",
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      };
      payload = JSON.stringify(error);
    }
    Object.assign(record, {
      result: parseJsonOrText(payload),
      status: error ? "failed" : "succeeded",
      endTime: new Date(this.ctx.clock.now()).toISOString(),
      durationMs: outcome.durationMs,
      coldStart: outcome.initDurationMs !== undefined,
      logs: outcome.logs,
      ...(error
        ? { functionError: "Unhandled", error: { errorType: error.errorType, errorMessage: error.errorMessage } }
        : {}),
    });
    return { payload, logs: outcome.logs, ...(error ? { error } : {}) };
  }

  /**
   * An Event invocation: runs in the background, retried on failure after the AWS delays (on the emulator clock),
   * failures logged. The clock is held per attempt, not across the retry delays.
   */
  private startAsync(
    fn: LambdaFunction,
    requestId: string,
    eventText: string,
    invokedArn: string,
    source: "api" | "internal",
  ): void {
    const retries = this.options.asyncRetryAttempts;
    const run = async () => {
      for (let attempt = 1; ; attempt++) {
        if (this.closed || this.functions.get(fn.name) !== fn) return;
        const result = await this.execute(fn, requestId, eventText, invokedArn, {
          invocationType: "Event",
          attempt,
          source,
        });
        if (!result.error) return;
        const what = `lambda: asynchronous invocation ${requestId} of ${fn.name} failed (attempt ${attempt}): ${result.error.errorType}: ${result.error.errorMessage}`;
        if (attempt > retries) {
          this.ctx.log(`${what}; no retries left, event dropped`);
          return;
        }
        const delay = this.options.asyncRetryDelaysMs[attempt - 1] ?? this.options.asyncRetryDelaysMs.at(-1) ?? 0;
        this.ctx.log(`${what}; retrying in ${delay} ms`);
        await this.ctx.clock.sleep(delay);
      }
    };
    const job = run()
      .catch((e: unknown) =>
        this.ctx.log(`lambda: asynchronous invocation ${requestId} of ${fn.name} crashed: ${String(e)}`),
      )
      .finally(() => this.background.delete(job));
    this.background.add(job);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Request parsing and validation

  private body(req: EmulatorRequest): Json {
    if (!req.body.length) return {};
    try {
      const value = JSON.parse(req.body.toString("utf8")) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Json;
    } catch {
      // fall through
    }
    throw new AwsServiceError(
      "InvalidRequestContentException",
      "Could not parse request body into json: expected an object",
    );
  }

  /** Function by name, full or partial ARN (with or without qualifier), as any operation takes it. */
  private resolve(
    req: EmulatorRequest,
    ref: string,
    options: { invoke?: boolean } = {},
  ): { fn: LambdaFunction; qualifier: string | undefined } {
    const parsed = FUNCTION_REF.exec(ref)?.groups;
    if (!parsed?.name || ref.length > 170) {
      throw validation(
        `Value '${ref}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`,
      );
    }
    const fromQuery = req.query.get("Qualifier") ?? undefined;
    if (parsed.qualifier && fromQuery && parsed.qualifier !== fromQuery) {
      throw invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
    }
    const qualifier = parsed.qualifier ?? fromQuery;
    const region = parsed.region ?? req.region;
    const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${parsed.name}`;
    const fn = this.functions.get(parsed.name);
    if (!fn || fn.region !== region || (parsed.account && parsed.account !== ACCOUNT_ID)) {
      const suffix = qualifier ? `:${qualifier}` : options.invoke ? ":$LATEST" : "";
      throw new AwsServiceError("ResourceNotFoundException", `Function not found: ${arn}${suffix}`, 404);
    }
    if (qualifier && qualifier !== "$LATEST") {
      throw new AwsServiceError(
        "ResourceNotFoundException",
        `Function not found: ${fn.arn}:${qualifier} (the pipeline-testbed Lambda emulator has $LATEST only, no versions or aliases)`,
        404,
      );
    }
    return { fn, qualifier };
  }

  /** Lenient lookup for in-process callers: name or ARN, any region. */
  private lookup(ref: string): { fn: LambdaFunction; invokedArn: string } | undefined {
    const parsed = FUNCTION_REF.exec(ref)?.groups;
    if (!parsed?.name) return undefined;
    const fn = this.functions.get(parsed.name);
    if (!fn || (parsed.region && parsed.region !== fn.region)) return undefined;
    if (parsed.qualifier && parsed.qualifier !== "$LATEST") return undefined;
    return { fn, invokedArn: parsed.qualifier ? `${fn.arn}:${parsed.qualifier}` : fn.arn };
  }

  private newFunctionName(value: unknown, region: string): string {
    const ref = typeof value === "string" ? value : "";
    const parsed = FUNCTION_REF.exec(ref)?.groups;
    if (!parsed?.name || parsed.qualifier || parsed.name.length > 64) {
      throw validation(
        `Value '${ref}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`,
      );
    }
    if ((parsed.region && parsed.region !== region) || (parsed.account && parsed.account !== ACCOUNT_ID)) {
      throw invalidParameter(`Function ARN ${ref} does not belong to account ${ACCOUNT_ID} in ${region}`);
    }
    return parsed.name;
  }

  private role(value: unknown): string {
    if (typeof value !== "string" || !ROLE_PATTERN.test(value)) {
      throw validation(
        `Value '${value === undefined ? "null" : String(value)}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`,
      );
    }
    return value;
  }

  private runtime(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string" && (SUPPORTED_RUNTIMES as readonly string[]).includes(value)) return value;
    throw invalidParameter(
      `Value ${String(value)} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(", ")}] or be a valid ARN (the pipeline-testbed Lambda emulator runs Node.js handlers only)`,
    );
  }

  private handlerString(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !/^[^\s]+$/.test(value) || value.length > 128) {
      throw validation(
        `Value '${String(value)}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+`,
      );
    }
    return value;
  }

  private integer(value: unknown, field: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw validation(
        `Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must be an integer`,
      );
    }
    if (value < min) {
      throw validation(
        `Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
      );
    }
    if (value > max) {
      throw validation(
        `Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
      );
    }
    return value;
  }

  private architectures(value: unknown): string[] {
    if (value === undefined) return ["x86_64"];
    if (!Array.isArray(value) || value.length !== 1 || (value[0] !== "x86_64" && value[0] !== "arm64")) {
      throw validation(
        `Value '${JSON.stringify(value)}' at 'architectures' failed to satisfy constraint: Member must have length 1 and satisfy enum value set: [x86_64, arm64]`,
      );
    }
    return [value[0] as string];
  }

  private environment(value: unknown): Record<string, string> | undefined {
    if (value === undefined || value === null) return undefined;
    const vars = (value as { Variables?: unknown }).Variables ?? {};
    if (typeof vars !== "object" || vars === null || Array.isArray(vars)) {
      throw invalidParameter("Environment.Variables must be a map of string to string");
    }
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(vars as Record<string, unknown>)) {
      if (typeof v !== "string") throw invalidParameter(`Environment variable ${key} must be a string`);
      out[key] = v;
    }
    const reserved = Object.keys(out).filter((k) => RESERVED_ENV_KEYS.has(k));
    if (reserved.length) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
      );
    }
    const measured = JSON.stringify(out);
    if (Buffer.byteLength(measured) > 4096) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
      );
    }
    return out;
  }

  private rejectLayers(value: unknown): void {
    if (Array.isArray(value) && value.length) {
      throw invalidParameter(
        "Layers are not supported by the pipeline-testbed Lambda emulator; bundle dependencies into the deployment package (the AWS SDK v3 is provided, as on AWS)",
      );
    }
  }

  private tagMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === "string") out[k] = v;
    }
    return out;
  }

  private checkRevision(fn: LambdaFunction, revisionId: unknown, api = "GetFunction/GetAlias"): void {
    if (typeof revisionId === "string" && revisionId !== fn.revisionId) {
      throw new AwsServiceError(
        "PreconditionFailedException",
        `The Revision Id provided does not match the latest Revision Id. Call the ${api} API to retrieve the latest Revision Id`,
        412,
      );
    }
  }

  /** The deployment package from `ZipFile` (base64) or `S3Bucket`/`S3Key` (through the S3 emulator). */
  private code(code: unknown): ReturnType<typeof unpackDeploymentPackage> {
    const c = (code ?? {}) as { ZipFile?: unknown; S3Bucket?: unknown; S3Key?: unknown; ImageUri?: unknown };
    if (typeof c.ZipFile === "string") return unpackDeploymentPackage(Buffer.from(c.ZipFile, "base64"));
    if (typeof c.S3Bucket === "string" && typeof c.S3Key === "string") {
      const s3 = this.ctx.services.get<ServiceEmulator & S3Internal>("s3");
      if (!s3) throw invalidParameter("Code.S3Bucket needs the S3 emulator on this edge; pass Code.ZipFile instead");
      if (!s3.bucketExists(c.S3Bucket)) {
        throw invalidParameter(
          "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        );
      }
      const object = s3.getObjectInternal(c.S3Bucket, c.S3Key);
      if (!object) {
        throw invalidParameter(
          "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        );
      }
      return unpackDeploymentPackage(object.body);
    }
    if (typeof c.ImageUri === "string") {
      throw invalidParameter("Container images are not supported by the pipeline-testbed Lambda emulator");
    }
    throw invalidParameter("Please provide a source for function code.");
  }
}

/**
 * The Lambda emulator for {@link startEdge}: `startEdge({ services: [lambdaService()] })`.
 * Close the edge (or the emulator) to stop every worker thread and remove the extracted packages.
 */
export function lambdaService(options: LambdaServiceOptions = {}): ServiceFactory {
  return (ctx) => new LambdaEmulator(ctx, options);
}
