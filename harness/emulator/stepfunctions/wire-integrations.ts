import http from "node:http";
import { StatesError } from "../../engine/errors";
import type { IntegrationCall, IntegrationResolver, ServiceIntegration } from "../../engine/integrations";
import { type DirectOperation, directOperation, leanClientConfig, type Transport } from "./sdk-wire";

/**
 * Task integrations that call AWS services over the wire with the AWS SDK v3, exactly as Step Functions would:
 * the optimized integrations (`lambda:invoke`, `sns:publish`, `sqs:sendMessage`, legacy Lambda ARNs) and the generic
 * `aws-sdk:<service>:<action>` ones. Pointed at the edge they exercise the emulators; the output and error shapes
 * follow AWS (`Lambda.*`, `S3.NoSuchKeyException` with "(Service: S3, Status Code: 404, Request ID: …)" causes).
 */
export interface WireIntegrationOptions {
  /** Base URL of the services (the edge). */
  endpoint: () => string;
  /** The edge's private socket for in-process callers, when it has one (see `EmulatorContext.localSocket`). */
  localSocket?: () => string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** SDK middleware the integrations' clients do without (see `clientFor`). */
const LEAN_MIDDLEWARE_REMOVED = ["getUserAgentMiddleware", "recursionDetectionMiddleware", "loggerMiddleware"];

/** SDK package per ASL service name, and its SigV4 signing name; only services whose client is installed are callable. */
const CLIENT_PACKAGES: Record<string, { pkg: string; client: string; signingName: string }> = {
  s3: { pkg: "@aws-sdk/client-s3", client: "S3Client", signingName: "s3" },
  athena: { pkg: "@aws-sdk/client-athena", client: "AthenaClient", signingName: "athena" },
  sns: { pkg: "@aws-sdk/client-sns", client: "SNSClient", signingName: "sns" },
  sqs: { pkg: "@aws-sdk/client-sqs", client: "SQSClient", signingName: "sqs" },
  lambda: { pkg: "@aws-sdk/client-lambda", client: "LambdaClient", signingName: "lambda" },
  sfn: { pkg: "@aws-sdk/client-sfn", client: "SFNClient", signingName: "states" },
};

/** Step Functions' service names in error names (from the service model's serviceId without spaces). */
const ERROR_SERVICE_NAMES: Record<string, string> = {
  s3: "S3",
  athena: "Athena",
  sns: "SNS",
  sqs: "SQS",
  lambda: "Lambda",
  sfn: "Sfn",
};

/**
 * The optimized integrations (`lambda:invoke`, `sns:publish`, `sqs:sendMessage`) run on the AWS SDK for Java v1 inside
 * Step Functions: their causes read "(Service: AWSLambda; Status Code: 404; Error Code: …; Request ID: …; Proxy:
 * null)" and an error code the SDK does not model becomes `<Svc>.<V1 service>Exception` (`Lambda.AWSLambdaException`).
 */
const V1_SERVICE_NAMES: Record<string, string> = { lambda: "AWSLambda", sns: "AmazonSNS", sqs: "AmazonSQS" };

type SdkModule = Record<string, any>;

function pascal(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** Turns SDK output into the JSON Step Functions hands to the state: no `$metadata`, dates as ISO strings. */
async function toJsonOutput(value: unknown): Promise<unknown> {
  const streams: Array<Promise<void>> = [];
  const out = toJsonSync(value, streams);
  if (streams.length) await Promise.all(streams);
  return out;
}

/** The synchronous part of {@link toJsonOutput}; streamed blobs are read into their place later (`streams`). */
function toJsonSync(value: unknown, streams: Array<Promise<void>>): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (Array.isArray(value)) return value.map((v) => toJsonSync(v, streams));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (k === "$metadata" || v === undefined) continue;
    if (v && typeof v === "object" && typeof (v as any).transformToString === "function") {
      streams.push((v as any).transformToString().then((text: string) => (out[k] = text)));
      out[k] = null;
      continue;
    }
    out[k] = toJsonSync(v, streams);
  }
  return out;
}

