import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { InvokeCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { performance } from "node:perf_hooks";
import { deployPipeline, type DeployedPipeline, type DeployOptions } from "../deploy/deploy";
import type { MockConfig } from "../engine/mock-config";
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import type { Scenario } from "../scenario/types";
import type { StartedEmbeddedTarget } from "../targets/embedded-target";
import type { StartedTarget, Target } from "../targets/target";
import { evaluateExpectations, type Observations } from "./expectations";
import { InProcessControl, type TestbedControl } from "./testbed-control";
import type { ExecutionRecord, Reporter, RunSummary, ScenarioRunResult } from "./types";

export interface RunOptions {
  /** Scenarios in flight at once (embedded target only; Docker targets run one at a time). Default 1. */
  parallel?: number;
  /** Stop starting new scenarios after the first failure. */
  bail?: boolean;
  /** Provides the control plane of a started non-embedded target (Docker targets). */
  controlFor?: (target: StartedTarget) => TestbedControl | undefined;
  /** Deploy this definition instead of the project's (replays against a changed definition). */
  renderDefinition?: DeployOptions["renderDefinition"];
}

const LOGICAL_FUNCTIONS = ["run-athena-query", "start-pipeline"] as const;

/** A stable 32-bit seed per scenario name (FNV-1a), so each scenario's generated names differ but never change. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MockConfigFile with one test case (named after the scenario) from the scenario's `mocks`. */
export function scenarioMockConfig(scenario: Scenario, stateMachineName: string): MockConfig {
  const states: Record<string, string> = {};
  const responses: MockConfig["MockedResponses"] = {};
  for (const [state, steps] of Object.entries(scenario.mocks)) {
    const responseName = `${scenario.name}.${state}`;
    states[state] = responseName;
    const numbered: MockConfig["MockedResponses"][string] = {};
    let n = 0;
    for (const step of steps) {
      const key = step.times === 1 ? `${n}` : `${n}-${n + step.times - 1}`;
      numbered[key] = "Return" in step ? { Return: step.Return } : { Throw: step.Throw };
      n += step.times;
    }
    responses[responseName] = numbered;
  }
  return {
    StateMachines: { [stateMachineName]: { TestCases: { [scenario.name]: states } } },
    MockedResponses: responses,
  };
}

function isEmbedded(t: StartedTarget): t is StartedEmbeddedTarget {
  return t.name === "embedded" && "edge" in t;
}

async function readAll(body: { transformToString(): Promise<string> } | undefined): Promise<string> {
  return body ? body.transformToString() : "";
}

/** Describes and reads the full (paginated) history of every execution of the state machine. */
async function collectExecutions(deployed: DeployedPipeline): Promise<ExecutionRecord[]> {
  const sfn = deployed.clients.sfn;
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: deployed.stateMachineArn, ...(token ? { nextToken: token } : {}) }),
    );
    for (const e of page.executions ?? []) arns.push(e.executionArn!);
    token = page.nextToken;
  } while (token);
  const records: ExecutionRecord[] = [];
  for (const executionArn of arns) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history: HistoryEvent[] = [];
    let next: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(next ? { nextToken: next } : {}) }),
      );
      for (const e of page.events ?? [])
        history.push({ ...(e as unknown as HistoryEvent), timestamp: new Date(e.timestamp!) });
      next = page.nextToken;
    } while (next);
    let output: unknown;
    if (d.output !== undefined) {
      try {
        output = JSON.parse(d.output);
      } catch {
        output = d.output;
      }
    }
    records.push({
      executionArn,
      name: d.name!,
      status: d.status!,
      ...(d.error !== undefined ? { error: d.error } : {}),
      ...(d.cause !== undefined ? { cause: d.cause } : {}),
      ...(output !== undefined ? { output } : {}),
      startDate: d.startDate!.getTime(),
      ...(d.stopDate ? { stopDate: d.stopDate.getTime() } : {}),
      history,
    });
  }
  return records.sort((a, b) => a.startDate - b.startDate || a.name.localeCompare(b.name));
}

