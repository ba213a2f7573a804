import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../common/clock";
import { VirtualClock } from "../common/clock";
import { AwsServiceError, jsonError, queryError, restJsonError, s3Error } from "./errors";
import { ACCOUNT_ID } from "./types";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator, ServiceRegistry } from "./types";

/** Builds one service emulator once the shared context exists. */
export type ServiceFactory = (ctx: EmulatorContext) => ServiceEmulator;

export interface EdgeOptions {
  /** TCP port; `0` (the default) picks a free one. */
  port?: number;
  /** Bind address. Only loopback is allowed unless `allowNonLoopback` is set. */
  host?: string;
  allowNonLoopback?: boolean;
  clock?: Clock;
  services: ServiceFactory[];
  log?: (message: string) => void;
  /**
   * Also serve the same HTTP server on a private Unix socket (a named pipe on Windows) for in-process callers — the
   * Step Functions emulator's Task integrations — sparing them the TCP loopback stack. Default true.
   */
  localSocket?: boolean;
}

/** A listening edge endpoint. */
export interface StartedEdge {
  readonly endpoint: string;
  readonly port: number;
  readonly clock: Clock;
  readonly context: EmulatorContext;
  /** The private socket the same server answers on (see {@link EdgeOptions.localSocket}), if any. */
  readonly localSocketPath: string | undefined;
  service<T extends ServiceEmulator>(name: string): T;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const TARGET_PREFIXES: Record<string, string> = {
  AWSStepFunctions: "states",
  AmazonAthena: "athena",
  AmazonSQS: "sqs",
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Which service a request is for: SigV4 credential scope first, then `X-Amz-Target`, then the form `Action`. */
export function routeService(headers: Record<string, string>, query: URLSearchParams, body: Buffer): string {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    headers["authorization"] ?? query.get("X-Amz-Credential") ?? "",
  );
  if (scope?.[2]) return scope[2] === "sfn" ? "states" : scope[2];
  const target = headers["x-amz-target"];
  if (target) {
    const prefix = target.split(".")[0] ?? "";
    const svc = TARGET_PREFIXES[prefix];
    if (svc) return svc;
  }
  if ((headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(body.toString("utf8"));
    if (form.has("Action")) return form.has("QueueUrl") || /Queue/.test(form.get("Action") ?? "") ? "sqs" : "sns";
  }
  return "s3";
}

function regionOf(headers: Record<string, string>, query: URLSearchParams): string {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(
    headers["authorization"] ?? query.get("X-Amz-Credential") ?? "",
  );
  return scope?.[1] ?? "us-east-1";
}

function errorFor(service: string, err: AwsServiceError, requestId: string, method: string): EmulatorResponse {
  switch (service) {
    case "s3":
      return s3Error(err, requestId, method);
    case "sns":
      return queryError(err, requestId);
    case "lambda":
      return restJsonError(err, requestId);
    default:
      return jsonError(err, requestId);
  }
}

function json(status: number, value: unknown): EmulatorResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

/** Socket directories of edges still open; removed at process exit if their edge never closed. */
const SOCKET_DIRS = new Set<string>();
process.on("exit", () => {
  for (const dir of SOCKET_DIRS) rmSync(dir, { recursive: true, force: true });
});

/**
 * Serves `server` on a Unix socket in a fresh private directory (a uniquely named pipe on Windows). Connections are
 * handed to the HTTP server as they come, so they are parsed, routed and tracked (closed on shutdown) exactly like TCP
 * ones. `undefined` when the socket cannot be made; callers then use TCP.
 */
async function listenLocalSocket(
  server: http.Server,
  log: (message: string) => void,
): Promise<{ path: string; close(): Promise<void> } | undefined> {
  let dir: string | undefined;
  let path: string;
  try {
    if (process.platform === "win32") path = `\\\\.\\pipe\\pipeline-testbed-${process.pid}-${randomUUID()}`;
    else {
      dir = mkdtempSync(join(tmpdir(), "testbed-edge-"));
      path = join(dir, "edge.sock");
    }
  } catch (e) {
    log(`no local socket for in-process callers (they use TCP): ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const removeDir = () => {
    if (!dir) return;
    SOCKET_DIRS.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  // An edge that is never closed (a test that forgets, an uncaught error) still leaves no directory behind.
  if (dir) SOCKET_DIRS.add(dir);
  const local = net.createServer((socket) => server.emit("connection", socket));
  try {
    await new Promise<void>((resolve, reject) => {
      local.once("error", reject);
      local.listen(path, () => resolve());
    });
  } catch (e) {
    removeDir();
    log(`no local socket for in-process callers (they use TCP): ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  // In-process callers only: it must never keep the process alive on its own.
  local.unref();
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        local.close(() => {
          removeDir();
          resolve();
        });
      }),
  };
}

/**
 * Starts the edge: one HTTP server on loopback that routes each request to a service emulator the way LocalStack
 * does (by the SigV4 scope), plus the control plane under `/_testbed/`.
 */
export async function startEdge(options: EdgeOptions): Promise<StartedEdge> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host) && !options.allowNonLoopback) {
    throw new Error(`refusing to bind the emulator to ${host}: only loopback addresses are allowed (allowNonLoopback)`);
  }
  const clock = options.clock ?? new VirtualClock();
  const log = options.log ?? (() => {});
  const byName = new Map<string, ServiceEmulator>();
  const registry: ServiceRegistry = { get: <T extends ServiceEmulator>(n: string) => byName.get(n) as T | undefined };
  let endpoint = "";
  /** Filled in once the server listens. */
  const localSocket: { path?: string } = {};
  const context: EmulatorContext = {
    clock,
    endpoint: () => endpoint,
    localSocket: () => localSocket.path,
    services: registry,
    log,
  };
  for (const factory of options.services) {
    const svc = factory(context);
    byName.set(svc.name, svc);
  }

  async function control(req: EmulatorRequest): Promise<EmulatorResponse> {
    const sub = req.path.slice("/_testbed/".length).replace(/\/$/, "");
    if (sub === "health") {
      return json(200, {
        status: "running",
        services: Object.fromEntries([...byName.keys()].map((n) => [n, "available"])),
      });
    }
    if (sub === "reset" && req.method === "POST") {
      for (const svc of byName.values()) await svc.reset();
      return json(200, { reset: true });
    }
    if (sub === "clock") {
      if (req.method === "POST") {
        const body = req.body.length ? (JSON.parse(req.body.toString("utf8")) as { advanceMs?: unknown }) : {};
        if (!(clock instanceof VirtualClock))
          return json(400, { error: "the clock is real time; it cannot be advanced" });
        if (typeof body.advanceMs !== "number" || body.advanceMs < 0) {
          return json(400, { error: 'POST /_testbed/clock expects {"advanceMs": <non-negative number>}' });
        }
        clock.advance(body.advanceMs);
      }
      return json(200, {
        now: new Date(clock.now()).toISOString(),
        epochMs: clock.now(),
        virtual: clock instanceof VirtualClock,
      });
    }
    const [name, ...rest] = sub.split("/");
    const svc = name ? byName.get(name) : undefined;
    if (svc?.control) return svc.control(rest.join("/"), req);
    return json(404, { error: `no control endpoint /_testbed/${sub}`, see: "README.md#control-plane" });
  }

  async function dispatch(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (req.path.startsWith("/_testbed/")) {
      try {
        return await control(req);
      } catch (e) {
        return json(400, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    const requestId = randomUUID();
    const svc = byName.get(req.service);
    try {
      if (!svc) {
        throw new AwsServiceError(
          "NotImplemented",
          `service '${req.service}' is not emulated by pipeline-testbed (available: ${[...byName.keys()].join(", ")})`,
          501,
        );
      }
      return await svc.handle(req);
    } catch (e) {
      if (e instanceof AwsServiceError) return errorFor(req.service, e, requestId, req.method);
      log(`internal error in ${req.service}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const err = new AwsServiceError(
        "InternalFailure",
        `emulator error: ${e instanceof Error ? e.message : String(e)}`,
        500,
      );
      return errorFor(req.service, err, requestId, req.method);
    }
  }

  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (c: Buffer) => chunks.push(c));
    incoming.on("error", () => outgoing.destroy());
    incoming.on("end", () => {
      // The request target split by hand: a WHATWG URL per request costs more than the rest of the parsing, and an
      // origin-form target (`/path?query`) needs none of what it does.
      const target = incoming.url ?? "/";
      const queryAt = target.indexOf("?");
      const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
      const fragmentAt = queryAt < 0 ? -1 : target.indexOf("#", queryAt);
      const query = new URLSearchParams(
        queryAt < 0 ? "" : target.slice(queryAt + 1, fragmentAt < 0 ? undefined : fragmentAt),
      );
      const headers: Record<string, string> = {};
      const incomingHeaders = incoming.headers;
      for (const k in incomingHeaders) {
        const v = incomingHeaders[k];
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      }
      const body = Buffer.concat(chunks);
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        path = rawPath;
      }
      const req: EmulatorRequest = {
        method: incoming.method ?? "GET",
        rawPath,
        path,
        query,
        headers,
        body,
        service: routeService(headers, query, body),
        region: regionOf(headers, query),
        accountId: ACCOUNT_ID,
        host: headers["host"] ?? "",
      };
      dispatch(req)
        .then((res) => {
          const payload = res.body === undefined ? "" : res.body;
          outgoing.writeHead(res.status, {
            ...res.headers,
            "content-length": String(Buffer.byteLength(payload)),
          });
          outgoing.end(req.method === "HEAD" ? undefined : payload);
        })
        .catch((e: unknown) => {
          log(`failed to answer ${req.method} ${req.path}: ${String(e)}`);
          if (!outgoing.headersSent) outgoing.writeHead(500);
          outgoing.end();
        });
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const local = options.localSocket === false ? undefined : await listenLocalSocket(server, log);
  if (local) localSocket.path = local.path;

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await local?.close();
      for (const svc of byName.values()) await svc.close?.();
    })());

  return {
    endpoint,
    port,
    clock,
    context,
    localSocketPath: local?.path,
    service<T extends ServiceEmulator>(name: string): T {
      const svc = byName.get(name);
      if (!svc) throw new Error(`service '${name}' is not part of this edge`);
      return svc as T;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
