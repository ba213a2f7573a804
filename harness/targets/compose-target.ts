/**
 * The Docker targets (`sfn-local`, `localstack`) run docker-compose.yml: started per run with testcontainers'
 * `DockerComposeEnvironment` (random host ports, a temporary mock directory, removed afterwards), or attached to a
 * `docker compose up` somebody already runs. Either way the harness reaches them only through the AWS SDK, at the
 * endpoints this module hands out, like any other target.
 *
 * testcontainers is imported lazily, in `start()` only, so nothing that merely imports this file loads it.
 */
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LambdaName } from "../deploy/bundle";
import { DEFAULT_PIPELINE_CONFIG } from "../deploy/pipeline-config";
import { MockConfigFile, type MockConfig } from "../engine/mock-config";
import { toQueryScript, type TestbedControl } from "../runner/testbed-control";
import {
  athenaScriptForDocker,
  compileMockConfig,
  formatMockConfig,
  resultObjectsToSeed,
  type CompileOptions,
  type DockerTargetName,
} from "../scenario/mock-config-compiler";
import type { AthenaScriptSpec, Scenario } from "../scenario/types";
import {
  TargetUnavailableError,
  type StartedTarget,
  type Target,
  type TargetCapabilities,
  type TargetEndpoints,
} from "./target";

/** The directory holding docker-compose.yml. */
export const COMPOSE_PROJECT_DIR = resolve(__dirname, "..", "..");
export const COMPOSE_FILE = "docker-compose.yml";
/** File name inside the mock directory; docker-compose.yml points SFN_MOCK_CONFIG at it in both engines. */
export const MOCK_CONFIG_FILE_NAME = "MockConfigFile.json";

/** Container ports (docker-compose.yml) and the service names that are also their hostnames on the compose network. */
export const COMPOSE_SERVICES = {
  localstack: { service: "localstack", port: 4566 },
  athena: { service: "athena", port: 4599 },
  sfnLocal: { service: "sfn-local", port: 8083 },
} as const;

// ---- the subset of testcontainers v11 this module uses (typed here: the package is an optional devDependency) ----

/** A testcontainers wait strategy; opaque here. */
export type ComposeWaitStrategy = unknown;

export interface ComposeStartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
}

export interface ComposeStartedEnvironment {
  getContainer(containerName: string): ComposeStartedContainer;
  down(options?: { timeout?: number; removeVolumes?: boolean }): Promise<unknown>;
}

export interface ComposeEnvironmentBuilder {
  withProfiles(...profiles: string[]): ComposeEnvironmentBuilder;
  withEnvironment(environment: Record<string, string>): ComposeEnvironmentBuilder;
  withBuild(): ComposeEnvironmentBuilder;
  withWaitStrategy(containerName: string, waitStrategy: ComposeWaitStrategy): ComposeEnvironmentBuilder;
  withStartupTimeout(startupTimeoutMs: number): ComposeEnvironmentBuilder;
  up(services?: string[]): Promise<ComposeStartedEnvironment>;
}

/** `DockerComposeEnvironment` and `Wait` from `testcontainers` (v11 API; TC docs/features/compose.md). */
export interface ComposeApi {
  DockerComposeEnvironment: new (composeFilePath: string, composeFiles: string | string[]) => ComposeEnvironmentBuilder;
  Wait: {
    forLogMessage(message: string | RegExp, times?: number): ComposeWaitStrategy;
    forHttp(path: string, port: number): ComposeWaitStrategy;
  };
}

/** Loads testcontainers on first use; a clear TargetUnavailableError when it is not installed. */
export async function loadTestcontainers(target: DockerTargetName): Promise<ComposeApi> {
  const moduleName = "testcontainers";
  try {
    return (await import(moduleName)) as ComposeApi;
  } catch (e) {
    throw new TargetUnavailableError(
      target,
      "the 'testcontainers' package is not installed; run `npm i -D testcontainers@^11` " +
        "(or attach to a running `docker compose up` with TESTBED_DOCKER_ATTACH=1)",
      { cause: e },
    );
  }
}

// ---- options ------------------------------------------------------------------------------------------------------

/** Endpoints of a `docker compose up` to attach to (host side; defaults are the ports docker-compose.yml binds). */
export interface AttachEndpoints {
  localstack?: string;
  athena?: string;
  sfnLocal?: string;
}

