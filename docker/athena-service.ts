/**
 * The `athena` service of docker-compose.yml: our scripted Athena emulator alone on an edge, with its result files
 * written through the S3 API of another endpoint (LocalStack's S3 on the compose network) instead of an in-process
 * S3. Bundled by docker/Dockerfile into one JavaScript file; also importable in-process (tests).
 *
 * Why a separate entry point rather than `npm run emulators`: in a container the edge must listen on 0.0.0.0, and
 * the result CSV must land where LocalStack's Step Functions (`aws-sdk:s3:copyObject`) can copy it from.
 */
import { ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseArgs } from "node:util";
import { RealClock, type Clock } from "../harness/common/clock";
import { athenaService, type AthenaEmulatorOptions } from "../harness/emulator/athena/athena-emulator";
import { startEdge, type ServiceFactory, type StartedEdge } from "../harness/emulator/edge";
import { AwsServiceError } from "../harness/emulator/errors";
import type { S3Internal } from "../harness/emulator/internal-apis";
import type { EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../harness/emulator/types";

/**
 * An S3 the Athena emulator writes to over the wire. `bucketExists` is synchronous in {@link S3Internal}, so the
 * bucket list is read (ListBuckets) before every Athena request and control-plane call; S3 requests sent to this
 * edge itself are refused with a pointer to the real S3 endpoint.
 */
export class RemoteS3Store implements ServiceEmulator, S3Internal {
  readonly name = "s3";
  private buckets = new Set<string>();

  constructor(
    private readonly client: S3Client,
    /** The S3 endpoint, for messages. */
    readonly endpoint: string,
  ) {}

  /** Re-reads the bucket list. @throws AwsServiceError (InternalServerException) when S3 cannot be reached. */
  async refresh(): Promise<void> {
    try {
      const res = await this.client.send(new ListBucketsCommand({}));
      this.buckets = new Set((res.Buckets ?? []).map((b) => b.Name ?? "").filter(Boolean));
    } catch (e) {
      throw new AwsServiceError(
        "InternalServerException",
        `the Athena emulator cannot reach S3 at ${this.endpoint}: ${e instanceof Error ? e.message : String(e)}`,
        500,
      );
    }
  }

  bucketExists(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  async putObjectInternal(
    bucket: string,
    key: string,
    body: Buffer,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<{ etag: string }> {
    const res = await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}),
        ...(options.metadata !== undefined ? { Metadata: options.metadata } : {}),
      }),
    );
    return { etag: res.ETag ?? "" };
  }

  /** Objects live in the remote S3; nothing on this edge reads them synchronously. */
  getObjectInternal(): never {
    throw new Error(`getObjectInternal is not available: objects live in the S3 at ${this.endpoint}`);
  }

  async handle(): Promise<EmulatorResponse> {
    throw new AwsServiceError(
      "NotImplemented",
      `this endpoint serves only Athena; send S3 requests to ${this.endpoint}`,
      501,
    );
  }

  reset(): void {
    this.buckets.clear();
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * Athena whose every request first refreshes the remote bucket list, so "Unable to verify/create output bucket"
 * and the result write see the S3 as it is now.
 */
function athenaOverRemoteS3(store: RemoteS3Store, options: AthenaEmulatorOptions): ServiceFactory {
  return (ctx) => {
    const inner = athenaService(options)(ctx);
    const service: ServiceEmulator = {
      name: inner.name,
      async handle(req: EmulatorRequest) {
        await store.refresh();
        return inner.handle(req);
      },
      reset: () => inner.reset(),
      close: async () => inner.close?.(),
    };
    if (inner.control) {
      const control = inner.control.bind(inner);
      service.control = async (subpath, req) => {
        await store.refresh();
        return control(subpath, req);
      };
    }
    return service;
  };
}

/**
 * What nobody polls must finish at once: on the Docker targets the state machine's GetQueryExecution is mocked, so
 * a per-call script would never advance and never write its result. The query succeeds when it starts.
 */
export const DOCKER_DEFAULT_SCRIPT = { states: ["SUCCEEDED" as const] };

export interface AthenaServiceOptions {
  /** S3 endpoint the result files are written to (LocalStack: `http://localstack:4566`). */
  s3Endpoint: string;
  /** Default 4599; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; `0.0.0.0` inside a container (explicit, so non-loopback binding is allowed). */
  host?: string;
  region?: string;
  /** Default a real clock (Docker targets run in real time). */
  clock?: Clock;
  athena?: AthenaEmulatorOptions;
  log?: (message: string) => void;
}

/** Starts the edge with Athena only; results go to `s3Endpoint` through the AWS SDK (path-style, dummy keys). */
export async function startAthenaService(options: AthenaServiceOptions): Promise<StartedEdge> {
  const client = new S3Client({
    endpoint: options.s3Endpoint,
    region: options.region ?? "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
    maxAttempts: 3,
  });
  const store = new RemoteS3Store(client, options.s3Endpoint);
  const host = options.host ?? "127.0.0.1";
  return startEdge({
    port: options.port ?? 4599,
    host,
    allowNonLoopback: host !== "127.0.0.1" && host !== "localhost",
    clock: options.clock ?? new RealClock(),
    ...(options.log ? { log: options.log } : {}),
    services: [() => store, athenaOverRemoteS3(store, { defaultScript: DOCKER_DEFAULT_SCRIPT, ...options.athena })],
  });
}

/** Container entry point: flags, else `TESTBED_ATHENA_{PORT,HOST,S3_ENDPOINT}`. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: "string" }, host: { type: "string" }, "s3-endpoint": { type: "string" } },
    }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const portText = values.port ?? env.TESTBED_ATHENA_PORT ?? "4599";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: port must be 0-65535, got '${portText}'\n`);
    return 2;
  }
  const s3Endpoint = values["s3-endpoint"] ?? env.TESTBED_ATHENA_S3_ENDPOINT;
  if (!s3Endpoint) {
    process.stderr.write("error: set --s3-endpoint or TESTBED_ATHENA_S3_ENDPOINT (e.g. http://localstack:4566)\n");
    return 2;
  }
  const edge = await startAthenaService({
    s3Endpoint,
    port,
    host: values.host ?? env.TESTBED_ATHENA_HOST ?? "127.0.0.1",
    region: env.AWS_DEFAULT_REGION ?? "us-east-1",
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`pipeline-testbed athena listening on ${edge.endpoint}; results → ${s3Endpoint}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await edge.close();
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