async function drainSns(deployed: DeployedPipeline): Promise<Array<{ subject?: string; message: string }>> {
  const out: Array<{ subject?: string; message: string }> = [];
  for (let i = 0; i < 100; i++) {
    const r = await deployed.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deployed.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    if (!r.Messages?.length) break;
    for (const m of r.Messages) {
      try {
        const env = JSON.parse(m.Body ?? "") as { Subject?: string; Message?: string };
        out.push({ ...(env.Subject !== undefined ? { subject: env.Subject } : {}), message: env.Message ?? "" });
      } catch {
        out.push({ message: m.Body ?? "" });
      }
    }
  }
  return out;
}

function queryIdFromHistory(history: HistoryEvent[]): string | undefined {
  for (const e of history) {
    const d = e.taskSucceededEventDetails as { output?: string } | undefined;
    if (!d?.output) continue;
    try {
      const o = JSON.parse(d.output) as { Payload?: { QueryExecutionId?: string } };
      if (o.Payload?.QueryExecutionId) return o.Payload.QueryExecutionId;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

/** Runs one scenario on a started target (resources deployed, exercised, observed, asserted). */
export async function runScenarioOn(
  started: StartedTarget,
  scenario: Scenario,
  control: TestbedControl | undefined,
  renderDefinition?: DeployOptions["renderDefinition"],
): Promise<ScenarioRunResult> {
  const t0 = performance.now();
  const base = {
    scenario: {
      name: scenario.name,
      file: scenario.file,
      ...(scenario.description ? { description: scenario.description } : {}),
      tags: scenario.tags,
    },
    target: started.name,
  };
  let deployed: DeployedPipeline | undefined;
  let definition: StateMachineDefinition | undefined;
  const unsubscribe: Array<() => void> = [];
  try {
    const fnEnv = started.deployOptions?.functionEnvironment;
    deployed = await deployPipeline(started, {
      config: scenario.deploy,
      ...(fnEnv ? { functionEnvironment: fnEnv } : {}),
      ...(renderDefinition ? { renderDefinition } : {}),
    });
    definition = JSON.parse(deployed.definition) as StateMachineDefinition;
    const cfg = deployed.config;
    const physical: Record<string, string> = {
      "run-athena-query": cfg.runAthenaQueryFunctionName,
      "start-pipeline": cfg.startPipelineFunctionName,
    };
    const needControl = (what: string) => {
      if (!control)
        throw new Error(
          `scenario uses ${what}, which needs the testbed control plane; target '${started.name}' has none`,
        );
      return control;
    };
    if (scenario.athena) await needControl("an Athena script").setAthenaScript(scenario.athena);
    for (const f of scenario.faults) {
      if (f.service === "lambda") {
        await needControl("Lambda faults").injectLambdaFault({
          function: physical[f.function]!,
          error: f.error,
          times: f.times,
          ...(f.message !== undefined ? { message: f.message } : {}),
          ...(f.status !== undefined ? { status: f.status } : {}),
        });
      } else {
        await needControl("Athena faults").injectAthenaFault({
          operation: f.operation,
          error: f.error,
          times: f.times,
          ...(f.message !== undefined ? { message: f.message } : {}),
          ...(f.status !== undefined ? { status: f.status } : {}),
        });
      }
    }
    let startArn = deployed.stateMachineArn;
    if (started.testCaseFor) {
      // Mocks compiled when the target started (Docker): every execution uses the scenario's test case.
      startArn = `${deployed.stateMachineArn}#${started.testCaseFor(scenario)}`;
    } else if (Object.keys(scenario.mocks).length > 0) {
      await needControl("mocked responses").loadMockConfig(scenarioMockConfig(scenario, cfg.stateMachineName));
      startArn = `${deployed.stateMachineArn}#${scenario.name}`;
    }
    for (const o of started.seedObjects?.(scenario) ?? []) {
      await deployed.clients.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: o.body }));
    }
    if (scenario.actions.length > 0) {
      const c = needControl("actions");
      if (!c.onHistoryEvent)
        throw new Error(`scenario actions need a live history observer; target '${started.name}' has none`);
      const seen = new Map<string, number>();
      unsubscribe.push(
        c.onHistoryEvent((event, execution) => {
          if (!event.type.endsWith("StateEntered")) return;
          const name = (event.stateEnteredEventDetails as { name: string }).name;
          const n = (seen.get(`${execution.arn}|${name}`) ?? 0) + 1;
          seen.set(`${execution.arn}|${name}`, n);
          for (const a of scenario.actions) {
            if (a.when.stateEntered === name && a.when.occurrence === n)
              execution.stop(a.do.stop.error, a.do.stop.cause);
          }
        }),
      );
    }

    const start = scenario.start;
    if (start.kind === "input") {
      await deployed.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: startArn,
          input: JSON.stringify(start.input ?? {}),
          ...(start.name ? { name: start.name } : {}),
        }),
      );
    } else {
      if (startArn !== deployed.stateMachineArn) {
        // The trigger must start the mocked test case: point its STATE_MACHINE_ARN at `arn#TestCase`.
        await deployed.clients.lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: cfg.startPipelineFunctionName,
            Environment: {
              Variables: { STATE_MACHINE_ARN: startArn, RAW_PREFIX: cfg.rawPrefix, RAW_SUFFIX: cfg.rawSuffix },
            },
          }),
        );
      }
      const key = start.key.startsWith(cfg.rawPrefix) ? start.key : `${cfg.rawPrefix}${start.key}`;
      const put = () =>
        deployed!.clients.s3.send(
          new PutObjectCommand({ Bucket: cfg.dataBucket, Key: key, Body: start.body, ContentType: "text/csv" }),
        );
      await put();
      if (start.duplicateEvent || start.uploadTwice) {
        if (control) await control.awaitQuiet(scenario.timeoutMs ?? 30_000);
        if (start.uploadTwice) await put();
        if (start.duplicateEvent) {
          const head = await deployed.clients.s3.send(new HeadObjectCommand({ Bucket: cfg.dataBucket, Key: key }));
          const event = {
            Records: [
              {
                eventVersion: "2.1",
                eventSource: "aws:s3",
                awsRegion: started.region,
                eventName: "ObjectCreated:Put",
                s3: {
                  bucket: { name: cfg.dataBucket, arn: `arn:aws:s3:::${cfg.dataBucket}` },
                  object: {
                    key: encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+"),
                    size: Buffer.byteLength(start.body),
                    eTag: (head.ETag ?? "").replace(/"/g, ""),
                  },
                },
              },
            ],
          };
          await deployed.clients.lambda.send(
            new InvokeCommand({
              FunctionName: cfg.startPipelineFunctionName,
              InvocationType: "Event",
              Payload: Buffer.from(JSON.stringify(event)),
            }),
          );
        }
      }
    }

    if (control) await control.awaitQuiet(scenario.timeoutMs ?? 30_000);
    else await awaitExecutionsTerminal(deployed, scenario.timeoutMs ?? 300_000);

    const executions = await collectExecutions(deployed);
    const execution = executions[0];
    const lambdaCounts = control ? await control.lambdaInvocations() : undefined;
    const queryIds = control ? await control.athenaQueryIds() : [];
    const queryExecutionId = queryIds[0] ?? (execution ? queryIdFromHistory(execution.history) : undefined);
    const d = deployed;
    const s3Get = async (bucket: string, key: string): Promise<string | null> => {
      try {
        return await readAll((await d.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body);
      } catch (e) {
        if (
          e instanceof Error &&
          (e.name === "NoSuchKey" || e.name === "NoSuchBucket" || e.name === "InvalidBucketName")
        )
          return null;
        throw e;
      }
    };
    const observations: Observations = {
      execution,
      executionCount: executions.length,
      s3: {
        get: s3Get,
        count: async (bucket, prefix) => {
          try {
            return (
              (await d.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).KeyCount ?? 0
            );
          } catch (e) {
            if (e instanceof Error && (e.name === "NoSuchBucket" || e.name === "InvalidBucketName")) return 0;
            throw e;
          }
        },
      },
      sns: started.capabilities.realSnsPublish ? await drainSns(deployed) : undefined,
      lambda: lambdaCounts
        ? Object.fromEntries(LOGICAL_FUNCTIONS.map((l) => [l, lambdaCounts[physical[l]!] ?? 0]))
        : undefined,
      vars: { executionName: execution?.name, executionArn: execution?.executionArn, queryExecutionId },
      athenaResult: async () =>
        queryExecutionId ? s3Get(cfg.athenaResultsBucket, `${cfg.athenaResultsPrefix}${queryExecutionId}.csv`) : null,
      dataBucket: cfg.dataBucket,
      ...(started.capabilities.realS3Copy ? {} : { s3CopyUnobservable: "the S3 copy is mocked on this target" }),
    };
    const expectations = await evaluateExpectations(scenario.expect, observations);
    const failed = expectations.some((e) => e.status === "failed");
    return {
      ...base,
      outcome: failed ? "failed" : "passed",
      ...(execution ? { execution } : {}),
      executions,
      definition,
      expectations,
      wallMs: performance.now() - t0,
      simulatedMs: execution?.stopDate !== undefined ? execution.stopDate - execution.startDate : 0,
    };
  } catch (e) {
    return {
      ...base,
      outcome: "error",
      error: e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e),
      executions: [],
      ...(definition ? { definition } : {}),
      expectations: [],
      wallMs: performance.now() - t0,
      simulatedMs: 0,
    };
  } finally {
    for (const u of unsubscribe) u();
    // A shared (Docker) target keeps running: remove this scenario's resources and executions.
    if (!isEmbedded(started)) await deployed?.teardown().catch(() => {});
  }
}

