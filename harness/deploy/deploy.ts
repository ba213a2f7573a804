import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
} from "@aws-sdk/client-lambda";
import { CreateStateMachineCommand, DeleteStateMachineCommand, UpdateStateMachineCommand } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { StartedTarget } from "../targets/target";
import { bundleLambda, type LambdaName } from "./bundle";
import { createClients, type AwsClients } from "./clients";
import { DEFAULT_PIPELINE_CONFIG, renderDefinition, type PipelineConfig } from "./pipeline-config";

/** What a deployment created, and how to reach it. */
export interface DeployedPipeline extends AsyncDisposable {
  config: PipelineConfig;
  clients: AwsClients;
  stateMachineArn: string;
  topicArn: string;
  queueUrl: string;
  functionArns: Record<LambdaName, string>;
  /** The environment each function was deployed with. */
  functionEnvironment: Record<LambdaName, Record<string, string>>;
  /** The definition as deployed (substitutions resolved). */
  definition: string;
  /** Deletes everything this deployment created (objects and buckets included). */
  teardown(): Promise<void>;
}

export interface DeployOptions {
  config?: Partial<PipelineConfig>;
  /** Progress lines ("created bucket healthcare-data", …). */
  log?: (line: string) => void;
  /** Definition template file (default asl/healthcare-pipeline-orchestrator.asl.json). */
  definitionFile?: string;
  /**
   * Renders the definition text to deploy instead of the template (e.g. a fixed definition being proven against a
   * replayed production history). Takes precedence over `definitionFile`.
   */
  renderDefinition?: (config: PipelineConfig, region: string, accountId: string) => string;
  /** Extra environment per function, merged over what the deploy sets (e.g. service endpoints on Docker). */
  functionEnvironment?: Partial<Record<LambdaName, Record<string, string>>>;
}

