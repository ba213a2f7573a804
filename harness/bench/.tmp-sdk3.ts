import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { startEmulators } from "../emulator/emulators";
import { clientConfig } from "../emulator/test-clients";
import { readFileSync } from "node:fs";
function mainMs() { const s = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8"); const f = s.slice(s.lastIndexOf(")") + 2).split(" "); return (Number(f[11]) + Number(f[12])) * 10; }
(async () => {
  const edge = await startEmulators();
  const s3 = new S3Client(clientConfig(edge));
  await s3.send(new CreateBucketCommand({ Bucket: "bbb" }));
  const a0 = new AthenaClient(clientConfig(edge));
  const { QueryExecutionId } = await a0.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: "s3://bbb/r/" } }));
  const trimmed = new AthenaClient(clientConfig(edge));
  const cached = new AthenaClient({ ...clientConfig(edge), cacheMiddleware: true });
  for (const c of [trimmed, cached]) for (const n of ["getUserAgentMiddleware", "recursionDetectionMiddleware", "loggerMiddleware"]) c.middlewareStack.remove(n);
  for (let r = 0; r < 2; r++) for (const [name, c] of [["default", a0], ["trimmed", trimmed], ["trimmed+cache", cached]] as const) {
    const fn = () => c.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    for (let i = 0; i < 1000; i++) await fn();
    const N = 4000; const c0 = process.cpuUsage(); const m0 = mainMs(); const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < N / 8; i++) await fn(); }));
    const cpu = process.cpuUsage(c0); const t = performance.now() - t0;
    console.log(name.padEnd(14), "µs/call wall", Math.round(t / N * 1000), "cpu", Math.round((cpu.user + cpu.system) / N), "main", Math.round((mainMs() - m0) * 1000 / N));
  }
  await edge.close();
})();
