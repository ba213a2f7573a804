import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm, ChecksumType, CompletedPart } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { VirtualClock } from "../../common/clock";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { S3Emulator } from "./s3-emulator";

/**
 * Multipart uploads through the real SDK v3 client. Expected ETags and checksums are computed here with node:crypto
 * or taken from values AWS itself returned for the same bytes (LocalStack's AWS-validated snapshots,
 * tests/aws/services/s3/test_s3.snapshot.json: 5 MiB + 1 byte of "a" twice and 10 bytes of "a").
 */

const START = Date.UTC(2025, 2, 1, 12, 0, 0, 500);
const BUCKET = "mpu-bucket";
const FIVE_MIB = 5 * 1024 * 1024;
/** 5 MiB + 1 byte of "a": the smallest part S3 accepts before the last one, plus one. */
const BIG = Buffer.alloc(FIVE_MIB + 1, "a");
const TAIL = Buffer.alloc(10, "a");

/** What AWS answered for parts BIG, BIG, TAIL (UploadPart/CopyPartResult and CompleteMultipartUpload). */
const AWS_RECORDED = {
  bigEtag: '"c4c753e69bb853187f5854c46cf801c6"',
  tailEtag: '"e09c80c42fda55f9d992e59ca6b3307d"',
  objectEtag: '"4d45984fc3feb2ac9b22683c49674b56-3"',
  copyEtag: '"a0397ee2df08832642af5d7e57c5760c"',
  parts: {
    CRC32: ["NRU+Sw==", "TBHN8A=="],
    CRC32C: ["2/Ckiw==", "5yZkMA=="],
    CRC64NVME: ["Kg7TOs6algM=", "DBqAA21lxVU="],
    SHA1: ["bH71WIZUKQtUwR2wKSSkFjCRBPM=", "NJX/adNGcdHhWzOmPBN5/e3Toyo="],
    SHA256: ["DjU70AB1bON8k0n0fVHv2PJQVWcA/jWsITp6ti20Tbs=", "vyy1imj2hNlaO3jvj2Ycmk5bCegsyPnMiMzpBSjK6yc="],
  },
} as const;

