import { createHash, randomBytes } from "node:crypto";
import type { ServiceFactory } from "../edge";
import { AwsServiceError, notImplemented } from "../errors";
import type { LambdaInternal, S3Internal, SqsInternal } from "../internal-apis";
import { ACCOUNT_ID } from "../types";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { AwsChunkedFormatError, decodeAwsChunked, isAwsChunked } from "./aws-chunked";
import {
  CHECKSUM_ALGORITHMS,
  checksumAlgorithmOfHeader,
  checksumHeaderName,
  checksumOf,
  isWellFormedChecksum,
  parseChecksumAlgorithm,
} from "./checksums";
import type { ChecksumAlgorithm } from "./checksums";
import {
  MAX_LIST_PARTS,
  MIN_PART_SIZE,
  compositeChecksum,
  entityTooSmall,
  invalidPart,
  invalidPartOrder,
  listUploads,
  multipartEtag,
  newUploadId,
  noSuchUpload,
  parseCompleteMultipartUpload,
  parseCopySourceRange,
  parsePartNumber,
  unquote,
  uploadChecksumMode,
} from "./s3-multipart";
import type { MultipartUpload, UploadedPart } from "./s3-multipart";
import { addressOf, isAddressableBucketName, isValidNewBucketName, s3UrlEncode } from "./s3-names";
import {
  EMPTY_NOTIFICATION_CONFIGURATION,
  destinationMatches,
  notificationConfigurationXml,
  parseNotificationConfiguration,
  s3EventPayload,
} from "./s3-notifications";
import type { S3EventDetails } from "./s3-notifications";
import { S3Store, SYSTEM_HEADERS, compareKeys } from "./s3-store";
import type { S3BucketRecord, S3ObjectPart, S3ObjectRecord, SystemHeader } from "./s3-store";
import { childText, children, el, malformedXml, parseXmlBody, xmlDocument } from "./s3-xml";

/** Options of {@link s3Service}. */
export interface S3ServiceOptions {
  /**
   * Directory to persist buckets and objects in (created on demand). Without it everything lives in memory and is
   * gone with the emulator; with it, a new emulator on the same directory starts with the same buckets and objects.
   */
  dataDir?: string;
}

/** Canonical user id of the emulated account (the value LocalStack uses for account 000000000000). */
export const S3_OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

/** The edge factory: `startEdge({ services: [s3Service()] })`. */
export function s3Service(options: S3ServiceOptions = {}): ServiceFactory {
  return (ctx) => new S3Emulator(ctx, options);
}

const XML = { "content-type": "application/xml" };
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;
const MAX_LIST_KEYS = 1000;
const STORAGE_CLASSES = new Set([
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
  "EXPRESS_ONEZONE",
  "SNOW",
]);
const ARCHIVED_STORAGE_CLASSES = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** Query parameters that select a different S3 operation than the plain method on the bucket or object. */
const SUBRESOURCES = new Set([
  "accelerate",
  "acl",
  "analytics",
  "attributes",
  "cors",
  "delete",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "location",
  "logging",
  "metadataTable",
  "metadataConfiguration",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "renameObject",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "session",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versioning",
  "versions",
  "website",
]);

/** Operation names for subresources whose name does not follow `<Verb><Bucket|Object><Subresource>`. */
const IRREGULAR_OPERATIONS: Record<string, string> = {
  "bucket:lifecycle:GET": "GetBucketLifecycleConfiguration",
  "bucket:lifecycle:PUT": "PutBucketLifecycleConfiguration",
  "bucket:lifecycle:DELETE": "DeleteBucketLifecycle",
  "bucket:uploads:GET": "ListMultipartUploads",
  "object:uploads:POST": "CreateMultipartUpload",
  "object:uploadId:PUT": "UploadPart",
  "object:uploadId:POST": "CompleteMultipartUpload",
  "object:uploadId:DELETE": "AbortMultipartUpload",
  "object:uploadId:GET": "ListParts",
  "bucket:versions:GET": "ListObjectVersions",
  "object:restore:POST": "RestoreObject",
  "object:select:POST": "SelectObjectContent",
  "object:renameObject:PUT": "RenameObject",
  "bucket:object-lock:GET": "GetObjectLockConfiguration",
  "bucket:object-lock:PUT": "PutObjectLockConfiguration",
  "bucket:publicAccessBlock:GET": "GetPublicAccessBlock",
  "bucket:publicAccessBlock:PUT": "PutPublicAccessBlock",
  "bucket:publicAccessBlock:DELETE": "DeletePublicAccessBlock",
  "bucket:accelerate:GET": "GetBucketAccelerateConfiguration",
  "bucket:accelerate:PUT": "PutBucketAccelerateConfiguration",
  "bucket:session:GET": "CreateSession",
  "bucket:metadataTable:POST": "CreateBucketMetadataTableConfiguration",
  "bucket:metadataTable:GET": "GetBucketMetadataTableConfiguration",
  "bucket:metadataTable:DELETE": "DeleteBucketMetadataTableConfiguration",
};

/** The S3 operation a request for an unimplemented subresource stands for, for the `NotImplemented` message. */
export function operationName(method: string, subresource: string, onObject: boolean, query: URLSearchParams): string {
  const scope = onObject ? "object" : "bucket";
  if (subresource === "uploadId" && method === "PUT" && query.has("partNumber")) {
    return "UploadPart";
  }
  const irregular = IRREGULAR_OPERATIONS[`${scope}:${subresource}:${method}`];
  if (irregular) return irregular;
  const pascal = subresource
    .split("-")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
  if (["analytics", "inventory", "metrics", "intelligent-tiering"].includes(subresource)) {
    if (method === "GET" && !query.has("id")) return `ListBucket${pascal}Configurations`;
    return `${verbOf(method)}Bucket${pascal}Configuration`;
  }
  return `${verbOf(method)}${onObject ? "Object" : "Bucket"}${pascal}`;
}

function verbOf(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

// ---- errors S3 answers with -------------------------------------------------------------------------------------

function noSuchBucket(bucket: string): AwsServiceError {
  return new AwsServiceError("NoSuchBucket", "The specified bucket does not exist", 404, "Sender", {
    BucketName: bucket,
  });
}

function noSuchKey(key: string): AwsServiceError {
  return new AwsServiceError("NoSuchKey", "The specified key does not exist.", 404, "Sender", { Key: key });
}

function invalidBucketName(bucket: string): AwsServiceError {
  return new AwsServiceError("InvalidBucketName", "The specified bucket is not valid.", 400, "Sender", {
    BucketName: bucket,
  });
}

function invalidArgument(message: string, name?: string, value?: string): AwsServiceError {
  const extra: Record<string, string> = {};
  if (name !== undefined) extra["ArgumentName"] = name;
  if (value !== undefined && value !== "") extra["ArgumentValue"] = value;
  return new AwsServiceError("InvalidArgument", message, 400, "Sender", extra);
}

function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError("InvalidRequest", message, 400);
}

function preconditionFailed(condition: string): AwsServiceError {
  return new AwsServiceError(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    412,
    "Sender",
    { Condition: condition },
  );
}

function methodNotAllowed(method: string, resourceType: "SERVICE" | "BUCKET" | "OBJECT"): AwsServiceError {
  return new AwsServiceError(
    "MethodNotAllowed",
    "The specified method is not allowed against this resource.",
    405,
    "Sender",
    {
      Method: method,
      ResourceType: resourceType,
    },
  );
}

function missingContentLength(): AwsServiceError {
  return new AwsServiceError("MissingContentLength", "You must provide the Content-Length HTTP header.", 411);
}

// ---- small helpers ------------------------------------------------------------------------------------------------

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/** Header values must be Latin-1 on the wire; S3 sends other metadata values RFC 2047-encoded. */
function headerSafe(value: string): string {
  return /[^\x20-\xff]/.test(value) ? `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=` : value;
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === "*" || t === etag || `"${t}"` === etag);
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** A byte range of an object, inclusive, or `undefined` when the header is to be ignored (S3 serves the whole object). */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, first = "", last = ""] = m;
  const unsatisfiable = () =>
    new AwsServiceError("InvalidRange", "The requested range is not satisfiable", 416, "Sender", {
      RangeRequested: header,
      ActualObjectSize: String(size),
    });
  if (first === "" && last === "") return undefined;
  if (first !== "") {
    const start = Number(first);
    if (start >= size) throw unsatisfiable();
    const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
    return end < start ? undefined : { start, end };
  }
  const suffix = Number(last);
  if (suffix === 0) throw unsatisfiable();
  if (size === 0) return undefined;
  return { start: Math.max(0, size - suffix), end: size - 1 };
}

