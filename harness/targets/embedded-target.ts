import type { Clock } from "../common/clock";
import { VirtualClock } from "../common/clock";
import type { StartedEdge } from "../emulator/edge";
import { startEmulators, type EmulatorsOptions } from "../emulator/emulators";
import { ACCOUNT_ID } from "../emulator/types";
import type { StartedTarget, Target, TargetCapabilities } from "./target";

export const EMBEDDED_CAPABILITIES: TargetCapabilities = {
  virtualTime: true,
  scriptedAthena: true,
  realS3Copy: true,
  realSnsPublish: true,
  realLambda: true,
  controlPlane: true,
};

/** A started embedded target; `edge` gives in-process access to the emulators (clock, Athena scripts, …). */
export interface StartedEmbeddedTarget extends StartedTarget {
  readonly name: "embedded";
  readonly edge: StartedEdge;
  readonly clock: Clock;
}

/**
 * The default target: every emulator in-process behind one loopback edge on an ephemeral port, on virtual time.
 * Several can run side by side (parallel test workers, parallel scenarios).
 */
export class EmbeddedTarget implements Target {
  readonly name = "embedded" as const;
  constructor(private readonly options: EmulatorsOptions = {}) {}

  async start(startOptions: { seed?: number } = {}): Promise<StartedEmbeddedTarget> {
    const clock = this.options.clock ?? new VirtualClock();
    const stepFunctions =
      startOptions.seed !== undefined
        ? { ...this.options.stepFunctions, seed: startOptions.seed }
        : this.options.stepFunctions;
    const edge = await startEmulators({
      ...this.options,
      ...(stepFunctions ? { stepFunctions } : {}),
      clock,
      port: this.options.port ?? 0,
    });
    const e = edge.endpoint;
    const stop = () => edge.close();
    return {
      name: "embedded",
      edge,
      clock,
      region: "us-east-1",
      accountId: ACCOUNT_ID,
      capabilities: EMBEDDED_CAPABILITIES,
      endpoints: { stepfunctions: e, s3: e, sns: e, sqs: e, lambda: e, athena: e, control: `${e}/_testbed` },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}