/** What an SDK call failed with, as far as Step Functions names it. */
interface SdkFailure {
  /** The SDK's exception name (`NoSuchKey`, `TooManyRequestsException`, `QueueDoesNotExist`). */
  name: string;
  /** The error code on the wire (`NoSuchKey`, `NotFound`, `AWS.SimpleQueueService.NonExistentQueue`). */
  code: string;
  message: string;
  status: number;
  requestId: string;
  extendedRequestId?: string;
  /** The service model knows the error (the SDK threw its own exception class for it). */
  modelled: boolean;
}

function sdkFailure(mod: SdkModule, e: unknown): SdkFailure | undefined {
  const err = e as {
    name?: string;
    message?: string;
    Code?: unknown;
    Error?: { Code?: unknown };
    $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  };
  const status = err.$metadata?.httpStatusCode;
  if (!status) return undefined;
  const name = err.name ?? "Unknown";
  const cls = mod[name];
  const code = typeof err.Code === "string" ? err.Code : typeof err.Error?.Code === "string" ? err.Error.Code : name;
  return {
    name,
    code,
    message: err.message ?? "",
    status,
    requestId: err.$metadata?.requestId ?? "unknown",
    ...(err.$metadata?.extendedRequestId ? { extendedRequestId: err.$metadata.extendedRequestId } : {}),
    modelled: typeof cls === "function" && e instanceof cls,
  };
}

function exceptionName(name: string): string {
  return name.endsWith("Exception") ? name : `${name}Exception`;
}

/** An SDK client exception (no HTTP response): `<Svc>.SdkClientException`, as the Java SDKs name it. */
function clientError(service: string, e: unknown): StatesError {
  const svc = ERROR_SERVICE_NAMES[service] ?? pascal(service);
  return new StatesError(
    `${svc}.SdkClientException`,
    `Unable to execute HTTP request: ${e instanceof Error ? e.message : String(e)}`,
  );
}

/** The error of a generic `aws-sdk:<service>:<action>` Task (SDK for Java v2 wording). */
function sdkErrorOf(service: string, mod: SdkModule, e: unknown): StatesError {
  const f = sdkFailure(mod, e);
  if (!f) return clientError(service, e);
  const svc = ERROR_SERVICE_NAMES[service] ?? pascal(service);
  const details = [`Service: ${svc}`, `Status Code: ${f.status}`, `Request ID: ${f.requestId}`];
  if (f.extendedRequestId) details.push(`Extended Request ID: ${f.extendedRequestId}`);
  const name = f.modelled ? exceptionName(f.name) : `${svc}Exception`;
  return new StatesError(`${svc}.${name}`, `${f.message} (${details.join(", ")})`);
}

/** The error of an optimized integration (SDK for Java v1 wording). */
function v1ErrorOf(service: string, mod: SdkModule, e: unknown): StatesError {
  const f = sdkFailure(mod, e);
  if (!f) return clientError(service, e);
  const svc = ERROR_SERVICE_NAMES[service] ?? pascal(service);
  const v1 = V1_SERVICE_NAMES[service] ?? svc;
  const name = f.modelled ? exceptionName(f.name) : `${v1}Exception`;
  return new StatesError(
    `${svc}.${name}`,
    `${f.message} (Service: ${v1}; Status Code: ${f.status}; Error Code: ${f.code}; Request ID: ${f.requestId}; Proxy: null)`,
  );
}