/** A count parameter (`max-keys`, `max-uploads`, `max-parts`, `part-number-marker`): an integer 0..2^31-1. */
function parseMaxKeys(query: URLSearchParams, param: string): number {
  const raw = query.get(param);
  if (raw === null) return MAX_LIST_KEYS;
  const label = param === "max-keys" ? "maxKeys" : param;
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw invalidArgument(`Provided ${param} not an integer or within integer range`, param, raw);
  }
  const n = Number(raw);
  if (n < 0 || n > 2147483647)
    throw invalidArgument(`Argument ${label} must be an integer between 0 and 2147483647`, param, raw);
  return n;
}

function encodeToken(key: string): string {
  return Buffer.from(`v1:${key}`, "utf8").toString("base64");
}

function decodeToken(token: string, param: string): string {
  const text = Buffer.from(token, "base64").toString("utf8");
  if (token === "" || !text.startsWith("v1:") || encodeToken(text.slice(3)) !== token) {
    throw invalidArgument("The continuation token provided is incorrect", param);
  }
  return text.slice(3);
}

interface RequestIds {
  requestId: string;
  hostId: string;
}

interface Listing {
  contents: S3ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** First key not returned (V2 continuation). */
  nextKey?: string;
  /** Last key or common prefix returned (V1 `NextMarker`). */
  lastEntry?: string;
  count: number;
}

/**
 * Amazon S3, emulated over its restXml wire protocol: buckets, objects (Put/Get/Head/Copy/Delete, ranges, conditional
 * requests, flexible checksums and `aws-chunked` uploads), multipart uploads (what `aws s3 cp`, boto3's `upload_file`
 * and `@aws-sdk/lib-storage` use for large files), listings (V1 and V2), and event notifications to Lambda (and SQS)
 * destinations. Path-style and virtual-host style addressing both work. State is in memory, or written
 * through to `dataDir`.
 */
