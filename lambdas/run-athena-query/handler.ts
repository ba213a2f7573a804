import { AthenaClient, StartQueryExecutionCommand } from "@aws-sdk/client-athena";

/**
 * Stage 3 Lambda: starts the Athena query that counts patients per state over the healthcare patients table and
 * returns its id. Configuration comes from the environment; the AWS SDK v3 client uses its default settings (the
 * endpoint comes from the environment too — AWS_ENDPOINT_URL on the testbed, nothing in AWS).
 */
export interface RunAthenaQueryResult {
  QueryExecutionId: string;
  /** Where Athena will write the result CSV: `<ATHENA_OUTPUT_LOCATION><QueryExecutionId>.csv`. */
  OutputLocation: string;
}

/** Thrown when the function is deployed without the settings it needs; surfaces as errorType "ConfigurationError". */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Config {
  database: string;
  table: string;
  workGroup: string;
  outputLocation: string;
}

/** Reads and checks the environment; every problem is named at once. */
export function readConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const need = (key: string): string => {
    const v = env[key];
    if (!v) problems.push(`${key} is not set`);
    return v ?? "";
  };
  const database = need("ATHENA_DATABASE");
  const table = need("ATHENA_TABLE");
  const workGroup = env.ATHENA_WORKGROUP || "primary";
  let outputLocation = need("ATHENA_OUTPUT_LOCATION");
  if (database && !IDENTIFIER.test(database)) problems.push(`ATHENA_DATABASE '${database}' is not a valid identifier`);
  if (table && !IDENTIFIER.test(table)) problems.push(`ATHENA_TABLE '${table}' is not a valid identifier`);
  if (outputLocation && !/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/.test(outputLocation)) {
    problems.push(`ATHENA_OUTPUT_LOCATION '${outputLocation}' must be an s3://bucket/prefix/ URL`);
  }
  if (problems.length) throw new ConfigurationError(`run-athena-query is misconfigured: ${problems.join("; ")}`);
  if (!outputLocation.endsWith("/")) outputLocation += "/";
  return { database, table, workGroup, outputLocation };
}

/** The state-counts query. */
export function stateCountsQuery(table: string): string {
  return `SELECT state, COUNT(*) AS patient_count FROM ${table} GROUP BY state ORDER BY state`;
}

let client: AthenaClient | undefined;

export const handler = async (event: { executionName?: string } = {}): Promise<RunAthenaQueryResult> => {
  const config = readConfig(process.env);
  client ??= new AthenaClient({});
  const res = await client.send(
    new StartQueryExecutionCommand({
      QueryString: stateCountsQuery(config.table),
      QueryExecutionContext: { Database: config.database },
      WorkGroup: config.workGroup,
      ResultConfiguration: { OutputLocation: config.outputLocation },
      ...(event.executionName ? { ClientRequestToken: `${event.executionName}`.padEnd(32, "-").slice(0, 128) } : {}),
    }),
  );
  if (!res.QueryExecutionId) throw new Error("Athena returned no QueryExecutionId");
  return {
    QueryExecutionId: res.QueryExecutionId,
    OutputLocation: `${config.outputLocation}${res.QueryExecutionId}.csv`,
  };
};
