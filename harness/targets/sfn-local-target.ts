import type { DockerDeployOptions } from "./compose-target";
import { ComposeTarget, type ComposeTargetOptions } from "./compose-target";
import type { TargetCapabilities, TargetEndpoints } from "./target";

/**
 * AWS Step Functions Local 2.0.0 runs the state machine (`WAIT_TIME_SCALE=0`); Lambda, SNS and SQS go to LocalStack
 * through its endpoint overrides. It has no S3 or Athena override, so `CopyResultsToProduction` and
 * `GetAthenaQueryExecution` are always mocked: the S3 copy never really happens here.
 */
export const SFN_LOCAL_CAPABILITIES: TargetCapabilities = {
  virtualTime: false,
  scriptedAthena: true,
  realS3Copy: false,
  realSnsPublish: true,
  realLambda: true,
  controlPlane: false,
};

export class SfnLocalTarget extends ComposeTarget {
  readonly name = "sfn-local" as const;
  readonly capabilities: TargetCapabilities;
  protected readonly services = ["localstack", "athena", "sfn-local"] as const;

  constructor(options: ComposeTargetOptions = {}) {
    super(options);
    // A mocked publish never reaches SNS.
    this.capabilities = options.compile?.mockSnsPublish
      ? { ...SFN_LOCAL_CAPABILITIES, realSnsPublish: false }
      : SFN_LOCAL_CAPABILITIES;
  }

  protected endpointsFrom(urls: { localstack: string; athena: string; sfnLocal?: string }): TargetEndpoints {
    const ls = urls.localstack;
    return {
      stepfunctions: urls.sfnLocal!,
      s3: ls,
      sns: ls,
      sqs: ls,
      lambda: ls,
      athena: urls.athena,
      control: `${urls.athena}/_testbed`,
    };
  }

  protected deployOptionsFor(): DockerDeployOptions {
    return {
      functionEnvironment: {
        "run-athena-query": { AWS_ENDPOINT_URL_ATHENA: "http://athena:4599" },
        // The trigger Lambda runs in LocalStack but must start executions on Step Functions Local.
        "start-pipeline": { AWS_ENDPOINT_URL_SFN: "http://sfn-local:8083" },
      },
    };
  }
}
