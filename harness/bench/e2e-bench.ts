import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { strToU8, zipSync } from "fflate";
import { VirtualClock } from "../common/clock";
import { startEmulators } from "../emulator/emulators";
import type { SfnEmulator } from "../emulator/stepfunctions/sfn-emulator";
import type { Execution } from "../engine/engine";
import { clientConfig } from "../emulator/test-clients";
import { PIPELINE_SHAPED_JSONPATH } from "./pipeline-shaped";

/** What {@link benchE2e} measured. */
export interface E2eBenchResult {
  /** Executions that ran to SUCCEEDED per wall-clock second, in the measured window. */
  executionsPerSecond: number;
  executions: number;
  /** Executions started together in each wave (all in flight at once). */
  concurrency: number;
  /** History events per execution (the pipeline-shaped machine polls Athena three times). */
  eventsPerExecution: number;
  /** HTTP requests the edge answered per execution (StartExecution, Lambda, Athena from the handler, polls, copy). */
  requestsPerExecution: number;
  /** Virtual seconds each execution spans (three 10 s Waits). */
  simulatedSecondsPerExecution: number;
  /** CPU time of the whole process (all threads: the edge, the engine, Lambda workers) per execution. */
  cpuMsPerExecution: number;
  /** CPU time of the main thread (edge, engine, integrations) per execution; Linux only (from /proc). */
  mainThreadCpuMsPerExecution?: number;
}

/** CPU milliseconds the main thread has used (Linux `/proc`), or undefined elsewhere. */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The Lambda the bench deploys: like `lambdas/run-athena-query`, it starts the Athena query with the AWS SDK v3 (the
 * project's, as AWS's Node.js runtimes provide it) configured from the environment the emulator gives handlers.
 */
const HANDLER = `
const { AthenaClient, StartQueryExecutionCommand } = require("@aws-sdk/client-athena");
const athena = new AthenaClient({});
exports.handler = async (event) => {
  const res = await athena.send(new StartQueryExecutionCommand({
    QueryString: "SELECT state, COUNT(*) AS patient_count FROM patients GROUP BY state ORDER BY state",
    QueryExecutionContext: { Database: "healthcare" },
    ResultConfiguration: { OutputLocation: process.env.ATHENA_OUTPUT_LOCATION },
  }));
  return { QueryExecutionId: res.QueryExecutionId, OutputLocation: process.env.ATHENA_OUTPUT_LOCATION + res.QueryExecutionId + ".csv" };
};
`;

/**
 * The bench's own client: StartExecution calls made by an SFN SDK client on a worker thread, as a client process
 * would, so that the main thread's time is the emulators' and the engine's, not the driver's.
 */
