import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { testScenario } from "../scenario/test-scenario";
import { AthenaClient, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAthenaService } from "../../docker/athena-service";
import { VirtualClock } from "../common/clock";
import { startEmulators } from "../emulator/emulators";
import type { StartedEdge } from "../emulator/edge";
import { clientConfig } from "../emulator/test-clients";
import { MockConfigFile } from "../engine/mock-config";
import type { Scenario } from "../scenario/types";
import {
  COMPOSE_PROJECT_DIR,
  composeOptionsFromEnv,
  DockerControl,
  loadTestcontainers,
  type ComposeApi,
  type ComposeStartedEnvironment,
} from "./compose-target";
import { LOCALSTACK_CAPABILITIES, LocalstackTarget } from "./localstack-target";
import { SFN_LOCAL_CAPABILITIES, SfnLocalTarget } from "./sfn-local-target";
import { TargetUnavailableError } from "./target";

const SM = "healthcare-pipeline-orchestrator";

function scenario(name: string, over: Partial<Scenario> = {}): Scenario {
  return testScenario(name, { expect: { status: "SUCCEEDED" }, ...over });
}

/** A stand-in for testcontainers' compose API that records what the target asked for. */
function fakeCompose(options: { ports?: Record<string, number>; upError?: Error } = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  let mockFileAtUp: string | undefined;
  const downs: unknown[] = [];
  const ports = options.ports ?? { "localstack-1": 32768, "athena-1": 32769, "sfn-local-1": 32770 };
  const started: ComposeStartedEnvironment = {
    getContainer(name) {
      const port = ports[name];
      if (port === undefined) throw new Error(`Cannot get container "${name}" as it is not running`);
      return { getHost: () => "localhost", getMappedPort: () => port };
    },
    async down(o) {
      downs.push(o);
    },
  };
  class Builder {
    constructor(...args: unknown[]) {
      calls.push(["new", ...args]);
    }
    withProfiles(...p: string[]) {
      calls.push(["withProfiles", ...p]);
      return this;
    }
    withEnvironment(env: Record<string, string>) {
      calls.push(["withEnvironment", env]);
      return this;
    }
    withBuild() {
      calls.push(["withBuild"]);
      return this;
    }
    withWaitStrategy(name: string, strategy: unknown) {
      calls.push(["withWaitStrategy", name, strategy]);
      return this;
    }
    withStartupTimeout(ms: number) {
      calls.push(["withStartupTimeout", ms]);
      return this;
    }
    async up(services?: string[]) {
      calls.push(["up", services]);
      const env = calls.find((c) => c[0] === "withEnvironment")![1] as Record<string, string>;
      mockFileAtUp = readFileSync(join(env.TESTBED_MOCK_DIR!, "MockConfigFile.json"), "utf8");
      if (options.upError) throw options.upError;
      return started;
    }
  }
  const api: ComposeApi = {
    DockerComposeEnvironment: Builder,
    Wait: {
      forLogMessage: (message) => ({ log: String(message) }),
      forHttp: (path, port) => ({ http: path, port }),
    },
  };
  return { api, calls, downs, mockFileAtUp: () => mockFileAtUp };
}

/** fetch that fails `failures` times, then answers 400 (any HTTP answer counts as "up"). */
function flakyFetch(failures: number) {
  const seen: string[] = [];
  const f = (async (input: string | URL | Request) => {
    seen.push(String(input));
    if (seen.length <= failures) throw new TypeError("fetch failed");
    return new Response("{}", { status: 400 });
  }) as typeof fetch;
  return { f, seen };
}

