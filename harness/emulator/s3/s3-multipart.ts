import { createHash, randomBytes } from "node:crypto";
import { AwsServiceError } from "../errors";
import { CHECKSUM_ALGORITHMS, checksumOf, parseChecksumAlgorithm } from "./checksums";
import type { ChecksumAlgorithm, ChecksumType } from "./checksums";
import { compareKeys } from "./s3-store";
import type { SystemHeader } from "./s3-store";
import { childText, children, malformedXml, parseXmlBody } from "./s3-xml";

/**
 * Multipart upload state and the rules S3 applies to it (part numbers, part sizes, multipart ETags, composite
 * checksums, the CompleteMultipartUpload document), kept apart from the HTTP handling in `s3-emulator.ts`.
 * Error codes and messages are the ones AWS answers with, as recorded in LocalStack's AWS-validated snapshots.
 */

/** Every part but the last must have at least this many bytes when the upload is completed (`EntityTooSmall`). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Part numbers run from 1 to this, inclusive. */
export const MAX_PART_NUMBER = 10_000;
/** The most parts ListParts and uploads ListMultipartUploads return in one page. */
export const MAX_LIST_PARTS = 1000;

/** One uploaded part. Re-uploading the same part number replaces it. */
export interface UploadedPart {
  partNumber: number;
  body: Buffer;
  /** Quoted MD5 hex of the part. */
  etag: string;
  /** Epoch milliseconds, whole seconds. */
  lastModified: number;
  /** The checksum the client sent or asked for, verified against the bytes; none when it sent none. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** A multipart upload in progress: what CreateMultipartUpload recorded for the object-to-be, and its parts. */
export interface MultipartUpload {
  id: string;
  key: string;
  /** Epoch milliseconds. */
  initiated: number;
  /** Creation order, to list uploads of one key in the order they were initiated even within one clock tick. */
  sequence: number;
  contentType: string;
  metadata: Record<string, string>;
  systemHeaders: Partial<Record<SystemHeader, string>>;
  storageClass: string;
  /** Set when CreateMultipartUpload named `x-amz-checksum-algorithm`; every part must then carry that algorithm. */
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  parts: Map<number, UploadedPart>;
}

/** A `<Part>` of a CompleteMultipartUpload request. */
export interface CompletedPart {
  partNumber: number;
  /** Without quotes. */
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

// ---- errors -------------------------------------------------------------------------------------------------------

export function noSuchUpload(uploadId: string): AwsServiceError {
  return new AwsServiceError(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    404,
    "Sender",
    { UploadId: uploadId },
  );
}

export function invalidPart(uploadId: string, partNumber: number, etag: string): AwsServiceError {
  return new AwsServiceError(
    "InvalidPart",
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    400,
    "Sender",
    { UploadId: uploadId, PartNumber: String(partNumber), ETag: etag },
  );
}

export function invalidPartOrder(uploadId: string): AwsServiceError {
  return new AwsServiceError(
    "InvalidPartOrder",
    "The list of parts was not in ascending order. Parts must be ordered by part number.",
    400,
    "Sender",
    { UploadId: uploadId },
  );
}

export function entityTooSmall(part: UploadedPart): AwsServiceError {
  return new AwsServiceError(
    "EntityTooSmall",
    "Your proposed upload is smaller than the minimum allowed size",
    400,
    "Sender",
    {
      ProposedSize: String(part.body.length),
      MinSizeAllowed: String(MIN_PART_SIZE),
      PartNumber: String(part.partNumber),
      ETag: unquote(part.etag),
    },
  );
}

function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError("InvalidRequest", message, 400);
}

function invalidArgument(message: string, name: string, value: string | undefined): AwsServiceError {
  const extra: Record<string, string> = { ArgumentName: name };
  if (value !== undefined) extra["ArgumentValue"] = value;
  return new AwsServiceError("InvalidArgument", message, 400, "Sender", extra);
}

// ---- values -------------------------------------------------------------------------------------------------------

/** An opaque upload id, URL-safe like the ones S3 hands out. */
export function newUploadId(random: (bytes: number) => Buffer = randomBytes): string {
  return random(48).toString("base64url");
}

export function unquote(etag: string): string {
  return etag.trim().replace(/^"(.*)"$/, "$1");
}

/** The `partNumber` query parameter of UploadPart/UploadPartCopy: an integer 1..10000, else `InvalidArgument`. */
export function parsePartNumber(raw: string | null): number {
  const n = raw === null ? NaN : Number(raw);
  if (raw === null || !/^-?\d+$/.test(raw.trim()) || n < 1 || n > MAX_PART_NUMBER) {
    throw invalidArgument(
      "Part number must be an integer between 1 and 10000, inclusive",
      "partNumber",
      raw ?? undefined,
    );
  }
  return n;
}

/**
 * The checksum mode CreateMultipartUpload asks for with `x-amz-checksum-algorithm` and `x-amz-checksum-type`. Without
 * a type, CRC64NVME uploads are `FULL_OBJECT` and all others `COMPOSITE`; SHA algorithms cannot be `FULL_OBJECT`
 * and CRC64NVME cannot be `COMPOSITE`; a type needs an algorithm.
 */
export function uploadChecksumMode(
  algorithmHeader: string | undefined,
  typeHeader: string | undefined,
): { algorithm?: ChecksumAlgorithm; type?: ChecksumType } {
  let algorithm: ChecksumAlgorithm | undefined;
  if (algorithmHeader !== undefined) {
    algorithm = parseChecksumAlgorithm(algorithmHeader);
    if (!algorithm) {
      throw invalidRequest(
        `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(", ")}]`,
      );
    }
  }
  let type: ChecksumType | undefined;
  if (typeHeader !== undefined) {
    const upper = typeHeader.trim().toUpperCase();
    if (upper !== "FULL_OBJECT" && upper !== "COMPOSITE") {
      throw invalidRequest("Value for x-amz-checksum-type header is invalid.");
    }
    type = upper;
  }
  if (!algorithm) {
    if (type) {
      throw invalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
    }
    return {};
  }
  type ??= algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
  if (type === "COMPOSITE" && algorithm === "CRC64NVME") {
    throw invalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.");
  }
  if (type === "FULL_OBJECT" && algorithm.startsWith("SHA")) {
    throw invalidRequest(
      `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
    );
  }
  return { algorithm, type };
}

/** A multipart object's ETag: the MD5 of the concatenated binary part MD5s, then `-<part count>`, quoted. */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash("md5");
  for (const etag of partEtags) md5.update(Buffer.from(unquote(etag), "hex"));
  return `"${md5.digest("hex")}-${partEtags.length}"`;
}

/**
 * A `COMPOSITE` checksum: the algorithm's checksum of the concatenated binary part checksums, base64, then
 * `-<part count>` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const joined = Buffer.concat(partChecksums.map((c) => Buffer.from(c, "base64")));
  return `${checksumOf(algorithm, joined)}-${partChecksums.length}`;
}

/**
 * The parts a CompleteMultipartUpload body lists, in request order. S3 answers a missing body or one without parts
 * with `InvalidRequest`, and a document it cannot read with `MalformedXML`.
 */
export function parseCompleteMultipartUpload(body: Buffer): CompletedPart[] {
  if (body.toString("utf8").trim() === "") throw invalidRequest("You must specify at least one part");
  const root = parseXmlBody(body, "CompleteMultipartUpload");
  const parts = children(root, "Part").map((node): CompletedPart => {
    const number = childText(node, "PartNumber")?.trim();
    const etag = childText(node, "ETag");
    if (number === undefined || !/^\d+$/.test(number) || etag === undefined) throw malformedXml();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = childText(node, `Checksum${algorithm}`);
      if (value !== undefined) checksums[algorithm] = value.trim();
    }
    return { partNumber: Number(number), etag: unquote(etag), checksums };
  });
  if (parts.length === 0) throw invalidRequest("You must specify at least one part");
  return parts;
}

/**
 * `x-amz-copy-source-range` of UploadPartCopy: strictly `bytes=first-last` within the source object. Stricter than
 * a GET `Range`: no open ends, no suffixes, no lists.
 */
export function parseCopySourceRange(header: string, size: number): { start: number; end: number } {
  const malformed = () =>
    invalidArgument(
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
      "x-amz-copy-source-range",
      header,
    );
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m) throw malformed();
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end) throw malformed();
  if (start > size - 1) throw invalidRequest("The specified copy range is invalid for the source object size");
  if (end > size - 1) {
    throw invalidArgument(
      `Range specified is not valid for source object of size: ${size}`,
      "x-amz-copy-source-range",
      header,
    );
  }
  return { start, end };
}

/** ListMultipartUploads order: by key (UTF-8 bytes), then by initiation. */
export function compareUploads(a: MultipartUpload, b: MultipartUpload): number {
  return compareKeys(a.key, b.key) || a.sequence - b.sequence;
}

/** One page of ListMultipartUploads: uploads and common prefixes, each counting once towards `maxUploads`. */
export interface UploadListing {
  uploads: MultipartUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/**
 * Pages through a bucket's uploads the way ListMultipartUploads does. `keyMarker` alone skips every upload of keys up
 * to and including it; with `uploadIdMarker` (which must be an upload of that key, else `InvalidArgument`) the later
 * uploads of the marker key are listed too. A common prefix the key marker lies in is not repeated.
 */
export function listUploads(
  all: Iterable<MultipartUpload>,
  opts: { prefix: string; delimiter: string; maxUploads: number; keyMarker: string; uploadIdMarker: string },
): UploadListing {
  const { prefix, delimiter, maxUploads, keyMarker, uploadIdMarker } = opts;
  const sorted = [...all].sort(compareUploads);
  let after: MultipartUpload | undefined;
  if (keyMarker !== "" && uploadIdMarker !== "") {
    after = sorted.find((u) => u.id === uploadIdMarker);
    if (!after || after.key !== keyMarker) {
      throw invalidArgument("Invalid uploadId marker", "upload-id-marker", uploadIdMarker);
    }
  }
  const uploads: MultipartUpload[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  for (const upload of sorted) {
    if (keyMarker !== "") {
      const order = compareKeys(upload.key, keyMarker);
      if (order < 0) continue;
      if (order === 0 && (!after || upload.sequence <= after.sequence)) continue;
    }
    if (!upload.key.startsWith(prefix)) continue;
    let commonPrefix: string | undefined;
    if (delimiter !== "") {
      const at = upload.key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = upload.key.slice(0, at + delimiter.length);
    }
    if (commonPrefix !== undefined && (commonPrefixes.includes(commonPrefix) || keyMarker.startsWith(commonPrefix))) {
      continue;
    }
    if (count >= maxUploads) return { uploads, commonPrefixes, isTruncated: true };
    if (commonPrefix !== undefined) commonPrefixes.push(commonPrefix);
    else uploads.push(upload);
    count++;
  }
  return { uploads, commonPrefixes, isTruncated: false };
}
