import { build } from "esbuild";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { COMPOSE_FILE, COMPOSE_PROJECT_DIR, COMPOSE_SERVICES, MOCK_CONFIG_FILE_NAME } from "./compose-target";

/**
 * docker-compose.yml and docker/Dockerfile, checked without a Docker engine: the structure the Docker targets rely
 * on, and (with a Compose CLI, which `docker compose config` needs but no daemon) what Compose itself makes of it.
 */
const run = promisify(execFile);
const text = readFileSync(join(COMPOSE_PROJECT_DIR, COMPOSE_FILE), "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
}
// `merge: true` resolves the `<<: *dummy-aws` keys as Compose does.
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** Compose's `${VAR-default}` / `${VAR:-default}` interpolation, for the values the tests look at. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(:?-)([^}]*)\}/g, (_m, name: string, op: string, def: string) => {
    const v = env[name];
    if (v === undefined) return def;
    return op === ":-" && v === "" ? def : v;
  });
}

describe("docker-compose.yml", () => {
  it("has the three services, each in the right profiles", () => {
    expect(Object.keys(services).sort()).toEqual(["athena", "localstack", "sfn-local"]);
    expect(services["localstack"]!.profiles).toEqual(["localstack", "sfn-local"]);
    expect(services["athena"]!.profiles).toEqual(["localstack", "sfn-local"]);
    expect(services["sfn-local"]!.profiles).toEqual(["sfn-local"]);
  });

  it("pins every image by tag (never latest); LocalStack at 4.14.0, the last tag without an auth token", () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:[\w.-]+$/) });
      expect(s.image!.endsWith(":latest")).toBe(false);
    }
    expect(services["localstack"]!.image).toBe("localstack/localstack:4.14.0");
    expect(services["sfn-local"]!.image).toBe("amazon/aws-stepfunctions-local:2.0.0");
    expect(services["athena"]!.build).toEqual({ context: ".", dockerfile: "docker/Dockerfile" });
  });

  it("binds every port to 127.0.0.1 only; fixed ports by default, random ones when the harness empties the variables", () => {
    for (const [name, s] of Object.entries(services)) {
      const port = Object.values(COMPOSE_SERVICES).find((c) => c.service === name)!.port;
      expect(s.ports).toHaveLength(1);
      expect(interpolate(s.ports![0]!, {})).toBe(`127.0.0.1:${port}:${port}`);
      const emptied = interpolate(s.ports![0]!, {
        TESTBED_LOCALSTACK_PORT: "",
        TESTBED_ATHENA_PORT: "",
        TESTBED_SFN_LOCAL_PORT: "",
      });
      expect(emptied).toBe(`127.0.0.1::${port}`);
    }
  });

  it("has a health check on every service", () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, kind: s.healthcheck?.test?.[0] }).toEqual({ name, kind: expect.stringMatching(/^CMD(-SHELL)?$/) });
      expect(s.healthcheck!.test.length).toBeGreaterThan(1);
      expect(s.healthcheck!.retries).toBeGreaterThan(0);
    }
    expect(services["localstack"]!.healthcheck!.test.join(" ")).toContain("/_localstack/init/ready");
    expect(services["athena"]!.healthcheck!.test.join(" ")).toContain("/_testbed/health");
  });

  it("LocalStack: the services the pipeline needs, the Docker socket for Lambda, Athena reachable from Lambdas", () => {
    const ls = services["localstack"]!;
    const env = ls.environment!;
    expect(env["SERVICES"]!.split(",").sort()).toEqual(
      ["s3", "sns", "sqs", "lambda", "stepfunctions", "iam", "sts", "logs"].sort(),
    );
    expect(ls.volumes!.map((v) => interpolate(v, {}))).toContain("/var/run/docker.sock:/var/run/docker.sock");
    const { service, port } = COMPOSE_SERVICES.athena;
    expect(env["LAMBDA_DOCKER_FLAGS"]).toBe(`-e AWS_ENDPOINT_URL_ATHENA=http://${service}:${port}`);
    expect(services["athena"]!.environment!["TESTBED_ATHENA_S3_ENDPOINT"]).toBe(
      `http://${COMPOSE_SERVICES.localstack.service}:${COMPOSE_SERVICES.localstack.port}`,
    );
  });

  it("Step Functions Local: endpoint overrides to LocalStack, no wait time, LocalStack's account and region", () => {
    const env = services["sfn-local"]!.environment!;
    const ls = `http://${COMPOSE_SERVICES.localstack.service}:${COMPOSE_SERVICES.localstack.port}`;
    expect(env).toMatchObject({
      LAMBDA_ENDPOINT: ls,
      SNS_ENDPOINT: ls,
      SQS_ENDPOINT: ls,
      WAIT_TIME_SCALE: "0",
      AWS_ACCOUNT_ID: "000000000000",
      AWS_DEFAULT_REGION: "us-east-1",
    });
    expect(services["sfn-local"]!.depends_on).toEqual({ localstack: { condition: "service_healthy" } });
    // Anything not mocked must not reach real AWS (https): the JVM's https proxy points at a closed port.
    expect(env["JAVA_TOOL_OPTIONS"]).toBe("-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9");
  });

  it("both engines read SFN_MOCK_CONFIG from the mounted mock directory the harness writes to", () => {
    for (const name of ["localstack", "sfn-local"]) {
      const s = services[name]!;
      const mockPath = s.environment!["SFN_MOCK_CONFIG"]!;
      expect(basename(mockPath)).toBe(MOCK_CONFIG_FILE_NAME);
      const mounts = s.volumes!.map((v) => interpolate(v, { TESTBED_MOCK_DIR: "/tmp/run-1" }));
      expect(mounts).toContain(`/tmp/run-1:${dirname(mockPath)}:ro`);
      expect(s.volumes!.map((v) => interpolate(v, {}))).toContain(`./.testbed/mock:${dirname(mockPath)}:ro`);
    }
  });

  it("is accepted by the Compose CLI (`config` needs no daemon), with default and harness-emptied ports", async () => {
    let cli: string[] | undefined;
    for (const candidate of [["docker", "compose"], ["docker-compose"]]) {
      try {
        await run(candidate[0]!, [...candidate.slice(1), "version"], { timeout: 10_000 });
        cli = candidate;
        break;
      } catch {
        /* try the next one */
      }
    }
    if (!cli) {
      throw new Error(
        "no Compose CLI: install one so docker-compose.yml is validated (Debian: `apt-get install -y docker-compose`; " +
          ".ci/run should do this) or the Docker Compose plugin",
      );
    }
    const [cmd, ...pre] = cli;
    const config = (env: Record<string, string>, profile: string) =>
      run(cmd!, [...pre, "-f", COMPOSE_FILE, "--profile", profile, "config"], {
        cwd: COMPOSE_PROJECT_DIR,
        env: { ...process.env, ...env },
        timeout: 20_000,
      });
    const plain = await config({}, "localstack");
    expect(plain.stdout).toMatch(/127\.0\.0\.1:4566:4566/);
    const emptied = await config(
      { TESTBED_LOCALSTACK_PORT: "", TESTBED_ATHENA_PORT: "", TESTBED_SFN_LOCAL_PORT: "", TESTBED_MOCK_DIR: "/tmp/x" },
      "sfn-local",
    );
    expect(emptied.stdout).toMatch(/127\.0\.0\.1::8083/);
    expect(emptied.stdout).toContain("/tmp/x:/home/StepFunctionsLocal/mock:ro");
  }, 30_000);
});

describe("docker/Dockerfile (the athena service image)", () => {
  const dockerfile = readFileSync(join(COMPOSE_PROJECT_DIR, "docker", "Dockerfile"), "utf8");

  it("pins its base images by tag", () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThan(0);
    for (const image of froms) expect(image).toMatch(/^node:20[\w.-]*$/);
  });

  it("copies every source file the bundle needs (what esbuild reads, outside node_modules)", async () => {
    const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from)(\S+)\s/gm)].map((m) => m[1]!);
    const result = await build({
      entryPoints: [join(COMPOSE_PROJECT_DIR, "docker", "athena-service.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: COMPOSE_PROJECT_DIR,
    });
    const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/"));
    expect(sources).toContain("docker/athena-service.ts");
    for (const source of sources) {
      expect({ source, copied: copied.some((c) => source.startsWith(`${c}/`)) }).toEqual({ source, copied: true });
    }
    expect(result.outputFiles[0]!.text).toContain("TESTBED_ATHENA_S3_ENDPOINT");
  });
});
