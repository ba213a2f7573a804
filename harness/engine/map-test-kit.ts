/**
 * Shared scaffolding of the Distributed Map tests (ItemReader, ItemBatcher, ResultWriter), on the engine and on the
 * emulators: the recorded-case types of the LocalStack snapshot fixtures, their placeholder helpers, an in-memory S3
 * and an engine on virtual time. Test support only; no test lives here (jest runs `*.test.ts` files only).
 */
import { VirtualClock } from "../common/clock";
import { Engine } from "./engine";
import { StatesError } from "./errors";
import { InMemoryIntegrations } from "./integrations";
import type { HistoryEvent, StateMachineDefinition } from "./types";

/**
 * One AWS-recorded execution of a fixtures/item-reader/aws-recorded*.json file (LocalStack snapshots, Apache-2.0,
 * commit 8b9a79f). Typed here once so that the engine and the wire tests read the fixtures the same way.
 */
export interface RecordedExecution {
  name: string;
  definition: unknown;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string };
  eventTypes: string[];
}

/**
 * A recorded execution reading its items from S3 (ItemReader, ItemBatcher fixtures): `objects` go into a bucket whose
 * name replaces `bucketPlaceholder` everywhere in the case (see {@link withBucket}).
 */
export interface RecordedS3Case extends RecordedExecution {
  bucketPlaceholder: string;
  objects: Record<string, string>;
}

/** A recorded ResultWriter execution, which writes its result files into the literal `bucket`. */
export interface RecordedWriterCase extends RecordedExecution {
  bucket: string;
}

/** Types an imported fixture JSON as its recorded cases (the JSON import itself is typed too loosely to use). */
export function recordedFixture<C extends RecordedExecution>(json: unknown): { cases: C[] } {
  return json as { cases: C[] };
}

/** Replaces the snapshot's bucket placeholder by the real bucket everywhere in a JSON value. */
export function withBucket<T>(value: T, placeholder: string, bucket: string): T {
  return JSON.parse(JSON.stringify(value).split(placeholder).join(bucket));
}

/**
 * The listObjectsV2 wildcards of the recordings, so that listings compare with AWS's snapshot: the returned function
 * turns an Etag matching `etag` into `<Etag-KEY>` and an epoch-seconds LastModified (after 2020) into `<date>`. The
 * Etag pattern differs: the S3 emulator sends real quoted MD5s, the in-memory S3 made-up quoted strings.
 */
export function listingNormaliser(etag: RegExp): (output: unknown) => unknown {
  return (output) => {
    if (!Array.isArray(output)) return output;
    return output.map((o: any) =>
      o && typeof o === "object" && "Etag" in o && "LastModified" in o
        ? {
            ...o,
            Etag: etag.test(o.Etag) ? `<Etag-${o.Key}>` : o.Etag,
            LastModified: Number.isInteger(o.LastModified) && o.LastModified > 1.6e9 ? "<date>" : o.LastModified,
          }
        : o,
    );
  };
}

/** The virtual start time of every {@link engine}: 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);

/** An engine on virtual time from {@link T0}, seed 1, serving the given integrations (none: no S3 at all). */
export function engine(resolve?: InMemoryIntegrations["resolve"]): Engine {
  return new Engine({ clock: new VirtualClock(T0), seed: 1, ...(resolve ? { integrations: resolve } : {}) });
}

/** The event types of a history, the form AWS's recordings keep. */
export const eventTypes = (events: HistoryEvent[]) => events.map((e) => e.type);

/** Options of {@link memoryS3}. */
export interface MemoryS3Options {
  /** listObjectsV2 page size, small to exercise continuation tokens (S3's is 1000). */
  pageSize?: number;
  /** Every putObject throws this (e.g. S3.NoSuchBucketException), for the ResultWriter failure paths. */
  putFails?: StatesError;
}

/**
 * An in-memory S3 served as the engine's `s3:getObject`, `s3:listObjectsV2` and `s3:putObject` integrations, so that
 * the Map tests run without emulators. Reads come from `buckets` (bucket → key → body); `calls` records the reads in
 * order, `objects` what was put (`bucket/key` → body) in order.
 */
export function memoryS3(buckets: Record<string, Record<string, string>> = {}, options: MemoryS3Options = {}) {
  const pageSize = options.pageSize ?? 1000;
  const calls: Array<{ action: string; params: any }> = [];
  const objects = new Map<string, string>();
  const integrations = new InMemoryIntegrations()
    .on("s3:getObject", (p: any) => {
      calls.push({ action: "getObject", params: p });
      const body = buckets[p.Bucket]?.[p.Key];
      if (body === undefined) {
        throw new StatesError(
          "S3.NoSuchKeyException",
          "The specified key does not exist. (Service: S3, Status Code: 404)",
        );
      }
      return body;
    })
    .on("s3:listObjectsV2", (p: any) => {
      calls.push({ action: "listObjectsV2", params: p });
      const keys = Object.keys(buckets[p.Bucket] ?? {})
        .filter((k) => k.startsWith(p.Prefix ?? ""))
        .sort();
      const from = p.ContinuationToken ? Number(p.ContinuationToken) : 0;
      const page = keys.slice(from, from + pageSize);
      const more = from + pageSize < keys.length;
      return {
        Contents: page.map((Key) => ({
          Key,
          ETag: `"etag-${Key}"`,
          LastModified: "2024-01-01T00:00:05.000Z",
          Size: buckets[p.Bucket]![Key]!.length,
          StorageClass: "STANDARD",
        })),
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(from + pageSize) } : {}),
      };
    })
    .on("s3:putObject", (p: any) => {
      if (options.putFails) throw options.putFails;
      objects.set(`${p.Bucket}/${p.Key}`, p.Body);
      return { ETag: '"etag"' };
    });
  return { resolve: integrations.resolve, calls, objects };
}

/**
 * A one-state machine: Distributed Map `M` (STANDARD children) with the given fields (ItemReader, ItemBatcher,
 * ResultWriter, ItemsPath, Catch …) whose child is the single state `P` (a Pass by default).
 */
export function distributedMap(
  fields: Record<string, unknown>,
  child: Record<string, unknown> = { Type: "Pass", End: true },
): StateMachineDefinition {
  return {
    StartAt: "M",
    States: {
      M: {
        Type: "Map",
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "P",
          States: { P: child },
        },
        ...fields,
        End: true,
      },
    },
  } as StateMachineDefinition;
}
