import { LambdaClient, CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { strToU8, zipSync } from "fflate";
import { readFileSync } from "node:fs";
import { startEmulators } from "../emulator/emulators";
import { clientConfig } from "../emulator/test-clients";
const HANDLER =
  process.argv[3] === "noop"
    ? `exports.handler = async (e) => ({ ok: 1 });`
    : `
const { AthenaClient, StartQueryExecutionCommand } = require("@aws-sdk/client-athena");
const athena = new AthenaClient({});
exports.handler = async (event) => {
  const res = await athena.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: process.env.OUT } }));
  return { QueryExecutionId: res.QueryExecutionId };
};`;
function mainMs() {
  const s = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}
(async () => {
  const edge = await startEmulators();
  const s3 = new S3Client(clientConfig(edge));
  await s3.send(new CreateBucketCommand({ Bucket: "bbb" }));
  const lambda = new LambdaClient(clientConfig(edge));
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "f",
      Runtime: "nodejs20.x",
      Role: "arn:aws:iam::000000000000:role/r",
      Handler: "index.handler",
      Code: { ZipFile: zipSync({ "index.js": strToU8(HANDLER) }) },
      Environment: { Variables: { OUT: "s3://bbb/r/" } },
    }),
  );
  const conc = Number(process.argv[2] ?? 1);
  const fn = () => lambda.send(new InvokeCommand({ FunctionName: "f", Payload: Buffer.from("{}") }));
  for (let round = 0; round < 3; round++) {
    const N = 3000;
    const c0 = process.cpuUsage();
    const m0 = mainMs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: conc }, async () => {
        for (let i = 0; i < N / conc; i++) await fn();
      }),
    );
    const cpu = process.cpuUsage(c0);
    const t = performance.now() - t0;
    console.log(
      `conc ${conc}: µs/invoke wall`,
      Math.round((t / N) * 1000),
      "cpu",
      Math.round((cpu.user + cpu.system) / N),
      "main",
      Math.round(((mainMs() - m0) * 1000) / N),
    );
  }
  await edge.close();
})();
