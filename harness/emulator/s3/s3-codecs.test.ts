import { AwsChunkedFormatError, decodeAwsChunked, isAwsChunked } from "./aws-chunked";
import { checksumAlgorithmOfHeader, checksumOf, crc32, crc32c, crc64nvme, isWellFormedChecksum } from "./checksums";
import { addressOf, bucketFromHost, isAddressableBucketName, isValidNewBucketName, s3UrlEncode } from "./s3-names";
import { compareKeys } from "./s3-store";

describe("checksums", () => {
  const check = Buffer.from("123456789");

  it("matches the published check values of each CRC", () => {
    expect(crc32(check).toString(16)).toBe("cbf43926");
    expect(crc32c(check).toString(16)).toBe("e3069283");
    expect(crc64nvme(check).toString("hex")).toBe("ae8b14860a799888");
  });

  it("renders base64 digests and recognises well-formed values", () => {
    expect(checksumOf("CRC32", Buffer.from("hello"))).toBe("NhCmhg==");
    expect(checksumOf("SHA256", Buffer.alloc(0))).toBe("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    expect(isWellFormedChecksum("CRC32", "NhCmhg==")).toBe(true);
    expect(isWellFormedChecksum("CRC32", "NhCmhgAA")).toBe(false);
    expect(isWellFormedChecksum("CRC64NVME", "NhCmhg==")).toBe(false);
    expect(checksumAlgorithmOfHeader("X-Amz-Checksum-CRC32C")).toBe("CRC32C");
    expect(checksumAlgorithmOfHeader("x-amz-checksum-md5")).toBeUndefined();
  });
});

describe("aws-chunked", () => {
  it("recognises streaming uploads by either header", () => {
    expect(isAwsChunked({ "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER" })).toBe(true);
    expect(isAwsChunked({ "content-encoding": "gzip, aws-chunked" })).toBe(true);
    expect(isAwsChunked({ "content-encoding": "gzip", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" })).toBe(false);
  });

  it("strips framing and collects trailers", () => {
    const decoded = decodeAwsChunked(
      Buffer.from("3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"),
    );
    expect(decoded.body.toString()).toBe("abcde");
    expect(decoded.trailers).toEqual({ "x-amz-checksum-crc32": "AAAAAA==" });
    expect(decodeAwsChunked(Buffer.from("0\r\n\r\n")).body.length).toBe(0);
  });

  it.each([
    ["no size", "zz\r\nabc\r\n0\r\n\r\n"],
    ["short chunk", "a\r\nabc\r\n"],
    ["missing CRLF after data", "3\r\nabcX\r\n0\r\n\r\n"],
    ["unterminated header", "3"],
    ["bad trailer", "0\r\nnot-a-header\r\n\r\n"],
  ])("rejects %s", (_name, body) => {
    expect(() => decodeAwsChunked(Buffer.from(body))).toThrow(AwsChunkedFormatError);
  });
});

describe("S3 names", () => {
  it("applies the CreateBucket naming rules", () => {
    for (const ok of ["abc", "my-bucket.v2", "a".repeat(63), "1bucket"]) expect(isValidNewBucketName(ok)).toBe(true);
    for (const bad of [
      "ab",
      "a".repeat(64),
      "Bucket",
      "my_bucket",
      "my..b",
      "my-.b",
      "-ab",
      "ab-",
      "10.0.0.1",
      "xn--abc",
      "abc-s3alias",
      "abc--ol-s3",
    ]) {
      expect({ bad, valid: isValidNewBucketName(bad) }).toEqual({ bad, valid: false });
    }
    expect(isAddressableBucketName("Legacy_Bucket")).toBe(true);
    expect(isAddressableBucketName("bad bucket")).toBe(false);
  });

  it("URL-encodes keys like S3 event notifications (space as +, slash kept)", () => {
    expect(s3UrlEncode("raw/my file (1)+x@y=z.csv")).toBe("raw/my+file+%281%29%2Bx%40y%3Dz.csv");
    expect(s3UrlEncode("a/é😀")).toBe("a/%C3%A9%F0%9F%98%80");
    expect(s3UrlEncode("safe-_.*~")).toBe("safe-_.*%7E");
  });

  it("finds the bucket in virtual-host style Host headers only", () => {
    expect(bucketFromHost("my-bucket.localhost:4566")).toBe("my-bucket");
    expect(bucketFromHost("my.dotted.bucket.s3.localhost.localstack.cloud:4566")).toBe("my.dotted.bucket");
    expect(bucketFromHost("b1x.s3.eu-west-1.amazonaws.com")).toBe("b1x");
    expect(bucketFromHost("b1x.s3-us-west-2.amazonaws.com")).toBe("b1x");
    expect(bucketFromHost("b1x.s3.amazonaws.com")).toBe("b1x");
    for (const pathStyle of [
      "127.0.0.1:4566",
      "localhost:4566",
      "s3.localhost.localstack.cloud:4566",
      "s3.amazonaws.com",
      "[::1]:80",
      "localhost.localstack.cloud",
    ]) {
      expect({ pathStyle, bucket: bucketFromHost(pathStyle) }).toEqual({ pathStyle, bucket: undefined });
    }
  });

  it("splits paths into bucket and key on the encoded form", () => {
    expect(addressOf("/", "127.0.0.1")).toEqual({ style: "path" });
    expect(addressOf("/bkt", "127.0.0.1")).toEqual({ bucket: "bkt", style: "path" });
    expect(addressOf("/bkt/", "127.0.0.1")).toEqual({ bucket: "bkt", style: "path" });
    expect(addressOf("/bkt/a%2Fb/c%3Fd+e", "127.0.0.1")).toEqual({ bucket: "bkt", key: "a/b/c?d+e", style: "path" });
    expect(addressOf("/bkt//lead", "127.0.0.1")).toEqual({ bucket: "bkt", key: "/lead", style: "path" });
    expect(addressOf("/k%20y", "bkt.localhost")).toEqual({ bucket: "bkt", key: "k y", style: "virtual-host" });
  });

  it("orders keys by UTF-8 bytes, as S3 lists them", () => {
    const keys = ["b", "a\u{1F600}", "a\uFF61", "a", "A", "a\u00e9"];
    expect([...keys].sort(compareKeys)).toEqual(["A", "a", "a\u00e9", "a\uFF61", "a\u{1F600}", "b"]);
    expect(compareKeys("x\u{1F600}", "x\u{1F601}")).toBeLessThan(0);
  });
});