describe("SfnLocalTarget / LocalstackTarget started with testcontainers (compose API faked)", () => {
  it("sfn-local: compiles the scenarios into the mounted dir, starts its profile on random loopback ports", async () => {
    const compose = fakeCompose();
    const sleeps: number[] = [];
    const { f, seen } = flakyFetch(2);
    const target = new SfnLocalTarget({
      scenarios: [
        scenario("ok"),
        scenario("throttled", {
          faults: [{ service: "lambda", function: "run-athena-query", error: "TooManyRequestsException", times: 2 }],
        }),
      ],
      compose: compose.api,
      fetch: f,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const started = await target.start();
    const env = compose.calls.find((c) => c[0] === "withEnvironment")![1] as Record<string, string>;
    expect(env).toEqual({
      TESTBED_LOCALSTACK_PORT: "",
      TESTBED_ATHENA_PORT: "",
      TESTBED_SFN_LOCAL_PORT: "",
      TESTBED_MOCK_DIR: expect.stringContaining("pipeline-testbed-mock-"),
    });
    expect(compose.calls).toEqual([
      ["new", COMPOSE_PROJECT_DIR, "docker-compose.yml"],
      ["withProfiles", "sfn-local"],
      ["withBuild"],
      ["withEnvironment", env],
      ["withStartupTimeout", 180_000],
      ["withWaitStrategy", "localstack-1", { log: "Ready." }],
      ["withWaitStrategy", "athena-1", { http: "/_testbed/health", port: 4599 }],
      ["withWaitStrategy", "sfn-local-1", { log: "/Starting server on port 8083/" }],
      ["up", ["localstack", "athena", "sfn-local"]],
    ]);
    // The mock file existed before the containers started, with one test case per scenario.
    const mounted = MockConfigFile.parse(compose.mockFileAtUp()!);
    expect(mounted.testCaseNames(SM)).toEqual(["ok", "throttled"]);
    expect(mounted.testCase(SM, "ok")!.states).toHaveProperty("CopyResultsToProduction");
    expect(started.mockConfigFile).toBe(join(env.TESTBED_MOCK_DIR!, "MockConfigFile.json"));
    // Readable by whatever user the containers run as.
    expect(statSync(env.TESTBED_MOCK_DIR!).mode & 0o777).toBe(0o755);
    expect(statSync(started.mockConfigFile).mode & 0o044).toBe(0o044);

    expect(started.endpoints).toEqual({
      stepfunctions: "http://127.0.0.1:32770",
      s3: "http://127.0.0.1:32768",
      sns: "http://127.0.0.1:32768",
      sqs: "http://127.0.0.1:32768",
      lambda: "http://127.0.0.1:32768",
      athena: "http://127.0.0.1:32769",
      control: "http://127.0.0.1:32769/_testbed",
    });
    // Waited for Step Functions Local to answer HTTP, not just for its port.
    expect(seen).toEqual(Array(3).fill("http://127.0.0.1:32770"));
    expect(sleeps).toEqual([500, 500]);
    expect(started).toMatchObject({
      name: "sfn-local",
      mode: "started",
      region: "us-east-1",
      accountId: "000000000000",
      capabilities: SFN_LOCAL_CAPABILITIES,
    });
    expect(started.capabilities.virtualTime).toBe(false);
    expect(started.capabilities.realS3Copy).toBe(false);
    expect(started.testCaseFor({ name: "ok" })).toBe("ok");
    expect(started.deployOptions.functionEnvironment).toEqual({
      "run-athena-query": { AWS_ENDPOINT_URL_ATHENA: "http://athena:4599" },
      "start-pipeline": { AWS_ENDPOINT_URL_SFN: "http://sfn-local:8083" },
    });

    await started.stop();
    await started[Symbol.asyncDispose]();
    expect(compose.downs).toEqual([{ timeout: 10_000, removeVolumes: true }]);
    expect(existsSync(env.TESTBED_MOCK_DIR!)).toBe(false);
  });

  it("localstack: no Step Functions Local; every AWS endpoint is LocalStack's, Athena is ours", async () => {
    const compose = fakeCompose({ ports: { "localstack-1": 40001, "athena-1": 40002 } });
    const started = await new LocalstackTarget({ compose: compose.api, startupTimeoutMs: 60_000 }).start();
    expect(compose.calls.filter((c) => c[0] === "withWaitStrategy").map((c) => c[1])).toEqual([
      "localstack-1",
      "athena-1",
    ]);
    expect(compose.calls).toContainEqual(["withProfiles", "localstack"]);
    expect(compose.calls).toContainEqual(["withStartupTimeout", 60_000]);
    expect(compose.calls.at(-1)).toEqual(["up", ["localstack", "athena"]]);
    expect(started.endpoints.stepfunctions).toBe("http://127.0.0.1:40001");
    expect(started.endpoints.athena).toBe("http://127.0.0.1:40002");
    expect(started.capabilities).toBe(LOCALSTACK_CAPABILITIES);
    expect(started.capabilities.realS3Copy).toBe(true);
    // No scenarios: still a valid (empty) mock file, so the engines find one.
    expect(MockConfigFile.parse(compose.mockFileAtUp()!).testCaseNames(SM)).toEqual([]);
    await started.stop();
  });

  it("turns a failed `up` into TargetUnavailableError with what to try, and leaves no temp dir behind", async () => {
    const compose = fakeCompose({ upError: new Error("pull access denied for localstack/localstack") });
    const err = await new LocalstackTarget({ compose: compose.api }).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetUnavailableError);
    expect((err as Error).message).toMatch(
      /^target 'localstack' is unavailable: docker compose did not come up: pull access denied .*docker compose --profile localstack up --build/,
    );
    const env = compose.calls.find((c) => c[0] === "withEnvironment")![1] as Record<string, string>;
    expect(existsSync(env.TESTBED_MOCK_DIR!)).toBe(false);
  });

  it("stops the environment again when Step Functions Local never answers", async () => {
    const compose = fakeCompose();
    const { f } = flakyFetch(1000);
    const err = await new SfnLocalTarget({ compose: compose.api, fetch: f, sleep: async () => {} })
      .start()
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /http:\/\/127\.0\.0\.1:32770 did not answer within 30000 ms \(fetch failed\)/,
    );
    expect(compose.downs).toHaveLength(1);
  });

  it("loads the real testcontainers lazily, or says how to install it", async () => {
    let installed = true;
    try {
      require.resolve("testcontainers");
    } catch {
      installed = false;
    }
    if (installed) {
      const api = await loadTestcontainers("localstack");
      expect(typeof api.DockerComposeEnvironment).toBe("function");
      expect(typeof api.Wait.forLogMessage).toBe("function");
      expect(typeof api.Wait.forHttp).toBe("function");
    } else {
      await expect(loadTestcontainers("localstack")).rejects.toThrow(
        /target 'localstack' is unavailable: the 'testcontainers' package is not installed; run `npm i -D testcontainers@\^11`/,
      );
    }
  });
});

