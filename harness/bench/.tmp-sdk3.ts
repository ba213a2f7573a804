import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { startEmulators } from "../emulator/emulators";
import { clientConfig } from "../emulator/test-clients";
(async () => {
  const edge = await startEmulators();
  const s3 = new S3Client(clientConfig(edge));
  await s3.send(new CreateBucketCommand({ Bucket: "bbb" }));
  const a0 = new AthenaClient(clientConfig(edge));
  const { QueryExecutionId } = await a0.send(
    new StartQueryExecutionCommand({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: "s3://bbb/r/" } }),
  );

  const trimmed = new AthenaClient(clientConfig(edge));
  for (const n of ["getUserAgentMiddleware", "recursionDetectionMiddleware", "loggerMiddleware"])
    console.log(n, trimmed.middlewareStack.remove(n));
  for (const [name, c] of [
    ["default", a0],
    ["trimmed", trimmed],
    ["default", a0],
    ["trimmed", trimmed],
  ] as const) {
    const fn = () => c.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    for (let i = 0; i < 1000; i++) await fn();
    const N = 4000;
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
