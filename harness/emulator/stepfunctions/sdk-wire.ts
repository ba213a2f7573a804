import http from "node:http";
import { Readable } from "node:stream";
import { NormalizedSchema } from "@smithy/core/schema";

/**
 * The transport under the Task integrations' AWS SDK calls. Step Functions' own service calls cost it nothing we can
 * see; ours ran on the emulator's main thread, where the SDK's full middleware stack (endpoint rules, SigV4 HMACs,
 * retry bookkeeping, several copies of a ~45-key config per call) was ~60 % of a Task's CPU. Two things keep the
 * wire identical and cut that cost:
 *
 * - {@link leanClientConfig}: a plain keep-alive `http` handler and a signer that writes the SigV4 `Authorization`
 *   header's credential scope (the edge routes by it, and reads the region from it) with a placeholder signature —
 *   the emulators, like LocalStack, never verify signatures.
 * - {@link directOperation}: the client's own protocol serializer and deserializer (the service model's schema, the
 *   same bytes the SDK would send) called without the middleware stack, for operations that need none of the
 *   customizations that stack carries (request checksums, streaming bodies; see {@link DIRECT_SERVICES}). Other
 *   operations keep the full SDK path.
 */

/** Something the protocol serializer produced (a `@smithy/core` HttpRequest). */
interface SdkHttpRequest {
  method: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What the protocol deserializer reads (duck-typed like `@smithy/core`'s HttpResponse). */
interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: unknown;
}

function pathWithQuery(request: SdkHttpRequest): string {
  const query = request.query;
  if (!query) return request.path;
  const parts: string[] = [];
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined) continue;
    const k = encodeURIComponent(key);
    if (value === null) parts.push(k);
    else if (Array.isArray(value)) for (const v of value) parts.push(`${k}=${encodeURIComponent(v)}`);
    else parts.push(`${k}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `${request.path}?${parts.join("&")}` : request.path;
}

/** `http.IncomingHttpHeaders` as the SDK wants them: single strings. */
function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (v !== undefined) out[key] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function requestBody(body: unknown): string | Uint8Array | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof Readable) return body;
  throw new TypeError(`unsupported SDK request body (${Object.prototype.toString.call(body)})`);
}

/**
 * Where requests go: a keep-alive agent, and the edge's private socket when it has one (the same HTTP server as its
 * TCP port; the request keeps the TCP endpoint's `Host`).
 */
export interface Transport {
  agent: http.Agent;
  socketPath: () => string | undefined;
}

/** Sends one serialized request; the body is read whole (`bodyAs: "stream"` wraps it in a stream). */
function send(transport: Transport, request: SdkHttpRequest, bodyAs: "buffer" | "stream"): Promise<SdkHttpResponse> {
  const socketPath = transport.socketPath();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: request.hostname,
        ...(request.port !== undefined ? { port: request.port } : {}),
        ...(socketPath ? { socketPath } : {}),
        method: request.method,
        path: pathWithQuery(request),
        headers: request.headers,
        agent: transport.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve({
            statusCode: res.statusCode ?? 0,
            ...(res.statusMessage ? { reason: res.statusMessage } : {}),
            headers: flatHeaders(res.headers),
            body: bodyAs === "stream" ? Readable.from([body]) : body,
          });
        });
      },
    );
    req.on("error", reject);
    const body = requestBody(request.body);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

let signingDay = "";
let signingDayUntil = 0;
/** `YYYYMMDD` of now (the credential scope's date), recomputed at most once a minute. */
function today(): string {
  const now = Date.now();
  if (now >= signingDayUntil) {
    signingDay = new Date(now).toISOString().slice(0, 10).replace(/-/g, "");
    signingDayUntil = now + 60_000;
  }
  return signingDay;
}

/** The `Authorization` header of a SigV4 request, with the credential scope real and the signature a placeholder. */
export function scopedAuthorization(accessKeyId: string, region: string, signingName: string): string {
  return (
    `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${today()}/${region}/${signingName}/aws4_request, ` +
    `SignedHeaders=host, Signature=${"0".repeat(64)}`
  );
}

/** The SDK `HttpHandler` of {@link leanClientConfig}. */
class LeanHttpHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };
  constructor(private readonly transport: Transport) {}
  async handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }> {
    // A stream, because streaming outputs (`GetObject` Body) are handed to the caller as one.
    return { response: await send(this.transport, request, "stream") };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

/**
 * Client configuration for the SDK path: the keep-alive handler and the placeholder signer (for SigV4 and SigV4a,
 * which S3 may choose). `signingName` is the service's, for the operations whose auth scheme does not name it.
 */
export function leanClientConfig(
  transport: Transport,
  accessKeyId: string,
  signingName: string,
): Record<string, unknown> {
  const signer = {
    sign: async (
      request: SdkHttpRequest,
      _identity: unknown,
      props: { signingRegion?: string; signingName?: string; signingRegionSet?: string[] } = {},
    ) => {
      const region = props.signingRegion ?? props.signingRegionSet?.[0] ?? "us-east-1";
      request.headers["authorization"] = scopedAuthorization(accessKeyId, region, props.signingName ?? signingName);
      return request;
    },
  };
  const identity = () => async () => ({ accessKeyId, secretAccessKey: "unused" });
  return {
    requestHandler: new LeanHttpHandler(transport),
    httpAuthSchemes: [
      { schemeId: "aws.auth#sigv4", identityProvider: identity, signer },
      { schemeId: "aws.auth#sigv4a", identityProvider: identity, signer },
    ],
  };
}

/**
 * Services whose clients' middleware adds nothing an operation without checksums or streams needs. Not SQS: its client
 * checks the MD5 digests of messages sent and received. S3's one remaining customization that matters here — a 200
 * response whose body is an `<Error>` (CopyObject can answer so) is an error — is done in {@link directOperation}.
 */
const DIRECT_SERVICES = new Set(["athena", "sfn", "lambda", "sns", "s3"]);

/** The SDK's operation schema tuple (`[9, namespace, name, traits, input, output]`), exported as `<Operation>$`. */
type OperationSchema = [number, string, string, Record<string, unknown> | number, unknown, unknown];

function isOperationSchema(value: unknown): value is OperationSchema {
  return Array.isArray(value) && value[0] === 9 && typeof value[1] === "string" && typeof value[2] === "string";
}

function hasStreamingMember(schema: unknown): boolean {
  const ns = NormalizedSchema.of(schema as never);
  if (!ns.isStructSchema()) return false;
  for (const [, member] of ns.structIterator()) if (member.isStreaming()) return true;
  return false;
}

/** The protocol object of a constructed SDK client (`client.config.protocol`). */
interface SdkProtocol {
  serializeRequest(operation: unknown, input: unknown, context: unknown): Promise<SdkHttpRequest>;
  deserializeResponse(operation: unknown, context: unknown, response: SdkHttpResponse): Promise<any>;
}

/** Calls one operation: resolves with the SDK's output (with `$metadata`), rejects with the SDK's exception. */
export type DirectOperation = (input: Record<string, unknown>) => Promise<any>;

/**
 * A direct caller for `action` on `client`, or `undefined` when the operation needs the full SDK path (a service not
 * in {@link DIRECT_SERVICES}, request checksums, a streaming member, or an SDK whose internals are not as expected).
 */
export function directOperation(
  service: string,
  mod: Record<string, any>,
  client: { config: Record<string, any> },
  action: string,
  endpoint: URL,
  transport: Transport,
  accessKeyId: string,
  region: string,
  signingName: string,
): DirectOperation | undefined {
  if (!DIRECT_SERVICES.has(service)) return undefined;
  const schema: unknown = mod[`${action}$`];
  const protocol = client.config.protocol as SdkProtocol | undefined;
  if (!isOperationSchema(schema) || typeof protocol?.serializeRequest !== "function") return undefined;
  const [, namespace, name, traits, input, output] = schema;
  // Traits are an object, or a bit field (no checksum traits) in the SDK's compact form.
  if (typeof traits === "object" && traits && ("httpChecksum" in traits || "httpChecksumRequired" in traits)) {
    return undefined;
  }
  if (hasStreamingMember(input) || hasStreamingMember(output)) return undefined;
  const operation = { name, namespace, traits, input, output };
  const base = {
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: endpoint.pathname.replace(/\/$/, "") || "/",
  };
  const authorization = () => scopedAuthorization(accessKeyId, region, signingName);
  return async (params) => {
    // The client's resolved config serves as the serde context without being copied for every call.
    const context = Object.create(client.config) as Record<string, unknown>;
    // Path-style S3: the bucket leads the path (the SDK's endpoint rules do this for forcePathStyle clients).
    const bucket = service === "s3" && typeof params.Bucket === "string" ? params.Bucket : undefined;
    const where = bucket ? { ...base, path: `${base.path === "/" ? "" : base.path}/${bucket}` } : base;
    context.endpoint = async () => where;
    const request = await protocol.serializeRequest(operation, params, context);
    request.headers["authorization"] = authorization();
    const response = await send(transport, request, "buffer");
    if (
      service === "s3" &&
      response.statusCode === 200 &&
      /^\s*(<\?xml[^>]*\?>\s*)?<Error>/.test((response.body as Buffer).toString("utf8", 0, 256))
    ) {
      response.statusCode = 400;
    }
    return protocol.deserializeResponse(operation, context, response);
  };
}
