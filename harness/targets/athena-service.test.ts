import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { VirtualClock } from "../common/clock";
import { startEmulators } from "../emulator/emulators";
import type { StartedEdge } from "../emulator/edge";
import { clientConfig } from "../emulator/test-clients";
import { startAthenaService } from "../../docker/athena-service";

/**
 * The compose `athena` service (docker/athena-service.ts) in-process: Athena alone on an edge, result files written
 * over the wire to another endpoint's S3. Here that other endpoint is our own full emulator standing in for
 * LocalStack, so the design (results must land in the S3 the state machine copies from) is checked without Docker.
 */
describe("athena service with a remote S3 (the compose `athena` container)", () => {
  let s3Edge: StartedEdge;
  let athenaEdge: StartedEdge;
  let s3: S3Client;
  let athena: AthenaClient;

  beforeEach(async () => {
    const clock = new VirtualClock(Date.UTC(2024, 0, 1));
    s3Edge = await startEmulators({ clock });
    athenaEdge = await startAthenaService({ s3Endpoint: s3Edge.endpoint, port: 0, clock });
    s3 = new S3Client(clientConfig(s3Edge));
    athena = new AthenaClient(clientConfig(athenaEdge));
  });
  afterEach(async () => {
    s3.destroy();
    athena.destroy();
    await athenaEdge.close();
    await s3Edge.close();
  });

  const start = () =>
    athena.send(
      new StartQueryExecutionCommand({
        QueryString: "SELECT state, COUNT(*) AS n FROM patients GROUP BY state",
        ResultConfiguration: { OutputLocation: "s3://results/state-counts/" },
      }),
    );

  it("refuses a query whose output bucket does not exist in the remote S3, as Athena does", async () => {
    await expect(start()).rejects.toMatchObject({
      name: "InvalidRequestException",
      message: "Unable to verify/create output bucket results",
    });
  });

  it("succeeds at once by default and writes the result CSV and .metadata to the remote S3", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "results" }));
    const { QueryExecutionId } = await start();
    const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    expect(q.QueryExecution?.Status?.State).toBe("SUCCEEDED");
    expect(q.QueryExecution?.ResultConfiguration?.OutputLocation).toBe(
      `s3://results/state-counts/${QueryExecutionId}.csv`,
    );
    const csv = await s3.send(new GetObjectCommand({ Bucket: "results", Key: `state-counts/${QueryExecutionId}.csv` }));
    expect(await csv.Body!.transformToString()).toBe('"_col0"\n"1"\n');
    const meta = await s3.send(
      new GetObjectCommand({ Bucket: "results", Key: `state-counts/${QueryExecutionId}.csv.metadata` }),
    );
    expect((await meta.Body!.transformToByteArray()).length).toBeGreaterThan(0);
  });

  it("runs a script queued over its control plane (what the Docker targets' control does per scenario)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "results" }));
    const res = await fetch(`${athenaEdge.endpoint}/_testbed/athena/scripts`, {
      method: "POST",
      body: JSON.stringify({
        script: { states: ["SUCCEEDED"], result: { columns: ["state", "n"], rows: [["CA", 3]] } },
      }),
    });
    expect(res.status).toBe(201);
    const { QueryExecutionId } = await start();
    const csv = await s3.send(new GetObjectCommand({ Bucket: "results", Key: `state-counts/${QueryExecutionId}.csv` }));
    expect(await csv.Body!.transformToString()).toBe('"state","n"\n"CA","3"\n');
  });

  it("sends S3 requests made to the Athena endpoint away with a pointer to the real S3", async () => {
    const wrong = new S3Client(clientConfig(athenaEdge));
    await expect(wrong.send(new CreateBucketCommand({ Bucket: "results" }))).rejects.toMatchObject({
      message: expect.stringContaining(`send S3 requests to ${s3Edge.endpoint}`),
    });
    wrong.destroy();
  });

  it("answers InternalServerException naming the S3 endpoint when that S3 is down", async () => {
    await s3Edge.close();
    await expect(start()).rejects.toMatchObject({
      name: "InternalServerException",
      message: expect.stringContaining(`cannot reach S3 at ${s3Edge.endpoint}`),
    });
  });
});