export interface ComposeTargetOptions {
  /** Scenarios to compile into the mock config (one test case each). Step Functions Local reads it at start only. */
  scenarios?: Scenario[];
  /** Default `healthcare-pipeline-orchestrator` (must equal the deployed state machine's name). */
  stateMachineName?: string;
  compile?: CompileOptions;
  /** Attach to a running `docker compose up` instead of starting one (`true` = default endpoints). */
  attach?: boolean | AttachEndpoints;
  /** Host directory mounted as the mock directory. Default: a fresh temp dir (started) / `.testbed/mock` (attached). */
  mockDir?: string;
  /** Where docker-compose.yml lives (default: the repository root). */
  projectDir?: string;
  /** For the containers to be ready after `up` (default 180 s: LocalStack pulls, the athena image builds). */
  startupTimeoutMs?: number;
  /** testcontainers (default: `import("testcontainers")` at start). */
  compose?: ComposeApi;
  /** For readiness checks (default global fetch). */
  fetch?: typeof fetch;
  /** Waits between readiness checks (default setTimeout); injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Options from the environment, for the CLI and the docker test project (explicit options win):
 * `TESTBED_DOCKER_ATTACH=1`, `TESTBED_LOCALSTACK_ENDPOINT`, `TESTBED_ATHENA_ENDPOINT`, `TESTBED_SFN_LOCAL_ENDPOINT`,
 * `TESTBED_MOCK_DIR`.
 */
export function composeOptionsFromEnv(
  env: Record<string, string | undefined>,
  explicit: ComposeTargetOptions = {},
): ComposeTargetOptions {
  const attachFlag = env.TESTBED_DOCKER_ATTACH === "1" || env.TESTBED_DOCKER_ATTACH === "true";
  const endpoints: AttachEndpoints = {
    ...(env.TESTBED_LOCALSTACK_ENDPOINT ? { localstack: env.TESTBED_LOCALSTACK_ENDPOINT } : {}),
    ...(env.TESTBED_ATHENA_ENDPOINT ? { athena: env.TESTBED_ATHENA_ENDPOINT } : {}),
    ...(env.TESTBED_SFN_LOCAL_ENDPOINT ? { sfnLocal: env.TESTBED_SFN_LOCAL_ENDPOINT } : {}),
  };
  return {
    ...(attachFlag ? { attach: endpoints } : {}),
    ...(env.TESTBED_MOCK_DIR ? { mockDir: env.TESTBED_MOCK_DIR } : {}),
    ...explicit,
  };
}

// ---- what a started Docker target offers besides StartedTarget --------------------------------------------------

/**
 * Deployment settings a Docker target needs (to be passed to `deployPipeline`; see the report on deploy.ts):
 * the Lambdas run inside LocalStack, where `AWS_ENDPOINT_URL` points at LocalStack itself, so the calls that must go
 * elsewhere get a service-specific endpoint on the compose network.
 */
export interface DockerDeployOptions {
  /** Extra environment per function, merged over what the deploy sets. */
  functionEnvironment: Partial<Record<LambdaName, Record<string, string>>>;
}

export interface StartedComposeTarget extends StartedTarget {
  readonly name: DockerTargetName;
  readonly mode: "started" | "attached";
  /** Host path of the mock config both engines read. */
  readonly mockConfigFile: string;
  /** What the compiler could not reproduce on this target. */
  readonly notes: string[];
  readonly deployOptions: DockerDeployOptions;
  /** The control the runner uses here (`runScenarios(…, { controlFor: (t) => (t as StartedComposeTarget).control })`). */
  readonly control: TestbedControl;
  /** The MockConfigFile test case for a scenario: start its execution at `${stateMachineArn}#${testCaseFor(s)}`. */
  testCaseFor(scenario: { name: string }): string;
}

const LOCALHOST = /^localhost$/i;

function url(host: string, port: number): string {
  // docker-compose.yml binds 127.0.0.1 only; "localhost" may resolve to ::1 first.
  return `http://${LOCALHOST.test(host) ? "127.0.0.1" : host}:${port}`;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes by rename, so LocalStack (which re-reads on mtime change) never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

/** The shared lifecycle; subclasses say which profile, containers and endpoints make up their target. */
export abstract class ComposeTarget implements Target {
  abstract readonly name: DockerTargetName;
  abstract readonly capabilities: TargetCapabilities;
  /** Compose services of this target, in start order. */
  protected abstract readonly services: readonly string[];
  protected abstract endpointsFrom(urls: { localstack: string; athena: string; sfnLocal?: string }): TargetEndpoints;
  protected abstract deployOptionsFor(): DockerDeployOptions;

  constructor(protected readonly options: ComposeTargetOptions = {}) {}

  async start(): Promise<StartedComposeTarget> {
    const o = this.options;
    const log = o.log ?? (() => {});
    const smName = o.stateMachineName ?? DEFAULT_PIPELINE_CONFIG.stateMachineName;
    const compiled = compileMockConfig(o.scenarios ?? [], this.name, smName, o.compile ?? {});
    for (const note of compiled.notes) log(`note: ${note}`);
    const text = formatMockConfig(compiled.config);
    const projectDir = o.projectDir ?? COMPOSE_PROJECT_DIR;

    if (o.attach) {
      const mockDir = o.mockDir ?? join(projectDir, ".testbed", "mock");
      mkdirSync(mockDir, { recursive: true });
      const mockConfigFile = join(mockDir, MOCK_CONFIG_FILE_NAME);
      writeAtomically(mockConfigFile, text);
      if (this.name === "sfn-local") {
        log(
          `wrote ${mockConfigFile}; restart sfn-local if it was started before (UNCONFIRMED that it re-reads the file)`,
        );
      }
      const a = o.attach === true ? {} : o.attach;
      const urls = {
        localstack: a.localstack ?? "http://127.0.0.1:4566",
        athena: a.athena ?? "http://127.0.0.1:4599",
        ...(this.name === "sfn-local" ? { sfnLocal: a.sfnLocal ?? "http://127.0.0.1:8083" } : {}),
      };
      await this.checkAttached(urls);
      return this.started("attached", urls, mockConfigFile, compiled.notes, smName, async () => {});
    }

    const ownsMockDir = o.mockDir === undefined;
    const mockDir = o.mockDir ?? mkdtempSync(join(tmpdir(), "pipeline-testbed-mock-"));
    mkdirSync(mockDir, { recursive: true });
    // mkdtemp makes it 0700; the containers' users (not necessarily ours) must read it through the bind mount.
    chmodSync(mockDir, 0o755);
    const mockConfigFile = join(mockDir, MOCK_CONFIG_FILE_NAME);
    writeAtomically(mockConfigFile, text);
    const cleanup = () => {
      if (ownsMockDir) rmSync(mockDir, { recursive: true, force: true });
    };

    let environment: ComposeStartedEnvironment;
    try {
      const tc = o.compose ?? (await loadTestcontainers(this.name));
      let builder = new tc.DockerComposeEnvironment(projectDir, COMPOSE_FILE)
        .withProfiles(this.name)
        .withBuild()
        .withEnvironment({
          // Empty host ports: "127.0.0.1::4566" lets Docker pick free ones (parallel runs do not collide).
          TESTBED_LOCALSTACK_PORT: "",
          TESTBED_ATHENA_PORT: "",
          TESTBED_SFN_LOCAL_PORT: "",
          TESTBED_MOCK_DIR: mockDir,
        })
        .withStartupTimeout(o.startupTimeoutMs ?? 180_000)
        // Printed after init hooks ran (LS-src runtime.py prints READY_MARKER_OUTPUT after on_runtime_ready).
        .withWaitStrategy("localstack-1", tc.Wait.forLogMessage("Ready."))
        .withWaitStrategy("athena-1", tc.Wait.forHttp("/_testbed/health", COMPOSE_SERVICES.athena.port));
      if (this.name === "sfn-local") {
        builder = builder.withWaitStrategy("sfn-local-1", tc.Wait.forLogMessage(/Starting server on port 8083/));
      }
      log(`starting docker compose profile '${this.name}' (${this.services.join(", ")})…`);
      environment = await builder.up([...this.services]);
    } catch (e) {
      cleanup();
      if (e instanceof TargetUnavailableError) throw e;
      throw new TargetUnavailableError(
        this.name,
        `docker compose did not come up: ${e instanceof Error ? e.message : String(e)}. ` +
          "Check `docker compose --profile " +
          this.name +
          " up --build` by hand; DEBUG=testcontainers* shows each step",
        { cause: e },
      );
    }
    const at = (c: { service: string; port: number }) => {
      const container = environment.getContainer(`${c.service}-1`);
      return url(container.getHost(), container.getMappedPort(c.port));
    };
    const urls = {
      localstack: at(COMPOSE_SERVICES.localstack),
      athena: at(COMPOSE_SERVICES.athena),
      ...(this.name === "sfn-local" ? { sfnLocal: at(COMPOSE_SERVICES.sfnLocal) } : {}),
    };
    const stop = async () => {
      try {
        // Not 0: LocalStack removes the Lambda containers it started when it shuts down.
        await environment.down({ timeout: 10_000, removeVolumes: true });
      } finally {
        cleanup();
      }
    };
    if (urls.sfnLocal) {
      // The port opens before Step Functions Local answers reliably (reference §1): wait for an HTTP answer.
      try {
        await this.awaitHttpAnswer(urls.sfnLocal, 30_000);
      } catch (e) {
        await stop();
        throw e;
      }
    }
    log(`${this.name} up: ${JSON.stringify(urls)}`);
    return this.started("started", urls, mockConfigFile, compiled.notes, smName, stop);
  }

  private started(
    mode: "started" | "attached",
    urls: { localstack: string; athena: string; sfnLocal?: string },
    mockConfigFile: string,
    notes: string[],
    stateMachineName: string,
    stop: () => Promise<void>,
  ): StartedComposeTarget {
    const endpoints = this.endpointsFrom(urls);
    const control = new DockerControl({
      target: this.name,
      endpoints,
      mockConfigFile,
      stateMachineName,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
    let stopped: Promise<void> | undefined;
    const once = () => (stopped ??= stop());
    return {
      name: this.name,
      mode,
      endpoints,
      capabilities: this.capabilities,
      region: "us-east-1",
      accountId: "000000000000",
      mockConfigFile,
      notes,
      deployOptions: this.deployOptionsFor(),
      control,
      testCaseFor: (s) => s.name,
      seedObjects: (s) => resultObjectsToSeed(s, this.name),
      stop: once,
      [Symbol.asyncDispose]: once,
    };
  }

  /** Resolves once `endpoint` answers HTTP at all (any status); TargetUnavailableError after `budgetMs`. */
  protected async awaitHttpAnswer(endpoint: string, budgetMs: number): Promise<void> {
    const f = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? defaultSleep;
    let last = "";
    for (let waited = 0; waited <= budgetMs; waited += 500) {
      try {
        await f(endpoint, { method: "GET" });
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await sleep(500);
    }
    throw new TargetUnavailableError(this.name, `${endpoint} did not answer within ${budgetMs} ms (${last})`);
  }

  /** An attached compose project must already answer; one error lists every endpoint that does not. */
  private async checkAttached(urls: { localstack: string; athena: string; sfnLocal?: string }): Promise<void> {
    const f = this.options.fetch ?? fetch;
    const problems: string[] = [];
    const probe = async (what: string, u: string, check: (res: Response) => Promise<string | undefined>) => {
      try {
        const problem = await check(await f(u, { method: "GET", signal: AbortSignal.timeout(5000) }));
        if (problem) problems.push(`${what} at ${u}: ${problem}`);
      } catch (e) {
        problems.push(`${what} at ${u}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    await probe("LocalStack", `${urls.localstack}/_localstack/health`, async (res) => {
      if (!res.ok) return `HTTP ${res.status}`;
      const body = (await res.json()) as { services?: Record<string, string>; version?: string };
      const state = body.services?.["stepfunctions"];
      return state === "available" || state === "running" ? undefined : `stepfunctions is '${state ?? "missing"}'`;
    });
    await probe("Athena emulator", `${urls.athena}/_testbed/health`, async (res) =>
      res.ok ? undefined : `HTTP ${res.status}`,
    );
    if (urls.sfnLocal) await probe("Step Functions Local", urls.sfnLocal, async () => undefined);
    if (problems.length) {
      throw new TargetUnavailableError(
        this.name,
        `nothing to attach to:\n  ${problems.join("\n  ")}\n` +
          `Start it with \`docker compose --profile ${this.name} up --build --wait\`, or unset TESTBED_DOCKER_ATTACH ` +
          "to let the harness start it.",
      );
    }
  }
}

// ---- the control plane of a Docker target -----------------------------------------------------------------------

export interface DockerControlOptions {
  target: DockerTargetName;
  endpoints: TargetEndpoints;
  mockConfigFile: string;
  stateMachineName: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What the runner's {@link TestbedControl} means on a Docker target: Athena scripts go to the athena service's
 * control plane (collapsed to their last state, see {@link athenaScriptForDocker}); faults and mocks were compiled
 * into the mock config when the target started, so they are checked rather than applied; Lambda invocation counts
 * are not observable; quiet means "no execution RUNNING" on the Step Functions endpoint.
 */
export class DockerControl implements TestbedControl {
  private readonly f: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly seenQueries = new Set<string>();

  constructor(private readonly o: DockerControlOptions) {
    this.f = o.fetch ?? fetch;
    this.sleep = o.sleep ?? defaultSleep;
  }

  private async athenaControl(path: string, init?: RequestInit): Promise<unknown> {
    const res = await this.f(`${this.o.endpoints.athena}/_testbed/athena/${path}`, init);
    const body = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`athena control ${path}: HTTP ${res.status}: ${body.error ?? JSON.stringify(body)}`);
    return body;
  }

  async setAthenaScript(spec: AthenaScriptSpec): Promise<void> {
    await this.athenaControl("scripts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ script: toQueryScript(athenaScriptForDocker(spec)) }),
    });
  }

  async injectLambdaFault(fault: { function: string }): Promise<void> {
    if (fault.function !== DEFAULT_PIPELINE_CONFIG.runAthenaQueryFunctionName) {
      throw new Error(`a fault on Lambda '${fault.function}' cannot be reproduced on ${this.o.target}`);
    }
    // Compiled into the scenario's test case (RunAthenaQueryLambda Throw entries) when the target started.
  }

  async injectAthenaFault(fault: { operation: string }): Promise<void> {
    if (fault.operation !== "GetQueryExecution") {
      throw new Error(`a fault on Athena ${fault.operation} cannot be reproduced on ${this.o.target}`);
    }
  }

  /** The scenario's mocks are already in the mounted file; a test case missing there is a setup error. */
  async loadMockConfig(config: MockConfig): Promise<void> {
    const mounted = existsSync(this.o.mockConfigFile)
      ? MockConfigFile.parse(readFileSync(this.o.mockConfigFile, "utf8"), this.o.mockConfigFile)
      : undefined;
    for (const [sm, { TestCases }] of Object.entries(config.StateMachines)) {
      for (const testCase of Object.keys(TestCases)) {
        if (!mounted?.testCase(sm, testCase)) {
          throw new Error(
            `test case '${testCase}' of state machine '${sm}' is not in ${this.o.mockConfigFile}; construct the ` +
              `${this.o.target} target with the scenarios it will run ({ scenarios }) so they are compiled at start`,
          );
        }
      }
    }
  }

  async lambdaInvocations(): Promise<undefined> {
    return undefined;
  }

  /**
   * Waits until an execution was seen and none has been RUNNING for four checks in a row, 500 ms apart (the
   * S3 → Lambda → StartExecution chain may lag behind the upload).
   */
  async awaitQuiet(deadlineMs: number): Promise<void> {
    const sfn = new SFNClient({
      endpoint: this.o.endpoints.stepfunctions,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 2,
    });
    let sawOne = false;
    let quietChecks = 0;
    try {
      for (let waited = 0; ; waited += 500) {
        const machines = await sfn.send(new ListStateMachinesCommand({}));
        const arn = machines.stateMachines?.find((m) => m.name === this.o.stateMachineName)?.stateMachineArn;
        const executions = arn
          ? ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions ?? [])
          : [];
        if (executions.length) sawOne = true;
        const running = executions.filter((e) => e.status === "RUNNING");
        quietChecks = running.length ? 0 : quietChecks + 1;
        if (sawOne && quietChecks >= 4) return;
        if (waited >= deadlineMs) {
          throw new Error(
            `awaitQuiet: gave up after ${deadlineMs} ms; ` +
              (running.length ? `still RUNNING: ${running.map((e) => e.name).join(", ")}` : "no execution started"),
          );
        }
        await this.sleep(500);
      }
    } finally {
      sfn.destroy();
    }
  }

  /** Queries the athena service started since the previous call (the service outlives scenarios). */
  async athenaQueryIds(): Promise<string[]> {
    const { queries } = (await this.athenaControl("queries")) as {
      queries: Array<{ queryExecutionId: string; submittedAt: string }>;
    };
    const fresh = queries
      .filter((q) => !this.seenQueries.has(q.queryExecutionId))
      .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
    for (const q of fresh) this.seenQueries.add(q.queryExecutionId);
    return fresh.map((q) => q.queryExecutionId);
  }
}