describe("attaching to a running `docker compose up`", () => {
  const healthy = (stepfunctions = "available") =>
    (async (input: string | URL | Request) => {
      const u = String(input);
      if (u.startsWith("http://127.0.0.1:1/")) throw new TypeError("fetch failed");
      if (u.endsWith("/_localstack/health")) {
        return Response.json({ services: { stepfunctions, s3: "running" }, edition: "community", version: "4.14.0" });
      }
      if (u.endsWith("/_testbed/health")) return Response.json({ status: "running" });
      if (u.startsWith("http://127.0.0.1:8083")) return new Response("", { status: 404 });
      throw new TypeError("fetch failed");
    }) as typeof fetch;

  it("uses the default ports, writes the compiled mock file where compose mounts it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attach-"));
    try {
      const started = await new SfnLocalTarget({
        attach: true,
        mockDir: join(dir, "mock"),
        scenarios: [scenario("ok")],
        fetch: healthy(),
      }).start();
      expect(started.mode).toBe("attached");
      expect(started.endpoints.stepfunctions).toBe("http://127.0.0.1:8083");
      expect(started.endpoints.s3).toBe("http://127.0.0.1:4566");
      expect(started.endpoints.athena).toBe("http://127.0.0.1:4599");
      expect(
        MockConfigFile.parse(readFileSync(join(dir, "mock", "MockConfigFile.json"), "utf8")).testCaseNames(SM),
      ).toEqual(["ok"]);
      await started.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists every endpoint that does not answer, and how to start them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attach-"));
    try {
      const err = await new LocalstackTarget({
        attach: { localstack: "http://127.0.0.1:1", athena: "http://127.0.0.1:4599" },
        mockDir: dir,
        fetch: healthy(),
      })
        .start()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetUnavailableError);
      expect((err as Error).message).toContain("LocalStack at http://127.0.0.1:1/_localstack/health: fetch failed");
      expect((err as Error).message).not.toContain("Athena emulator at");
      expect((err as Error).message).toContain("docker compose --profile localstack up --build --wait");

      const notReady = await new LocalstackTarget({ attach: true, mockDir: dir, fetch: healthy("initialized") })
        .start()
        .catch((e: unknown) => e);
      expect((notReady as Error).message).toContain("stepfunctions is 'initialized'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads attach settings from TESTBED_* variables; explicit options win", () => {
    expect(
      composeOptionsFromEnv({
        TESTBED_DOCKER_ATTACH: "1",
        TESTBED_LOCALSTACK_ENDPOINT: "http://127.0.0.1:14566",
        TESTBED_MOCK_DIR: "/tmp/m",
        HOME: "/x",
      }),
    ).toEqual({ attach: { localstack: "http://127.0.0.1:14566" }, mockDir: "/tmp/m" });
    expect(composeOptionsFromEnv({ TESTBED_DOCKER_ATTACH: "0" })).toEqual({});
    expect(composeOptionsFromEnv({ TESTBED_DOCKER_ATTACH: "true" }, { attach: false })).toEqual({ attach: false });
  });
});

