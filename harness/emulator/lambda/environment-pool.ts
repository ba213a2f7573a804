import type { EnvironmentSpec, InvocationOutcome, InvocationRequest, OutputSink } from "./execution-environment";
import { ExecutionEnvironment } from "./execution-environment";

/**
 * The execution environments of one function revision (code + configuration). Reuses a warm idle environment when
 * there is one (most recently used first, so module state persists across sequential invocations as on a warm
 * Lambda), starts another while fewer than `maxEnvironments` exist, and queues beyond that (AWS would throttle at
 * the concurrency limit; a testbed is better served by waiting). Dead environments (crash, timeout, init failure)
 * are dropped and replaced on demand.
 */
export class EnvironmentPool {
  private readonly all = new Set<ExecutionEnvironment>();
  private idle: ExecutionEnvironment[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly stopping = new Set<Promise<void>>();
  private retired = false;
  private closed = false;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly maxEnvironments: number,
    private readonly sink?: OutputSink,
  ) {}

  /** Environments alive right now (busy or idle). */
  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Runs one invocation on some environment; never rejects. */
  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const env = await this.acquire();
    if (!env) {
      const error = {
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${request.requestId} Error: Runtime exited: the Lambda emulator was shut down`,
      };
      return { payload: JSON.stringify(error), error, logs: "", durationMs: 0, environmentSurvived: false };
    }
    try {
      return await env.invoke(request);
    } finally {
      this.release(env);
    }
  }

  /**
   * No new environments for this revision: idle ones stop now, busy ones when their invocation ends (AWS lets
   * in-flight invocations of the old revision finish after an update).
   */
  retire(): void {
    this.retired = true;
    const idle = this.idle;
    this.idle = [];
    for (const env of idle) this.drop(env);
  }

  /** Stops every environment at once; in-flight invocations end as runtime exits. */
  async close(): Promise<void> {
    this.retired = true;
    this.closed = true;
    this.idle = [];
    const all = [...this.all];
    this.all.clear();
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...all.map((env) => env.terminate()), ...this.stopping]);
  }

  private async acquire(): Promise<ExecutionEnvironment | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const warm = this.idle.pop();
      if (warm) {
        if (warm.alive) return warm;
        this.all.delete(warm);
        continue;
      }
      if (this.all.size < this.maxEnvironments) {
        const env = new ExecutionEnvironment(this.spec, this.sink);
        this.all.add(env);
        return env;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(env: ExecutionEnvironment): void {
    if (!env.alive || this.retired || !this.all.has(env)) {
      this.drop(env);
    } else {
      this.idle.push(env);
    }
    this.waiting.shift()?.();
  }

  private drop(env: ExecutionEnvironment): void {
    this.all.delete(env);
    const stopped = env.terminate().finally(() => this.stopping.delete(stopped));
    this.stopping.add(stopped);
  }
}
