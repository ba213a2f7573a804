import {
  assertContainerRuntime,
  ContainerRuntimeUnavailableError,
  defaultProbeDeps,
  formatProbeFailure,
  probeContainerRuntime,
  type CommandResult,
  type ProbeDeps,
} from "./docker-probe";

type Answers = Record<string, CommandResult>;

function deps(options: { env?: Record<string, string>; sockets?: string[]; answers?: Answers }): ProbeDeps & {
  calls: string[];
} {
  const calls: string[] = [];
  const notFound: CommandResult = { code: null, stdout: "", stderr: "", error: "ENOENT" };
  return {
    calls,
    env: options.env ?? {},
    home: "/home/dev",
    isSocket: (p) => (options.sockets ?? []).includes(p),
    run: async (cmd, args) => {
      const line = [cmd, ...args].join(" ");
      calls.push(line);
      const key = Object.keys(options.answers ?? {}).find((k) => line.startsWith(k));
      return key ? options.answers![key]! : notFound;
    },
  };
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: "" });
const fail = (stderr: string): CommandResult => ({ code: 1, stdout: "", stderr });

describe("probeContainerRuntime", () => {
  it("reports a missing docker CLI and every socket it looked for", async () => {
    const r = await probeContainerRuntime(deps({ env: { XDG_RUNTIME_DIR: "/run/user/1000" } }));
    expect(r.available).toBe(false);
    expect(r.reason).toBe("the docker CLI is not installed");
    expect(r.tried.map((t) => t.what)).toEqual([
      "socket /var/run/docker.sock",
      "socket /run/user/1000/docker.sock",
      "socket /run/user/1000/podman/podman.sock",
      "socket /home/dev/.docker/run/docker.sock",
      "socket /home/dev/.colima/default/docker.sock",
      "socket /home/dev/.rd/docker.sock",
      "docker info",
    ]);
    expect(r.tried.at(-1)).toMatchObject({ ok: false, detail: "command not found" });
  });

  it("tells a dead daemon behind an existing socket apart from no daemon at all", async () => {
    const dead = await probeContainerRuntime(
      deps({
        sockets: ["/var/run/docker.sock"],
        answers: { "docker info": fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.") },
      }),
    );
    expect(dead.reason).toBe("a Docker socket exists but the daemon does not answer");
    expect(dead.tried.map((t) => t.what)).toEqual(["socket /var/run/docker.sock", "docker info"]);
    expect(dead.tried[1]!.detail).toBe("exit 1: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.");

    const none = await probeContainerRuntime(deps({ answers: { "docker info": fail("Cannot connect") } }));
    expect(none.reason).toBe("no Docker daemon is running or reachable");
  });

  it("checks DOCKER_HOST instead of the usual sockets when it is set", async () => {
    const unix = await probeContainerRuntime(
      deps({ env: { DOCKER_HOST: "unix:///tmp/d.sock" }, answers: { "docker info": fail("x") } }),
    );
    expect(unix.tried[0]).toEqual({ what: "DOCKER_HOST=unix:///tmp/d.sock", ok: false, detail: "no socket there" });
    expect(unix.tried).toHaveLength(2);
    const tcp = await probeContainerRuntime(
      deps({
        env: { DOCKER_HOST: "tcp://10.0.0.5:2375" },
        answers: { "docker info": { code: null, stdout: "", stderr: "", error: "timed out" } },
      }),
    );
    expect(tcp.tried.map((t) => t.detail)).toEqual(["remote daemon; asking `docker info`", "timed out"]);
    expect(tcp.available).toBe(false);
  });

  it("needs a Compose CLI besides the daemon, and prefers the docker compose plugin", async () => {
    const noCompose = await probeContainerRuntime(
      deps({ sockets: ["/var/run/docker.sock"], answers: { "docker info": ok("28.2.2\n") } }),
    );
    expect(noCompose).toMatchObject({ available: false, serverVersion: "28.2.2" });
    expect(noCompose.reason).toMatch(/no Compose CLI/);
    expect(noCompose.tried.map((t) => t.what)).toEqual([
      "socket /var/run/docker.sock",
      "docker info",
      "docker compose version",
      "docker-compose version",
    ]);

    const standalone = await probeContainerRuntime(
      deps({
        sockets: ["/var/run/docker.sock"],
        answers: {
          "docker info": ok("28.2.2"),
          "docker compose": fail("docker: unknown command: docker compose"),
          "docker-compose version": ok("docker-compose version 1.29.2"),
        },
      }),
    );
    expect(standalone).toMatchObject({
      available: true,
      compose: ["docker-compose"],
      reason: "Docker 28.2.2 with docker-compose",
    });

    const plugin = deps({
      sockets: ["/var/run/docker.sock"],
      answers: { "docker info": ok("28.2.2"), "docker compose version": ok("Docker Compose version v2.38.1") },
    });
    expect(await probeContainerRuntime(plugin)).toMatchObject({ available: true, compose: ["docker", "compose"] });
    expect(plugin.calls).not.toContain("docker-compose version");
  });

  it("fails with one message that lists what was tried and how to fix it", async () => {
    const d = deps({ answers: { "docker info": fail("Cannot connect to the Docker daemon") } });
    const err = await assertContainerRuntime(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerRuntimeUnavailableError);
    const text = (err as Error).message;
    expect(text).toContain("no Docker daemon is running or reachable");
    expect(text).toContain("✗ socket /var/run/docker.sock — absent");
    expect(text).toContain("✗ docker info — exit 1: Cannot connect to the Docker daemon");
    expect(text).toMatch(/To fix: start Docker/);
    expect(formatProbeFailure((err as ContainerRuntimeUnavailableError).result)).toBe(text);
  });

  it("answers quickly against this machine, whatever it has", async () => {
    const t0 = Date.now();
    const r = await probeContainerRuntime(defaultProbeDeps, 3000);
    expect(typeof r.available).toBe("boolean");
    expect(r.tried.some((t) => t.what === "docker info")).toBe(true);
    expect(Date.now() - t0).toBeLessThan(7000);
  });
});
