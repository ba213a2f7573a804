import { AthenaClient, GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { athenaService } from "../../harness/emulator/athena/athena-emulator";
import { startEdge } from "../../harness/emulator/edge";
import { s3Service } from "../../harness/emulator/s3/s3-emulator";
import { clientConfig } from "../../harness/emulator/test-clients";
import { ConfigurationError, readConfig, stateCountsQuery } from "./handler";

describe("readConfig", () => {
  it("names every missing or invalid setting at once", () => {
    expect(() => readConfig({})).toThrow(ConfigurationError);
    expect(() => readConfig({})).toThrow(
      /ATHENA_DATABASE is not set; ATHENA_TABLE is not set; ATHENA_OUTPUT_LOCATION is not set/,
    );
    expect(() =>
      readConfig({ ATHENA_DATABASE: "db; drop", ATHENA_TABLE: "t", ATHENA_OUTPUT_LOCATION: "bucket/x" }),
    ).toThrow(
      /ATHENA_DATABASE 'db; drop' is not a valid identifier; ATHENA_OUTPUT_LOCATION 'bucket\/x' must be an s3:\/\/bucket\/prefix\/ URL/,
    );
  });
  it("defaults the workgroup and normalises the output location", () => {
    expect(
      readConfig({
        ATHENA_DATABASE: "healthcare",
        ATHENA_TABLE: "patients",
        ATHENA_OUTPUT_LOCATION: "s3://results/athena",
      }),
    ).toEqual({
      database: "healthcare",
      table: "patients",
      workGroup: "primary",
      outputLocation: "s3://results/athena/",
    });
  });
  it("builds the state-counts query", () => {
    expect(stateCountsQuery("patients")).toBe(
      "SELECT state, COUNT(*) AS patient_count FROM patients GROUP BY state ORDER BY state",
    );
  });
});

describe("handler against the emulated Athena (over HTTP, default SDK settings)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  it("starts the query and returns its id and output location", async () => {
    await using edge = await startEdge({ services: [athenaService(), s3Service()] });
    await new S3Client(clientConfig(edge)).send(new CreateBucketCommand({ Bucket: "athena-results" }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: edge.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      ATHENA_DATABASE: "healthcare",
      ATHENA_TABLE: "patients",
      ATHENA_OUTPUT_LOCATION: "s3://athena-results/state-counts/",
    });
    const { handler } = (await import("./handler")) as typeof import("./handler");
    const res = await handler({ executionName: "exec-1" });
    expect(res.OutputLocation).toBe(`s3://athena-results/state-counts/${res.QueryExecutionId}.csv`);
    const athena = new AthenaClient(clientConfig(edge));
    const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: res.QueryExecutionId }));
    expect(q.QueryExecution?.Query).toBe(stateCountsQuery("patients"));
    expect(q.QueryExecution?.QueryExecutionContext?.Database).toBe("healthcare");
    // The same execution name is idempotent (a Lambda retry does not start a second query).
    expect((await handler({ executionName: "exec-1" })).QueryExecutionId).toBe(res.QueryExecutionId);
  });
});
