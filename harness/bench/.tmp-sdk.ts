import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { S3Client, CreateBucketCommand, PutObjectCommand, CopyObjectCommand } from "@aws-sdk/client-s3";
import { startEmulators } from "../emulator/emulators";
import { clientConfig } from "../emulator/test-clients";
(async () => {
  const edge = await startEmulators();
  const athena = new AthenaClient(clientConfig(edge));
  const s3 = new S3Client(clientConfig(edge));
  await s3.send(new CreateBucketCommand({ Bucket: "bbb" }));
  await s3.send(new PutObjectCommand({ Bucket: "bbb", Key: "k", Body: "x".repeat(100) }));
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: "s3://bbb/r/" } }),
  );
  for (const [name, fn] of [
    ["athena.get", () => athena.send(new GetQueryExecutionCommand({ QueryExecutionId }))],
    ["s3.copy", () => s3.send(new CopyObjectCommand({ Bucket: "bbb", Key: "k2", CopySource: "bbb/k" }))],
    ["fetch", () => fetch(edge.endpoint + "/_testbed/health").then((r) => r.text())],
  ] as const) {
    for (let i = 0; i < 300; i++) await fn();
    const N = 2000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < N / 8; i++) await fn();
      }),
    );
    const cpu = process.cpuUsage(c0);
    const t = performance.now() - t0;
    console.log(name, "µs/call wall", Math.round((t / N) * 1000), "cpu", Math.round((cpu.user + cpu.system) / N));
  }
  await edge.close();
})();
