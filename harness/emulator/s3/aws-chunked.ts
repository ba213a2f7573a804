/**
 * Decoder for the `aws-chunked` content encoding (SigV4 streaming uploads). The SDK v3 sends every stream body this
 * way under its default flexible checksums (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`, checksum in a
 * trailer); other clients sign each chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `<hex>;chunk-signature=<sig>`).
 * Storing such a body verbatim would store the framing, i.e. a corrupt object.
 *
 * Wire format: `<hex-size>[;ext]\r\n<bytes>\r\n` … `0[;ext]\r\n` then optional trailer lines `name:value\r\n` and a
 * final `\r\n`. See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html.
 */

/** The body is not well-formed `aws-chunked` framing. */
export class AwsChunkedFormatError extends Error {
  override readonly name = "AwsChunkedFormatError";
}

export interface DecodedAwsChunked {
  /** The payload with the framing removed. */
  body: Buffer;
  /** Trailer headers by lower-cased name (`x-amz-checksum-crc32`, `x-amz-trailer-signature`, …). */
  trailers: Record<string, string>;
}

const CRLF = Buffer.from("\r\n");

/** True when the request headers say the body is `aws-chunked` framed. */
export function isAwsChunked(headers: Record<string, string>): boolean {
  const sha = headers["x-amz-content-sha256"] ?? "";
  const encodings = (headers["content-encoding"] ?? "").split(",").map((e) => e.trim().toLowerCase());
  return sha.startsWith("STREAMING-") || encodings.includes("aws-chunked");
}

/** Decodes a complete `aws-chunked` body; throws {@link AwsChunkedFormatError} on malformed framing. */
export function decodeAwsChunked(encoded: Buffer): DecodedAwsChunked {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = encoded.indexOf(CRLF, pos);
    if (eol < 0) throw new AwsChunkedFormatError(`chunk header at byte ${pos} is not terminated by CRLF`);
    const header = encoded.subarray(pos, eol).toString("latin1");
    const sizeText = header.split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
      throw new AwsChunkedFormatError(`chunk header at byte ${pos} has no hexadecimal size: ${JSON.stringify(header)}`);
    }
    const size = parseInt(sizeText, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > encoded.length) {
      throw new AwsChunkedFormatError(`chunk at byte ${pos} declares ${size} bytes but the body ends first`);
    }
    parts.push(encoded.subarray(pos, pos + size));
    pos += size;
    if (encoded[pos] !== 0x0d || encoded[pos + 1] !== 0x0a) {
      throw new AwsChunkedFormatError(`chunk data ending at byte ${pos} is not followed by CRLF`);
    }
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  const rest = encoded.subarray(pos).toString("latin1");
  for (const line of rest.split("\r\n")) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new AwsChunkedFormatError(`malformed trailer line ${JSON.stringify(line)}`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), trailers };
}
