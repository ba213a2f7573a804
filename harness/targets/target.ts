/**
 * Where a scenario runs. A target starts (containers, or an in-process emulator), hands out endpoints for the AWS
 * SDK clients, says what it can observe, and stops. The harness talks to every target only through the AWS SDK, so
 * the same deploy/run code serves all of them.
 */
export type TargetName = "embedded" | "sfn-local" | "localstack";

/** What a target can do and observe; expectations it cannot observe are reported as such, never as passes. */
export interface TargetCapabilities {
  /** Time is virtual: waits and backoffs cost no wall time. */
  virtualTime: boolean;
  /** The Athena lifecycle can be scripted per query (our Athena emulator is reachable). */
  scriptedAthena: boolean;
  /** The S3 copy really happens (false where copyObject is mocked, e.g. Step Functions Local). */
  realS3Copy: boolean;
  /** SNS publishes reach the emulated SNS (and its SQS subscription). */
  realSnsPublish: boolean;
  /** The Lambda functions run as real code. */
  realLambda: boolean;
  /** The `/_testbed/` control plane is available (clock, captured invocations, Athena scripts). */
  controlPlane: boolean;
}

export interface TargetEndpoints {
  stepfunctions: string;
  s3: string;
  sns: string;
  sqs: string;
  lambda: string;
  athena: string;
  /** Base URL of the `/_testbed/` control plane, where there is one. */
  control?: string;
}

export interface StartedTarget extends AsyncDisposable {
  readonly name: TargetName;
  readonly endpoints: TargetEndpoints;
  readonly capabilities: TargetCapabilities;
  /** Region the ARNs of this target use. */
  readonly region: string;
  /** Account id the ARNs of this target use. */
  readonly accountId: string;
  stop(): Promise<void>;
  /** Extra deployment settings this target needs (e.g. Lambda endpoints on a compose network). */
  readonly deployOptions?: {
    functionEnvironment?: Partial<Record<"run-athena-query" | "start-pipeline", Record<string, string>>>;
  };
  /**
   * Targets whose mocks are compiled at start (Docker): the MockConfigFile test case every execution of this
   * scenario must start with (`stateMachineArn#<testCase>`), whether or not the scenario declares mocks.
   */
  testCaseFor?(scenario: { name: string }): string;
  /** Objects to put into S3 before the scenario starts (e.g. a result CSV a mocked query would have written). */
  seedObjects?(scenario: import("../scenario/types").Scenario): Array<{ bucket: string; key: string; body: string }>;
}

export interface Target {
  readonly name: TargetName;
  /**
   * `seed` feeds the engine's random source where the target has our engine (generated execution names, jitter,
   * UUIDs): the runner derives it from the scenario name so runs are reproducible and scenarios differ.
   */
  start(options?: { seed?: number }): Promise<StartedTarget>;
}

/** A target could not be started (no Docker, port in use, …); says what was tried and how to fix it. */
export class TargetUnavailableError extends Error {
  override readonly name = "TargetUnavailableError";
  constructor(
    readonly target: TargetName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`target '${target}' is unavailable: ${message}`, options);
  }
}
