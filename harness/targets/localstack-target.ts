import type { DockerDeployOptions } from "./compose-target";
import { ComposeTarget, type ComposeTargetOptions } from "./compose-target";
import type { TargetCapabilities, TargetEndpoints } from "./target";

/**
 * LocalStack 4.14.0 runs the state machine (its own Step Functions engine): S3 copy, SNS and Lambda are real
 * LocalStack services; GetQueryExecution is mocked through `SFN_MOCK_CONFIG` (Athena is not in the free tier) and
 * the Lambda's StartQueryExecution reaches our Athena emulator. Real time: no wait scaling in LocalStack.
 */
export const LOCALSTACK_CAPABILITIES: TargetCapabilities = {
  virtualTime: false,
  scriptedAthena: true,
  realS3Copy: true,
  realSnsPublish: true,
  realLambda: true,
  controlPlane: false,
};

export class LocalstackTarget extends ComposeTarget {
  readonly name = "localstack" as const;
  readonly capabilities = LOCALSTACK_CAPABILITIES;
  protected readonly services = ["localstack", "athena"] as const;

  constructor(options: ComposeTargetOptions = {}) {
    super(options);
  }

  protected endpointsFrom(urls: { localstack: string; athena: string }): TargetEndpoints {
    const ls = urls.localstack;
    return {
      stepfunctions: ls,
      s3: ls,
      sns: ls,
      sqs: ls,
      lambda: ls,
      athena: urls.athena,
      control: `${urls.athena}/_testbed`,
    };
  }

  protected deployOptionsFor(): DockerDeployOptions {
    // LocalStack sets AWS_ENDPOINT_URL to itself in every Lambda; only Athena lives elsewhere.
    return { functionEnvironment: { "run-athena-query": { AWS_ENDPOINT_URL_ATHENA: "http://athena:4599" } } };
  }
}