async function failure(call: Promise<unknown>): Promise<any> {
  try {
    await call;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail, it succeeded");
}

function md5(data: Buffer | string): string {
  return createHash("md5").update(data).digest("hex");
}

/** The multipart ETag rule, computed independently: MD5 of the binary part MD5s, then `-<count>`. */
function expectedMultipartEtag(parts: (Buffer | string)[]): string {
  const digests = parts.map((p) => createHash("md5").update(p).digest());
  return `"${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}"`;
}

function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

function raw(
  edge: StartedEdge,
  opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: edge.port, method: opts.method, path: opts.path, headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

describe("S3 multipart uploads over the AWS SDK", () => {
  let edge: StartedEdge;
  let s3: S3Client;
  const clock = new VirtualClock(START);

  beforeAll(async () => {
    edge = await startEmulators({ clock });
    s3 = new S3Client(clientConfig(edge));
  });
  afterAll(async () => {
    s3.destroy();
    await edge.close();
  });
  beforeEach(async () => {
    await edge.service<S3Emulator>("s3").reset();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  const create = async (
    Key: string,
    extra: { ChecksumAlgorithm?: ChecksumAlgorithm; ChecksumType?: ChecksumType } = {},
  ) => (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key, ...extra }))).UploadId!;

  const uploadPart = (Key: string, UploadId: string, PartNumber: number, Body: Buffer | string, extra = {}) =>
    s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber, Body, ...extra }));

  const complete = (Key: string, UploadId: string, Parts: CompletedPart[] | undefined, extra = {}) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key,
        UploadId,
        ...(Parts ? { MultipartUpload: { Parts } } : {}),
        ...extra,
      }),
    );

  it("runs the whole lifecycle: create with metadata, upload, list, complete, read back", async () => {
    const key = "exports/big file.bin";
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        ContentType: "application/x-parquet",
        CacheControl: "max-age=60",
        Metadata: { source: "pipeline" },
        StorageClass: "STANDARD_IA",
      }),
    );
    expect(created).toMatchObject({ Bucket: BUCKET, Key: key, ServerSideEncryption: "AES256" });
    expect(created.UploadId).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(created.ChecksumAlgorithm).toBeUndefined();
    const uploadId = created.UploadId!;

    clock.advance(65_000);
    const part1 = await uploadPart(key, uploadId, 1, BIG);
    expect(part1.ETag).toBe(AWS_RECORDED.bigEtag);
    // The SDK sends CRC32 by default; S3 verifies it and echoes it even for an upload without an algorithm.
    expect(part1.ChecksumCRC32).toBe(AWS_RECORDED.parts.CRC32[0]);
    const tail = Buffer.from("the last part may be small");
    const part2 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        PartNumber: 2,
        Body: Readable.from([tail.subarray(0, 9), tail.subarray(9)]),
        ContentLength: tail.length,
      }),
    );
    expect(part2.ETag).toBe(`"${md5(tail)}"`);

    const parts = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(parts).toMatchObject({
      Bucket: BUCKET,
      Key: key,
      UploadId: uploadId,
      // The SDK models both markers as strings.
      PartNumberMarker: "0",
      NextPartNumberMarker: "2",
      MaxParts: 1000,
      IsTruncated: false,
      StorageClass: "STANDARD_IA",
      Initiator: { ID: expect.stringMatching(/^[0-9a-f]{64}$/) },
      Owner: { ID: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // Without an upload checksum algorithm S3 lists no part checksums.
    expect(parts.Parts).toEqual([
      {
        PartNumber: 1,
        ETag: part1.ETag,
        Size: BIG.length,
        LastModified: new Date(Math.floor((START + 65_000) / 1000) * 1000),
      },
      { PartNumber: 2, ETag: part2.ETag, Size: tail.length, LastModified: expect.any(Date) },
    ]);
    expect(parts.ChecksumAlgorithm).toBeUndefined();

    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(uploads.Uploads).toEqual([
      {
        Key: key,
        UploadId: uploadId,
        Initiated: new Date(START),
        StorageClass: "STANDARD_IA",
        Initiator: { ID: expect.any(String), DisplayName: expect.any(String) },
        Owner: { ID: expect.any(String) },
      },
    ]);

    const done = await complete(key, uploadId, [
      { PartNumber: 1, ETag: part1.ETag },
      { PartNumber: 2, ETag: part2.ETag },
    ]);
    expect(done).toMatchObject({
      Bucket: BUCKET,
      Key: key,
      Location: `${edge.endpoint}/${BUCKET}/exports/big%20file.bin`,
      ETag: expectedMultipartEtag([BIG, tail]),
      ChecksumType: "FULL_OBJECT",
      ServerSideEncryption: "AES256",
    });
    expect(done.ChecksumCRC64NVME).toMatch(/^[A-Za-z0-9+/]{11}=$/);

    // ChecksumMode makes the SDK check the CRC64NVME against the bytes it receives.
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([BIG, tail]))).toBe(true);
    expect(got).toMatchObject({
      ETag: done.ETag,
      ContentType: "application/x-parquet",
      CacheControl: "max-age=60",
      Metadata: { source: "pipeline" },
      StorageClass: "STANDARD_IA",
      ChecksumCRC64NVME: done.ChecksumCRC64NVME,
      ChecksumType: "FULL_OBJECT",
    });
    // S3 dates a multipart object by the initiation of its upload.
    expect(got.LastModified).toEqual(new Date(Math.floor(START / 1000) * 1000));

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((o) => [o.Key, o.ETag, o.Size])).toEqual([[key, done.ETag, BIG.length + tail.length]]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads).toBeUndefined();
    const gone = await failure(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })));
    expect(gone.name).toBe("NoSuchUpload");
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it("matches AWS for a one-part upload of 'aaa' without an upload checksum algorithm", async () => {
    const uploadId = await create("small");
    const part = await uploadPart("small", uploadId, 1, "aaa", { ChecksumAlgorithm: "CRC32C" });
    expect(part.ETag).toBe('"47bce5c74f589f4867dbd57e9ca9f808"');
    expect(part.ChecksumCRC32C).toBe("45fn2Q==");

    // The upload has no checksum algorithm: part checksums must not be listed back, and no checksum mode asked for.
    const withChecksum = await failure(
      complete("small", uploadId, [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32C: part.ChecksumCRC32C }]),
    );
    expect(withChecksum).toMatchObject({ name: "InvalidPart", PartNumber: "1", UploadId: uploadId });
    expect(withChecksum.ETag).toBe("47bce5c74f589f4867dbd57e9ca9f808");
    for (const ChecksumType of ["FULL_OBJECT", "COMPOSITE"] as const) {
      const mode = await failure(complete("small", uploadId, [{ PartNumber: 1, ETag: part.ETag }], { ChecksumType }));
      expect(mode.name).toBe("InvalidRequest");
      expect(mode.message).toBe(
        "The upload was created using the null checksum mode. The complete request must use the same checksum mode.",
      );
    }

    const done = await complete("small", uploadId, [{ PartNumber: 1, ETag: part.ETag }]);
    expect(done.ETag).toBe('"e2c3da976e66ec9e7dc128fbc782fc91-1"');
    expect(done.ETag).toBe(expectedMultipartEtag(["aaa"]));
    expect(done.ChecksumCRC64NVME).toBe("Rnr2/5P7Gsk=");
    expect(done.ChecksumType).toBe("FULL_OBJECT");

    // A copy is a single-part object again: plain MD5 ETag, same full-object checksum.
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy", CopySource: `${BUCKET}/small` }));
    expect(copy.CopyObjectResult).toMatchObject({ ETag: `"${md5("aaa")}"`, ChecksumCRC64NVME: "Rnr2/5P7Gsk=" });
  });

  it("builds a COMPOSITE CRC32 object from 5 MiB parts exactly as AWS does, and serves single parts", async () => {
    const key = "composite.bin";
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: "CRC32" }),
    );
    expect(created).toMatchObject({ ChecksumAlgorithm: "CRC32", ChecksumType: "COMPOSITE" });
    const uploadId = created.UploadId!;
    const sent: CompletedPart[] = [];
    for (const [n, body] of [BIG, BIG, TAIL].entries()) {
      const res = await uploadPart(key, uploadId, n + 1, body, { ChecksumAlgorithm: "CRC32" });
      sent.push({ PartNumber: n + 1, ETag: res.ETag, ChecksumCRC32: res.ChecksumCRC32 });
    }
    expect(sent.map((p) => [p.ETag, p.ChecksumCRC32])).toEqual([
      [AWS_RECORDED.bigEtag, AWS_RECORDED.parts.CRC32[0]],
      [AWS_RECORDED.bigEtag, AWS_RECORDED.parts.CRC32[0]],
      [AWS_RECORDED.tailEtag, AWS_RECORDED.parts.CRC32[1]],
    ]);

    const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed).toMatchObject({ ChecksumAlgorithm: "CRC32", ChecksumType: "COMPOSITE", NextPartNumberMarker: "3" });
    expect(listed.Parts?.map((p) => p.ChecksumCRC32)).toEqual(sent.map((p) => p.ChecksumCRC32));

    const missing = await failure(
      complete(
        key,
        uploadId,
        sent.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })),
      ),
    );
    expect(missing.name).toBe("InvalidRequest");
    expect(missing.message).toBe(
      "The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.",
    );
    const wrong = await failure(
      complete(
        key,
        uploadId,
        sent.map((p) => ({ ...p, ChecksumCRC32: "AAAAAA==" })),
      ),
    );
    expect(wrong).toMatchObject({ name: "InvalidPart", PartNumber: "1" });
    const otherAlgorithm = await failure(
      complete(
        key,
        uploadId,
        sent.map(({ PartNumber, ETag }) => ({ PartNumber, ETag, ChecksumSHA256: sha256(BIG).toString("base64") })),
      ),
    );
    expect(otherAlgorithm.name).toBe("BadDigest");
    expect(otherAlgorithm.message).toBe("The sha256 you specified for part 1 did not match what we received.");
    const otherMode = await failure(complete(key, uploadId, sent, { ChecksumType: "FULL_OBJECT" }));
    expect(otherMode.message).toBe(
      "The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.",
    );

    const done = await complete(key, uploadId, sent);
    expect(done).toMatchObject({
      ETag: AWS_RECORDED.objectEtag,
      ChecksumCRC32: "5FRUiw==-3",
      ChecksumType: "COMPOSITE",
    });
    expect(done.ETag).toBe(expectedMultipartEtag([BIG, BIG, TAIL]));

    const listed2 = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed2.Contents?.map((o) => [o.ETag, o.ChecksumAlgorithm, o.ChecksumType])).toEqual([
      [AWS_RECORDED.objectEtag, ["CRC32"], "COMPOSITE"],
    ]);

    // The SDK cannot verify a composite value against the bytes, and does not try.
    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    expect(whole).toMatchObject({ ChecksumCRC32: "5FRUiw==-3", ChecksumType: "COMPOSITE", ContentLength: 10485772 });
    await whole.Body!.transformToByteArray();

    // One part: its own checksum (which the SDK does verify), its byte range, the part count.
    const last = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 3, ChecksumMode: "ENABLED" }),
    );
    expect(await last.Body!.transformToString()).toBe("aaaaaaaaaa");
    expect(last).toMatchObject({
      $metadata: { httpStatusCode: 206 },
      ChecksumCRC32: "TBHN8A==",
      ChecksumType: "COMPOSITE",
      ContentRange: "bytes 10485762-10485771/10485772",
      PartsCount: 3,
      ETag: AWS_RECORDED.objectEtag,
    });
    const second = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 2 }));
    expect(second).toMatchObject({
      ContentLength: BIG.length,
      PartsCount: 3,
      ContentRange: "bytes 5242881-10485761/10485772",
    });
    const fourth = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 4 })));
    expect(fourth).toMatchObject({ name: "InvalidPartNumber", ActualPartCount: "3", PartNumberRequested: "4" });

    // Copying makes one part: S3 computes a FULL_OBJECT checksum of the same algorithm.
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy", CopySource: `${BUCKET}/${key}` }));
    expect(copy.CopyObjectResult).toMatchObject({
      ETag: AWS_RECORDED.copyEtag,
      ChecksumCRC32: "qSEQSA==",
      ChecksumType: "FULL_OBJECT",
    });
  });

  describe("checksum modes (parts copied server-side with UploadPartCopy)", () => {
    beforeEach(async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "source", Body: BIG }));
    });

    const cases: [keyof typeof AWS_RECORDED.parts, ChecksumType, string][] = [
      ["CRC32C", "COMPOSITE", "XF5+4A==-3"],
      ["SHA1", "COMPOSITE", "AyE60nyQoBgJcwsyPHWu7aJuxBs=-3"],
      ["SHA256", "COMPOSITE", "9o++y6AejqboiJ7MZCx0fahK2Vu5YC/qnNhhYsCLciI=-3"],
      ["CRC32", "FULL_OBJECT", "qSEQSA=="],
      ["CRC32C", "FULL_OBJECT", "eTdAQA=="],
      ["CRC64NVME", "FULL_OBJECT", "ZMNX55lZurA="],
    ];

    it.each(cases)("%s %s gives the checksum AWS computed for the same parts", async (algorithm, type, expected) => {
      const key = `${algorithm}-${type}`;
      const uploadId = await create(key, { ChecksumAlgorithm: algorithm, ChecksumType: type });
      const field = `Checksum${algorithm}` as const;
      const parts: CompletedPart[] = [];
      for (const [n, range] of [undefined, undefined, "bytes=0-9"].entries()) {
        const res = await s3.send(
          new UploadPartCopyCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId: uploadId,
            PartNumber: n + 1,
            CopySource: `${BUCKET}/source`,
            ...(range ? { CopySourceRange: range } : {}),
          }),
        );
        expect(res.CopyPartResult?.[field]).toBe(AWS_RECORDED.parts[algorithm][n === 2 ? 1 : 0]);
        parts.push({ PartNumber: n + 1, ETag: res.CopyPartResult!.ETag, [field]: res.CopyPartResult![field] });
      }
      const done = await complete(key, uploadId, parts);
      expect(done).toMatchObject({ ETag: AWS_RECORDED.objectEtag, [field]: expected, ChecksumType: type });
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: "ENABLED" }));
      expect(head).toMatchObject({ [field]: expected, ChecksumType: type });
    });

    it("computes COMPOSITE as the checksum of the concatenated part checksums (checked with node:crypto)", async () => {
      const uploadId = await create("sha", { ChecksumAlgorithm: "SHA256" });
      const small = Buffer.from("tail of the object");
      const first = await s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: "sha",
          UploadId: uploadId,
          PartNumber: 1,
          CopySource: `${BUCKET}/source`,
        }),
      );
      const second = await uploadPart("sha", uploadId, 2, small, { ChecksumAlgorithm: "SHA256" });
      expect(second.ChecksumSHA256).toBe(sha256(small).toString("base64"));
      const done = await complete("sha", uploadId, [
        { PartNumber: 1, ETag: first.CopyPartResult!.ETag, ChecksumSHA256: first.CopyPartResult!.ChecksumSHA256 },
        { PartNumber: 2, ETag: second.ETag, ChecksumSHA256: second.ChecksumSHA256 },
      ]);
      expect(done.ChecksumSHA256).toBe(`${sha256(Buffer.concat([sha256(BIG), sha256(small)])).toString("base64")}-2`);
      expect(done.ETag).toBe(expectedMultipartEtag([BIG, small]));
    });
  });

  it("validates the checksum mode of CreateMultipartUpload", async () => {
    const ok = async (ChecksumAlgorithm: ChecksumAlgorithm, ChecksumType?: ChecksumType) => {
      const res = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "k",
          ChecksumAlgorithm,
          ...(ChecksumType ? { ChecksumType } : {}),
        }),
      );
      return [res.ChecksumAlgorithm, res.ChecksumType];
    };
    expect(await ok("CRC32")).toEqual(["CRC32", "COMPOSITE"]);
    expect(await ok("SHA1")).toEqual(["SHA1", "COMPOSITE"]);
    expect(await ok("CRC64NVME")).toEqual(["CRC64NVME", "FULL_OBJECT"]);
    expect(await ok("CRC32C", "FULL_OBJECT")).toEqual(["CRC32C", "FULL_OBJECT"]);

    const bad = async (input: { ChecksumAlgorithm?: string; ChecksumType?: string }) =>
      (await failure(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "k", ...(input as object) }))))
        .message;
    expect(await bad({ ChecksumAlgorithm: "CRC64NVME", ChecksumType: "COMPOSITE" })).toBe(
      "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
    );
    expect(await bad({ ChecksumAlgorithm: "SHA256", ChecksumType: "FULL_OBJECT" })).toBe(
      "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
    );
    expect(await bad({ ChecksumType: "COMPOSITE" })).toBe(
      "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
    );
    expect(await bad({ ChecksumAlgorithm: "TEST" })).toBe(
      "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
    );
    const storage = await failure(
      s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "k", StorageClass: "FAST" as never })),
    );
    expect(storage.name).toBe("InvalidStorageClass");
    const noBucket = await failure(s3.send(new CreateMultipartUploadCommand({ Bucket: "no-such-bucket", Key: "k" })));
    expect(noBucket.name).toBe("NoSuchBucket");
  });

  it("checks a FULL_OBJECT checksum sent with CompleteMultipartUpload the way AWS does", async () => {
    const uploadId = await create("full", { ChecksumAlgorithm: "CRC32C", ChecksumType: "FULL_OBJECT" });
    const part = await uploadPart("full", uploadId, 1, "abc", { ChecksumAlgorithm: "CRC32C" });
    expect(part.ChecksumCRC32C).toBe("Nks/tw==");
    const parts = [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32C: part.ChecksumCRC32C }];
    const badDigest = "The crc32c you specified did not match the calculated checksum.";
    // A correct value without x-amz-checksum-type, a value of another algorithm, a wrong value: all BadDigest.
    for (const extra of [
      { ChecksumCRC32C: "Nks/tw==" },
      { ChecksumCRC64NVME: "Rnr2/5P7Gsk=" },
      { ChecksumCRC32C: "AAAAAA==", ChecksumType: "FULL_OBJECT" },
    ]) {
      const e = await failure(complete("full", uploadId, parts, extra));
      expect([e.name, e.message]).toEqual(["BadDigest", badDigest]);
    }
    const done = await complete("full", uploadId, parts, { ChecksumCRC32C: "Nks/tw==", ChecksumType: "FULL_OBJECT" });
    expect(done).toMatchObject({
      ETag: '"af5da9f45af7a300e3aded972f8ff687-1"',
      ChecksumCRC32C: "Nks/tw==",
      ChecksumType: "FULL_OBJECT",
    });
  });

  it("validates UploadPart: upload id, part number, checksums, Content-MD5; a re-upload replaces the part", async () => {
    const uploadId = await create("parts");
    const other = await create("other");
    for (const [key, id] of [
      ["parts", "no-such-upload"],
      ["parts", other],
    ]) {
      const e = await failure(uploadPart(key!, id!, 1, "x"));
      expect(e).toMatchObject({ name: "NoSuchUpload", UploadId: id, $metadata: { httpStatusCode: 404 } });
      expect(e.message).toBe(
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      );
    }
    for (const n of [0, 10001]) {
      const e = await failure(uploadPart("parts", uploadId, n, "x"));
      expect(e).toMatchObject({ name: "InvalidArgument", ArgumentName: "partNumber", ArgumentValue: String(n) });
      expect(e.message).toBe("Part number must be an integer between 1 and 10000, inclusive");
    }
    expect((await uploadPart("parts", uploadId, 10000, "x")).ETag).toBe(`"${md5("x")}"`);

    const badCrc = await failure(uploadPart("parts", uploadId, 1, "data", { ChecksumCRC32: "AAAAAA==" }));
    expect([badCrc.name, badCrc.message]).toEqual([
      "BadDigest",
      "The CRC32 you specified did not match the calculated checksum.",
    ]);
    const notBase64 = await failure(uploadPart("parts", uploadId, 1, "data", { ChecksumCRC32: "nope" }));
    expect([notBase64.name, notBase64.message]).toEqual([
      "InvalidRequest",
      "Value for x-amz-checksum-crc32 header is invalid.",
    ]);
    const badMd5 = await failure(
      uploadPart("parts", uploadId, 1, "data", { ContentMD5: createHash("md5").update("other").digest("base64") }),
    );
    expect(badMd5.name).toBe("BadDigest");

    const first = await uploadPart("parts", uploadId, 1, "first version");
    const second = await uploadPart("parts", uploadId, 1, "second version", {
      ContentMD5: createHash("md5").update("second version").digest("base64"),
    });
    const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: "parts", UploadId: uploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, second.ETag, 14],
      [10000, `"${md5("x")}"`, 1],
    ]);
    const stale = await failure(complete("parts", uploadId, [{ PartNumber: 1, ETag: first.ETag }]));
    expect(stale.name).toBe("InvalidPart");

    // An upload with a checksum algorithm takes only parts of that algorithm (the SDK sends CRC32 unless told).
    const sha = await create("sha", { ChecksumAlgorithm: "SHA256" });
    const mismatch = await failure(uploadPart("sha", sha, 1, "abc"));
    expect([mismatch.name, mismatch.message]).toEqual([
      "InvalidRequest",
      "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32",
    ]);
    const ok = await uploadPart("sha", sha, 1, "abc", { ChecksumAlgorithm: "SHA256" });
    expect(ok.ChecksumSHA256).toBe(sha256(Buffer.from("abc")).toString("base64"));
  });

  it("answers CompleteMultipartUpload errors with S3's codes and details", async () => {
    const key = "errors";
    const uploadId = await create(key);
    const p1 = await uploadPart(key, uploadId, 1, "data");
    const p2 = await uploadPart(key, uploadId, 2, "data");

    const noUpload = await failure(complete(key, "fake-id", [{ PartNumber: 1, ETag: p1.ETag }]));
    expect(noUpload).toMatchObject({ name: "NoSuchUpload", UploadId: "fake-id" });
    const unknownPart = await failure(complete(key, uploadId, [{ PartNumber: 3, ETag: p1.ETag }]));
    expect(unknownPart).toMatchObject({ name: "InvalidPart", PartNumber: "3", ETag: md5("data"), UploadId: uploadId });
    expect(unknownPart.message).toBe(
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    );
    const wrongEtag = await failure(complete(key, uploadId, [{ PartNumber: 1, ETag: `"${md5("")}"` }]));
    expect(wrongEtag).toMatchObject({ name: "InvalidPart", PartNumber: "1", ETag: md5("") });
    for (const order of [
      [2, 1],
      [1, 1],
    ]) {
      const e = await failure(
        complete(
          key,
          uploadId,
          order.map((n) => ({ PartNumber: n, ETag: p1.ETag })),
        ),
      );
      expect(e).toMatchObject({ name: "InvalidPartOrder", UploadId: uploadId });
      expect(e.message).toBe("The list of parts was not in ascending order. Parts must be ordered by part number.");
    }
    const tooSmall = await failure(
      complete(key, uploadId, [
        { PartNumber: 1, ETag: p1.ETag },
        { PartNumber: 2, ETag: p2.ETag },
      ]),
    );
    expect(tooSmall).toMatchObject({
      name: "EntityTooSmall",
      ProposedSize: "4",
      MinSizeAllowed: String(FIVE_MIB),
      PartNumber: "1",
      ETag: md5("data"),
      message: "Your proposed upload is smaller than the minimum allowed size",
    });
    for (const parts of [undefined, []]) {
      const e = await failure(complete(key, uploadId, parts));
      expect([e.name, e.message]).toEqual(["InvalidRequest", "You must specify at least one part"]);
    }
    const size = await failure(complete(key, uploadId, [{ PartNumber: 1, ETag: p1.ETag }], { MpuObjectSize: 5 }));
    expect(size.message).toBe("The provided 'x-amz-mp-object-size' header value 5 does not match what was computed: 4");
    const malformed = await raw(edge, {
      method: "POST",
      path: `/${BUCKET}/${key}?uploadId=${uploadId}`,
      body: "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain("<Code>MalformedXML</Code>");

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "already here" }));
    const exists = await failure(complete(key, uploadId, [{ PartNumber: 1, ETag: p1.ETag }], { IfNoneMatch: "*" }));
    expect(exists).toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });

    // None of the failures consumed the upload; a single small part is a valid (last) part.
    const done = await complete(key, uploadId, [{ PartNumber: 2, ETag: p2.ETag }], { MpuObjectSize: 4 });
    expect(done.ETag).toBe(expectedMultipartEtag(["data"]));
    const again = await failure(complete(key, uploadId, [{ PartNumber: 2, ETag: p2.ETag }]));
    expect(again.name).toBe("NoSuchUpload");
  });

  it("aborts uploads", async () => {
    const uploadId = await create("aborted");
    await uploadPart("aborted", uploadId, 1, "x");
    const res = await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "aborted", UploadId: uploadId }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads).toBeUndefined();
    for (const call of [
      s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "aborted", UploadId: uploadId })),
      uploadPart("aborted", uploadId, 2, "x"),
    ]) {
      expect(await failure(call)).toMatchObject({ name: "NoSuchUpload", UploadId: uploadId });
    }
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "aborted" }))).rejects.toMatchObject({
      name: "NotFound",
    });
  });

  it("copies parts with UploadPartCopy, validating ranges like S3", async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "digits", Body: "0123456789" }));
    const uploadId = await create("copied");
    const copyPart = (PartNumber: number, CopySourceRange?: string, extra = {}) =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: "copied",
          UploadId: uploadId,
          PartNumber,
          CopySource: `${BUCKET}/digits`,
          ...(CopySourceRange ? { CopySourceRange } : {}),
          ...extra,
        }),
      );
    const etags: string[] = [];
    for (const [i, range] of ["bytes=0-8", "bytes=1-1", "bytes=0-0"].entries()) {
      const res = await copyPart(i + 1, range);
      etags.push(res.CopyPartResult!.ETag!);
      expect(res.CopyPartResult?.LastModified).toBeInstanceOf(Date);
      expect(res.CopyPartResult?.ChecksumCRC32).toBeUndefined();
    }
    expect(etags).toEqual([`"${md5("012345678")}"`, `"${md5("1")}"`, `"${md5("0")}"`]);
    expect((await copyPart(4)).CopyPartResult?.ETag).toBe(`"${md5("0123456789")}"`);

    const form =
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy";
    for (const range of ["0-8", "bytes=1-0", "bytes=-1-", "bytes=0-1,3-4", "bytes=1-", "bytes=-2"]) {
      const e = await failure(copyPart(1, range));
      expect([e.name, e.message, e.ArgumentName, e.ArgumentValue]).toEqual([
        "InvalidArgument",
        form,
        "x-amz-copy-source-range",
        range,
      ]);
    }
    const pastEnd = await failure(copyPart(1, "bytes=0-100"));
    expect([pastEnd.name, pastEnd.message]).toEqual([
      "InvalidArgument",
      "Range specified is not valid for source object of size: 10",
    ]);
    const beyond = await failure(copyPart(1, "bytes=100-200"));
    expect([beyond.name, beyond.message]).toEqual([
      "InvalidRequest",
      "The specified copy range is invalid for the source object size",
    ]);
    const precondition = await failure(copyPart(1, undefined, { CopySourceIfMatch: '"not-the-etag"' }));
    expect(precondition.name).toBe("PreconditionFailed");
    const noSource = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: "copied",
          UploadId: uploadId,
          PartNumber: 1,
          CopySource: `${BUCKET}/absent`,
        }),
      ),
    );
    expect(noSource.name).toBe("NoSuchKey");

    const done = await complete("copied", uploadId, [{ PartNumber: 4, ETag: `"${md5("0123456789")}"` }]);
    expect(done.ETag).toBe(expectedMultipartEtag(["0123456789"]));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "copied" }));
    expect(await got.Body!.transformToString()).toBe("0123456789");
  });

  it("pages through ListParts with max-parts and part-number-marker", async () => {
    const uploadId = await create("many");
    const numbers = [8, 1, 5, 2, 3];
    for (const n of numbers) await uploadPart("many", uploadId, n, `part ${n}`);
    const page = (MaxParts: number, PartNumberMarker?: string) =>
      s3.send(
        new ListPartsCommand({
          Bucket: BUCKET,
          Key: "many",
          UploadId: uploadId,
          MaxParts,
          ...(PartNumberMarker ? { PartNumberMarker } : {}),
        }),
      );
    const first = await page(2);
    expect([
      first.Parts?.map((p) => p.PartNumber),
      first.IsTruncated,
      first.NextPartNumberMarker,
      first.MaxParts,
    ]).toEqual([[1, 2], true, "2", 2]);
    const middle = await page(2, "2");
    expect([
      middle.Parts?.map((p) => p.PartNumber),
      middle.IsTruncated,
      middle.PartNumberMarker,
      middle.NextPartNumberMarker,
    ]).toEqual([[3, 5], true, "2", "5"]);
    const last = await page(2, "5");
    expect([last.Parts?.map((p) => p.PartNumber), last.IsTruncated, last.NextPartNumberMarker]).toEqual([
      [8],
      false,
      "8",
    ]);

    // Past the end AWS answers an empty page whose NextPartNumberMarker is "0" (not absent), which is why a
    // token-only paginator (the SDK's paginateListParts) starts over: page on IsTruncated instead.
    const past = await page(2, "8");
    expect([past.Parts, past.IsTruncated, past.NextPartNumberMarker]).toEqual([undefined, false, "0"]);
    const seen: number[] = [];
    let marker: string | undefined;
    for (;;) {
      const p = await page(2, marker);
      seen.push(...(p.Parts ?? []).map((part) => part.PartNumber!));
      if (!p.IsTruncated) break;
      marker = p.NextPartNumberMarker;
    }
    expect(seen).toEqual([1, 2, 3, 5, 8]);
    const sizes = (await page(1000)).Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]);
    expect(sizes).toEqual(
      [...numbers].sort((a, b) => a - b).map((n) => [n, `part ${n}`.length, `"${md5(`part ${n}`)}"`]),
    );
  });

  it("pages through ListMultipartUploads by key, then initiation, with key and upload-id markers", async () => {
    const t0 = clock.now();
    const ids: Record<string, string[]> = {};
    for (const key of ["test_c", "test_b", "test_a", "test_a", "test_a"]) {
      clock.advance(1_000);
      (ids[key] ??= []).push(await create(key));
    }
    const list = (input: { MaxUploads?: number; KeyMarker?: string; UploadIdMarker?: string } = {}) =>
      s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, ...input }));
    const order = [...ids["test_a"]!, ...ids["test_b"]!, ...ids["test_c"]!];

    const all = await list();
    expect(all.Uploads?.map((u) => u.UploadId)).toEqual(order);
    expect(all).toMatchObject({
      IsTruncated: false,
      KeyMarker: "",
      UploadIdMarker: "",
      MaxUploads: 1000,
      NextKeyMarker: "test_c",
      NextUploadIdMarker: order[4],
    });
    expect(all.Uploads?.map((u) => u.Initiated!.getTime())).toEqual([3, 4, 5, 2, 1].map((s) => t0 + s * 1000));

    // Follow NextKeyMarker/NextUploadIdMarker one upload at a time.
    const paged: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await list({ MaxUploads: 1, ...markers });
      paged.push(...(page.Uploads ?? []).map((u) => u.UploadId!));
      if (!page.IsTruncated) break;
      markers = { KeyMarker: page.NextKeyMarker!, UploadIdMarker: page.NextUploadIdMarker! };
    }
    expect(paged).toEqual(order);

    const keyOnly = await list({ MaxUploads: 1, KeyMarker: "test_a" });
    expect([keyOnly.Uploads?.[0]?.UploadId, keyOnly.IsTruncated, keyOnly.UploadIdMarker]).toEqual([
      ids["test_b"]![0],
      true,
      "",
    ]);
    const afterLast = await list({ KeyMarker: "test_c" });
    expect([afterLast.Uploads, afterLast.IsTruncated, afterLast.NextKeyMarker]).toEqual([undefined, false, ""]);
    const idOnly = await list({ MaxUploads: 1, UploadIdMarker: order[2] });
    expect(idOnly.Uploads?.[0]?.UploadId).toBe(order[0]);
    const wrongKey = await failure(list({ KeyMarker: "test_c", UploadIdMarker: order[1] }));
    expect(wrongKey).toMatchObject({
      name: "InvalidArgument",
      message: "Invalid uploadId marker",
      ArgumentName: "upload-id-marker",
      ArgumentValue: order[1],
    });
  });

  it("groups uploads into CommonPrefixes with prefix and delimiter, and url-encodes on request", async () => {
    for (const key of ["folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1", "folder/file 2+x"]) {
      await create(key);
    }
    const start = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "folder/", Delimiter: "/", MaxUploads: 1 }),
    );
    expect(start).toMatchObject({
      CommonPrefixes: [{ Prefix: "folder/aSubfolder/" }],
      IsTruncated: true,
      NextKeyMarker: "",
      Prefix: "folder/",
      Delimiter: "/",
    });
    expect(start.Uploads).toBeUndefined();
    const next = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: BUCKET,
        Prefix: "folder/",
        Delimiter: "/",
        MaxUploads: 1,
        KeyMarker: "folder/aSubfolder/",
      }),
    );
    expect([next.Uploads?.map((u) => u.Key), next.CommonPrefixes, next.IsTruncated]).toEqual([
      ["folder/file 2+x"],
      undefined,
      true,
    ]);
    const encoded = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "folder/f", EncodingType: "url" }),
    );
    expect(encoded.EncodingType).toBe("url");
    expect(encoded.Uploads?.map((u) => u.Key)).toEqual(["folder/file+2%2Bx", "folder/file1"]);
  });

  it("fires ObjectCreated:CompleteMultipartUpload", async () => {
    const sqs = new SQSClient(clientConfig(edge));
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "mpu-events" }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn: "arn:aws:sqs:us-east-1:000000000000:mpu-events",
                Events: ["s3:ObjectCreated:CompleteMultipartUpload"],
              },
            ],
          },
        }),
      );
      const uploadId = await create("raw/data.csv");
      const part = await uploadPart("raw/data.csv", uploadId, 1, "a,b\n1,2\n");
      const done = await complete("raw/data.csv", uploadId, [{ PartNumber: 1, ETag: part.ETag }]);
      // A plain PutObject is ObjectCreated:Put, which this configuration does not ask for.
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/other.csv", Body: "x" }));
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      expect(received.Messages).toHaveLength(1);
      const record = JSON.parse(received.Messages![0]!.Body!).Records[0];
      expect(record).toMatchObject({
        eventName: "ObjectCreated:CompleteMultipartUpload",
        s3: { bucket: { name: BUCKET }, object: { key: "raw/data.csv", size: 8, eTag: done.ETag!.replace(/"/g, "") } },
      });
    } finally {
      sqs.destroy();
    }
  });

  it("answers CompleteMultipartUploadResult with a virtual-host Location for virtual-host requests", async () => {
    const uploadId = await create("dir/v h.txt");
    const part = await uploadPart("dir/v h.txt", uploadId, 1, "virtual");
    const host = `${BUCKET}.s3.localhost.localstack.cloud:${edge.port}`;
    const res = await raw(edge, {
      method: "POST",
      path: `/dir/v%20h.txt?uploadId=${uploadId}`,
      headers: { host },
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<Location>http://${host}/dir/v%20h.txt</Location>`);
    expect(res.body).toContain(`<ETag>&quot;${md5(Buffer.from(md5("virtual"), "hex"))}-1&quot;</ETag>`);
  });

  it("drops uploads on reset", async () => {
    const uploadId = await create("pending");
    await edge.service<S3Emulator>("s3").reset();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads).toBeUndefined();
    expect((await failure(uploadPart("pending", uploadId, 1, "x"))).name).toBe("NoSuchUpload");
  });

  it("persists completed multipart objects (not uploads in progress) in the data directory", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3-mpu-"));
    try {
      let etag: string | undefined;
      {
        await using first = await startEmulators({ s3DataDir: dataDir });
        const client = new S3Client(clientConfig(first));
        await client.send(new CreateBucketCommand({ Bucket: "kept" }));
        const { UploadId } = await client.send(
          new CreateMultipartUploadCommand({ Bucket: "kept", Key: "obj", ChecksumAlgorithm: "SHA256" }),
        );
        const part = await client.send(
          new UploadPartCommand({
            Bucket: "kept",
            Key: "obj",
            UploadId,
            PartNumber: 1,
            Body: "persisted",
            ChecksumAlgorithm: "SHA256",
          }),
        );
        const done = await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: "kept",
            Key: "obj",
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }] },
          }),
        );
        etag = done.ETag;
        await client.send(new CreateMultipartUploadCommand({ Bucket: "kept", Key: "unfinished" }));
        client.destroy();
      }
      {
        await using second = await startEmulators({ s3DataDir: dataDir });
        const client = new S3Client(clientConfig(second));
        const got = await client.send(
          new GetObjectCommand({ Bucket: "kept", Key: "obj", PartNumber: 1, ChecksumMode: "ENABLED" }),
        );
        expect(await got.Body!.transformToString()).toBe("persisted");
        expect(got).toMatchObject({
          ETag: etag,
          PartsCount: 1,
          ChecksumType: "COMPOSITE",
          ChecksumSHA256: sha256(Buffer.from("persisted")).toString("base64"),
        });
        expect((await client.send(new ListMultipartUploadsCommand({ Bucket: "kept" }))).Uploads).toBeUndefined();
        client.destroy();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
