import type { AthenaEmulator } from "../emulator/athena/athena-emulator";
import type { QueryScript } from "../emulator/athena/athena-script";
import type { LambdaEmulator } from "../emulator/lambda/lambda-emulator";
import type { SfnEmulator } from "../emulator/stepfunctions/sfn-emulator";
import type { Execution } from "../engine/engine";
import type { MockConfig } from "../engine/mock-config";
import type { HistoryEvent } from "../engine/types";
import type { AthenaScriptSpec } from "../scenario/types";
import type { StartedEmbeddedTarget } from "../targets/embedded-target";

/**
 * The testbed-specific knobs a scenario needs beyond the AWS APIs: scripting Athena, injecting faults, loading mocks,
 * counting Lambda invocations, observing executions as they run. In-process on the embedded target; over the
 * `/_testbed/` control plane (HTTP) where one is reachable; absent otherwise (the runner then reports the affected
 * expectations as not observable).
 */
export interface TestbedControl {
  setAthenaScript(script: AthenaScriptSpec): Promise<void>;
  injectLambdaFault(fault: {
    function: string;
    error: string;
    message?: string;
    times: number;
    status?: number;
  }): Promise<void>;
  injectAthenaFault(fault: {
    operation: string;
    error: string;
    message?: string;
    times: number;
    status?: number;
  }): Promise<void>;
  loadMockConfig(config: MockConfig): Promise<void>;
  /** Invocations per function name (physical names). */
  lambdaInvocations(): Promise<Record<string, number> | undefined>;
  /** Resolves once no asynchronous work (event invocations) is pending and every execution has ended. */
  awaitQuiet(deadlineMs: number): Promise<void>;
  /** Synchronous history observer; undefined when the target cannot offer one. */
  onHistoryEvent?(listener: (event: HistoryEvent, execution: Execution) => void): () => void;
  /** The id of the Athena query the pipeline started, when known. */
  athenaQueryIds(): Promise<string[]>;
}

/** Our emulator's script from the scenario's Athena section. */
export function toQueryScript(spec: AthenaScriptSpec): QueryScript {
  const script: QueryScript = {
    states: spec.states,
    advance: spec.advanceEveryMs !== undefined ? { everyMs: spec.advanceEveryMs } : "per-call",
  };
  if (spec.failure) script.failure = spec.failure as NonNullable<QueryScript["failure"]>;
  if (spec.result)
    script.result =
      "csv" in spec.result ? { csv: spec.result.csv } : { columns: spec.result.columns, rows: spec.result.rows };
  return script;
}

/** The wait budget was used up; says what was still pending. */
export class AwaitTimeoutError extends Error {
  override readonly name = "AwaitTimeoutError";
}

export class InProcessControl implements TestbedControl {
  private readonly athena: AthenaEmulator;
  private readonly lambda: LambdaEmulator;
  private readonly sfn: SfnEmulator;

  constructor(target: StartedEmbeddedTarget) {
    this.athena = target.edge.service<AthenaEmulator>("athena");
    this.lambda = target.edge.service<LambdaEmulator>("lambda");
    this.sfn = target.edge.service<SfnEmulator>("states");
  }

  async setAthenaScript(spec: AthenaScriptSpec): Promise<void> {
    this.athena.setDefaultScript(toQueryScript(spec));
  }

  async injectLambdaFault(fault: {
    function: string;
    error: string;
    message?: string;
    times: number;
    status?: number;
  }): Promise<void> {
    const inject = (this.lambda as unknown as { injectFault?: (f: typeof fault) => void }).injectFault;
    if (!inject) throw new Error("this Lambda emulator does not support fault injection");
    inject.call(this.lambda, fault);
  }

  async injectAthenaFault(fault: {
    operation: string;
    error: string;
    message?: string;
    times: number;
    status?: number;
  }): Promise<void> {
    const inject = (this.athena as unknown as { injectFault?: (f: typeof fault) => void }).injectFault;
    if (!inject) throw new Error("this Athena emulator does not support fault injection");
    inject.call(this.athena, fault);
  }

  async loadMockConfig(config: MockConfig): Promise<void> {
    this.sfn.loadMockConfig(config);
  }

  async lambdaInvocations(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.lambda.invocations()) out[r.functionName] = (out[r.functionName] ?? 0) + 1;
    return out;
  }

  async awaitQuiet(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      await this.lambda.awaitAsyncInvocations();
      const running = this.sfn.allExecutions().filter((e) => e.status === "RUNNING");
      if (running.length === 0) {
        // An execution may have started a Lambda (or vice versa) in the meantime: settle once more.
        await new Promise((r) => setImmediate(r));
        await this.lambda.awaitAsyncInvocations();
        if (this.sfn.allExecutions().every((e) => e.status !== "RUNNING")) return;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new AwaitTimeoutError(
          `executions still RUNNING after ${deadlineMs} ms of wall time: ${running.map((e) => e.name).join(", ")}`,
        );
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.map((e) => e.done)),
        new Promise((r) => (timer = setTimeout(r, Math.min(remaining, 1000)))),
      ]);
      clearTimeout(timer);
    }
  }

  onHistoryEvent(listener: (event: HistoryEvent, execution: Execution) => void): () => void {
    return this.sfn.onHistoryEvent(listener);
  }

  async athenaQueryIds(): Promise<string[]> {
    return (await this.athena.queries()).map((q) => q.queryExecutionId);
  }
}
