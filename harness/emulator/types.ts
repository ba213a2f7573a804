import type { Clock } from "../common/clock";

/** One HTTP request as the edge hands it to a service emulator. */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string, still percent-encoded (S3 keys need the raw form). */
  rawPath: string;
  /** Path without the query string, percent-decoded. */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Service the edge routed to (`s3`, `sns`, `sqs`, `lambda`, `athena`, `states`). */
  service: string;
  /** Region from the SigV4 credential scope (default `us-east-1`). */
  region: string;
  /** Account used in ARNs (always {@link ACCOUNT_ID}). */
  accountId: string;
  /** The `Host` header, for virtual-host style S3. */
  host: string;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** LocalStack's default account; every ARN the emulators mint uses it. */
export const ACCOUNT_ID = "000000000000";

/**
 * A service behind the edge. Implementations keep their state in memory (or a directory), answer in the wire
 * protocol the AWS SDK v3 client of that service speaks, and never throw out of `handle` for a bad request: they
 * answer the AWS error shape instead (the edge turns an unexpected throw into a 500 `InternalFailure`).
 */
export interface ServiceEmulator {
  /** Credential-scope service name (`s3`, `sns`, `sqs`, `lambda`, `athena`, `states`). */
  readonly name: string;
  handle(req: EmulatorRequest): Promise<EmulatorResponse>;
  /** Control plane under `/_testbed/<name>/...` (JSON in, JSON out); optional. */
  control?(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse>;
  /** Drops all state (control plane `POST /_testbed/reset`). */
  reset(): void | Promise<void>;
  /** Frees workers, timers, files. */
  close?(): Promise<void>;
}

/** What every service emulator is constructed with; cross-service calls go through `services`. */
export interface EmulatorContext {
  clock: Clock;
  /** The edge's base URL (`http://127.0.0.1:<port>`), known once the server listens. */
  endpoint(): string;
  /**
   * The private Unix socket (named pipe on Windows) on which the same edge answers in-process callers, if it has one.
   * Requests there are the same HTTP, parsed and routed by the same server; only the TCP loopback stack is skipped.
   */
  localSocket?(): string | undefined;
  /** Other services, by name, for in-process cross-service effects (S3 notification → Lambda, SNS → SQS, …). */
  services: ServiceRegistry;
  log: (message: string) => void;
}

/** In-process handles the services expose to each other. Filled in as the edge is assembled. */
export interface ServiceRegistry {
  get<T extends ServiceEmulator>(name: string): T | undefined;
}