export class S3Emulator implements ServiceEmulator, S3Internal {
  readonly name = "s3";
  private readonly store: S3Store;
  private sequence = 0;
  private uploadSequence = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    options: S3ServiceOptions = {},
  ) {
    this.store = new S3Store(options.dataDir, ctx.log);
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const ids: RequestIds = {
      requestId: randomBytes(8).toString("hex").toUpperCase(),
      hostId: randomBytes(32).toString("base64"),
    };
    const res = await this.dispatch(req, ids);
    return { ...res, headers: { "x-amz-request-id": ids.requestId, "x-amz-id-2": ids.hostId, ...res.headers } };
  }

  reset(): void {
    this.store.clear();
  }

  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    if (subpath.replace(/\/$/, "") === "objects" && req.method === "GET") {
      const buckets = this.store.listBuckets().map((b) => ({
        name: b.name,
        region: b.region,
        objects: this.store.sortedKeys(b).map((key) => {
          const o = b.objects.get(key)!;
          return {
            key,
            size: o.body.length,
            etag: o.etag,
            contentType: o.contentType,
            lastModified: isoDate(o.lastModified),
          };
        }),
      }));
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ buckets }) };
    }
    return {
      status: 404,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        error: `no S3 control endpoint ${req.method} /_testbed/s3/${subpath}; try GET /_testbed/s3/objects`,
      }),
    };
  }

  // ---- S3Internal ---------------------------------------------------------------------------------------------------

  async putObjectInternal(
    bucket: string,
    key: string,
    body: Buffer,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<{ etag: string }> {
    const b = this.store.getBucket(bucket);
    if (!b) throw noSuchBucket(bucket);
    const metadata = Object.fromEntries(Object.entries(options.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const object = this.newObject(key, body, {
      contentType: options.contentType ?? "binary/octet-stream",
      metadata,
      systemHeaders: {},
      checksum: { algorithm: "CRC64NVME", value: checksumOf("CRC64NVME", body) },
      storageClass: "STANDARD",
    });
    this.store.putObject(b, object);
    this.notify(b, "ObjectCreated:Put", object, {
      requestId: randomBytes(8).toString("hex").toUpperCase(),
      hostId: "",
    });
    return { etag: object.etag };
  }

  getObjectInternal(bucket: string, key: string): { body: Buffer; contentType: string; etag: string } | undefined {
    const o = this.store.getBucket(bucket)?.objects.get(key);
    return o ? { body: o.body, contentType: o.contentType, etag: o.etag } : undefined;
  }

  bucketExists(bucket: string): boolean {
    return this.store.getBucket(bucket) !== undefined;
  }

  // ---- routing ------------------------------------------------------------------------------------------------------

  private async dispatch(req: EmulatorRequest, ids: RequestIds): Promise<EmulatorResponse> {
    const method = req.method.toUpperCase();
    this.verifyPayloadHash(req);
    const owner = req.headers["x-amz-expected-bucket-owner"];
    if (owner !== undefined && owner !== req.accountId) throw new AwsServiceError("AccessDenied", "Access Denied", 403);
    const { bucket, key } = addressOf(req.rawPath, req.host);
    let subresource: string | undefined;
    for (const name of req.query.keys()) {
      if (SUBRESOURCES.has(name)) {
        subresource = name;
        break;
      }
    }

    if (bucket === undefined) {
      if (method === "GET" && !subresource) return this.listBuckets(req);
      throw methodNotAllowed(method, "SERVICE");
    }

    if (key === undefined) {
      switch (subresource) {
        case undefined:
          switch (method) {
            case "GET":
              return req.query.get("list-type") === "2"
                ? this.listObjectsV2(req, bucket)
                : this.listObjectsV1(req, bucket);
            case "PUT":
              return this.createBucket(req, bucket);
            case "HEAD":
              return this.headBucket(bucket);
            case "DELETE":
              return this.deleteBucket(bucket);
            case "POST":
              throw notImplemented("S3", "PostObject");
            default:
              throw methodNotAllowed(method, "BUCKET");
          }
        case "delete":
          if (method === "POST") return this.deleteObjects(req, bucket, ids);
          break;
        case "notification":
          if (method === "GET") return this.getNotification(bucket);
          if (method === "PUT") return this.putNotification(req, bucket);
          break;
        case "location":
          if (method === "GET") return this.getBucketLocation(bucket);
          break;
        case "uploads":
          if (method === "GET") return this.listMultipartUploads(req, bucket);
          break;
      }
      if (!["GET", "PUT", "DELETE", "POST", "HEAD"].includes(method)) throw methodNotAllowed(method, "BUCKET");
      throw notImplemented("S3", operationName(method, subresource ?? "", false, req.query));
    }

    if (subresource === undefined) {
      switch (method) {
        case "PUT":
          return req.headers["x-amz-copy-source"] !== undefined
            ? this.copyObject(req, bucket, key, ids)
            : this.putObject(req, bucket, key, ids);
        case "GET":
          return this.getObject(req, bucket, key, false);
        case "HEAD":
          return this.getObject(req, bucket, key, true);
        case "DELETE":
          return this.deleteObject(req, bucket, key, ids);
        default:
          throw methodNotAllowed(method, "OBJECT");
      }
    }
    if (subresource === "uploads" && method === "POST") return this.createMultipartUpload(req, bucket, key);
    if (subresource === "uploadId") {
      switch (method) {
        case "PUT":
          return req.headers["x-amz-copy-source"] !== undefined
            ? this.uploadPartCopy(req, bucket, key)
            : this.uploadPart(req, bucket, key);
        case "POST":
          return this.completeMultipartUpload(req, bucket, key, ids);
        case "DELETE":
          return this.abortMultipartUpload(req, bucket, key);
        case "GET":
          return this.listParts(req, bucket, key);
      }
    }
    if (!["GET", "PUT", "DELETE", "POST", "HEAD"].includes(method)) throw methodNotAllowed(method, "OBJECT");
    let operation = operationName(method, subresource, true, req.query);
    if (operation === "UploadPart" && req.headers["x-amz-copy-source"] !== undefined) operation = "UploadPartCopy";
    throw notImplemented("S3", operation);
  }

  /** A bucket that exists, or the error S3 gives for this name (`InvalidBucketName` / `NoSuchBucket`). */
  private requireBucket(name: string): S3BucketRecord {
    const bucket = this.store.getBucket(name);
    if (bucket) return bucket;
    if (!isAddressableBucketName(name)) throw invalidBucketName(name);
    throw noSuchBucket(name);
  }

  /** S3 rejects a signed payload whose `x-amz-content-sha256` does not match the body. */
  private verifyPayloadHash(req: EmulatorRequest): void {
    const claimed = req.headers["x-amz-content-sha256"];
    if (!claimed || !/^[0-9a-fA-F]{64}$/.test(claimed)) return;
    const actual = createHash("sha256").update(req.body).digest("hex");
    if (actual !== claimed.toLowerCase()) {
      throw new AwsServiceError(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        "Sender",
        { ClientComputedContentSHA256: claimed, S3ComputedContentSHA256: actual },
      );
    }
  }

  // ---- buckets ------------------------------------------------------------------------------------------------------

  private listBuckets(req: EmulatorRequest): EmulatorResponse {
    const prefix = req.query.get("prefix") ?? "";
    const regionFilter = req.query.get("bucket-region");
    const maxRaw = req.query.get("max-buckets");
    let max = 10000;
    if (maxRaw !== null) {
      max = Number(maxRaw);
      if (!/^\d+$/.test(maxRaw) || max < 1 || max > 10000) {
        throw invalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", maxRaw);
      }
    }
    const token = req.query.get("continuation-token");
    const after = token === null ? undefined : decodeToken(token, "continuation-token");
    const candidates = this.store
      .listBuckets()
      .filter((b) => b.name.startsWith(prefix))
      .filter((b) => !regionFilter || b.region === regionFilter)
      .filter((b) => after === undefined || compareKeys(b.name, after) > 0);
    const page = candidates.slice(0, max);
    const more = candidates.length > page.length;
    const buckets = page
      .map(
        (b) =>
          `<Bucket>${el("Name", b.name)}${el("CreationDate", isoDate(b.creationDate))}${el("BucketRegion", b.region)}</Bucket>`,
      )
      .join("");
    const body = xmlDocument(
      "ListAllMyBucketsResult",
      `<Owner>${el("ID", S3_OWNER_ID)}</Owner><Buckets>${buckets}</Buckets>` +
        (more ? el("ContinuationToken", encodeToken(page[page.length - 1]!.name)) : "") +
        (req.query.has("prefix") ? el("Prefix", prefix) : ""),
    );
    return { status: 200, headers: XML, body };
  }

  private createBucket(req: EmulatorRequest, name: string): EmulatorResponse {
    if (!isValidNewBucketName(name)) throw invalidBucketName(name);
    let constraint = "";
    if (req.body.length > 0) {
      const root = parseXmlBody(req.body, "CreateBucketConfiguration");
      constraint = childText(root, "LocationConstraint") ?? "";
    }
    const region = req.region;
    if (constraint) {
      if (region === "us-east-1") {
        if (
          constraint === "us-east-1" ||
          !(constraint === "EU" || /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/.test(constraint))
        ) {
          throw new AwsServiceError(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
            400,
            "Sender",
            {
              LocationConstraint: constraint,
            },
          );
        }
      } else if (constraint !== region && !(region === "eu-west-1" && constraint === "EU")) {
        throw illegalLocationConstraint(constraint);
      }
    } else if (region !== "us-east-1") {
      throw illegalLocationConstraint("unspecified");
    }
    const bucketRegion = !constraint ? "us-east-1" : constraint === "EU" ? "eu-west-1" : constraint;
    if (this.store.getBucket(name)) {
      // us-east-1 keeps its legacy behaviour: creating a bucket you already own there succeeds again.
      if (bucketRegion !== "us-east-1") {
        throw new AwsServiceError(
          "BucketAlreadyOwnedByYou",
          "Your previous request to create the named bucket succeeded and you already own it.",
          409,
          "Sender",
          { BucketName: name },
        );
      }
    } else {
      this.store.createBucket(name, bucketRegion, Math.floor(this.ctx.clock.now() / 1000) * 1000);
    }
    const location = bucketRegion === "us-east-1" ? `/${name}` : `${this.ctx.endpoint()}/${name}/`;
    return { status: 200, headers: { location, "x-amz-bucket-arn": `arn:aws:s3:::${name}` } };
  }

  private headBucket(name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    return { status: 200, headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
  }

  private deleteBucket(name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    if (bucket.objects.size > 0) {
      throw new AwsServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, "Sender", {
        BucketName: name,
      });
    }
    this.store.deleteBucket(name);
    return { status: 204 };
  }

  private getBucketLocation(name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    const value = bucket.region === "us-east-1" ? "" : bucket.region;
    return { status: 200, headers: XML, body: xmlDocument("LocationConstraint", value) };
  }

  private getNotification(name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    return {
      status: 200,
      headers: XML,
      body: xmlDocument("NotificationConfiguration", notificationConfigurationXml(bucket.notification)),
    };
  }

  private putNotification(req: EmulatorRequest, name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    const config =
      req.body.length === 0
        ? EMPTY_NOTIFICATION_CONFIGURATION
        : parseNotificationConfiguration(parseXmlBody(req.body, "NotificationConfiguration"));
    if ((req.headers["x-amz-skip-destination-validation"] ?? "").toLowerCase() !== "true") {
      const lambda = this.ctx.services.get<LambdaInternal & ServiceEmulator>("lambda");
      const failures: [string, string][] = [];
      for (const d of config.destinations) {
        if (
          d.kind === "lambda" &&
          lambda &&
          typeof lambda.functionExists === "function" &&
          !lambda.functionExists(d.arn)
        ) {
          failures.push([`${d.arn}, null`, `Not authorized to invoke function [${d.arn}]`]);
        }
      }
      if (failures.length > 0) {
        const extra: Record<string, string> = {};
        failures.forEach(([n, v], i) => {
          extra[`ArgumentName${i + 1}`] = n;
          extra[`ArgumentValue${i + 1}`] = v;
        });
        throw new AwsServiceError(
          "InvalidArgument",
          "Unable to validate the following destination configurations",
          400,
          "Sender",
          extra,
        );
      }
    }
    this.store.setNotification(bucket, config);
    return { status: 200 };
  }

  // ---- objects: write -----------------------------------------------------------------------------------------------

  private newObject(
    key: string,
    body: Buffer,
    rest: Pick<S3ObjectRecord, "contentType" | "metadata" | "systemHeaders" | "checksum" | "storageClass">,
  ): S3ObjectRecord {
    return {
      key,
      body,
      etag: `"${md5Hex(body)}"`,
      lastModified: Math.floor(this.ctx.clock.now() / 1000) * 1000,
      ...rest,
    };
  }

  private validateKey(key: string): void {
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > MAX_KEY_BYTES) {
      throw new AwsServiceError("KeyTooLongError", "Your key is too long", 400, "Sender", {
        Size: String(bytes),
        MaxSizeAllowed: String(MAX_KEY_BYTES),
      });
    }
  }

  /** The request payload with any `aws-chunked` framing removed, plus its trailers. */
  private payloadOf(req: EmulatorRequest): { body: Buffer; trailers?: Record<string, string> } {
    if (!isAwsChunked(req.headers)) {
      if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] !== undefined) {
        throw missingContentLength();
      }
      return { body: req.body };
    }
    const declared = req.headers["x-amz-decoded-content-length"];
    if (declared === undefined || !/^\d+$/.test(declared)) throw missingContentLength();
    let decoded;
    try {
      decoded = decodeAwsChunked(req.body);
    } catch (e) {
      if (e instanceof AwsChunkedFormatError) {
        throw new AwsServiceError(
          "IncompleteBody",
          `The request body is not valid aws-chunked encoding: ${e.message}`,
          400,
        );
      }
      throw e;
    }
    if (decoded.body.length !== Number(declared)) {
      throw new AwsServiceError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        400,
        "Sender",
        { NumberBytesExpected: declared, NumberBytesProvided: String(decoded.body.length) },
      );
    }
    return decoded;
  }

  /** Validates `Content-MD5` against the payload (S3: `InvalidDigest` when malformed, `BadDigest` on mismatch). */
  private verifyContentMd5(req: EmulatorRequest, body: Buffer): void {
    const md5 = req.headers["content-md5"];
    if (md5 === undefined) return;
    const digest = Buffer.from(md5, "base64");
    if (digest.length !== 16 || digest.toString("base64") !== md5.trim()) {
      throw new AwsServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400, "Sender", {
        "Content-MD5": md5,
      });
    }
    const actual = createHash("md5").update(body).digest();
    if (!actual.equals(digest)) {
      throw new AwsServiceError(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        400,
        "Sender",
        {
          ExpectedDigest: digest.toString("hex"),
          CalculatedDigest: actual.toString("hex"),
        },
      );
    }
  }

  /**
   * The checksum S3 stores with an upload: the one the client sent (header or aws-chunked trailer), verified against
   * the payload; else one of the algorithm the client asked for; else CRC64NVME, which S3 computes by default.
   */
  private verifiedChecksum(
    req: EmulatorRequest,
    body: Buffer,
    trailers: Record<string, string> | undefined,
  ): { algorithm: ChecksumAlgorithm; value: string } {
    return this.clientChecksum(req, body, trailers) ?? { algorithm: "CRC64NVME", value: checksumOf("CRC64NVME", body) };
  }

  /**
   * The checksum the client sent (header or aws-chunked trailer), verified against the payload, or one of the
   * algorithm it asked for (`x-amz-sdk-checksum-algorithm`); `undefined` when it did neither.
   */
  private clientChecksum(
    req: EmulatorRequest,
    body: Buffer,
    trailers: Record<string, string> | undefined,
  ): { algorithm: ChecksumAlgorithm; value: string } | undefined {
    const provided: { algorithm: ChecksumAlgorithm; value: string }[] = [];
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = req.headers[checksumHeaderName(algorithm)];
      if (value !== undefined) provided.push({ algorithm, value });
    }
    const trailerName = req.headers["x-amz-trailer"];
    if (trailers && trailerName !== undefined) {
      const algorithm = checksumAlgorithmOfHeader(trailerName);
      if (!algorithm) throw invalidRequest("The value specified in the x-amz-trailer header is not supported");
      const value = trailers[trailerName.trim().toLowerCase()];
      if (value === undefined) {
        throw new AwsServiceError(
          "MalformedTrailerError",
          "The request contained trailing data that was not well-formed or did not conform to our published schema.",
          400,
        );
      }
      provided.push({ algorithm, value });
    }
    if (provided.length > 1) {
      throw invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    }
    const claim = provided[0];
    if (claim) {
      if (!isWellFormedChecksum(claim.algorithm, claim.value)) {
        throw invalidRequest(`Value for ${checksumHeaderName(claim.algorithm)} header is invalid.`);
      }
      const actual = checksumOf(claim.algorithm, body);
      if (actual !== claim.value) {
        throw new AwsServiceError(
          "BadDigest",
          `The ${claim.algorithm} you specified did not match the calculated checksum.`,
          400,
        );
      }
      return claim;
    }
    const requested = req.headers["x-amz-sdk-checksum-algorithm"] ?? req.headers["x-amz-checksum-algorithm"];
    if (requested === undefined) return undefined;
    const algorithm = parseChecksumAlgorithm(requested);
    if (!algorithm) {
      throw invalidRequest(
        `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(", ")}]`,
      );
    }
    return { algorithm, value: checksumOf(algorithm, body) };
  }

  private storageClassOf(req: EmulatorRequest): string | undefined {
    const requested = req.headers["x-amz-storage-class"];
    if (requested === undefined) return undefined;
    if (!STORAGE_CLASSES.has(requested)) {
      throw new AwsServiceError("InvalidStorageClass", "The storage class you specified is not valid", 400, "Sender", {
        StorageClassRequested: requested,
      });
    }
    return requested;
  }

  private metadataOf(req: EmulatorRequest): Record<string, string> {
    const metadata: Record<string, string> = {};
    let size = 0;
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith("x-amz-meta-")) continue;
      const key = name.slice("x-amz-meta-".length);
      metadata[key] = value;
      size += Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
    }
    if (size > MAX_METADATA_BYTES) {
      throw new AwsServiceError(
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size",
        400,
        "Sender",
        {
          Size: String(size),
          MaxSizeAllowed: String(MAX_METADATA_BYTES),
        },
      );
    }
    return metadata;
  }

  private systemHeadersOf(req: EmulatorRequest): Partial<Record<SystemHeader, string>> {
    const out: Partial<Record<SystemHeader, string>> = {};
    for (const h of SYSTEM_HEADERS) {
      let value = req.headers[h];
      if (value === undefined) continue;
      if (h === "content-encoding") {
        // `aws-chunked` describes the transfer, not the object; S3 drops it.
        value = value
          .split(",")
          .map((e) => e.trim())
          .filter((e) => e !== "" && e.toLowerCase() !== "aws-chunked")
          .join(",");
        if (value === "") continue;
      }
      out[h] = value;
    }
    return out;
  }

  /** Conditional writes: `If-None-Match: *` (create only) and `If-Match: <etag>` (replace only that version). */
  private checkWritePreconditions(req: EmulatorRequest, existing: S3ObjectRecord | undefined, key: string): void {
    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];
    if (ifMatch !== undefined && ifNoneMatch !== undefined) {
      throw new AwsServiceError(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        501,
        "Receiver",
        {
          Header: "If-Match,If-None-Match",
        },
      );
    }
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== "*") {
        throw new AwsServiceError(
          "NotImplemented",
          "A header you provided implies functionality that is not implemented",
          501,
          "Receiver",
          {
            Header: "If-None-Match",
          },
        );
      }
      if (existing) throw preconditionFailed("If-None-Match");
    }
    if (ifMatch !== undefined) {
      if (!existing) throw noSuchKey(key);
      if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
    }
  }

  private putObject(req: EmulatorRequest, bucketName: string, key: string, ids: RequestIds): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    this.validateKey(key);
    const { body, trailers } = this.payloadOf(req);
    this.verifyContentMd5(req, body);
    const checksum = this.verifiedChecksum(req, body, trailers);
    const storageClass = this.storageClassOf(req) ?? "STANDARD";
    const metadata = this.metadataOf(req);
    this.checkWritePreconditions(req, bucket.objects.get(key), key);
    const object = this.newObject(key, body, {
      contentType: req.headers["content-type"] ?? "binary/octet-stream",
      metadata,
      systemHeaders: this.systemHeadersOf(req),
      checksum,
      storageClass,
    });
    this.store.putObject(bucket, object);
    this.notify(bucket, "ObjectCreated:Put", object, ids);
    return {
      status: 200,
      headers: {
        etag: object.etag,
        "x-amz-server-side-encryption": "AES256",
        [checksumHeaderName(checksum.algorithm)]: checksum.value,
        "x-amz-checksum-type": "FULL_OBJECT",
      },
    };
  }

  private copyObject(req: EmulatorRequest, bucketName: string, key: string, ids: RequestIds): EmulatorResponse {
    const destination = this.requireBucket(bucketName);
    this.validateKey(key);
    const source = parseCopySource(req.headers["x-amz-copy-source"] ?? "");
    const sourceBucket = this.requireBucket(source.bucket);
    const original = sourceBucket.objects.get(source.key);
    if (source.versionId !== undefined && source.versionId !== "null") {
      throw invalidArgument("Invalid version id specified", "x-amz-copy-source", req.headers["x-amz-copy-source"]);
    }
    if (!original) throw noSuchKey(source.key);
    this.checkCopySourcePreconditions(req, original);

    const directiveRaw = req.headers["x-amz-metadata-directive"];
    const directive = directiveRaw === undefined ? "COPY" : directiveRaw.toUpperCase();
    if (directive !== "COPY" && directive !== "REPLACE") {
      throw invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directiveRaw);
    }
    const storageClass = this.storageClassOf(req);
    const checksumHeader = req.headers["x-amz-checksum-algorithm"];
    const checksumAlgorithm = checksumHeader === undefined ? undefined : parseChecksumAlgorithm(checksumHeader);
    if (checksumHeader !== undefined && !checksumAlgorithm) {
      throw invalidRequest(
        `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(", ")}]`,
      );
    }
    if (
      source.bucket === bucketName &&
      source.key === key &&
      directive !== "REPLACE" &&
      storageClass === undefined &&
      req.headers["x-amz-server-side-encryption"] === undefined &&
      req.headers["x-amz-website-redirect-location"] === undefined
    ) {
      throw invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    this.checkWritePreconditions(req, destination.objects.get(key), key);

    const replace = directive === "REPLACE";
    // A COMPOSITE checksum describes the source's parts; the copy is one part, so S3 computes a full-object one.
    const algorithm = checksumAlgorithm ?? original.checksum.algorithm;
    const checksum =
      algorithm !== original.checksum.algorithm || original.checksum.type === "COMPOSITE"
        ? { algorithm, value: checksumOf(algorithm, original.body) }
        : original.checksum;
    const object = this.newObject(key, original.body, {
      contentType: replace ? (req.headers["content-type"] ?? "binary/octet-stream") : original.contentType,
      metadata: replace ? this.metadataOf(req) : { ...original.metadata },
      systemHeaders: replace ? this.systemHeadersOf(req) : { ...original.systemHeaders },
      checksum,
      storageClass: storageClass ?? original.storageClass,
    });
    this.store.putObject(destination, object);
    this.notify(destination, "ObjectCreated:Copy", object, ids);
    const result =
      el("ETag", object.etag) +
      el("LastModified", isoDate(object.lastModified)) +
      el("ChecksumType", "FULL_OBJECT") +
      el(`Checksum${checksum.algorithm}`, checksum.value);
    return {
      status: 200,
      headers: { ...XML, "x-amz-server-side-encryption": "AES256" },
      body: xmlDocument("CopyObjectResult", result),
    };
  }

  private checkCopySourcePreconditions(req: EmulatorRequest, source: S3ObjectRecord): void {
    const h = req.headers;
    const ifMatch = h["x-amz-copy-source-if-match"];
    const ifNoneMatch = h["x-amz-copy-source-if-none-match"];
    const modifiedSince = parseHttpDate(h["x-amz-copy-source-if-modified-since"]);
    const unmodifiedSince = parseHttpDate(h["x-amz-copy-source-if-unmodified-since"]);
    if (ifMatch !== undefined && !etagMatches(ifMatch, source.etag))
      throw preconditionFailed("x-amz-copy-source-If-Match");
    if (ifMatch === undefined && unmodifiedSince !== undefined && source.lastModified > unmodifiedSince) {
      throw preconditionFailed("x-amz-copy-source-If-Unmodified-Since");
    }
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, source.etag)) {
      throw preconditionFailed("x-amz-copy-source-If-None-Match");
    }
    if (ifNoneMatch === undefined && modifiedSince !== undefined && source.lastModified <= modifiedSince) {
      throw preconditionFailed("x-amz-copy-source-If-Modified-Since");
    }
  }

  private deleteObject(req: EmulatorRequest, bucketName: string, key: string, ids: RequestIds): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const versionId = req.query.get("versionId");
    if (versionId !== null && versionId !== "null")
      throw invalidArgument("Invalid version id specified", "versionId", versionId);
    const existing = bucket.objects.get(key);
    if (existing && this.store.deleteObject(bucket, key)) this.notify(bucket, "ObjectRemoved:Delete", existing, ids);
    return { status: 204 };
  }

  private deleteObjects(req: EmulatorRequest, bucketName: string, ids: RequestIds): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const hasChecksum = CHECKSUM_ALGORITHMS.some((a) => req.headers[checksumHeaderName(a)] !== undefined);
    if (req.headers["content-md5"] === undefined && !hasChecksum) {
      throw invalidRequest("Missing required header for this request: Content-MD5 OR x-amz-checksum-*");
    }
    this.verifyContentMd5(req, req.body);
    if (hasChecksum) this.verifiedChecksum(req, req.body, undefined);
    const root = parseXmlBody(req.body, "Delete");
    const objects = children(root, "Object");
    if (objects.length === 0 || objects.length > 1000) throw malformedXml();
    const quiet = (childText(root, "Quiet") ?? "false").trim().toLowerCase() === "true";
    let out = "";
    for (const node of objects) {
      const key = childText(node, "Key");
      if (key === undefined) throw malformedXml();
      const versionId = childText(node, "VersionId");
      if (versionId !== undefined && versionId !== "null") {
        out += `<Error>${el("Key", key)}${el("VersionId", versionId)}${el("Code", "NoSuchVersion")}${el(
          "Message",
          "The specified version does not exist.",
        )}</Error>`;
        continue;
      }
      const existing = bucket.objects.get(key);
      if (existing && this.store.deleteObject(bucket, key)) this.notify(bucket, "ObjectRemoved:Delete", existing, ids);
      if (!quiet)
        out += `<Deleted>${el("Key", key)}${versionId !== undefined ? el("VersionId", versionId) : ""}</Deleted>`;
    }
    return { status: 200, headers: XML, body: xmlDocument("DeleteResult", out) };
  }

  // ---- multipart uploads --------------------------------------------------------------------------------------------

  /** The upload `?uploadId=` names, which must be one for this key (S3: `NoSuchUpload` otherwise). */
  private requireUpload(bucket: S3BucketRecord, key: string, req: EmulatorRequest): MultipartUpload {
    const uploadId = req.query.get("uploadId") ?? "";
    const upload = bucket.uploads.get(uploadId);
    if (!upload || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  private wholeSecondsNow(): number {
    return Math.floor(this.ctx.clock.now() / 1000) * 1000;
  }

  private createMultipartUpload(req: EmulatorRequest, bucketName: string, key: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    this.validateKey(key);
    const storageClass = this.storageClassOf(req) ?? "STANDARD";
    const metadata = this.metadataOf(req);
    const mode = uploadChecksumMode(req.headers["x-amz-checksum-algorithm"], req.headers["x-amz-checksum-type"]);
    const upload: MultipartUpload = {
      id: newUploadId(),
      key,
      initiated: this.ctx.clock.now(),
      sequence: this.uploadSequence++,
      contentType: req.headers["content-type"] ?? "binary/octet-stream",
      metadata,
      systemHeaders: this.systemHeadersOf(req),
      storageClass,
      parts: new Map(),
    };
    const headers: Record<string, string> = { ...XML, "x-amz-server-side-encryption": "AES256" };
    if (mode.algorithm && mode.type) {
      upload.checksumAlgorithm = mode.algorithm;
      upload.checksumType = mode.type;
      headers["x-amz-checksum-algorithm"] = mode.algorithm;
      headers["x-amz-checksum-type"] = mode.type;
    }
    bucket.uploads.set(upload.id, upload);
    return {
      status: 200,
      headers,
      body: xmlDocument(
        "InitiateMultipartUploadResult",
        el("Bucket", bucket.name) + el("Key", key) + el("UploadId", upload.id),
      ),
    };
  }

  /**
   * UploadPart: the body is decoded and verified like PutObject's. An upload created with a checksum algorithm takes
   * only parts carrying that algorithm; one created without keeps whatever checksum a part brings (the SDK and CLI
   * send CRC32 by default) but never lists or combines it.
   */
  private uploadPart(req: EmulatorRequest, bucketName: string, key: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const upload = this.requireUpload(bucket, key, req);
    const partNumber = parsePartNumber(req.query.get("partNumber"));
    const { body, trailers } = this.payloadOf(req);
    this.verifyContentMd5(req, body);
    const checksum = this.clientChecksum(req, body, trailers);
    if (upload.checksumAlgorithm && checksum?.algorithm !== upload.checksumAlgorithm) {
      throw invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, ` +
          `actual checksum Type: ${checksum?.algorithm.toLowerCase() ?? "null"}`,
      );
    }
    const part: UploadedPart = {
      partNumber,
      body,
      etag: `"${md5Hex(body)}"`,
      lastModified: this.wholeSecondsNow(),
      ...(checksum ? { checksum } : {}),
    };
    upload.parts.set(partNumber, part);
    const headers: Record<string, string> = { etag: part.etag, "x-amz-server-side-encryption": "AES256" };
    if (checksum) headers[checksumHeaderName(checksum.algorithm)] = checksum.value;
    return { status: 200, headers };
  }

  private uploadPartCopy(req: EmulatorRequest, bucketName: string, key: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const rawSource = req.headers["x-amz-copy-source"] ?? "";
    const source = parseCopySource(rawSource);
    const sourceBucket = this.requireBucket(source.bucket);
    if (source.versionId !== undefined && source.versionId !== "null") {
      throw invalidArgument("Invalid version id specified", "x-amz-copy-source", rawSource);
    }
    const original = sourceBucket.objects.get(source.key);
    if (!original) throw noSuchKey(source.key);
    if (ARCHIVED_STORAGE_CLASSES.has(original.storageClass)) {
      throw new AwsServiceError(
        "InvalidObjectState",
        "Operation is not valid for the source object's storage class",
        403,
        "Sender",
        { StorageClass: original.storageClass },
      );
    }
    const upload = this.requireUpload(bucket, key, req);
    const partNumber = parsePartNumber(req.query.get("partNumber"));
    const rangeHeader = req.headers["x-amz-copy-source-range"];
    const range = rangeHeader === undefined ? undefined : parseCopySourceRange(rangeHeader, original.body.length);
    this.checkCopySourcePreconditions(req, original);

    const body = range ? original.body.subarray(range.start, range.end + 1) : original.body;
    const algorithm = upload.checksumAlgorithm;
    const part: UploadedPart = {
      partNumber,
      body,
      etag: `"${md5Hex(body)}"`,
      lastModified: this.wholeSecondsNow(),
      ...(algorithm ? { checksum: { algorithm, value: checksumOf(algorithm, body) } } : {}),
    };
    upload.parts.set(partNumber, part);
    const result =
      el("ETag", part.etag) +
      el("LastModified", isoDate(part.lastModified)) +
      (part.checksum ? el(`Checksum${part.checksum.algorithm}`, part.checksum.value) : "");
    return {
      status: 200,
      headers: { ...XML, "x-amz-server-side-encryption": "AES256" },
      body: xmlDocument("CopyPartResult", result),
    };
  }

  /**
   * CompleteMultipartUpload, checked in S3's order: the upload, write conditions, the document, part order, the
   * checksum mode, each listed part (exists with that ETag and checksum, at least 5 MiB unless last), the declared
   * size, then a full-object checksum the client sent.
   */
  private completeMultipartUpload(
    req: EmulatorRequest,
    bucketName: string,
    key: string,
    ids: RequestIds,
  ): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const upload = this.requireUpload(bucket, key, req);
    this.checkWritePreconditions(req, bucket.objects.get(key), key);
    const listed = parseCompleteMultipartUpload(req.body);
    for (let i = 1; i < listed.length; i++) {
      if (listed[i]!.partNumber <= listed[i - 1]!.partNumber) throw invalidPartOrder(upload.id);
    }
    const requestedType = req.headers["x-amz-checksum-type"];
    if (requestedType !== undefined && requestedType.trim().toUpperCase() !== upload.checksumType) {
      throw invalidRequest(
        `The upload was created using the ${upload.checksumType ?? "null"} checksum mode. ` +
          "The complete request must use the same checksum mode.",
      );
    }

    const algorithm = upload.checksumAlgorithm;
    const parts: UploadedPart[] = [];
    listed.forEach((entry, index) => {
      const part = upload.parts.get(entry.partNumber);
      if (!part || unquote(part.etag) !== entry.etag) throw invalidPart(upload.id, entry.partNumber, entry.etag);
      const given = Object.entries(entry.checksums) as [ChecksumAlgorithm, string][];
      if (!algorithm) {
        // Parts of an upload without a checksum algorithm are completed by ETag alone.
        if (given.length > 0) throw invalidPart(upload.id, entry.partNumber, entry.etag);
      } else {
        const value = entry.checksums[algorithm];
        if (value === undefined) {
          if (upload.checksumType === "COMPOSITE") {
            const other = given[0];
            if (other) {
              throw new AwsServiceError(
                "BadDigest",
                `The ${other[0].toLowerCase()} you specified for part ${entry.partNumber} did not match what we received.`,
                400,
              );
            }
            throw invalidRequest(
              `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must ` +
                `include the checksum for each part. It was missing for part ${entry.partNumber} in the request.`,
            );
          }
        } else if (value !== part.checksum?.value) {
          throw invalidPart(upload.id, entry.partNumber, entry.etag);
        }
      }
      if (index < listed.length - 1 && part.body.length < MIN_PART_SIZE) throw entityTooSmall(part);
      parts.push(part);
    });

    const body = parts.length === 1 ? parts[0]!.body : Buffer.concat(parts.map((p) => p.body));
    const declaredSize = req.headers["x-amz-mp-object-size"];
    if (declaredSize !== undefined && Number(declaredSize) !== body.length) {
      throw invalidRequest(
        `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${body.length}`,
      );
    }

    let checksum: S3ObjectRecord["checksum"];
    if (!algorithm) {
      // Like PutObject without a checksum: S3 computes its default over the whole object.
      checksum = { algorithm: "CRC64NVME", value: checksumOf("CRC64NVME", body), type: "FULL_OBJECT" };
    } else if (upload.checksumType === "COMPOSITE") {
      const value = compositeChecksum(
        algorithm,
        parts.map((p) => p.checksum!.value),
      );
      checksum = { algorithm, value, type: "COMPOSITE" };
    } else {
      checksum = { algorithm, value: checksumOf(algorithm, body), type: "FULL_OBJECT" };
    }
    if (algorithm) this.checkCompletedObjectChecksum(req, algorithm, checksum);

    const object: S3ObjectRecord = {
      key,
      body,
      etag: multipartEtag(parts.map((p) => p.etag)),
      // S3 dates a multipart object by when its upload was initiated.
      lastModified: Math.floor(upload.initiated / 1000) * 1000,
      contentType: upload.contentType,
      systemHeaders: upload.systemHeaders,
      metadata: upload.metadata,
      checksum,
      storageClass: upload.storageClass,
      parts: parts.map((p) =>
        checksum.type === "COMPOSITE" ? { size: p.body.length, checksum: p.checksum!.value } : { size: p.body.length },
      ),
    };
    this.store.putObject(bucket, object);
    bucket.uploads.delete(upload.id);
    this.notify(bucket, "ObjectCreated:CompleteMultipartUpload", object, ids);

    const result =
      el("Location", this.objectLocation(req, bucket.name, key)) +
      el("Bucket", bucket.name) +
      el("Key", key) +
      el("ETag", object.etag) +
      el(`Checksum${checksum.algorithm}`, checksum.value) +
      el("ChecksumType", checksum.type);
    return {
      status: 200,
      headers: { ...XML, "x-amz-server-side-encryption": "AES256" },
      body: xmlDocument("CompleteMultipartUploadResult", result),
    };
  }

  /**
   * A whole-object checksum sent with CompleteMultipartUpload (`x-amz-checksum-<alg>`): any algorithm but the
   * upload's is `BadDigest`; for a FULL_OBJECT upload the value must match and come with `x-amz-checksum-type`.
   * (S3 does not check a COMPOSITE value sent here.)
   */
  private checkCompletedObjectChecksum(
    req: EmulatorRequest,
    algorithm: ChecksumAlgorithm,
    computed: S3ObjectRecord["checksum"],
  ): void {
    const badDigest = () =>
      new AwsServiceError(
        "BadDigest",
        `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`,
        400,
      );
    for (const other of CHECKSUM_ALGORITHMS) {
      if (other !== algorithm && req.headers[checksumHeaderName(other)] !== undefined) throw badDigest();
    }
    const value = req.headers[checksumHeaderName(algorithm)];
    if (value === undefined || computed.type !== "FULL_OBJECT") return;
    if (req.headers["x-amz-checksum-type"] === undefined || value.trim() !== computed.value) throw badDigest();
  }

  /** The URL of an object as CompleteMultipartUploadResult reports it, in the addressing style of the request. */
  private objectLocation(req: EmulatorRequest, bucket: string, key: string): string {
    const encodedKey = key
      .split("/")
      .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
      .join("/");
    const endpoint = new URL(this.ctx.endpoint());
    return addressOf(req.rawPath, req.host).style === "virtual-host"
      ? `${endpoint.protocol}//${req.host}/${encodedKey}`
      : `${endpoint.origin}/${bucket}/${encodedKey}`;
  }

  private abortMultipartUpload(req: EmulatorRequest, bucketName: string, key: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const upload = this.requireUpload(bucket, key, req);
    bucket.uploads.delete(upload.id);
    return { status: 204 };
  }

  private initiatorXml(): string {
    return (
      `<Initiator>${el("ID", S3_OWNER_ID)}${el("DisplayName", "webfile")}</Initiator>` +
      `<Owner>${el("ID", S3_OWNER_ID)}</Owner>`
    );
  }

  private listParts(req: EmulatorRequest, bucketName: string, key: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const upload = this.requireUpload(bucket, key, req);
    const maxParts = parseMaxKeys(req.query, "max-parts");
    const marker = req.query.has("part-number-marker") ? parseMaxKeys(req.query, "part-number-marker") : 0;
    const remaining = [...upload.parts.values()]
      .filter((p) => p.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = remaining.slice(0, Math.min(maxParts, MAX_LIST_PARTS));
    const withChecksums = upload.checksumAlgorithm !== undefined;
    const partsXml = page
      .map(
        (p) =>
          `<Part>${el("PartNumber", p.partNumber)}${el("LastModified", isoDate(p.lastModified))}` +
          `${el("ETag", p.etag)}${el("Size", p.body.length)}` +
          `${withChecksums && p.checksum ? el(`Checksum${p.checksum.algorithm}`, p.checksum.value) : ""}</Part>`,
      )
      .join("");
    const body = xmlDocument(
      "ListPartsResult",
      el("Bucket", bucket.name) +
        el("Key", key) +
        el("UploadId", upload.id) +
        el("PartNumberMarker", marker) +
        el("NextPartNumberMarker", page.length > 0 ? page[page.length - 1]!.partNumber : 0) +
        el("MaxParts", maxParts) +
        el("IsTruncated", remaining.length > page.length) +
        partsXml +
        this.initiatorXml() +
        el("StorageClass", upload.storageClass) +
        el("ChecksumAlgorithm", upload.checksumAlgorithm) +
        el("ChecksumType", upload.checksumType),
    );
    return { status: 200, headers: XML, body };
  }

  private listMultipartUploads(req: EmulatorRequest, bucketName: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const p = this.listParams(req, "max-uploads");
    const keyMarker = req.query.get("key-marker") ?? "";
    // S3 ignores upload-id-marker without key-marker.
    const uploadIdMarker = keyMarker === "" ? "" : (req.query.get("upload-id-marker") ?? "");
    const listing = listUploads(bucket.uploads.values(), {
      prefix: p.prefix,
      delimiter: p.delimiter,
      maxUploads: Math.min(p.maxKeys, MAX_LIST_KEYS),
      keyMarker,
      uploadIdMarker,
    });
    const last = listing.uploads[listing.uploads.length - 1];
    const uploadsXml = listing.uploads
      .map(
        (u) =>
          `<Upload>${el("Key", p.encode(u.key))}${el("UploadId", u.id)}${this.initiatorXml()}` +
          `${el("StorageClass", u.storageClass)}${el("Initiated", isoDate(u.initiated))}` +
          `${el("ChecksumAlgorithm", u.checksumAlgorithm)}${el("ChecksumType", u.checksumType)}</Upload>`,
      )
      .join("");
    const body = xmlDocument(
      "ListMultipartUploadsResult",
      el("Bucket", bucket.name) +
        el("KeyMarker", p.encode(keyMarker)) +
        el("UploadIdMarker", uploadIdMarker) +
        el("NextKeyMarker", last ? p.encode(last.key) : "") +
        el("NextUploadIdMarker", last ? last.id : "") +
        (p.prefix ? el("Prefix", p.encode(p.prefix)) : "") +
        (p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "") +
        el("MaxUploads", p.maxKeys) +
        el("IsTruncated", listing.isTruncated) +
        uploadsXml +
        listing.commonPrefixes.map((cp) => `<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`).join("") +
        (p.encodingType ? el("EncodingType", p.encodingType) : ""),
    );
    return { status: 200, headers: XML, body };
  }

  // ---- objects: read ------------------------------------------------------------------------------------------------

  private getObject(req: EmulatorRequest, bucketName: string, key: string, head: boolean): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const object = bucket.objects.get(key);
    const versionId = req.query.get("versionId");
    if (versionId !== null && versionId !== "null")
      throw invalidArgument("Invalid version id specified", "versionId", versionId);
    if (!object) throw noSuchKey(key);
    if (!head && ARCHIVED_STORAGE_CLASSES.has(object.storageClass)) {
      throw new AwsServiceError(
        "InvalidObjectState",
        "The operation is not valid for the object's storage class",
        403,
        "Sender",
        {
          StorageClass: object.storageClass,
        },
      );
    }

    const headers: Record<string, string> = {
      "content-type": object.contentType,
      etag: object.etag,
      "last-modified": httpDate(object.lastModified),
      "accept-ranges": "bytes",
      "x-amz-server-side-encryption": "AES256",
    };
    for (const [name, value] of Object.entries(object.systemHeaders)) headers[name] = headerSafe(value);
    for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = headerSafe(value);
    if (object.storageClass !== "STANDARD") headers["x-amz-storage-class"] = object.storageClass;

    if (this.readPreconditionsSay304(req, object)) {
      const { etag, "last-modified": lastModified } = headers;
      return { status: 304, headers: { etag: etag!, "last-modified": lastModified! } };
    }

    const size = object.body.length;
    const rangeHeader = req.headers["range"];
    const partNumber = req.query.get("partNumber");
    let range: { start: number; end: number } | undefined;
    let servedPart: S3ObjectPart | undefined;
    if (partNumber !== null) {
      if (rangeHeader !== undefined)
        throw invalidRequest("Cannot specify both Range header and partNumber query parameter");
      if (!/^\d+$/.test(partNumber) || Number(partNumber) < 1 || Number(partNumber) > 10000) {
        throw invalidArgument(
          "Part number must be an integer between 1 and 10000, inclusive",
          "partNumber",
          partNumber,
        );
      }
      // A simple upload is one part; a multipart object has the parts it was completed with.
      const parts: S3ObjectPart[] = object.parts ?? [{ size }];
      const n = Number(partNumber);
      if (n > parts.length) {
        throw new AwsServiceError("InvalidPartNumber", "The requested partnumber is not satisfiable", 416, "Sender", {
          PartNumberRequested: partNumber,
          ActualPartCount: String(parts.length),
        });
      }
      const start = parts.slice(0, n - 1).reduce((sum, p) => sum + p.size, 0);
      servedPart = parts[n - 1]!;
      if (servedPart.size > 0) range = { start, end: start + servedPart.size - 1 };
      headers["x-amz-mp-parts-count"] = String(parts.length);
    } else if (rangeHeader !== undefined) {
      range = parseRange(rangeHeader, size);
    }

    if ((req.headers["x-amz-checksum-mode"] ?? "").toUpperCase() === "ENABLED") {
      const checksumType = object.checksum.type ?? "FULL_OBJECT";
      if (object.parts && servedPart) {
        // One part of a multipart object: S3 can only vouch for it with the part's own (COMPOSITE) checksum.
        if (checksumType === "COMPOSITE" && servedPart.checksum !== undefined) {
          headers[checksumHeaderName(object.checksum.algorithm)] = servedPart.checksum;
          headers["x-amz-checksum-type"] = "COMPOSITE";
        }
      } else if (!range || (range.start === 0 && range.end === size - 1)) {
        headers[checksumHeaderName(object.checksum.algorithm)] = object.checksum.value;
        headers["x-amz-checksum-type"] = checksumType;
      }
    }
    if (!head) {
      for (const [param, header] of [
        ["response-content-type", "content-type"],
        ["response-content-language", "content-language"],
        ["response-expires", "expires"],
        ["response-cache-control", "cache-control"],
        ["response-content-disposition", "content-disposition"],
        ["response-content-encoding", "content-encoding"],
      ] as const) {
        const value = req.query.get(param);
        if (value !== null) headers[header] = headerSafe(value);
      }
    }
    if (range) {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
      return { status: 206, headers, body: object.body.subarray(range.start, range.end + 1) };
    }
    // For HEAD the edge sends the length of this body as Content-Length and no body.
    return { status: 200, headers, body: object.body };
  }

  /** GET/HEAD conditions (RFC 9110 order): 412 for a failed If-Match/If-Unmodified-Since, `true` for a 304. */
  private readPreconditionsSay304(req: EmulatorRequest, object: S3ObjectRecord): boolean {
    const h = req.headers;
    const ifMatch = h["if-match"];
    const ifNoneMatch = h["if-none-match"];
    if (ifMatch !== undefined) {
      if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed("If-Match");
    } else {
      const since = parseHttpDate(h["if-unmodified-since"]);
      if (since !== undefined && object.lastModified > since) throw preconditionFailed("If-Unmodified-Since");
    }
    if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, object.etag);
    const since = parseHttpDate(h["if-modified-since"]);
    return since !== undefined && since <= this.ctx.clock.now() && object.lastModified <= since;
  }

  // ---- listings -----------------------------------------------------------------------------------------------------

  /**
   * One page of keys and common prefixes in key order. `after` skips keys up to and including it (StartAfter, V1
   * Marker); `from` starts at it inclusive (V2 continuation). Each common prefix counts once towards `maxKeys`.
   */
  private list(
    bucket: S3BucketRecord,
    opts: {
      prefix: string;
      delimiter: string;
      maxKeys: number;
      after?: string;
      from?: string;
      skipPrefixOfMarker?: boolean;
    },
  ): Listing {
    const { prefix, delimiter, maxKeys, after, from } = opts;
    const contents: S3ObjectRecord[] = [];
    const commonPrefixes: string[] = [];
    const seen = new Set<string>();
    let count = 0;
    let lastEntry: string | undefined;
    for (const key of this.store.sortedKeys(bucket)) {
      if (from !== undefined && compareKeys(key, from) < 0) continue;
      if (after !== undefined && compareKeys(key, after) <= 0) continue;
      if (!key.startsWith(prefix)) continue;
      let commonPrefix: string | undefined;
      if (delimiter !== "") {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) commonPrefix = key.slice(0, at + delimiter.length);
      }
      if (commonPrefix !== undefined) {
        if (seen.has(commonPrefix)) continue;
        if (opts.skipPrefixOfMarker && after !== undefined && after.startsWith(commonPrefix)) continue;
      }
      if (count >= maxKeys) return { contents, commonPrefixes, isTruncated: true, nextKey: key, lastEntry, count };
      if (commonPrefix !== undefined) {
        seen.add(commonPrefix);
        commonPrefixes.push(commonPrefix);
        lastEntry = commonPrefix;
      } else {
        contents.push(bucket.objects.get(key)!);
        lastEntry = key;
      }
      count++;
    }
    return { contents, commonPrefixes, isTruncated: false, lastEntry, count };
  }

  private listParams(req: EmulatorRequest, maxParam: string) {
    const encodingType = req.query.get("encoding-type");
    if (encodingType !== null && encodingType !== "url") {
      throw invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
    }
    const encode = encodingType === "url" ? s3UrlEncode : (s: string) => s;
    return {
      prefix: req.query.get("prefix") ?? "",
      delimiter: req.query.get("delimiter") ?? "",
      maxKeys: parseMaxKeys(req.query, maxParam),
      encodingType,
      encode,
    };
  }

  private contentsXml(listing: Listing, encode: (s: string) => string, owner: boolean): string {
    return listing.contents
      .map(
        (o) =>
          `<Contents>${el("Key", encode(o.key))}${el("LastModified", isoDate(o.lastModified))}${el("ETag", o.etag)}` +
          `${el("ChecksumAlgorithm", o.checksum.algorithm)}${el("ChecksumType", o.checksum.type ?? "FULL_OBJECT")}` +
          `${el("Size", o.body.length)}` +
          `${owner ? `<Owner>${el("ID", S3_OWNER_ID)}</Owner>` : ""}${el("StorageClass", o.storageClass)}</Contents>`,
      )
      .join("");
  }

  private listObjectsV2(req: EmulatorRequest, bucketName: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const p = this.listParams(req, "max-keys");
    const token = req.query.get("continuation-token");
    const from = token === null ? undefined : decodeToken(token, "continuation-token");
    const startAfter = req.query.get("start-after") ?? undefined;
    const listing = this.list(bucket, {
      prefix: p.prefix,
      delimiter: p.delimiter,
      maxKeys: Math.min(p.maxKeys, MAX_LIST_KEYS),
      ...(from !== undefined ? { from } : startAfter ? { after: startAfter } : {}),
    });
    const body = xmlDocument(
      "ListBucketResult",
      el("Name", bucket.name) +
        el("Prefix", p.encode(p.prefix)) +
        (token !== null ? el("ContinuationToken", token) : "") +
        (listing.nextKey !== undefined ? el("NextContinuationToken", encodeToken(listing.nextKey)) : "") +
        (startAfter !== undefined ? el("StartAfter", p.encode(startAfter)) : "") +
        el("KeyCount", listing.count) +
        el("MaxKeys", p.maxKeys) +
        (p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "") +
        el("IsTruncated", listing.isTruncated) +
        this.contentsXml(listing, p.encode, req.query.get("fetch-owner") === "true") +
        listing.commonPrefixes.map((cp) => `<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`).join("") +
        (p.encodingType ? el("EncodingType", p.encodingType) : ""),
    );
    return { status: 200, headers: XML, body };
  }

  private listObjectsV1(req: EmulatorRequest, bucketName: string): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    const p = this.listParams(req, "max-keys");
    const marker = req.query.get("marker") ?? "";
    const listing = this.list(bucket, {
      prefix: p.prefix,
      delimiter: p.delimiter,
      maxKeys: Math.min(p.maxKeys, MAX_LIST_KEYS),
      skipPrefixOfMarker: true,
      ...(marker ? { after: marker } : {}),
    });
    const nextMarker =
      p.delimiter && listing.isTruncated && listing.lastEntry !== undefined ? listing.lastEntry : undefined;
    const body = xmlDocument(
      "ListBucketResult",
      el("Name", bucket.name) +
        el("Prefix", p.encode(p.prefix)) +
        el("Marker", p.encode(marker)) +
        (nextMarker !== undefined ? el("NextMarker", p.encode(nextMarker)) : "") +
        el("MaxKeys", p.maxKeys) +
        (p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "") +
        el("IsTruncated", listing.isTruncated) +
        this.contentsXml(listing, p.encode, true) +
        listing.commonPrefixes.map((cp) => `<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`).join("") +
        (p.encodingType ? el("EncodingType", p.encodingType) : ""),
    );
    return { status: 200, headers: XML, body };
  }

  // ---- notifications ------------------------------------------------------------------------------------------------

  private nextSequencer(): string {
    const time = Math.max(0, Math.floor(this.ctx.clock.now())).toString(16).toUpperCase().padStart(12, "0");
    const seq = (this.sequence++ % 0x1000000).toString(16).toUpperCase().padStart(6, "0");
    return `${time}${seq}`;
  }

  /**
   * Sends the event to every matching destination, asynchronously and without failing the request: AWS delivers
   * notifications after the fact, and a broken destination never fails an upload.
   */
  private notify(bucket: S3BucketRecord, eventName: string, object: S3ObjectRecord, ids: RequestIds): void {
    const destinations = bucket.notification.destinations;
    if (destinations.length === 0) return;
    const encodedKey = s3UrlEncode(object.key);
    const created = eventName.startsWith("ObjectCreated:");
    const details: S3EventDetails = {
      eventName,
      region: bucket.region,
      time: this.ctx.clock.now(),
      bucket: bucket.name,
      key: object.key,
      ...(created ? { size: object.body.length, eTag: object.etag.replace(/"/g, "") } : {}),
      sequencer: this.nextSequencer(),
      requestId: ids.requestId,
      hostId: ids.hostId || randomBytes(32).toString("base64"),
      ownerId: S3_OWNER_ID,
      accountId: ACCOUNT_ID,
    };
    for (const d of destinations) {
      if (!destinationMatches(d, eventName, encodedKey)) continue;
      const event = s3EventPayload(details, d.id);
      const what = `S3 notification ${eventName} s3://${bucket.name}/${object.key} → ${d.arn}`;
      try {
        if (d.kind === "lambda") {
          const lambda = this.ctx.services.get<LambdaInternal & ServiceEmulator>("lambda");
          if (!lambda || typeof lambda.invokeInternal !== "function") {
            this.ctx.log(`${what}: dropped, no Lambda service is running on this edge`);
            continue;
          }
          Promise.resolve()
            .then(() => lambda.invokeInternal(d.arn, event, { async: true }))
            .catch((e: unknown) =>
              this.ctx.log(`${what}: invoke failed: ${e instanceof Error ? e.message : String(e)}`),
            );
        } else if (d.kind === "queue") {
          const sqs = this.ctx.services.get<SqsInternal & ServiceEmulator>("sqs");
          const sent =
            sqs && typeof sqs.sendMessageInternal === "function"
              ? sqs.sendMessageInternal(d.arn, JSON.stringify(event))
              : undefined;
          if (!sent) this.ctx.log(`${what}: dropped, no such SQS queue on this edge`);
        } else {
          this.ctx.log(`${what}: dropped, delivery of S3 notifications to SNS is not emulated`);
        }
      } catch (e) {
        this.ctx.log(`${what}: delivery failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

function illegalLocationConstraint(constraint: string): AwsServiceError {
  return new AwsServiceError(
    "IllegalLocationConstraintException",
    `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
    400,
  );
}

/**
 * `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=…`. Like S3, `+` decodes to
 * a space (clients encode spaces either way); a literal `+` must be sent as `%2B`.
 */
export function parseCopySource(raw: string): { bucket: string; key: string; versionId?: string } {
  const q = raw.indexOf("?");
  const pathPart = q >= 0 ? raw.slice(0, q) : raw;
  const versionId = q >= 0 ? (new URLSearchParams(raw.slice(q + 1)).get("versionId") ?? undefined) : undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart.replace(/\+/g, " "));
  } catch {
    decoded = pathPart;
  }
  decoded = decoded.replace(/^\//, "");
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) {
    throw invalidArgument("Invalid copy source object key", "x-amz-copy-source", raw);
  }
  const result: { bucket: string; key: string; versionId?: string } = {
    bucket: decoded.slice(0, slash),
    key: decoded.slice(slash + 1),
  };
  if (versionId !== undefined) result.versionId = versionId;
  return result;
}