class StartExecutionClient {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (arns: string[]) => void; reject: (e: Error) => void }>();

  constructor(config: ReturnType<typeof clientConfig>) {
    this.worker = new Worker(STARTER_SOURCE, {
      eval: true,
      workerData: { sfnModule: require.resolve("@aws-sdk/client-sfn"), config },
    });
    this.worker.on("message", (msg: { id: number; arns?: string[]; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.arns) p?.resolve(msg.arns);
      else p?.reject(new Error(`StartExecution failed in the bench driver: ${msg.error}`));
    });
    this.worker.on("error", (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  start(inputs: Array<{ stateMachineArn: string; name: string; input: string }>): Promise<string[]> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, inputs });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

const STARTER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { SFNClient, StartExecutionCommand } = require(workerData.sfnModule);
const sfn = new SFNClient({ ...workerData.config, disableHostPrefix: true, cacheMiddleware: true });
parentPort.on("message", ({ id, inputs }) => {
  Promise.all(inputs.map((i) => sfn.send(new StartExecutionCommand(i)).then((r) => r.executionArn))).then(
    (arns) => parentPort.postMessage({ id, arns }),
    (e) => parentPort.postMessage({ id, error: String((e && e.stack) || e) }),
  );
});
`;

/**
 * End-to-end executions per second of the pipeline-shaped machine on `startEmulators()` (virtual time) with every Task
 * over the wire: the real Lambda handler (which calls Athena StartQueryExecution through the SDK), three
 * getQueryExecution polls against the scripted Athena (QUEUED, RUNNING, SUCCEEDED), and the S3 copyObject of the
 * result CSV Athena wrote. Executions are started with the SDK's StartExecution, `concurrency` at a time, and every
 * one must SUCCEED. Wall time is the machine's: CPU per execution is reported too, as the steadier figure on a
 * shared machine.
 */
export async function benchE2e(seconds: number, concurrency = 64): Promise<E2eBenchResult> {
  await using edge = await startEmulators({ clock: new VirtualClock(Date.UTC(2024, 0, 1)) });
  let requests = 0;
  const states = edge.service<SfnEmulator>("states");
  const countRequests = (svc: { handle: (...a: any[]) => Promise<unknown> }) => {
    const handle = svc.handle.bind(svc);
    svc.handle = (...a: any[]) => {
      requests++;
      return handle(...a);
    };
  };
  for (const name of ["states", "s3", "sns", "sqs", "lambda", "athena"]) countRequests(edge.service(name));

  const config = clientConfig(edge);
  const sfn = new SFNClient({ ...config, disableHostPrefix: true });
  const starter = new StartExecutionClient(config);
  const s3 = new S3Client(config);
  const lambda = new LambdaClient(config);
  const sns = new SNSClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "healthcare-data" }));
    await sns.send(new CreateTopicCommand({ Name: "healthcare-pipelines-failures" }));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "run-athena-query",
        Runtime: "nodejs20.x",
        Role: "arn:aws:iam::000000000000:role/run-athena-query",
        Handler: "index.handler",
        Timeout: 30,
        Code: { ZipFile: zipSync({ "index.js": strToU8(HANDLER) }) },
        Environment: { Variables: { ATHENA_OUTPUT_LOCATION: "s3://healthcare-data/athena-results/" } },
      }),
    );
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "bench-pipeline",
        definition: JSON.stringify(PIPELINE_SHAPED_JSONPATH),
        roleArn: "arn:aws:iam::000000000000:role/bench-pipeline",
      }),
    );

    let started = 0;
    /** StartExecution over the wire for `count` executions; resolves with the in-process executions. */
    const startWave = async (count: number) => {
      const inputs = Array.from({ length: count }, () => {
        const n = started++;
        return {
          stateMachineArn: stateMachineArn!,
          name: `run-${n}`,
          input: JSON.stringify({ source: `s3://healthcare-data/raw/${n}.csv` }),
        };
      });
      const arns = await starter.start(inputs);
      return arns.map((arn) => states.execution(arn)!);
    };
    const finished = async (execution: Execution) => {
      const result = await execution.done;
      if (result.status !== "SUCCEEDED") {
        throw new Error(`bench execution ${execution.arn} ended ${result.status}: ${JSON.stringify(result)}`);
      }
      return execution;
    };
    /**
     * Runs waves of `concurrency` executions until `until()` says stop. Waves, rather than a steady stream, because
     * the virtual clock only moves when no Task is in flight: executions started together reach their Waits
     * together, so each clock step releases a whole wave's polls at once instead of stalling on stragglers.
     */
    const drive = async (until: () => boolean) => {
      const done: Execution[] = [];
      while (!until()) {
        // The clock is held while the wave starts, so that all of its Waits fall on the same virtual instant.
        const wave = await edge.clock.hold(startWave(concurrency));
        done.push(...(await Promise.all(wave.map(finished))));
      }
      return done;
    };

    // Warm up: worker threads, JIT, SDK clients, definition checks.
    const warm = concurrency * 3;
    await drive(() => started >= warm);
    const requestsBefore = requests;
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(seconds * 1e9));
    const measured = await drive(() => process.hrtime.bigint() >= deadline);
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const main1 = mainThreadCpuMs();

    // The pipeline really ran: the last execution's result CSV was copied to production.
    const last = measured.at(-1);
    if (last) {
      await s3.send(
        new HeadObjectCommand({ Bucket: "healthcare-data", Key: `production/state_counts/${last.name}.csv` }),
      );
    }
    const n = Math.max(1, measured.length);
    return {
      executionsPerSecond: Math.round(measured.length / elapsed),
      executions: measured.length,
      concurrency,
      eventsPerExecution: Math.round(measured.reduce((a, e) => a + e.events.length, 0) / n),
      requestsPerExecution: Math.round(((requests - requestsBefore) / n) * 10) / 10,
      simulatedSecondsPerExecution: measured.reduce((a, e) => a + (e.stopDate! - e.startDate) / 1000, 0) / n,
      cpuMsPerExecution: Math.round(((cpu.user + cpu.system) / 1000 / n) * 100) / 100,
      ...(main0 !== undefined && main1 !== undefined
        ? { mainThreadCpuMsPerExecution: Math.round(((main1 - main0) / n) * 100) / 100 }
        : {}),
    };
  } finally {
    await starter.close();
    sfn.destroy();
    s3.destroy();
    lambda.destroy();
    sns.destroy();
  }
}
