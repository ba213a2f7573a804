import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Is there a container runtime the Docker targets can use? Checked without testcontainers (which is loaded only when
 * a Docker target starts), in well under a second when nothing answers: the `docker` CLI must reach a daemon and a
 * Compose CLI must exist. The docker jest project calls this first and fails at once with {@link formatProbeFailure}
 * when the answer is no, instead of each test timing out on its own.
 */
export interface ProbeAttempt {
  /** What was checked (`DOCKER_HOST=unix:///…`, `socket /var/run/docker.sock`, `docker info`, `docker compose version`). */
  what: string;
  ok: boolean;
  detail: string;
}

export interface ProbeResult {
  available: boolean;
  /** One line: why not (or what answered). */
  reason: string;
  tried: ProbeAttempt[];
  /** The daemon's version, when `docker info` answered. */
  serverVersion?: string;
  /** The Compose command that answered: `["docker", "compose"]` or `["docker-compose"]`. */
  compose?: string[];
}

export interface CommandResult {
  /** Exit code; `null` when the command could not be started or was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Spawn error text (`ENOENT`: the command does not exist) or "timed out". */
  error?: string;
}

/** The side effects of the probe, injectable for tests. */
export interface ProbeDeps {
  env: Record<string, string | undefined>;
  /** True when a Unix socket exists at that path. */
  isSocket(path: string): boolean;
  run(command: string, args: string[], timeoutMs: number): Promise<CommandResult>;
  home: string;
}

function defaultRun(command: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (typeof e.code === "number") return resolve({ code: e.code, stdout, stderr });
      resolve({ code: null, stdout, stderr, error: e.killed ? "timed out" : String(e.code ?? e.message) });
    });
  });
}

/** The real side effects. */
export const defaultProbeDeps: ProbeDeps = {
  env: process.env,
  isSocket(path) {
    try {
      return statSync(path).isSocket();
    } catch {
      return false;
    }
  },
  run: defaultRun,
  home: homedir(),
};

/** Where Docker-compatible engines put their socket (Docker Engine, rootless, Desktop, Colima, Rancher, Podman). */
export function candidateSockets(env: Record<string, string | undefined>, home: string): string[] {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return [
    "/var/run/docker.sock",
    ...(runtimeDir ? [join(runtimeDir, "docker.sock"), join(runtimeDir, "podman", "podman.sock")] : []),
    join(home, ".docker", "run", "docker.sock"),
    join(home, ".colima", "default", "docker.sock"),
    join(home, ".rd", "docker.sock"),
  ];
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? ""
  );
}

function describe(r: CommandResult): string {
  if (r.error) return r.error === "ENOENT" ? "command not found" : r.error;
  return `exit ${r.code}${firstLine(r.stderr) ? `: ${firstLine(r.stderr)}` : ""}`;
}

/**
 * Looks for a daemon (`DOCKER_HOST`, then the usual sockets, then `docker info`) and a Compose CLI
 * (`docker compose`, then `docker-compose`). Never throws.
 * @param timeoutMs per command; `docker info` against a dead TCP host otherwise hangs for long.
 */
export async function probeContainerRuntime(
  deps: ProbeDeps = defaultProbeDeps,
  timeoutMs = 5000,
): Promise<ProbeResult> {
  const tried: ProbeAttempt[] = [];
  const dockerHost = deps.env.DOCKER_HOST;
  let socketFound = false;
  if (dockerHost) {
    const path = dockerHost.startsWith("unix://") ? dockerHost.slice("unix://".length) : undefined;
    const ok = path === undefined || deps.isSocket(path);
    socketFound = ok;
    tried.push({
      what: `DOCKER_HOST=${dockerHost}`,
      ok,
      detail: path === undefined ? "remote daemon; asking `docker info`" : ok ? "socket exists" : "no socket there",
    });
  } else {
    for (const path of candidateSockets(deps.env, deps.home)) {
      const ok = deps.isSocket(path);
      tried.push({ what: `socket ${path}`, ok, detail: ok ? "exists" : "absent" });
      if (ok) {
        socketFound = true;
        break;
      }
    }
  }

  const info = await deps.run("docker", ["info", "--format", "{{.ServerVersion}}"], timeoutMs);
  const serverVersion = info.code === 0 ? firstLine(info.stdout) : undefined;
  tried.push({
    what: "docker info",
    ok: info.code === 0,
    detail: info.code === 0 ? `server ${serverVersion || "answered"}` : describe(info),
  });
  if (info.code !== 0) {
    const why =
      info.error === "ENOENT"
        ? "the docker CLI is not installed"
        : socketFound
          ? "a Docker socket exists but the daemon does not answer"
          : "no Docker daemon is running or reachable";
    return { available: false, reason: why, tried };
  }

  let compose: string[] | undefined;
  for (const cmd of [["docker", "compose"], ["docker-compose"]]) {
    const r = await deps.run(cmd[0]!, [...cmd.slice(1), "version"], timeoutMs);
    tried.push({
      what: `${cmd.join(" ")} version`,
      ok: r.code === 0,
      detail: r.code === 0 ? firstLine(r.stdout) : describe(r),
    });
    if (r.code === 0) {
      compose = cmd;
      break;
    }
  }
  if (!compose) {
    return {
      available: false,
      reason: "the Docker daemon answers but no Compose CLI was found (testcontainers needs one)",
      tried,
      ...(serverVersion ? { serverVersion } : {}),
    };
  }
  return {
    available: true,
    reason: `Docker ${serverVersion || "daemon"} with ${compose.join(" ")}`,
    tried,
    ...(serverVersion ? { serverVersion } : {}),
    compose,
  };
}

/** The one message the docker test project fails with: what was tried, and how to fix it. */
export function formatProbeFailure(result: ProbeResult): string {
  return [
    `The Docker targets need a container runtime: ${result.reason}.`,
    "Tried:",
    ...result.tried.map((t) => `  ${t.ok ? "✓" : "✗"} ${t.what} — ${t.detail}`),
    "To fix: start Docker (Docker Engine / Docker Desktop / Colima / Podman with its Docker socket) so that",
    "`docker info` and `docker compose version` both succeed, or point DOCKER_HOST at a reachable daemon.",
    "Without Docker, run `npm test` (the embedded target needs none).",
  ].join("\n");
}

/** The runtime is missing; thrown by {@link assertContainerRuntime}. */
export class ContainerRuntimeUnavailableError extends Error {
  override readonly name = "ContainerRuntimeUnavailableError";
  constructor(readonly result: ProbeResult) {
    super(formatProbeFailure(result));
  }
}

/** Probes and throws {@link ContainerRuntimeUnavailableError} when there is no usable runtime (jest globalSetup). */
export async function assertContainerRuntime(deps: ProbeDeps = defaultProbeDeps): Promise<ProbeResult> {
  const result = await probeContainerRuntime(deps);
  if (!result.available) throw new ContainerRuntimeUnavailableError(result);
  return result;
}
