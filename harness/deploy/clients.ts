import { AthenaClient } from "@aws-sdk/client-athena";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { TargetEndpoints } from "../targets/target";

/** The AWS SDK v3 clients the harness uses against a target: dummy credentials, the target's endpoints. */
export interface AwsClients {
  sfn: SFNClient;
  s3: S3Client;
  sns: SNSClient;
  sqs: SQSClient;
  lambda: LambdaClient;
  athena: AthenaClient;
  destroy(): void;
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Endpoints must be loopback (or explicitly allowed): nothing real is ever touched. */
export function assertSafeEndpoint(url: string, allowNonLoopback = false): void {
  if (!LOOPBACK.test(url) && !allowNonLoopback) {
    throw new Error(
      `refusing to send requests to '${url}': only loopback endpoints are allowed (set allowNonLoopback for a compose network)`,
    );
  }
}

export function createClients(
  endpoints: TargetEndpoints,
  region = "us-east-1",
  options: { allowNonLoopback?: boolean } = {},
): AwsClients {
  for (const url of Object.values(endpoints)) if (url) assertSafeEndpoint(url, options.allowNonLoopback);
  const base = { region, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 2 };
  const clients = {
    // StartSyncExecution uses a "sync-" host prefix that a loopback endpoint cannot resolve.
    sfn: new SFNClient({ ...base, endpoint: endpoints.stepfunctions, disableHostPrefix: true }),
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
    lambda: new LambdaClient({ ...base, endpoint: endpoints.lambda }),
    athena: new AthenaClient({ ...base, endpoint: endpoints.athena }),
  };
  return {
    ...clients,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