/** Polls the target until every execution of the state machine has ended (targets without a control plane). */
async function awaitExecutionsTerminal(deployed: DeployedPipeline, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let sawOne = false;
  let quietSince = Date.now();
  for (;;) {
    const list = await deployed.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: deployed.stateMachineArn }),
    );
    const execs = list.executions ?? [];
    if (execs.length > 0) sawOne = true;
    const running = execs.filter((e) => e.status === "RUNNING");
    if (running.length > 0) quietSince = Date.now();
    // With a trigger, give the S3 → Lambda → StartExecution chain a moment before concluding nothing runs.
    if (sawOne && running.length === 0 && Date.now() - quietSince > 2000) return;
    if (Date.now() > deadline) {
      throw new Error(
        `awaitExecutionsTerminal: gave up after ${budgetMs} ms; ${running.length ? `still RUNNING: ${running.map((e) => e.name).join(", ")}` : "no execution started"}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Runs scenarios on a target. The embedded target gives every scenario its own emulator (isolated, parallel-safe);
 * other targets are started once and run scenarios one at a time, redeploying between them.
 */
export async function runScenarios(
  scenarios: Scenario[],
  target: Target,
  reporters: Reporter[],
  options: RunOptions = {},
): Promise<RunSummary> {
  const t0 = performance.now();
  for (const r of reporters) r.onRunStart?.({ total: scenarios.length, target: target.name });
  const results: ScenarioRunResult[] = new Array(scenarios.length);
  let stop = false;

  const runOne = async (scenario: Scenario, started: StartedTarget): Promise<ScenarioRunResult> => {
    for (const r of reporters) r.onScenarioStart?.({ name: scenario.name, file: scenario.file });
    const control = isEmbedded(started)
      ? new InProcessControl(started)
      : (options.controlFor?.(started) ?? (started as { control?: TestbedControl }).control);
    const result = await runScenarioOn(started, scenario, control, options.renderDefinition);
    for (const r of reporters) r.onScenarioEnd?.(result);
    if (result.outcome !== "passed" && options.bail) stop = true;
    return result;
  };

  if (target.name === "embedded") {
    let next = 0;
    const width = Math.max(1, Math.min(options.parallel ?? 1, scenarios.length));
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (!stop && next < scenarios.length) {
          const i = next++;
          const started = await target.start({ seed: seedOf(scenarios[i]!.name) });
          try {
            results[i] = await runOne(scenarios[i]!, started);
          } finally {
            await started.stop();
          }
        }
      }),
    );
  } else {
    const started = await target.start();
    try {
      for (const [i, scenario] of scenarios.entries()) {
        if (stop) break;
        results[i] = await runOne(scenario, started);
      }
    } finally {
      await started.stop();
    }
  }

  const done = results.filter(Boolean);
  const summary: RunSummary = {
    target: target.name,
    results: done,
    passed: done.filter((r) => r.outcome === "passed").length,
    failed: done.filter((r) => r.outcome === "failed").length,
    errors: done.filter((r) => r.outcome === "error").length,
    wallMs: performance.now() - t0,
    simulatedMs: done.reduce((s, r) => s + r.simulatedMs, 0),
  };
  for (const r of reporters) await r.onRunEnd(summary);
  return summary;
}
