/**
 * S3 naming rules and encodings: which bucket names CreateBucket accepts, which names S3 even looks up, the URL
 * encoding S3 uses in event notifications and `encoding-type=url` listings, and how a request addresses a bucket
 * (path-style or virtual-host style).
 */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const DNS_LABELS = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/**
 * The general-purpose bucket naming rules CreateBucket enforces
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3–63 characters, lower-case letters,
 * digits, dots and hyphens, labels that start and end with a letter or digit, not an IP address, no reserved
 * prefix/suffix.
 */
export function isValidNewBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!DNS_LABELS.test(name) || IPV4.test(name)) return false;
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return false;
  return !RESERVED_SUFFIXES.some((s) => name.endsWith(s));
}

/**
 * Names S3 looks up at all. us-east-1 still serves legacy buckets with upper-case letters and underscores (up to 255
 * characters), so a request for `Results_Bucket` is answered `NoSuchBucket`, while one for `bad bucket!` is
 * `InvalidBucketName`.
 */
export function isAddressableBucketName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,255}$/.test(name);
}

const UNRESERVED = /[A-Za-z0-9\-_.*/]/;

/**
 * URL-encodes a key the way S3 does in event notifications (`s3.object.key`) and in `encoding-type=url` listings:
 * form encoding (space → `+`, `+` → `%2B`, `@` → `%40`, UTF-8 percent-escapes) with `/` left as is. Decode with
 * `decodeURIComponent(key.replace(/\+/g, " "))`.
 */
export function s3UrlEncode(value: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === " ") out += "+";
    else if (UNRESERVED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Where a request points: a bucket (or none, for ListBuckets) and a key (or none, for bucket operations). */
export interface S3Address {
  bucket?: string;
  key?: string;
  style: "path" | "virtual-host";
}

// `<bucket>.s3[.<region>|-<region>][.dualstack].<base>` and `<bucket>.<base>`, for the hosts the SDK and LocalStack use.
const S3_STYLE_HOST =
  /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.(localhost\.localstack\.cloud|localhost|amazonaws\.com(?:\.cn)?)$/;
const BARE_HOST = /^(.+)\.(localhost\.localstack\.cloud|localhost)$/;

/** The bucket a virtual-host style `Host` header names, or `undefined` for a path-style host. */
export function bucketFromHost(host: string): string | undefined {
  let name = host.trim().toLowerCase();
  if (name.startsWith("[")) return undefined; // IPv6 literal
  name = name.replace(/:\d+$/, "");
  if (IPV4.test(name)) return undefined;
  const s3 = S3_STYLE_HOST.exec(name);
  if (s3) return s3[1];
  const bare = BARE_HOST.exec(name);
  if (bare && bare[1] !== "s3" && !bare[1]!.startsWith("s3.") && !bare[1]!.startsWith("s3-")) return bare[1];
  return undefined;
}

function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Splits a request into bucket and key. Works on the still-encoded path so that a key containing `%2F` or `?` is
 * recovered exactly; `+` in a path is a literal plus (only the copy-source header treats it as a space).
 */
export function addressOf(rawPath: string, host: string): S3Address {
  const hostBucket = bucketFromHost(host);
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (hostBucket !== undefined) {
    return path === ""
      ? { bucket: hostBucket, style: "virtual-host" }
      : { bucket: hostBucket, key: decodePathSegment(path), style: "virtual-host" };
  }
  if (path === "") return { style: "path" };
  const slash = path.indexOf("/");
  if (slash < 0) return { bucket: decodePathSegment(path), style: "path" };
  const bucket = decodePathSegment(path.slice(0, slash));
  const rawKey = path.slice(slash + 1);
  return rawKey === "" ? { bucket, style: "path" } : { bucket, key: decodePathSegment(rawKey), style: "path" };
}
