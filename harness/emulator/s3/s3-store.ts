import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import type { ChecksumAlgorithm, ChecksumType } from "./checksums";
import type { MultipartUpload } from "./s3-multipart";
import type { NotificationConfiguration } from "./s3-notifications";
import { EMPTY_NOTIFICATION_CONFIGURATION } from "./s3-notifications";

/** Standard HTTP headers S3 stores with an object and returns on GET/HEAD. */
export type SystemHeader =
  "content-encoding" | "content-disposition" | "content-language" | "cache-control" | "expires";

export const SYSTEM_HEADERS: readonly SystemHeader[] = [
  "content-encoding",
  "content-disposition",
  "content-language",
  "cache-control",
  "expires",
];

/** One object (S3 here is unversioned: one current version per key). */
export interface S3ObjectRecord {
  key: string;
  body: Buffer;
  /** Quoted MD5 hex, as the `ETag` header carries it. */
  etag: string;
  /** Epoch milliseconds, whole seconds (S3's resolution). */
  lastModified: number;
  contentType: string;
  systemHeaders: Partial<Record<SystemHeader, string>>;
  /** User metadata (`x-amz-meta-*`), names lower-cased. */
  metadata: Record<string, string>;
  /** `type` absent means `FULL_OBJECT` (objects persisted before multipart support carry none). */
  checksum: { algorithm: ChecksumAlgorithm; value: string; type?: ChecksumType };
  storageClass: string;
  /**
   * For an object made by CompleteMultipartUpload: its parts in order, so that `GetObject`/`HeadObject` with
   * `?partNumber=N` can serve one of them. `checksum` is kept for `COMPOSITE` objects only (S3 returns a part's
   * checksum only for those).
   */
  parts?: S3ObjectPart[];
}

/** One part of a multipart object, as GET `?partNumber=N` needs it. */
export interface S3ObjectPart {
  size: number;
  checksum?: string;
}

export interface S3BucketRecord {
  name: string;
  region: string;
  /** Epoch milliseconds. */
  creationDate: number;
  notification: NotificationConfiguration;
  objects: Map<string, S3ObjectRecord>;
  /** Multipart uploads in progress, by upload id. Kept in memory only: a restart loses them, as a crash would. */
  uploads: Map<string, MultipartUpload>;
}

interface PersistedBucket {
  name: string;
  region: string;
  creationDate: number;
  notification: NotificationConfiguration;
}

type PersistedObject = Omit<S3ObjectRecord, "body"> & { size: number };

/**
 * Buckets and objects in memory, optionally written through to a directory so that a new emulator on the same
 * directory sees them again. Layout under `dataDir`: `buckets/<bucket>/bucket.json` and
 * `buckets/<bucket>/objects/<sha256(key)>.{bin,json}`; each file is written to a temporary name and renamed, the
 * `.json` last, so a crash leaves either the old object or the new one. Writes are synchronous: simple, ordered, and
 * cheap at testbed sizes.
 */
export class S3Store {
  private readonly buckets = new Map<string, S3BucketRecord>();
  private readonly sortedKeyCache = new Map<string, string[]>();
  private readonly root: string | undefined;

  constructor(dataDir: string | undefined, log: (message: string) => void = () => {}) {
    this.root = dataDir === undefined ? undefined : path.join(path.resolve(dataDir), "buckets");
    if (this.root) this.load(log);
  }

  listBuckets(): S3BucketRecord[] {
    return [...this.buckets.values()].sort((a, b) => compareKeys(a.name, b.name));
  }

  getBucket(name: string): S3BucketRecord | undefined {
    return this.buckets.get(name);
  }

  createBucket(name: string, region: string, creationDate: number): S3BucketRecord {
    const bucket: S3BucketRecord = {
      name,
      region,
      creationDate,
      notification: EMPTY_NOTIFICATION_CONFIGURATION,
      objects: new Map(),
      uploads: new Map(),
    };
    this.buckets.set(name, bucket);
    this.persistBucket(bucket);
    return bucket;
  }

  deleteBucket(name: string): void {
    this.buckets.delete(name);
    this.sortedKeyCache.delete(name);
    if (this.root) fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
  }

