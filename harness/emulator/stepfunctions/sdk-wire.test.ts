import { execFile } from "node:child_process";
import http from "node:http";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AddressInfo } from "node:net";
import * as athenaSdk from "@aws-sdk/client-athena";
import * as lambdaSdk from "@aws-sdk/client-lambda";
import * as s3Sdk from "@aws-sdk/client-s3";
import * as sfnSdk from "@aws-sdk/client-sfn";
import * as snsSdk from "@aws-sdk/client-sns";
import * as sqsSdk from "@aws-sdk/client-sqs";
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseResource } from "../../engine/integrations";
import type { IntegrationCall } from "../../engine/integrations";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import { directOperation, leanClientConfig, type Transport } from "./sdk-wire";
import { wireIntegrations } from "./wire-integrations";

type Sdk = Record<string, any>;

/** What a recording server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP server that records requests and answers each with `answer` (default: 200 and an empty body). */
async function recorder(answer?: (seen: Seen) => { status: number; body: string; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      const a = answer?.(s) ?? { status: 200, body: "" };
      res.writeHead(a.status, { "content-length": Buffer.byteLength(a.body), ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    endpoint,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const transports: Transport[] = [];
function transport(socketPath?: string): Transport {
  const t = { agent: new http.Agent({ keepAlive: true }), socketPath: () => socketPath };
  transports.push(t);
  return t;
}
afterAll(() => transports.forEach((t) => t.agent.destroy()));

const CLIENTS: Record<string, { sdk: Sdk; client: string; signingName: string }> = {
  athena: { sdk: athenaSdk, client: "AthenaClient", signingName: "athena" },
  lambda: { sdk: lambdaSdk, client: "LambdaClient", signingName: "lambda" },
  s3: { sdk: s3Sdk, client: "S3Client", signingName: "s3" },
  sfn: { sdk: sfnSdk, client: "SFNClient", signingName: "states" },
  sns: { sdk: snsSdk, client: "SNSClient", signingName: "sns" },
  sqs: { sdk: sqsSdk, client: "SQSClient", signingName: "sqs" },
};

/** A client configured as the integrations configure theirs, plus a direct caller for `action` when it has one. */
function setup(service: string, action: string, endpoint: string, t = transport()) {
  const { sdk, client: name, signingName } = CLIENTS[service]!;
  const client = new sdk[name]({
    ...clientConfig(endpoint),
    disableHostPrefix: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...leanClientConfig(t, "test", signingName),
  });
  const direct = directOperation(service, sdk, client, action, new URL(endpoint), t, "test", "us-east-1", signingName);
  return { sdk, client, direct };
}

describe("directOperation", () => {
  // Operations with the shapes the pipeline and typical Tasks use: awsJson 1.1 and 1.0, restJson with labels and a
  // blob payload, awsQuery with map members, restXml with labels, query strings and headers.
  const CASES: Array<[string, string, Record<string, unknown>]> = [
    ["athena", "GetQueryExecution", { QueryExecutionId: "q-1" }],
    [
      "athena",
      "StartQueryExecution",
      {
        QueryString: "SELECT 1",
        ClientRequestToken: "token-0000000000000000000000000001",
        QueryExecutionContext: { Database: "db" },
        ResultConfiguration: { OutputLocation: "s3://b/out/" },
      },
    ],
    ["sfn", "DescribeExecution", { executionArn: "arn:aws:states:us-east-1:000000000000:execution:m:e" }],
    ["lambda", "Invoke", { FunctionName: "fn", Qualifier: "$LATEST", Payload: Buffer.from('{"a":[1,2]}') }],
    [
      "sns",
      "Publish",
      {
        TopicArn: "arn:aws:sns:us-east-1:000000000000:t",
        Message: "hello & goodbye",
        Subject: "s",
        MessageAttributes: { k: { DataType: "String", StringValue: "v w" } },
      },
    ],
    [
      "s3",
      "CopyObject",
      { Bucket: "dest-bucket", Key: "production/state counts/a+b.csv", CopySource: "src-bucket/athena/q%201.csv" },
    ],
    ["s3", "ListObjectsV2", { Bucket: "b", Prefix: "raw/", Delimiter: "/", MaxKeys: 5 }],
    ["s3", "HeadObject", { Bucket: "b", Key: "dir/file.csv", Range: "bytes=0-9" }],
  ];

  it.each(CASES)("sends the request the SDK sends: %s %s", async (service, action, input) => {
    const rec = await recorder();
    try {
      const { sdk, client, direct } = setup(service, action, rec.endpoint);
      expect(direct).toBeDefined();
      // Responses are empty, which some outputs cannot be read from: only the requests are compared here.
      await direct!(input).catch(() => undefined);
      await client.send(new sdk[`${action}Command`](input)).catch(() => undefined);
      client.destroy();
      expect(rec.seen).toHaveLength(2);
      const [viaDirect, viaSdk] = rec.seen as [Seen, Seen];
      const essentials = (s: Seen) => ({
        method: s.method,
        url: s.url,
        body: s.body,
        host: s.headers["host"],
        contentType: s.headers["content-type"],
        target: s.headers["x-amz-target"],
        amz: Object.fromEntries(
          Object.entries(s.headers).filter(([k]) => k.startsWith("x-amz-") && !/^x-amz-(date|user-agent)$/.test(k)),
        ),
        scope: /Credential=[^,]+/.exec(String(s.headers["authorization"]))?.[0],
      });
      expect(essentials(viaDirect)).toEqual(essentials(viaSdk));
      expect(essentials(viaDirect).scope).toMatch(
        new RegExp(`/us-east-1/${CLIENTS[service]!.signingName}/aws4_request`),
      );
    } finally {
      await rec.close();
    }
  });

  it("leaves operations with request checksums, streaming members or a customizing client to the SDK", () => {
    const endpoint = "http://127.0.0.1:9";
    expect(setup("s3", "DeleteObjects", endpoint).direct).toBeUndefined(); // checksum required
    expect(setup("s3", "PutObject", endpoint).direct).toBeUndefined(); // streaming input, checksum
    expect(setup("s3", "GetObject", endpoint).direct).toBeUndefined(); // streaming output
    expect(setup("sqs", "SendMessage", endpoint).direct).toBeUndefined(); // the client checks MD5 digests
    expect(setup("s3", "NoSuchOperation", endpoint).direct).toBeUndefined();
    expect(setup("athena", "GetQueryExecution", endpoint).direct).toBeDefined();
  });

  it("treats an S3 200 response whose body is an <Error> as that error, as the SDK does", async () => {
    const rec = await recorder(() => ({
      status: 200,
      headers: { "content-type": "application/xml", "x-amz-request-id": "REQ1" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>REQ1</RequestId></Error>`,
    }));
    try {
      const { direct, client } = setup("s3", "CopyObject", rec.endpoint);
      const err = await direct!({ Bucket: "b", Key: "k", CopySource: "b/src" }).then(
        () => undefined,
        (e: unknown) => e as { name: string; message: string; $metadata?: { requestId?: string } },
      );
      client.destroy();
      expect(err).toMatchObject({
        name: "InternalError",
        message: "We encountered an internal error. Please try again.",
      });
      expect(err?.$metadata?.requestId).toBe("REQ1");
    } finally {
      await rec.close();
    }
  });

  it("reads the same output as the SDK, and throws the same modelled exception", async () => {
    await using edge = await startEmulators();
    const s3 = new S3Client(clientConfig(edge));
    await s3.send(new CreateBucketCommand({ Bucket: "results" }));
    s3.destroy();
    const athena = new AthenaClient(clientConfig(edge));
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: "SELECT 1",
        ResultConfiguration: { OutputLocation: "s3://results/athena/" },
      }),
    );
    const { direct, client } = setup("athena", "GetQueryExecution", edge.endpoint);
    // Each poll advances the scripted query; once it has ended, both paths read the same state.
    let viaDirect = await direct!({ QueryExecutionId });
    for (let i = 0; i < 10 && viaDirect.QueryExecution.Status.State !== "SUCCEEDED"; i++) {
      viaDirect = await direct!({ QueryExecutionId });
    }
    expect(viaDirect.QueryExecution.Status.State).toBe("SUCCEEDED");
    const viaSdk = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const strip = ({ $metadata: _m, ...rest }: Record<string, unknown>) => rest;
    expect(strip(viaDirect)).toEqual(strip(viaSdk as never));
    expect(viaDirect.QueryExecution.Status.CompletionDateTime).toBeInstanceOf(Date);
    expect(viaDirect.$metadata).toMatchObject({ httpStatusCode: 200 });

    const missing = await direct!({ QueryExecutionId: "no-such-query" }).catch((e: unknown) => e);
    const missingSdk = await athena
      .send(new GetQueryExecutionCommand({ QueryExecutionId: "no-such-query" }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(athenaSdk.InvalidRequestException);
    expect((missing as Error).message).toBe((missingSdk as Error).message);
    expect((missing as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    athena.destroy();
    client.destroy();
  });
});

describe("the edge's local socket", () => {
  it("answers the same HTTP as the TCP port and is removed on close", async () => {
    const edge = await startEmulators();
    const socketPath = edge.localSocketPath;
    expect(socketPath).toBeDefined();
    if (process.platform !== "win32") expect(existsSync(socketPath!)).toBe(true);
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ socketPath, path: "/_testbed/health", headers: { host: new URL(edge.endpoint).host } }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
    expect(JSON.parse(body)).toMatchObject({ status: "running" });
    await edge.close();
    if (process.platform !== "win32") expect(existsSync(socketPath!)).toBe(false);
  });

  // Windows has named pipes, no socket directory (skipped there, with this reason in the title).
  (process.platform === "win32" ? it.skip : it)(
    "leaves no socket directory behind when the process exits with the edge still open (not on Windows)",
    async () => {
      const script = `
      const { startEmulators } = require(${JSON.stringify(join(__dirname, "..", "emulators.ts"))});
      startEmulators().then((edge) => { console.log(edge.localSocketPath); process.exit(0); });`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ["--import", "tsx", "-e", script], { timeout: 30_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        );
      });
      const socketPath = out.trim().split("\n").pop()!;
      expect(socketPath).toMatch(/edge\.sock$/);
      expect(existsSync(dirname(socketPath))).toBe(false);
    },
  );

  it("can be turned off", async () => {
    const { startEdge } = await import("../edge");
    await using edge = await startEdge({ services: [], localSocket: false });
    expect(edge.localSocketPath).toBeUndefined();
    expect(edge.context.localSocket?.()).toBeUndefined();
  });

  it("is where the Task integrations send their requests when the edge has one", async () => {
    // The TCP endpoint is a closed port: the call can only succeed over the socket.
    await using edge = await startEmulators();
    const s3 = new S3Client(clientConfig(edge));
    await s3.send(new CreateBucketCommand({ Bucket: "bkt" }));
    await s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "src.csv", Body: "a,b\n" }));
    s3.destroy();
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));

    const resolve = wireIntegrations({ endpoint: () => deadEndpoint, localSocket: () => edge.localSocketPath });
    const call: IntegrationCall = {
      resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      parsed: parseResource("arn:aws:states:::aws-sdk:s3:copyObject")!,
      parameters: { Bucket: "bkt", Key: "copy.csv", CopySource: "bkt/src.csv" },
      stateName: "Copy",
      executionArn: "arn:aws:states:us-east-1:000000000000:execution:m:e",
      region: "us-east-1",
      accountId: "000000000000",
    };
    const out = (await resolve(call)!.invoke(call)) as { CopyObjectResult?: { ETag?: string } };
    expect(out.CopyObjectResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const tcpOnly = wireIntegrations({ endpoint: () => deadEndpoint });
    await expect(tcpOnly(call)!.invoke(call)).rejects.toMatchObject({ error: "S3.SdkClientException" });
  });
});
