import { decodeS3Key, executionNameFor } from "./handler";

describe("executionNameFor", () => {
  it("is a valid Step Functions execution name, deterministic per key and ETag", () => {
    const a = executionNameFor("raw/2024/patients file (1).csv", '"abc"');
    expect(a).toMatch(/^[A-Za-z0-9_.~-]{1,80}$/);
    expect(executionNameFor("raw/2024/patients file (1).csv", '"abc"')).toBe(a);
    expect(executionNameFor("raw/2024/patients file (1).csv", '"abd"')).not.toBe(a);
    const long = executionNameFor(`raw/${"x".repeat(300)}.csv`, "e");
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_.~-]+$/);
  });
  it("decodes S3 event keys (URL-encoded, + for space)", () => {
    expect(decodeS3Key("raw/patients+file+%281%29.csv")).toBe("raw/patients file (1).csv");
  });
});