  setNotification(bucket: S3BucketRecord, notification: NotificationConfiguration): void {
    bucket.notification = notification;
    this.persistBucket(bucket);
  }

  putObject(bucket: S3BucketRecord, object: S3ObjectRecord): void {
    if (!bucket.objects.has(object.key)) this.sortedKeyCache.delete(bucket.name);
    bucket.objects.set(object.key, object);
    if (!this.root) return;
    const dir = path.join(this.root, bucket.name, "objects");
    const base = path.join(dir, fileNameOf(object.key));
    const { body, ...meta } = object;
    writeAtomic(`${base}.bin`, body);
    writeAtomic(`${base}.json`, JSON.stringify({ ...meta, size: body.length } satisfies PersistedObject));
  }

  deleteObject(bucket: S3BucketRecord, key: string): boolean {
    if (!bucket.objects.delete(key)) return false;
    this.sortedKeyCache.delete(bucket.name);
    if (this.root) {
      const base = path.join(this.root, bucket.name, "objects", fileNameOf(key));
      fs.rmSync(`${base}.json`, { force: true });
      fs.rmSync(`${base}.bin`, { force: true });
    }
    return true;
  }

  /** Keys in S3 listing order (UTF-8 byte order), cached until the key set changes. */
  sortedKeys(bucket: S3BucketRecord): string[] {
    let keys = this.sortedKeyCache.get(bucket.name);
    if (!keys) {
      keys = [...bucket.objects.keys()].sort(compareKeys);
      this.sortedKeyCache.set(bucket.name, keys);
    }
    return keys;
  }

  /** Drops every bucket, and with a data directory the persisted copies too. */
  clear(): void {
    this.buckets.clear();
    this.sortedKeyCache.clear();
    if (this.root) fs.rmSync(this.root, { recursive: true, force: true });
  }

  private persistBucket(bucket: S3BucketRecord): void {
    if (!this.root) return;
    const dir = path.join(this.root, bucket.name);
    fs.mkdirSync(path.join(dir, "objects"), { recursive: true });
    const persisted: PersistedBucket = {
      name: bucket.name,
      region: bucket.region,
      creationDate: bucket.creationDate,
      notification: bucket.notification,
    };
    writeAtomic(path.join(dir, "bucket.json"), JSON.stringify(persisted));
  }

  private load(log: (message: string) => void): void {
    const root = this.root!;
    if (!fs.existsSync(root)) return;
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(root, entry.name);
      let meta: PersistedBucket;
      try {
        meta = JSON.parse(fs.readFileSync(path.join(dir, "bucket.json"), "utf8")) as PersistedBucket;
      } catch (e) {
        log(`s3: skipping ${dir}: unreadable bucket.json (${String(e)})`);
        continue;
      }
      const bucket: S3BucketRecord = { ...meta, objects: new Map(), uploads: new Map() };
      const objectsDir = path.join(dir, "objects");
      const files = fs.existsSync(objectsDir) ? fs.readdirSync(objectsDir) : [];
      for (const file of files.filter((f) => f.endsWith(".json"))) {
        const base = path.join(objectsDir, file.slice(0, -".json".length));
        try {
          const { size, ...object } = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as PersistedObject;
          const body = fs.readFileSync(`${base}.bin`);
          if (body.length !== size) throw new Error(`body has ${body.length} bytes, metadata says ${size}`);
          bucket.objects.set(object.key, { ...object, body });
        } catch (e) {
          log(`s3: skipping object ${base}: ${String(e)}`);
        }
      }
      this.buckets.set(bucket.name, bucket);
    }
  }
}

function fileNameOf(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

let tmpCounter = 0;

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${tmpCounter++}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** S3 orders keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16 code units, which differs above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Below the surrogate range UTF-16 and UTF-8 order agree; otherwise compare the encoded bytes.
    if (ca < 0xd800 && cb < 0xd800) return ca - cb;
    const prev = i > 0 ? a.charCodeAt(i - 1) : 0;
    const start = prev >= 0xd800 && prev <= 0xdbff ? i - 1 : i; // do not split a surrogate pair
    return Buffer.compare(Buffer.from(a.slice(start), "utf8"), Buffer.from(b.slice(start), "utf8"));
  }
  return a.length - b.length;
}
