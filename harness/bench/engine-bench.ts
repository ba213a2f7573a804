import { VirtualClock } from "../common/clock";
import { Engine } from "../engine/engine";
import { InMemoryIntegrations } from "../engine/integrations";
import type { StateMachineDefinition } from "../engine/types";

/**
 * Executions per second of the pipeline-shaped machine with every Task answered in-process (three polls: QUEUED,
 * RUNNING, SUCCEEDED), on virtual time, one core. Every execution keeps its full history.
 */
export async function benchEngine(
  definition: StateMachineDefinition,
  seconds: number,
): Promise<{
  executions: number;
  executionsPerSecond: number;
  eventsPerExecution: number;
  simulatedSecondsPerExecution: number;
}> {
  const polls = new Map<string, number>();
  const integrations = new InMemoryIntegrations()
    .on("lambda:invoke", (p: { Payload: unknown }) => ({
      StatusCode: 200,
      ExecutedVersion: "$LATEST",
      Payload: { QueryExecutionId: `q-${JSON.stringify(p.Payload).length}`, OutputLocation: "s3://b/x.csv" },
    }))
    .on("athena:getQueryExecution", (_p, call) => {
      const n = (polls.get(call.executionArn) ?? 0) + 1;
      polls.set(call.executionArn, n);
      const state = n === 1 ? "QUEUED" : n === 2 ? "RUNNING" : "SUCCEEDED";
      return {
        QueryExecution: {
          QueryExecutionId: "q-1",
          Status: { State: state },
          ResultConfiguration: { OutputLocation: "s3://healthcare-data/athena-results/q-1.csv" },
        },
      };
    })
    .on("s3:copyObject", () => ({ CopyObjectResult: { ETag: '"abc"', LastModified: "2024-01-01T00:00:00Z" } }))
    .on("sns:publish", () => ({ MessageId: "m-1" }));
  const engine = new Engine({
    clock: new VirtualClock(Date.UTC(2024, 0, 1)),
    integrations: integrations.resolve,
    seed: 7,
  });
  // Warm up (JIT, validation cache, compiled expressions).
  for (let i = 0; i < 200; i++)
    await engine.run(definition, { input: { source: `warm-${i}` }, stateMachineName: "bench" });
  polls.clear();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let executions = 0;
  let events = 0;
  let simulated = 0;
  const keep: unknown[] = [];
  while (process.hrtime.bigint() < deadline) {
    const { result, execution } = await engine.run(definition, {
      input: { source: `s3://healthcare-data/raw/${executions}.csv` },
      stateMachineName: "bench",
    });
    if (result.status !== "SUCCEEDED")
      throw new Error(`bench execution ended ${result.status}: ${JSON.stringify(result)}`);
    events += execution.events.length;
    simulated += (execution.stopDate! - execution.startDate) / 1000;
    keep.push(execution.events);
    polls.delete(execution.arn);
    executions++;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    executions,
    executionsPerSecond: Math.round(executions / elapsed),
    eventsPerExecution: Math.round(events / Math.max(1, executions)),
    simulatedSecondsPerExecution: simulated / Math.max(1, executions),
  };
}
