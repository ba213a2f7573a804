import { StatesError } from "./errors";

/**
 * Distributed Map `ResultWriter`: exports the child executions' results to S3 (`arn:aws:states:::s3:putObject`) and/or
 * shapes them per `WriterConfig`, as Step Functions does.
 *
 * Facts (AWS docs "ResultWriter (Map)"; AWS-recorded execution in LocalStack's test_base_scenarios
 * test_map_state_result_writer, commit 8b9a79f):
 * - With Resource + Parameters (JSONata: Arguments) `{Bucket, Prefix}`, the files go under `<Prefix>/<MapRunId>/`:
 *   `SUCCEEDED_0.json` / `FAILED_0.json` (results grouped by child status; a status without results gets no file)
 *   and `manifest.json` `{DestinationBucket, MapRunArn, ResultFiles: {FAILED, PENDING, SUCCEEDED: [{Key, Size}]}}`.
 *   The Map's result is then `{MapRunArn, ResultWriterDetails: {Bucket, Key: <manifest key>}}` (recorded).
 * - A result file is a JSON array (OutputType JSON, the default) or JSON Lines (OutputType JSONL). Transformation
 *   NONE (the default when exporting) writes each child's metadata record (ExecutionArn, Input and Output as JSON
 *   text, …); COMPACT its output; FLATTEN its output, arrays flattened one level. A failed child is always written
 *   as its NONE record.
 * - WriterConfig alone (no Resource) exports nothing: the Map's result is the transformed results.
 * - A failed write is `States.ResultWriterFailed`.
 */

/** The documented `WriterConfig` options. */
export interface WriterConfig {
  Transformation: "NONE" | "COMPACT" | "FLATTEN";
  OutputType: "JSON" | "JSONL";
}

/** One finished child execution of a Map Run, as the result files describe it. */
export interface ChildResult {
  status: "SUCCEEDED" | "FAILED";
  executionArn: string;
  name: string;
  stateMachineArn: string;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate: Date;
}

/** One object to put into S3. */
export interface ResultObject {
  Key: string;
  Body: string;
}

/** `States.ResultWriterFailed`: the error of every failure to export a Map Run's results. */
export function resultWriterFailed(cause: string): StatesError {
  return new StatesError("States.ResultWriterFailed", cause);
}

/** True when a ResultWriter `Resource` is `arn:<partition>:states:::s3:putObject`. */
export function isResultWriterResource(resource: unknown): boolean {
  return /^arn:[^:]+:states:[^:]*:[^:]*:s3:putObject$/.test(String(resource));
}

/**
 * The effective WriterConfig: when exporting, Transformation defaults to NONE; without a Resource (preview only) to
 * COMPACT. Unknown values fail with a States.Runtime naming the field and the allowed values.
 */
export function writerConfig(raw: unknown, exporting: boolean): WriterConfig {
  const cfg = (raw ?? {}) as Record<string, unknown>;
  const transformation = cfg.Transformation ?? (exporting ? "NONE" : "COMPACT");
  const outputType = cfg.OutputType ?? "JSON";
  if (transformation !== "NONE" && transformation !== "COMPACT" && transformation !== "FLATTEN") {
    throw new StatesError(
      "States.Runtime",
      `ResultWriter.WriterConfig.Transformation '${String(transformation)}' is not NONE, COMPACT or FLATTEN`,
    );
  }
  if (outputType !== "JSON" && outputType !== "JSONL") {
    throw new StatesError(
      "States.Runtime",
      `ResultWriter.WriterConfig.OutputType '${String(outputType)}' is not JSON or JSONL`,
    );
  }
  return { Transformation: transformation, OutputType: outputType };
}

/** A child's full record (Transformation NONE), keys in AWS's alphabetical order. */
export function childRecord(child: ChildResult): Record<string, unknown> {
  const succeeded = child.status === "SUCCEEDED";
  return {
    ...(succeeded ? {} : { Cause: child.cause ?? "", Error: child.error ?? "" }),
    ExecutionArn: child.executionArn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    ...(succeeded ? { Output: JSON.stringify(child.output), OutputDetails: { Included: true } } : {}),
    RedriveCount: 0,
    RedriveStatus: succeeded ? "NOT_REDRIVABLE" : "REDRIVABLE",
    ...(succeeded ? { RedriveStatusReason: "Execution is SUCCEEDED and cannot be redriven" } : {}),
    StartDate: child.startDate.toISOString(),
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate.toISOString(),
  };
}

/** The results of the children in item order, shaped by the Transformation (failed children stay NONE records). */
export function transformResults(children: ChildResult[], transformation: WriterConfig["Transformation"]): unknown[] {
  const out: unknown[] = [];
  for (const child of children) {
    if (transformation === "NONE" || child.status === "FAILED") out.push(childRecord(child));
    else if (transformation === "FLATTEN" && Array.isArray(child.output)) out.push(...child.output);
    else out.push(child.output);
  }
  return out;
}

/** The text of a result file: a JSON array, or one JSON value per line. */
function fileBody(entries: unknown[], outputType: WriterConfig["OutputType"]): string {
  return outputType === "JSONL" ? entries.map((e) => JSON.stringify(e)).join("\n") : JSON.stringify(entries);
}

/**
 * The objects a Map Run exports: the status files that have results, then `manifest.json` (last, so a reader
 * that finds the manifest finds every file it lists). `prefix` "" puts the run's folder at the bucket's root.
 */
export function resultObjects(
  children: ChildResult[],
  options: { bucket: string; prefix: string; mapRunArn: string; config: WriterConfig },
): { objects: ResultObject[]; manifestKey: string } {
  const runId = options.mapRunArn.slice(options.mapRunArn.lastIndexOf(":") + 1);
  const folder = `${options.prefix === "" || options.prefix.endsWith("/") ? options.prefix : `${options.prefix}/`}${runId}/`;
  const objects: ResultObject[] = [];
  const files: Record<"FAILED" | "PENDING" | "SUCCEEDED", Array<{ Key: string; Size: number }>> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ["SUCCEEDED", "FAILED"] as const) {
    const mine = children.filter((c) => c.status === status);
    if (mine.length === 0) continue;
    const Key = `${folder}${status}_0.json`;
    const Body = fileBody(transformResults(mine, options.config.Transformation), options.config.OutputType);
    objects.push({ Key, Body });
    files[status].push({ Key, Size: Buffer.byteLength(Body, "utf8") });
  }
  const manifestKey = `${folder}manifest.json`;
  objects.push({
    Key: manifestKey,
    Body: JSON.stringify({ DestinationBucket: options.bucket, MapRunArn: options.mapRunArn, ResultFiles: files }),
  });
  return { objects, manifestKey };
}