function jsonString(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function sdkHttpMetadata(status: number, requestId: string | undefined) {
  return {
    SdkHttpMetadata: { HttpHeaders: { "Content-Type": "application/json" }, HttpStatusCode: status },
    SdkResponseMetadata: { RequestId: requestId ?? "" },
  };
}

/** One service's SDK client in one region, and the direct callers made for its operations so far. */
interface ClientEntry {
  mod: SdkModule;
  client: any;
  service: string;
  region: string;
  direct: Map<string, DirectOperation | undefined>;
}

/** Builds the resolver; SDK clients are created once per service and region, lazily. */
export function wireIntegrations(options: WireIntegrationOptions): IntegrationResolver {
  const clients = new Map<string, ClientEntry>();
  const credentials = options.credentials ?? { accessKeyId: "test", secretAccessKey: "test" };
  // One keep-alive pool for every integration call; the edge closes its connections when it stops. Idle sockets are
  // dropped after 4 s, before the edge's 5 s keep-alive timeout could close one under a request (ECONNRESET).
  const transport: Transport = {
    agent: new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 }),
    socketPath: options.localSocket ?? (() => undefined),
  };

  function clientFor(service: string, region: string): ClientEntry | undefined {
    const key = `${service}@${region}`;
    let entry = clients.get(key);
    if (entry) return entry;
    const spec = CLIENT_PACKAGES[service];
    if (!spec) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(spec.pkg) as SdkModule;
    const client = new mod[spec.client]({
      endpoint: options.endpoint(),
      region,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
      disableHostPrefix: true,
      // No flexible checksums on S3 calls that do not require them (Step Functions' SDK does not add them either).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // Resolve each command's middleware stack once, not on every call.
      cacheMiddleware: true,
      ...leanClientConfig(transport, credentials.accessKeyId, spec.signingName),
    });
    // Step Functions sends its own User-Agent and no trace header; these per-call steps cost ~15% of a call's CPU and
    // change nothing the emulators look at.
    for (const step of LEAN_MIDDLEWARE_REMOVED) client.middlewareStack.remove(step);
    entry = { mod, client, service, region, direct: new Map() };
    clients.set(key, entry);
    return entry;
  }

  /** Calls `action` (PascalCase) with the direct path where the operation allows it, else the client's `send`. */
  function callSdk(entry: ClientEntry, action: string, input: Record<string, unknown>): Promise<any> {
    let direct = entry.direct.get(action);
    if (!entry.direct.has(action)) {
      direct = directOperation(
        entry.service,
        entry.mod,
        entry.client,
        action,
        new URL(options.endpoint()),
        transport,
        credentials.accessKeyId,
        entry.region,
        CLIENT_PACKAGES[entry.service]!.signingName,
      );
      entry.direct.set(action, direct);
    }
    if (direct) return direct(input);
    const Command = entry.mod[`${action}Command`];
    return entry.client.send(new Command(input));
  }

  async function lambdaInvoke(
    functionName: string,
    payload: unknown,
    region: string,
    extra: Record<string, unknown> = {},
  ) {
    const entry = clientFor("lambda", region)!;
    let res: any;
    try {
      res = await callSdk(entry, "Invoke", {
        ...extra,
        FunctionName: functionName,
        Payload: Buffer.from(JSON.stringify(payload ?? null)),
      });
    } catch (e) {
      throw v1ErrorOf("lambda", entry.mod, e);
    }
    const text = res.Payload ? Buffer.from(res.Payload as Uint8Array).toString("utf8") : "";
    let body: unknown = text;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      /* a non-JSON payload stays a string, as in AWS */
    }
    if (res.FunctionError) {
      const type =
        body && typeof body === "object" && typeof (body as any).errorType === "string"
          ? (body as any).errorType
          : "Lambda.Unknown";
      throw new StatesError(type, text);
    }
    return { body, res };
  }

  const optimized: Record<string, (call: IntegrationCall) => Promise<unknown>> = {
    "lambda:invoke": async (call) => {
      const p = (call.parameters ?? {}) as Record<string, unknown>;
      if (typeof p.FunctionName !== "string") {
        throw new StatesError(
          "States.Runtime",
          `The field 'FunctionName' is required by lambda:invoke in state '${call.stateName}'`,
        );
      }
      const { FunctionName, Payload, ...rest } = p;
      const { body, res } = await lambdaInvoke(FunctionName, Payload, call.region, rest);
      return {
        ExecutedVersion: res.ExecutedVersion ?? "$LATEST",
        Payload: body,
        ...sdkHttpMetadata(res.StatusCode ?? 200, res.$metadata?.requestId),
        StatusCode: res.StatusCode ?? 200,
      };
    },
    "sns:publish": async (call) => {
      const entry = clientFor("sns", call.region)!;
      const p = { ...((call.parameters ?? {}) as Record<string, unknown>) };
      if (p.Message !== undefined) p.Message = jsonString(p.Message);
      try {
        const res = await callSdk(entry, "Publish", p);
        return { MessageId: res.MessageId, ...sdkHttpMetadata(200, res.$metadata?.requestId) };
      } catch (e) {
        throw v1ErrorOf("sns", entry.mod, e);
      }
    },
    "sqs:sendMessage": async (call) => {
      const entry = clientFor("sqs", call.region)!;
      const p = { ...((call.parameters ?? {}) as Record<string, unknown>) };
      if (p.MessageBody !== undefined) p.MessageBody = jsonString(p.MessageBody);
      try {
        const res = await callSdk(entry, "SendMessage", p);
        return {
          MD5OfMessageBody: res.MD5OfMessageBody,
          MessageId: res.MessageId,
          ...sdkHttpMetadata(200, res.$metadata?.requestId),
        };
      } catch (e) {
        throw v1ErrorOf("sqs", entry.mod, e);
      }
    },
  };

  /**
   * The S3 reads of a Distributed Map `ItemReader` (`arn:aws:states:::s3:getObject` / `s3:listObjectsV2`): the body
   * text of the object, or one ListObjectsV2 page as JSON (`Contents`, `IsTruncated`, `NextContinuationToken`); the
   * engine's item reader parses and pages. Failures carry the SDK v2 wording the `aws-sdk:s3` tasks use.
   */
  const s3Read = (action: "GetObject" | "ListObjectsV2") => async (call: IntegrationCall) => {
    const entry = clientFor("s3", call.region)!;
    try {
      const out = (await toJsonOutput(
        await callSdk(entry, action, (call.parameters ?? {}) as Record<string, unknown>),
      )) as Record<string, unknown>;
      return action === "GetObject" ? (typeof out.Body === "string" ? out.Body : "") : out;
    } catch (e) {
      throw sdkErrorOf("s3", entry.mod, e);
    }
  };
  optimized["s3:getObject"] = s3Read("GetObject");
  optimized["s3:listObjectsV2"] = s3Read("ListObjectsV2");
  /**
   * The S3 writes of a Distributed Map `ResultWriter` (`arn:aws:states:::s3:putObject`): `{Bucket, Key, Body}` with
   * the result file's text; answers `{ETag}`. Failures carry the SDK wording (the engine makes them
   * States.ResultWriterFailed).
   */
  optimized["s3:putObject"] = async (call: IntegrationCall) => {
    const entry = clientFor("s3", call.region)!;
    const p = (call.parameters ?? {}) as Record<string, unknown>;
    try {
      const res = await callSdk(entry, "PutObject", { ContentType: "application/json", ...p });
      return { ETag: res.ETag };
    } catch (e) {
      throw sdkErrorOf("s3", entry.mod, e);
    }
  };

  return (call) => {
    const parsed = call.parsed;
    if (parsed.kind === "lambda-function") {
      return {
        invoke: async (c) => (await lambdaInvoke(parsed.functionArn, c.parameters, c.region)).body,
      } satisfies ServiceIntegration;
    }
    if (parsed.kind !== "service") return undefined;
    if (!parsed.sdk) {
      const handler = optimized[`${parsed.service}:${parsed.action}`];
      return handler ? { invoke: handler } : undefined;
    }
    if (!CLIENT_PACKAGES[parsed.service]) return undefined;
    return {
      invoke: async (c) => {
        const entry = clientFor(parsed.service, c.region)!;
        const action = pascal(parsed.action);
        if (!entry.mod[`${action}Command`]) {
          throw new StatesError(
            "States.Runtime",
            `aws-sdk:${parsed.service} has no action '${parsed.action}' (no ${pascal(parsed.action)}Command in ${CLIENT_PACKAGES[parsed.service]!.pkg})`,
          );
        }
        try {
          return await toJsonOutput(await callSdk(entry, action, (c.parameters ?? {}) as Record<string, unknown>));
        } catch (e) {
          throw sdkErrorOf(parsed.service, entry.mod, e);
        }
      },
    };
  };
}
