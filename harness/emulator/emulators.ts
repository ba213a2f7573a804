import type { Clock } from "../common/clock";
import { VirtualClock } from "../common/clock";
import { athenaService, type AthenaEmulatorOptions } from "./athena/athena-emulator";
import { startEdge, type StartedEdge } from "./edge";
import { lambdaService } from "./lambda/lambda-emulator";
import { s3Service } from "./s3/s3-emulator";
import { snsService } from "./sns/sns-emulator";
import { sqsService } from "./sqs/sqs-emulator";
import { sfnService, type SfnEmulatorOptions } from "./stepfunctions/sfn-emulator";

/** Options for the full set of loopback emulators behind one edge endpoint. */
export interface EmulatorsOptions {
  /** TCP port (default 0 = ephemeral; `npm run emulators` uses 4566 like LocalStack). */
  port?: number;
  /** Default: a {@link VirtualClock} starting now. Pass a `RealClock` for interactive use. */
  clock?: Clock;
  /** Persist S3 objects in this directory instead of memory. */
  s3DataDir?: string;
  /** Where SNS email subscriptions deliver `.eml` files. */
  emailOutboxDir?: string;
  stepFunctions?: SfnEmulatorOptions;
  athena?: AthenaEmulatorOptions;
  log?: (message: string) => void;
}

/** Starts the edge with every emulated service: states, s3, sns, sqs, lambda, athena. */
export function startEmulators(options: EmulatorsOptions = {}): Promise<StartedEdge> {
  return startEdge({
    port: options.port ?? 0,
    clock: options.clock ?? new VirtualClock(),
    ...(options.log ? { log: options.log } : {}),
    services: [
      sfnService(options.stepFunctions),
      s3Service(options.s3DataDir ? { dataDir: options.s3DataDir } : {}),
      snsService(options.emailOutboxDir ? { outboxDir: options.emailOutboxDir } : {}),
      sqsService(),
      lambdaService(),
      athenaService(options.athena),
    ],
  });
}