describe("DockerControl against real endpoints (our emulators standing in for the containers)", () => {
  let world: StartedEdge;
  let athena: StartedEdge;
  let dir: string;
  let control: DockerControl;

  beforeEach(async () => {
    const clock = new VirtualClock(Date.UTC(2024, 0, 1));
    world = await startEmulators({ clock });
    athena = await startAthenaService({ s3Endpoint: world.endpoint, port: 0, clock });
    dir = mkdtempSync(join(tmpdir(), "control-"));
    const e = world.endpoint;
    control = new DockerControl({
      target: "localstack",
      endpoints: { stepfunctions: e, s3: e, sns: e, sqs: e, lambda: e, athena: athena.endpoint },
      mockConfigFile: join(dir, "MockConfigFile.json"),
      stateMachineName: SM,
      sleep: async () => {},
    });
  });
  afterEach(async () => {
    await athena.close();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("queues a scenario's Athena script collapsed to its final state, and reports each query id once", async () => {
    await control.setAthenaScript({
      states: ["QUEUED", "RUNNING", "FAILED"],
      failure: { reason: "TABLE_NOT_FOUND: no such table" },
    });
    const scripts = (await (await fetch(`${athena.endpoint}/_testbed/athena/scripts`)).json()) as {
      queued: Array<{ script: { states: string[]; failure: { reason: string } } }>;
    };
    expect(JSON.stringify(scripts)).toContain('"states":["FAILED"]');
    expect(JSON.stringify(scripts)).toContain("TABLE_NOT_FOUND: no such table");

    const s3 = new S3Client(clientConfig(world));
    await s3.send(new CreateBucketCommand({ Bucket: "results" }));
    const a = new AthenaClient(clientConfig(athena));
    const start = () =>
      a.send(
        new StartQueryExecutionCommand({
          QueryString: "SELECT 1",
          ResultConfiguration: { OutputLocation: "s3://results/" },
        }),
      );
    const first = (await start()).QueryExecutionId!;
    expect(await control.athenaQueryIds()).toEqual([first]);
    const second = (await start()).QueryExecutionId!;
    expect(await control.athenaQueryIds()).toEqual([second]);
    expect(await control.athenaQueryIds()).toEqual([]);
    s3.destroy();
    a.destroy();
  });

  it("says what the athena service refused", async () => {
    // A FAILED script without its failure reason (the scenario loader normally refuses it first).
    await expect(control.setAthenaScript({ states: ["RUNNING", "FAILED"] })).rejects.toThrow(
      /^athena control scripts: HTTP 400: script.*failure/,
    );
  });

  it("awaits quiet on the Step Functions endpoint: an execution seen, none RUNNING", async () => {
    const sfn = new SFNClient(clientConfig(world));
    await expect(control.awaitQuiet(2000)).rejects.toThrow("awaitQuiet: gave up after 2000 ms; no execution started");
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: SM,
        roleArn: "arn:aws:iam::000000000000:role/r",
        definition: JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } }),
      }),
    );
    await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await expect(control.awaitQuiet(2000)).resolves.toBeUndefined();
    sfn.destroy();
  });

  it("checks that mocks were compiled at start instead of loading them, and refuses faults it cannot reproduce", async () => {
    const config = { StateMachines: { [SM]: { TestCases: { ok: {} } } }, MockedResponses: {} };
    await expect(control.loadMockConfig(config)).rejects.toThrow(
      /test case 'ok' of state machine 'healthcare-pipeline-orchestrator' is not in .*MockConfigFile\.json; construct the localstack target with the scenarios/,
    );
    const started = await new LocalstackTarget({
      attach: { localstack: world.endpoint, athena: athena.endpoint },
      mockDir: dir,
      scenarios: [scenario("ok")],
      fetch: (async (input: string | URL | Request) =>
        String(input).endsWith("/_localstack/health")
          ? Response.json({ services: { stepfunctions: "running" } })
          : fetch(input)) as typeof fetch,
    }).start();
    await expect(started.control.loadMockConfig(config)).resolves.toBeUndefined();
    await expect(control.injectLambdaFault({ function: "healthcare-run-athena-query" })).resolves.toBeUndefined();
    await expect(control.injectLambdaFault({ function: "healthcare-start-pipeline" })).rejects.toThrow(
      "a fault on Lambda 'healthcare-start-pipeline' cannot be reproduced on localstack",
    );
    await expect(control.injectAthenaFault({ operation: "StartQueryExecution" })).rejects.toThrow(
      "a fault on Athena StartQueryExecution cannot be reproduced on localstack",
    );
    expect(await control.lambdaInvocations()).toBeUndefined();
  });
});
