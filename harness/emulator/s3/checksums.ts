import { createHash } from "node:crypto";

/**
 * The flexible-checksum algorithms S3 accepts (`x-amz-checksum-<alg>`). The SDK v3 sends CRC32 by default on every
 * upload; S3 computes CRC64NVME itself when a client sends none, so every stored object carries exactly one.
 */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

/**
 * How an object's checksum relates to its bytes (`x-amz-checksum-type`). `FULL_OBJECT`: the checksum of the whole
 * object. `COMPOSITE`: a multipart object's checksum of its part checksums, rendered `<base64>-<part count>`, which a
 * client cannot verify against the bytes it downloads.
 */
export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

/** Digest length in bytes, to reject a checksum header that cannot be a value of its algorithm. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/** `x-amz-checksum-crc32` for `CRC32`, … (the header and trailer name S3 and the SDK use). */
export function checksumHeaderName(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The algorithm a header/trailer name such as `x-amz-checksum-crc32c` stands for, if any. */
export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.trim().toLowerCase();
  return CHECKSUM_ALGORITHMS.find((a) => checksumHeaderName(a) === lower);
}

/** Parses an `x-amz-checksum-algorithm` / `x-amz-sdk-checksum-algorithm` value (case-insensitive). */
export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.trim().toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

/** True when `value` is base64 of exactly as many bytes as the algorithm's digest has. */
export function isWellFormedChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  return Buffer.from(value, "base64").length === DIGEST_BYTES[algorithm];
}

/** Base64 of the algorithm's digest of `data`, exactly as S3 and the SDK render it. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case "CRC32":
      return uint32Base64(crc32(data));
    case "CRC32C":
      return uint32Base64(crc32c(data));
    case "CRC64NVME":
      return crc64nvme(data).toString("base64");
    case "SHA1":
      return createHash("sha1").update(data).digest("base64");
    case "SHA256":
      return createHash("sha256").update(data).digest("base64");
  }
}

function uint32Base64(n: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out.toString("base64");
}

function crcTable32(reflectedPoly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = crcTable32(0xedb88320);
const CRC32C_TABLE = crcTable32(0x82f63b78);

function crcRun32(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 (ISO-HDLC, the zlib one). Written out because `zlib.crc32` needs Node 20.15+. */
export function crc32(data: Uint8Array): number {
  return crcRun32(CRC32_TABLE, data);
}

/** CRC-32C (Castagnoli). */
export function crc32c(data: Uint8Array): number {
  return crcRun32(CRC32C_TABLE, data);
}

// CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), kept as two 32-bit halves so the inner loop stays on
// plain numbers instead of BigInt.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
{
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    CRC64_LO[i] = Number(c & 0xffffffffn);
    CRC64_HI[i] = Number(c >> 32n);
  }
}

/** CRC-64/NVME, big-endian 8 bytes (the form S3 base64-encodes). */
export function crc64nvme(data: Uint8Array): Buffer {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    const nextLo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
    lo = (nextLo ^ CRC64_LO[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC64_HI[idx]!) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
}
