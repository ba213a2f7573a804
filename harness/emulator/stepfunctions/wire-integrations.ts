import { StatesError } from "../../engine/errors";
import type { IntegrationCall, IntegrationResolver, ServiceIntegration } from "../../engine/integrations";

/**
 * Task integrations that call AWS services over the wire with the AWS SDK v3, exactly as Step Functions would:
 * the optimized integrations (`lambda:invoke`, `sns:publish`, `sqs:sendMessage`, legacy Lambda ARNs) and the generic
 * `aws-sdk:<service>:<action>` ones. Pointed at the edge they exercise the emulators; the output and error shapes
 * follow AWS (`Lambda.*`, `S3.NoSuchKeyException` with "(Service: S3, Status Code: 404, Request ID: …)" causes).
 */
export interface WireIntegrationOptions {
  /** Base URL of the services (the edge). */
  endpoint: () => string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** SDK package per ASL service name; only services whose client is installed are callable. */
const CLIENT_PACKAGES: Record<string, { pkg: string; client: string }> = {
  s3: { pkg: "@aws-sdk/client-s3", client: "S3Client" },
  athena: { pkg: "@aws-sdk/client-athena", client: "AthenaClient" },
  sns: { pkg: "@aws-sdk/client-sns", client: "SNSClient" },
  sqs: { pkg: "@aws-sdk/client-sqs", client: "SQSClient" },
  lambda: { pkg: "@aws-sdk/client-lambda", client: "LambdaClient" },
  sfn: { pkg: "@aws-sdk/client-sfn", client: "SFNClient" },
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

type SdkModule = Record<string, any>;

function pascal(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** Turns SDK output into the JSON Step Functions hands to the state: no `$metadata`, dates as ISO strings. */
async function toJsonOutput(value: unknown): Promise<unknown> {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value && typeof value === "object" && typeof (value as any).transformToString === "function") {
    return (value as any).transformToString();
  }
  if (Array.isArray(value)) return Promise.all(value.map(toJsonOutput));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "$metadata" || v === undefined) continue;
      out[k] = await toJsonOutput(v);
    }
    return out;
  }
  return value;
}

function sdkErrorOf(service: string, e: unknown): StatesError {
  const err = e as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  };
  const svc = ERROR_SERVICE_NAMES[service] ?? pascal(service);
  if (!err.$metadata?.httpStatusCode) {
    return new StatesError(`${svc}.SdkClientException`, `Unable to execute HTTP request: ${err.message ?? String(e)}`);
  }
  let name = err.name ?? "Unknown";
  if (!name.endsWith("Exception")) name += "Exception";
  const details = [
    `Service: ${svc}`,
    `Status Code: ${err.$metadata.httpStatusCode}`,
    `Request ID: ${err.$metadata.requestId ?? "unknown"}`,
  ];
  if (err.$metadata.extendedRequestId) details.push(`Extended Request ID: ${err.$metadata.extendedRequestId}`);
  return new StatesError(`${svc}.${name}`, `${err.message ?? ""} (${details.join(", ")})`);
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

/** Builds the resolver; SDK clients are created once per service and region, lazily. */
export function wireIntegrations(options: WireIntegrationOptions): IntegrationResolver {
  const clients = new Map<string, { mod: SdkModule; client: any }>();

  function clientFor(service: string, region: string): { mod: SdkModule; client: any } | undefined {
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
      credentials: options.credentials ?? { accessKeyId: "test", secretAccessKey: "test" },
      forcePathStyle: true,
      maxAttempts: 1,
      disableHostPrefix: true,
    });
    entry = { mod, client };
    clients.set(key, entry);
    return entry;
  }

  async function lambdaInvoke(
    functionName: string,
    payload: unknown,
    region: string,
    extra: Record<string, unknown> = {},
  ) {
    const { mod, client } = clientFor("lambda", region)!;
    let res: any;
    try {
      res = await client.send(
        new mod.InvokeCommand({
          ...extra,
          FunctionName: functionName,
          Payload: Buffer.from(JSON.stringify(payload ?? null)),
        }),
      );
    } catch (e) {
      const err = sdkErrorOf("lambda", e);
      throw err;
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
      const { mod, client } = clientFor("sns", call.region)!;
      const p = { ...((call.parameters ?? {}) as Record<string, unknown>) };
      if (p.Message !== undefined) p.Message = jsonString(p.Message);
      try {
        const res = await client.send(new mod.PublishCommand(p));
        return { MessageId: res.MessageId, ...sdkHttpMetadata(200, res.$metadata?.requestId) };
      } catch (e) {
        throw sdkErrorOf("sns", e);
      }
    },
    "sqs:sendMessage": async (call) => {
      const { mod, client } = clientFor("sqs", call.region)!;
      const p = { ...((call.parameters ?? {}) as Record<string, unknown>) };
      if (p.MessageBody !== undefined) p.MessageBody = jsonString(p.MessageBody);
      try {
        const res = await client.send(new mod.SendMessageCommand(p));
        return {
          MD5OfMessageBody: res.MD5OfMessageBody,
          MessageId: res.MessageId,
          ...sdkHttpMetadata(200, res.$metadata?.requestId),
        };
      } catch (e) {
        throw sdkErrorOf("sqs", e);
      }
    },
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
        const { mod, client } = clientFor(parsed.service, c.region)!;
        const Command = mod[`${pascal(parsed.action)}Command`];
        if (!Command) {
          throw new StatesError(
            "States.Runtime",
            `aws-sdk:${parsed.service} has no action '${parsed.action}' (no ${pascal(parsed.action)}Command in ${CLIENT_PACKAGES[parsed.service]!.pkg})`,
          );
        }
        try {
          return await toJsonOutput(await client.send(new Command(c.parameters ?? {})));
        } catch (e) {
          throw sdkErrorOf(parsed.service, e);
        }
      },
    };
  };
}
