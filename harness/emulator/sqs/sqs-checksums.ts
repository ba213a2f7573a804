import { createHash } from "node:crypto";

/** One SQS message attribute as the wire carries it (`BinaryValue` already decoded to bytes). */
export interface SqsAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** Hex MD5 of a message body's UTF-8 bytes: `MD5OfBody` / `MD5OfMessageBody`, which the SDK re-computes and checks. */
export function md5OfBody(body: string): string {
  return createHash("md5").update(body, "utf8").digest("hex");
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/**
 * `MD5OfMessageAttributes` (and `MD5OfMessageSystemAttributes`) exactly as SQS computes it, so that clients that
 * verify it (the Java SDK, boto's md5 check) accept our responses: attributes sorted by name (code-unit order), each
 * encoded as length-prefixed name, length-prefixed data type, one transport byte (1 = String/Number, 2 = Binary) and
 * the length-prefixed value bytes; the digest of the concatenation, in hex. `undefined` when there are none.
 */
export function md5OfMessageAttributes(attributes: Record<string, SqsAttributeValue> | undefined): string | undefined {
  const names = Object.keys(attributes ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!attributes || names.length === 0) return undefined;
  const hash = createHash("md5");
  for (const name of names) {
    const attr = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, "utf8")));
    hash.update(lengthPrefixed(Buffer.from(attr.DataType, "utf8")));
    if (attr.DataType.startsWith("Binary")) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(attr.BinaryValue ?? new Uint8Array())));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(attr.StringValue ?? "", "utf8")));
    }
  }
  return hash.digest("hex");
}