/** A step of the deployment failed; says which resource and why. */
export class DeployError extends Error {
  override readonly name = "DeployError";
  constructor(step: string, cause: unknown) {
    super(`deploy failed at '${step}': ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, {
      cause,
    });
  }
}

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new DeployError(name, e);
  }
}

function isConflict(e: unknown, ...names: string[]): boolean {
  return e instanceof Error && names.includes(e.name);
}

/**
 * Deploys the whole pipeline to a target through the AWS SDK only: buckets, the failure topic with an SQS capture
 * queue, both Lambdas, the state machine (substitutions resolved for that target) and the S3 → trigger
 * notification. Idempotent: deploying twice updates in place.
 */
export async function deployPipeline(target: StartedTarget, options: DeployOptions = {}): Promise<DeployedPipeline> {
  const config: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...options.config };
  const log = options.log ?? (() => {});
  const clients = createClients(target.endpoints, target.region);
  const { region, accountId } = target;

  const buckets = [...new Set([config.dataBucket, config.athenaResultsBucket])];
  for (const bucket of buckets) {
    await step(`create bucket ${bucket}`, async () => {
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (e) {
        if (!isConflict(e, "BucketAlreadyOwnedByYou", "BucketAlreadyExists")) throw e;
      }
    });
    log(`bucket s3://${bucket}`);
  }

  const topicArn = await step(
    "create topic",
    async () => (await clients.sns.send(new CreateTopicCommand({ Name: config.failureTopicName }))).TopicArn!,
  );
  const queueUrl = await step(
    "create capture queue",
    async () => (await clients.sqs.send(new CreateQueueCommand({ QueueName: config.failureQueueName }))).QueueUrl!,
  );
  const queueArn = await step("read capture queue ARN", async () => {
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    return attrs.Attributes!.QueueArn!;
  });
  await step("subscribe capture queue", () =>
    clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn })),
  );
  log(`topic ${topicArn} → queue ${config.failureQueueName}`);

  const stateMachineArn = `arn:aws:states:${region}:${accountId}:stateMachine:${config.stateMachineName}`;
  const functionEnv: Record<LambdaName, Record<string, string>> = {
    "run-athena-query": {
      ATHENA_DATABASE: config.athenaDatabase,
      ATHENA_TABLE: config.athenaTable,
      ATHENA_WORKGROUP: config.athenaWorkGroup,
      ATHENA_OUTPUT_LOCATION: `s3://${config.athenaResultsBucket}/${config.athenaResultsPrefix}`,
    },
    "start-pipeline": {
      STATE_MACHINE_ARN: stateMachineArn,
      RAW_PREFIX: config.rawPrefix,
      RAW_SUFFIX: config.rawSuffix,
    },
  };
  for (const [n, extra] of Object.entries(options.functionEnvironment ?? {}))
    Object.assign(functionEnv[n as LambdaName], extra);
  const functionNames: Record<LambdaName, string> = {
    "run-athena-query": config.runAthenaQueryFunctionName,
    "start-pipeline": config.startPipelineFunctionName,
  };
  const functionArns = {} as Record<LambdaName, string>;
  for (const name of Object.keys(functionNames) as LambdaName[]) {
    const bundle = await step(`bundle ${name}`, () => bundleLambda(name));
    const FunctionName = functionNames[name];
    functionArns[name] = await step(`deploy function ${FunctionName}`, async () => {
      const env = { Variables: functionEnv[name] };
      try {
        const res = await clients.lambda.send(
          new CreateFunctionCommand({
            FunctionName,
            Runtime: "nodejs20.x",
            Handler: bundle.handler,
            Role: config.lambdaRoleArn,
            Code: { ZipFile: bundle.zip },
            Environment: env,
            Timeout: 30,
            MemorySize: 256,
          }),
        );
        return res.FunctionArn!;
      } catch (e) {
        if (!isConflict(e, "ResourceConflictException")) throw e;
        await clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName, ZipFile: bundle.zip }));
        await clients.lambda.send(
          new UpdateFunctionConfigurationCommand({ FunctionName, Environment: env, Handler: bundle.handler }),
        );
        return (await clients.lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration!.FunctionArn!;
      }
    });
    await step(`wait for ${FunctionName} to be active`, () =>
      waitUntilFunctionActiveV2(
        { client: clients.lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
        { FunctionName },
      ),
    );
    log(`function ${FunctionName} (${(bundle.bytes / 1024).toFixed(0)} KiB)`);
  }

  const definition = await step("render definition", async () =>
    options.renderDefinition
      ? options.renderDefinition(config, region, accountId)
      : renderDefinition(config, region, accountId, options.definitionFile),
  );
  await step("create state machine", async () => {
    try {
      await clients.sfn.send(
        new CreateStateMachineCommand({
          name: config.stateMachineName,
          definition,
          roleArn: config.roleArn,
          type: "STANDARD",
        }),
      );
    } catch (e) {
      if (!isConflict(e, "StateMachineAlreadyExists")) throw e;
      await clients.sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition, roleArn: config.roleArn }));
    }
  });
  log(`state machine ${stateMachineArn}`);

  await step("allow S3 to invoke the trigger", async () => {
    try {
      await clients.lambda.send(
        new AddPermissionCommand({
          FunctionName: functionArns["start-pipeline"],
          StatementId: "s3-invoke",
          Action: "lambda:InvokeFunction",
          Principal: "s3.amazonaws.com",
          SourceArn: `arn:aws:s3:::${config.dataBucket}`,
        }),
      );
    } catch (e) {
      if (!isConflict(e, "ResourceConflictException")) throw e;
    }
  });
  await step("configure the S3 trigger", () =>
    clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: config.dataBucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "start-pipeline-on-raw-data",
              LambdaFunctionArn: functionArns["start-pipeline"],
              Events: ["s3:ObjectCreated:*"],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: "prefix", Value: config.rawPrefix },
                    { Name: "suffix", Value: config.rawSuffix },
                  ],
                },
              },
            },
          ],
        },
      }),
    ),
  );
  log(
    `trigger s3://${config.dataBucket}/${config.rawPrefix}*${config.rawSuffix} → ${config.startPipelineFunctionName}`,
  );

  const teardown = async () => {
    const ignore = () => {};
    await clients.sfn.send(new DeleteStateMachineCommand({ stateMachineArn })).catch(ignore);
    for (const fn of Object.values(functionNames))
      await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: fn })).catch(ignore);
    await clients.sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(ignore);
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(ignore);
    for (const bucket of buckets) {
      for (;;) {
        const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
        const keys = (page?.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(ignore);
    }
    clients.destroy();
  };

  return {
    config,
    clients,
    stateMachineArn,
    topicArn,
    queueUrl,
    functionArns,
    functionEnvironment: functionEnv,
    definition,
    teardown,
    [Symbol.asyncDispose]: teardown,
  };
}

/** Uploads a data file under the raw prefix (this is what triggers the pipeline). */
export async function uploadRawData(
  deployed: DeployedPipeline,
  key: string,
  body: string | Uint8Array,
): Promise<{ bucket: string; key: string; etag: string }> {
  const fullKey = key.startsWith(deployed.config.rawPrefix) ? key : `${deployed.config.rawPrefix}${key}`;
  const res = await deployed.clients.s3.send(
    new PutObjectCommand({ Bucket: deployed.config.dataBucket, Key: fullKey, Body: body, ContentType: "text/csv" }),
  );
  return { bucket: deployed.config.dataBucket, key: fullKey, etag: res.ETag ?? "" };
}
