import { md5OfBody, md5OfMessageAttributes } from "./sqs-checksums";

// Digests AWS returned for these inputs, as pinned by moto's SQS test suite (tests/test_sqs/test_sqs.py).
describe("SQS checksums", () => {
  it("hashes the body's UTF-8 bytes", () => {
    expect(md5OfBody("derp")).toBe("58fd9edd83341c29f1aebba81c31e257");
  });

  it("matches AWS for a single Number attribute", () => {
    expect(md5OfMessageAttributes({ timestamp: { DataType: "Number", StringValue: "1493147359900" } })).toBe(
      "235c5c510d26fb653d073faed50ae77c",
    );
    expect(md5OfMessageAttributes({ timestamp: { DataType: "Number", StringValue: "1493147359901" } })).toBe(
      "994258b45346a2cc3f9cbb611aa7af30",
    );
  });

  it("matches AWS for mixed String, Binary, Number and non-ASCII attributes in any input order", () => {
    const attrs = {
      zzz: { DataType: "Number", StringValue: "0230.01" },
      öther_encodings: { DataType: "String", StringValue: "Tüst" },
      ccc: { DataType: "String", StringValue: "testjunk" },
      aaa: { DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) },
    };
    expect(md5OfMessageAttributes(attrs)).toBe("8ae21a7957029ef04146b42aeaa18a22");
  });

  it("is undefined without attributes (SQS then omits the field)", () => {
    expect(md5OfMessageAttributes({})).toBeUndefined();
    expect(md5OfMessageAttributes(undefined)).toBeUndefined();
  });
});
