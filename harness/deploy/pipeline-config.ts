import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./bundle";

/**
 * Names and settings of one deployment of the pipeline. Defaults mirror production naming; a scenario may override
 * any of them (e.g. an invalid production bucket to exercise the copy-failure path).
 */
export interface PipelineConfig {
  stateMachineName: string;
  /** Bucket where raw data lands (the trigger watches `rawPrefix` here). */
  dataBucket: string;
  rawPrefix: string;
  /** Only objects ending with this suffix start the pipeline. */
  rawSuffix: string;
  /** Destination of the copy: `s3://<productionBucket>/<productionPrefix><execution-name>.csv`. */
  productionBucket: string;
  productionPrefix: string;
  athenaResultsBucket: string;
  /** Prefix (ending in `/`) under which Athena writes `<QueryExecutionId>.csv`. */
  athenaResultsPrefix: string;
  athenaDatabase: string;
  athenaTable: string;
  athenaWorkGroup: string;
  failureTopicName: string;
  /** SQS queue subscribed to the failure topic, so tests can read what SNS delivered. */
  failureQueueName: string;
  runAthenaQueryFunctionName: string;
  startPipelineFunctionName: string;
  roleArn: string;
  lambdaRoleArn: string;
}

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  stateMachineName: "healthcare-pipeline-orchestrator",
  dataBucket: "healthcare-data",
  rawPrefix: "raw/",
  rawSuffix: ".csv",
  productionBucket: "healthcare-data",
  productionPrefix: "production/state_counts/",
  athenaResultsBucket: "healthcare-athena-results",
  athenaResultsPrefix: "state-counts/",
  athenaDatabase: "healthcare",
  athenaTable: "patients",
  athenaWorkGroup: "primary",
  failureTopicName: "healthcare-pipelines-failures",
  failureQueueName: "healthcare-pipelines-failures-capture",
  runAthenaQueryFunctionName: "healthcare-run-athena-query",
  startPipelineFunctionName: "healthcare-start-pipeline",
  roleArn: "arn:aws:iam::000000000000:role/healthcare-pipeline-orchestrator",
  lambdaRoleArn: "arn:aws:iam::000000000000:role/healthcare-pipeline-lambda",
};

export const DEFINITION_FILE = join(PROJECT_ROOT, "asl", "healthcare-pipeline-orchestrator.asl.json");
export const POLICY_FILE = join(PROJECT_ROOT, "asl", "healthcare-pipeline-orchestrator.policy.json");

/** A definition or policy template still has `${...}` placeholders nobody supplied. */
export class UnresolvedSubstitutionError extends Error {
  override readonly name = "UnresolvedSubstitutionError";
  constructor(
    readonly file: string,
    readonly missing: string[],
  ) {
    super(`${file}: no value for ${missing.map((m) => `\${${m}}`).join(", ")}; add them to the substitutions`);
  }
}

/** The `DefinitionSubstitutions` for a deployment (as SAM / CloudFormation would pass them). */
export function substitutionsFor(config: PipelineConfig, region: string, accountId: string): Record<string, string> {
  return {
    RunAthenaQueryFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${config.runAthenaQueryFunctionName}`,
    ProductionBucket: config.productionBucket,
    ProductionPrefix: config.productionPrefix,
    AthenaResultsBucket: config.athenaResultsBucket,
    AthenaResultsPrefix: config.athenaResultsPrefix,
    AthenaWorkGroupArn: `arn:aws:athena:${region}:${accountId}:workgroup/${config.athenaWorkGroup}`,
    FailureTopicArn: `arn:aws:sns:${region}:${accountId}:${config.failureTopicName}`,
    DataBucket: config.dataBucket,
  };
}

/** Replaces `${Name}` placeholders; every placeholder must have a value. */
export function substitute(text: string, substitutions: Record<string, string>, file: string): string {
  const missing = new Set<string>();
  const out = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, name: string) => {
    const v = substitutions[name];
    if (v === undefined) {
      missing.add(name);
      return m;
    }
    // Values land inside JSON strings: escape them as JSON string content.
    return JSON.stringify(v).slice(1, -1);
  });
  if (missing.size) throw new UnresolvedSubstitutionError(file, [...missing]);
  return out;
}

/** The definition template text. */
export function readDefinitionTemplate(file: string = DEFINITION_FILE): string {
  return readFileSync(file, "utf8");
}

/** The definition with substitutions resolved, as JSON text (what CreateStateMachine receives). */
export function renderDefinition(
  config: PipelineConfig,
  region: string,
  accountId: string,
  file: string = DEFINITION_FILE,
): string {
  return substitute(readDefinitionTemplate(file), substitutionsFor(config, region, accountId), file);
}
