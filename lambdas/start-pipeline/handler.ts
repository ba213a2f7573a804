import { createHash } from "node:crypto";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";

/**
 * The S3 trigger: on ObjectCreated under the raw-data prefix it starts the orchestrator with an execution name
 * derived from the object (key + ETag), so a repeated S3 event for the same object starts nothing new.
 */
interface S3EventRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; eTag?: string; size?: number } };
}

export interface StartPipelineResult {
  started: Array<{ executionArn: string; name: string; key: string }>;
  duplicates: Array<{ name: string; key: string }>;
  ignored: Array<{ key: string; reason: string }>;
}

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

/** S3 event keys are URL-encoded with '+' for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/**
 * A valid, deterministic Step Functions execution name (1–80 chars of `[A-Za-z0-9_.~-]`) for an object version:
 * the key's readable tail plus a hash of key and ETag, so different objects never collide.
 */
export function executionNameFor(key: string, eTag: string): string {
  const digest = createHash("sha256").update(`${key}\n${eTag}`).digest("hex").slice(0, 16);
  const readable = key
    .replace(/[^A-Za-z0-9_.~-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return `${readable.slice(-(80 - digest.length - 1))}-${digest}`.replace(/^-/, "");
}

let client: SFNClient | undefined;

export const handler = async (event: { Records?: S3EventRecord[] }): Promise<StartPipelineResult> => {
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new ConfigurationError("start-pipeline is misconfigured: STATE_MACHINE_ARN is not set");
  const prefix = process.env.RAW_PREFIX ?? "raw/";
  const suffix = process.env.RAW_SUFFIX ?? "";
  client ??= new SFNClient({});
  const result: StartPipelineResult = { started: [], duplicates: [], ignored: [] };
  for (const record of event.Records ?? []) {
    const rawKey = record.s3?.object?.key;
    if (!rawKey) continue;
    const key = decodeS3Key(rawKey);
    if (!record.eventName?.startsWith("ObjectCreated")) {
      result.ignored.push({ key, reason: `event ${record.eventName ?? "(none)"} is not ObjectCreated` });
      continue;
    }
    if (!key.startsWith(prefix) || !key.endsWith(suffix)) {
      result.ignored.push({ key, reason: `outside ${prefix}*${suffix}` });
      continue;
    }
    const name = executionNameFor(key, record.s3?.object?.eTag ?? "");
    const input = {
      source: { bucket: record.s3?.bucket?.name, key, eTag: record.s3?.object?.eTag, size: record.s3?.object?.size },
    };
    try {
      const res = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      result.started.push({ executionArn: res.executionArn!, name, key });
    } catch (e) {
      if (e instanceof ExecutionAlreadyExists || (e as Error).name === "ExecutionAlreadyExists") {
        result.duplicates.push({ name, key });
        continue;
      }
      throw e;
    }
  }
  console.log(JSON.stringify(result));
  return result;
};
