import fs from "node:fs";
import { createHash } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  RemovePermissionCommand,
  RequestTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import type { CreateFunctionCommandInput, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { startEdge } from "../edge";
import type { StartedEdge } from "../edge";
import { clientConfig } from "../test-clients";
import { lambdaService } from "./lambda-emulator";
import type { LambdaEmulator, LambdaInvocationRecord } from "./lambda-emulator";

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

let edge: StartedEdge;
let lambda: LambdaClient;
let emulator: LambdaEmulator;

beforeAll(async () => {
  edge = await startEdge({ services: [lambdaService()] });
  lambda = new LambdaClient(clientConfig(edge));
  emulator = edge.service<LambdaEmulator>("lambda");
});

afterAll(async () => {
  lambda.destroy();
  await edge.close();
});

function zip(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, source]) => [name, strToU8(source)])));
}

async function createFunction(
  name: string,
  files: Record<string, string>,
  extra: Partial<CreateFunctionCommandInput> = {},
) {
  return lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zip(files) },
      ...extra,
    }),
  );
}

async function invoke(name: string, payload: unknown = {}, extra: Partial<InvokeCommand["input"]> = {}) {
  return lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...extra }),
  );
}

function payloadOf(out: InvokeCommandOutput): any {
  return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8"));
}

async function controlInvocations(query = ""): Promise<LambdaInvocationRecord[]> {
  const res = await fetch(`${edge.endpoint}/_testbed/lambda/invocations${query}`);
  return ((await res.json()) as { invocations: LambdaInvocationRecord[] }).invocations;
}

describe("function management", () => {
  const source = { "index.js": "exports.handler = async (event) => ({ echo: event });" };

  it("creates a function and reports it like AWS", async () => {
    const code = zip(source);
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "mgmt-fn",
        Runtime: "nodejs22.x",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: code },
        Environment: { Variables: { STAGE: "test" } },
      }),
    );
    expect(created).toMatchObject({
      FunctionName: "mgmt-fn",
      FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:mgmt-fn",
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: ROLE,
      Timeout: 3,
      MemorySize: 128,
      State: "Active",
      LastUpdateStatus: "Successful",
      Version: "$LATEST",
      PackageType: "Zip",
      CodeSize: code.length,
      CodeSha256: createHash("sha256").update(code).digest("base64"),
      Environment: { Variables: { STAGE: "test" } },
    });
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    await expect(createFunction("mgmt-fn", source)).rejects.toThrow(ResourceConflictException);
    await expect(createFunction("mgmt-fn", source)).rejects.toThrow("Function already exist: mgmt-fn");
  });

  it("gets, lists, updates and deletes functions", async () => {
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: "mgmt-fn" }));
    expect(got.Configuration?.FunctionName).toBe("mgmt-fn");
    expect(got.Code?.RepositoryType).toBe("S3");
    const downloaded = Buffer.from(await (await fetch(got.Code?.Location ?? "")).arrayBuffer());
    expect(createHash("sha256").update(downloaded).digest("base64")).toBe(got.Configuration?.CodeSha256);

    const byArn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:mgmt-fn" }),
    );
    expect(byArn.FunctionName).toBe("mgmt-fn");
    const byPartialArn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "000000000000:function:mgmt-fn" }),
    );
    expect(byPartialArn.FunctionArn).toBe(byArn.FunctionArn);

    await createFunction("mgmt-fn-2", source);
    await createFunction("mgmt-fn-3", source);
    const page1 = await lambda.send(new ListFunctionsCommand({ MaxItems: 2 }));
    expect(page1.Functions).toHaveLength(2);
    expect(page1.NextMarker).toBeDefined();
    const page2 = await lambda.send(new ListFunctionsCommand({ MaxItems: 50, Marker: page1.NextMarker }));
    const names = [...(page1.Functions ?? []), ...(page2.Functions ?? [])].map((f) => f.FunctionName);
    expect(names).toEqual(expect.arrayContaining(["mgmt-fn", "mgmt-fn-2", "mgmt-fn-3"]));
    expect(new Set(names).size).toBe(names.length);

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "mgmt-fn",
        Timeout: 10,
        Environment: { Variables: { STAGE: "prod" } },
      }),
    );
    expect(updated).toMatchObject({ Timeout: 10, Environment: { Variables: { STAGE: "prod" } } });
    expect(updated.RevisionId).not.toBe(got.Configuration?.RevisionId);

    const newCode = zip({ "index.js": "exports.handler = async () => 'v2';" });
    const codeUpdated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "mgmt-fn", ZipFile: newCode }));
    expect(codeUpdated.CodeSha256).toBe(createHash("sha256").update(newCode).digest("base64"));
    expect(payloadOf(await invoke("mgmt-fn"))).toBe("v2");

    const deleted = await lambda.send(new DeleteFunctionCommand({ FunctionName: "mgmt-fn-3" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "mgmt-fn-3" }))).rejects.toThrow(
      "Function not found: arn:aws:lambda:us-east-1:000000000000:function:mgmt-fn-3",
    );
  });

  it("validates what AWS validates", async () => {
    await expect(createFunction("py-fn", source, { Runtime: "python3.12" })).rejects.toThrow(
      InvalidParameterValueException,
    );
    await expect(createFunction("py-fn", source, { Runtime: "python3.12" })).rejects.toThrow(
      "Value python3.12 at 'runtime' failed to satisfy constraint",
    );
    await expect(createFunction("no-role", source, { Role: undefined })).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("at 'role' failed to satisfy constraint"),
    });
    await expect(
      createFunction("reserved-env", source, { Environment: { Variables: { AWS_REGION: "eu-west-1" } } }),
    ).rejects.toThrow("Reserved keys used in this request: AWS_REGION");
    await expect(createFunction("bad-timeout", source, { Timeout: 901 })).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: "not-a-zip",
          Runtime: "nodejs20.x",
          Role: ROLE,
          Handler: "index.handler",
          Code: { ZipFile: strToU8("definitely not a zip") },
        }),
      ),
    ).rejects.toThrow("Could not unzip uploaded file");
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "py-fn" }))).rejects.toThrow(
      ResourceNotFoundException,
    );
  });

  it("stores resource policy statements", async () => {
    await createFunction("policy-fn", source);
    await expect(lambda.send(new GetPolicyCommand({ FunctionName: "policy-fn" }))).rejects.toThrow(
      "No policy is associated with the given resource.",
    );
    const added = await lambda.send(
      new AddPermissionCommand({
        FunctionName: "policy-fn",
        StatementId: "s3-invoke",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: "arn:aws:s3:::raw-data",
        SourceAccount: "000000000000",
      }),
    );
    expect(JSON.parse(added.Statement ?? "")).toEqual({
      Sid: "s3-invoke",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "lambda:InvokeFunction",
      Resource: "arn:aws:lambda:us-east-1:000000000000:function:policy-fn",
      Condition: {
        StringEquals: { "AWS:SourceAccount": "000000000000" },
        ArnLike: { "AWS:SourceArn": "arn:aws:s3:::raw-data" },
      },
    });
    await expect(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: "policy-fn",
          StatementId: "s3-invoke",
          Action: "lambda:InvokeFunction",
          Principal: "s3.amazonaws.com",
        }),
      ),
    ).rejects.toThrow(ResourceConflictException);
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: "policy-fn" }))).Policy ?? "");
    expect(policy).toMatchObject({ Version: "2012-10-17", Statement: [{ Sid: "s3-invoke" }] });
    await lambda.send(new RemovePermissionCommand({ FunctionName: "policy-fn", StatementId: "s3-invoke" }));
    await expect(
      lambda.send(new RemovePermissionCommand({ FunctionName: "policy-fn", StatementId: "s3-invoke" })),
    ).rejects.toThrow(ResourceNotFoundException);
  });
});

describe("Invoke", () => {
  beforeAll(async () => {
    await createFunction("counter", {
      "index.js": `
        console.log("module loaded");
        let calls = 0;
        exports.handler = async (event, context) => {
          calls++;
          console.log("hello from", context.functionName, "call", calls);
          return { calls, event, requestId: context.awsRequestId };
        };`,
    });
  });

  it("invokes synchronously and keeps the environment warm", async () => {
    const first = await invoke("counter", { n: 1 }, { LogType: "Tail" });
    const coldLog = Buffer.from(first.LogResult ?? "", "base64").toString("utf8");
    expect(coldLog).toMatch(/\tundefined\tINFO\tmodule loaded\n/);
    expect(coldLog).toMatch(/Init Duration: [\d.]+ ms/);
    expect(first.StatusCode).toBe(200);
    expect(first.ExecutedVersion).toBe("$LATEST");
    expect(first.FunctionError).toBeUndefined();
    const body1 = payloadOf(first);
    expect(body1).toMatchObject({ calls: 1, event: { n: 1 } });
    expect(body1.requestId).toBe(first.$metadata.requestId);
    expect(payloadOf(await invoke("counter", { n: 2 }))).toMatchObject({ calls: 2, event: { n: 2 } });
    expect(payloadOf(await invoke("counter", { n: 3 }))).toMatchObject({ calls: 3 });

    const records = await controlInvocations("?function=counter");
    expect(records.map((r) => [r.coldStart, r.status, r.invocationType])).toEqual([
      [true, "succeeded", "RequestResponse"],
      [false, "succeeded", "RequestResponse"],
      [false, "succeeded", "RequestResponse"],
    ]);
    expect(records[1]).toMatchObject({ payload: { n: 2 }, result: { calls: 2 }, source: "api" });
  });

  it("uses more environments for concurrent invocations", async () => {
    await createFunction("slow", {
      "index.js": `
        const id = Math.random();
        exports.handler = async () => { await new Promise((r) => setTimeout(r, 150)); return id; };`,
    });
    const ids = (await Promise.all([1, 2, 3].map(() => invoke("slow")))).map(payloadOf);
    expect(new Set(ids).size).toBe(3);
  });

  it("queues beyond maxEnvironmentsPerFunction", async () => {
    const own = await startEdge({ services: [lambdaService({ maxEnvironmentsPerFunction: 1 })] });
    const client = new LambdaClient(clientConfig(own));
    try {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: "single",
          Runtime: "nodejs20.x",
          Role: ROLE,
          Handler: "index.handler",
          Code: {
            ZipFile: zip({
              "index.js": `let n = 0; exports.handler = async () => { const mine = ++n; await new Promise((r) => setTimeout(r, 20)); return mine; };`,
            }),
          },
        }),
      );
      const outs = await Promise.all([1, 2, 3].map(() => client.send(new InvokeCommand({ FunctionName: "single" }))));
      expect(outs.map(payloadOf).sort()).toEqual([1, 2, 3]);
    } finally {
      client.destroy();
      await own.close();
    }
  });

  it("holds the virtual clock while a handler runs", async () => {
    const order: string[] = [];
    const invocation = emulator.invokeInternal("slow", {}).then(() => order.push("invocation"));
    const timer = edge.clock.sleep(1_000).then(() => order.push("virtual timer"));
    await Promise.all([invocation, timer]);
    expect(order).toEqual(["invocation", "virtual timer"]);
  });

  it("returns the log tail when asked", async () => {
    const out = await invoke("counter", {}, { LogType: "Tail" });
    const log = Buffer.from(out.LogResult ?? "", "base64").toString("utf8");
    const id = out.$metadata.requestId;
    expect(log).toContain(`START RequestId: ${id} Version: $LATEST`);
    expect(log).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\tINFO\\thello from counter call \\d+`));
    expect(log).toContain(`END RequestId: ${id}`);
    expect(log).toMatch(new RegExp(`REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms`));
    expect((await invoke("counter")).LogResult).toBeUndefined();
  });

  it("accepts Event and DryRun invocations", async () => {
    await createFunction("async-fn", { "index.js": "exports.handler = async (event) => event.value * 2;" });
    const accepted = await invoke("async-fn", { value: 21 }, { InvocationType: "Event" });
    expect(accepted.StatusCode).toBe(202);
    expect(accepted.Payload?.length ?? 0).toBe(0);
    await emulator.awaitAsyncInvocations();
    const records = await controlInvocations("?function=async-fn");
    expect(records).toEqual([
      expect.objectContaining({ invocationType: "Event", status: "succeeded", result: 42, payload: { value: 21 } }),
    ]);

    const dry = await invoke("async-fn", { value: 1 }, { InvocationType: "DryRun" });
    expect(dry.StatusCode).toBe(204);
    expect(await controlInvocations("?function=async-fn")).toHaveLength(1);
  });

  it("retries a failed Event invocation twice on the emulator clock", async () => {
    await createFunction("async-fails", { "index.js": "exports.handler = async () => { throw new Error('nope'); };" });
    const before = edge.clock.now();
    await invoke("async-fails", {}, { InvocationType: "Event" });
    await emulator.awaitAsyncInvocations();
    const records = await controlInvocations("?function=async-fails");
    expect(records.map((r) => [r.attempt, r.status, r.error?.errorMessage])).toEqual([
      [1, "failed", "nope"],
      [2, "failed", "nope"],
      [3, "failed", "nope"],
    ]);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(1);
    expect(edge.clock.now() - before).toBeGreaterThanOrEqual(180_000);
  });

  it("gives each function its own environment variables and context", async () => {
    await createFunction(
      "env-fn",
      {
        "index.js": `
          exports.handler = async (event, context) => ({
            env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(AWS_|LAMBDA_|_HANDLER|STAGE|TABLE)/.test(k))),
            context: {
              functionName: context.functionName,
              functionVersion: context.functionVersion,
              invokedFunctionArn: context.invokedFunctionArn,
              memoryLimitInMB: context.memoryLimitInMB,
              remaining: context.getRemainingTimeInMillis(),
              waits: context.callbackWaitsForEmptyEventLoop,
            },
          });`,
      },
      { Environment: { Variables: { STAGE: "dev", TABLE: "t1" } }, MemorySize: 256, Timeout: 5 },
    );
    await createFunction("env-fn-other", { "index.js": "exports.handler = async () => process.env.STAGE ?? null;" });

    const { env, context } = payloadOf(await invoke("env-fn"));
    expect(env).toMatchObject({
      STAGE: "dev",
      TABLE: "t1",
      AWS_ENDPOINT_URL: edge.endpoint,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: "env-fn",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
      _HANDLER: "index.handler",
    });
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    expect(fs.existsSync(`${env.LAMBDA_TASK_ROOT}/index.js`)).toBe(true);
    expect(context).toMatchObject({
      functionName: "env-fn",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:env-fn",
      memoryLimitInMB: "256",
      waits: true,
    });
    expect(context.remaining).toBeGreaterThan(4000);
    expect(context.remaining).toBeLessThanOrEqual(5000);

    const qualified = payloadOf(await invoke("env-fn:$LATEST"));
    expect(qualified.context.invokedFunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:env-fn:$LATEST");
    await expect(invoke("env-fn", {}, { Qualifier: "1" })).rejects.toThrow(ResourceNotFoundException);

    expect(payloadOf(await invoke("env-fn-other"))).toBeNull();
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
    expect(process.env.STAGE).toBeUndefined();

    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "env-fn", Environment: { Variables: { STAGE: "prod" } } }),
    );
    const after = payloadOf(await invoke("env-fn"));
    expect(after.env.STAGE).toBe("prod");
    expect(after.env.TABLE).toBeUndefined();
  });

  it("lets handlers call back into the edge, with the AWS SDK v3 from the project", async () => {
    await createFunction(
      "sdk-fn",
      {
        "app.mjs": `
          import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
          const client = new LambdaClient({});
          export const handler = async () => {
            const health = await (await fetch(process.env.AWS_ENDPOINT_URL + "/_testbed/health")).json();
            const listed = await client.send(new ListFunctionsCommand({}));
            return { health, names: listed.Functions.map((f) => f.FunctionName) };
          };`,
      },
      { Handler: "app.handler", Timeout: 30 },
    );
    const out = await invoke("sdk-fn");
    expect(out.FunctionError).toBeUndefined();
    const body = payloadOf(out);
    expect(body.health).toMatchObject({ status: "running", services: { lambda: "available" } });
    expect(body.names).toEqual(expect.arrayContaining(["sdk-fn", "counter"]));
  });

  it("resolves nested handler paths and ES modules", async () => {
    await createFunction(
      "nested-fn",
      {
        "src/handlers/package.json": JSON.stringify({ type: "module" }),
        "src/handlers/app.js": "export const handlers = { main: async (event) => ({ nested: event.x }) };",
      },
      { Handler: "src/handlers/app.handlers.main" },
    );
    expect(payloadOf(await invoke("nested-fn", { x: 7 }))).toEqual({ nested: 7 });
  });
});

describe("function errors", () => {
  it("reports a thrown error as the Node.js runtime formats it", async () => {
    await createFunction("throws", {
      "index.js": `
        class ValidationError extends Error { constructor(m) { super(m); this.name = "ValidationError"; } }
        exports.handler = async () => { throw new ValidationError("bad input"); };`,
    });
    const out = await invoke("throws");
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    const body = payloadOf(out);
    expect(Object.keys(body)).toEqual(["errorType", "errorMessage", "trace"]);
    expect(body).toMatchObject({ errorType: "ValidationError", errorMessage: "bad input" });
    expect(body.trace[0]).toBe("ValidationError: bad input");
    expect(body.trace[1]).toMatch(/^\s+at .*index\.js:\d+:\d+/);
    const [record] = await controlInvocations("?function=throws");
    expect(record).toMatchObject({
      status: "failed",
      functionError: "Unhandled",
      error: { errorType: "ValidationError", errorMessage: "bad input" },
    });
  });

  it("supports callback-style handlers", async () => {
    await createFunction("callback-fn", {
      "index.js": `
        exports.handler = (event, context, callback) => {
          if (event.fail) return callback("plain string failure");
          context.callbackWaitsForEmptyEventLoop = event.waits;
          callback(null, { ok: true });
          setTimeout(() => console.log("timer after callback"), 20);
        };`,
    });
    const waited = await invoke("callback-fn", { waits: true }, { LogType: "Tail" });
    expect(payloadOf(waited)).toEqual({ ok: true });
    expect(Buffer.from(waited.LogResult ?? "", "base64").toString()).toContain("timer after callback");

    const immediate = await invoke("callback-fn", { waits: false }, { LogType: "Tail" });
    expect(payloadOf(immediate)).toEqual({ ok: true });
    expect(Buffer.from(immediate.LogResult ?? "", "base64").toString()).not.toContain("timer after callback");

    const failed = await invoke("callback-fn", { fail: true });
    expect(failed.FunctionError).toBe("Unhandled");
    expect(payloadOf(failed)).toEqual({ errorType: "string", errorMessage: "plain string failure", trace: [] });
  });

  it("rejects callback handlers on nodejs24.x like AWS", async () => {
    await createFunction(
      "callback-24",
      { "index.js": "exports.handler = (event, context, callback) => callback(null, 1);" },
      { Runtime: "nodejs24.x" },
    );
    const out = await invoke("callback-24");
    expect(out.FunctionError).toBe("Unhandled");
    expect(payloadOf(out).errorType).toBe("Runtime.CallbackHandlerDeprecated");
  });

  it("reports a bad handler setting at init", async () => {
    await createFunction(
      "no-module",
      { "index.js": "exports.handler = async () => 1;" },
      { Handler: "missing.handler" },
    );
    const missing = payloadOf(await invoke("no-module"));
    expect(missing.errorType).toBe("Runtime.ImportModuleError");
    expect(missing.errorMessage).toContain("Cannot find module 'missing'");

    await createFunction("exits-at-init", { "index.js": "process.exit(2);" });
    const exited = await invoke("exits-at-init");
    expect(payloadOf(exited)).toEqual({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${exited.$metadata.requestId} Error: Runtime exited with error: exit status 2`,
    });

    await createFunction("no-export", { "index.js": "exports.other = async () => 1;" });
    expect(payloadOf(await invoke("no-export"))).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.handler is undefined or not exported",
    });
  });

  it("survives a crashing handler and a callback throwing outside the promise", async () => {
    await createFunction("crashes", {
      "index.js": `
        let calls = 0;
        exports.handler = async (event) => {
          calls++;
          if (event.exit) process.exit(1);
          if (event.reject) { Promise.reject(new Error("yikes")); return new Promise((r) => setTimeout(r, 1000)); }
          if (event.late) { setTimeout(() => { throw new TypeError("late failure"); }, 1); return new Promise(() => {}); }
          return { calls };
        };`,
    });
    expect(payloadOf(await invoke("crashes"))).toEqual({ calls: 1 });

    const exited = await invoke("crashes", { exit: true });
    expect(exited.FunctionError).toBe("Unhandled");
    const exitBody = payloadOf(exited);
    expect(exitBody.errorType).toBe("Runtime.ExitError");
    expect(exitBody.errorMessage).toBe(
      `RequestId: ${exited.$metadata.requestId} Error: Runtime exited with error: exit status 1`,
    );
    expect(payloadOf(await invoke("crashes"))).toEqual({ calls: 1 });

    const rejected = payloadOf(await invoke("crashes", { reject: true }));
    expect(rejected).toMatchObject({ errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: yikes" });
    expect(rejected.trace[0]).toBe("Runtime.UnhandledPromiseRejection: Error: yikes");
    expect(payloadOf(await invoke("crashes"))).toEqual({ calls: 1 });

    const late = await invoke("crashes", { late: true });
    expect(late.FunctionError).toBe("Unhandled");
    expect(payloadOf(late)).toMatchObject({ errorType: "TypeError", errorMessage: "late failure" });
    expect(payloadOf(await invoke("crashes"))).toEqual({ calls: 1 });
  });

  it("fails with Runtime.OutOfMemory when the heap outgrows MemorySize", async () => {
    await createFunction("leaks", {
      "index.js": `
        const kept = [];
        exports.handler = async (event) => {
          if (event.leak) for (;;) kept.push(new Array(100_000).fill(Math.random()));
          return kept.length;
        };`,
    });
    const out = await invoke("leaks", { leak: true });
    expect(payloadOf(out)).toEqual({
      errorType: "Runtime.OutOfMemory",
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(payloadOf(await invoke("leaks"))).toBe(0);
  });

  it("fails an async handler whose promise can never settle with Runtime.NodeJsExit", async () => {
    await createFunction("never-settles", { "index.js": "exports.handler = async () => new Promise(() => {});" });
    const out = await invoke("never-settles");
    expect(out.FunctionError).toBe("Unhandled");
    expect(payloadOf(out).errorType).toBe("Runtime.NodeJsExit");
  });

  it("times out hanging handlers (pending work or a busy loop) and replaces the environment", async () => {
    const hanging = `
      exports.handler = async (event) => {
        if (event.spin) for (;;) {}
        if (event.wait) await new Promise((resolve) => setTimeout(resolve, 60_000));
        return "fine";
      };`;
    await createFunction("hangs", { "index.js": hanging }, { Timeout: 1 });
    await createFunction("spins", { "index.js": hanging }, { Timeout: 1 });
    const [waited, spun] = await Promise.all([invoke("hangs", { wait: true }), invoke("spins", { spin: true })]);
    for (const out of [waited, spun]) {
      expect(out.FunctionError).toBe("Unhandled");
      expect(payloadOf(out)).toEqual({
        errorType: "Sandbox.Timedout",
        errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds`,
      });
    }
    expect(payloadOf(await invoke("hangs"))).toBe("fine");
    expect(payloadOf(await invoke("spins"))).toBe("fine");
  });

  it("answers ResourceNotFoundException for an unknown function", async () => {
    const err = await invoke("does-not-exist").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toBe(
      "Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist:$LATEST",
    );
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it("refuses payloads over 6 MB and invalid JSON", async () => {
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: "counter", Payload: Buffer.alloc(6 * 1024 * 1024 + 1, 32) })),
    ).rejects.toThrow(RequestTooLargeException);
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: "counter", Payload: Buffer.from("{not json") })),
    ).rejects.toMatchObject({ name: "InvalidRequestContentException" });
  });
});

describe("in-process API and control plane", () => {
  it("invokes for other emulators", async () => {
    await createFunction("internal-fn", {
      "index.js": "exports.handler = async (event) => ({ got: event.Records.length });",
    });
    expect(emulator.functionExists("internal-fn")).toBe(true);
    expect(emulator.functionExists("arn:aws:lambda:us-east-1:000000000000:function:internal-fn")).toBe(true);
    expect(emulator.functionExists("nope")).toBe(false);

    const sync = await emulator.invokeInternal("internal-fn", { Records: [1, 2] });
    expect(sync).toEqual({ statusCode: 200, payload: JSON.stringify({ got: 2 }), executedVersion: "$LATEST" });
    const failed = await emulator.invokeInternal("internal-fn", { nothing: true });
    expect(failed.functionError).toBe("Unhandled");
    expect(JSON.parse(failed.payload).errorType).toBe("TypeError");

    const queued = await emulator.invokeInternal("internal-fn", { Records: [1] }, { async: true });
    expect(queued.statusCode).toBe(202);
    expect(await emulator.invokeInternal("nope", {}, { async: true })).toMatchObject({ statusCode: 404 });
    await expect(emulator.invokeInternal("nope", {})).rejects.toThrow("Function not found: nope");
    await expect(emulator.invokeInternal("internal-fn", "{oops")).rejects.toMatchObject({
      code: "InvalidRequestContentException",
    });
    await emulator.awaitAsyncInvocations();
    const records = await controlInvocations("?function=internal-fn");
    expect(records.map((r) => [r.source, r.invocationType, r.result])).toEqual([
      ["internal", "RequestResponse", { got: 2 }],
      ["internal", "RequestResponse", expect.objectContaining({ errorType: "TypeError" })],
      ["internal", "Event", { got: 1 }],
    ]);
  });

  it("clears invocation records", async () => {
    const cleared = await fetch(`${edge.endpoint}/_testbed/lambda/invocations?function=internal-fn`, {
      method: "DELETE",
    });
    expect(await cleared.json()).toEqual({ cleared: 3 });
    expect(await controlInvocations("?function=internal-fn")).toEqual([]);
    expect((await controlInvocations()).length).toBeGreaterThan(0);
  });

  it("drops functions and workers on reset, and everything on close", async () => {
    const own = await startEdge({ services: [lambdaService({ newId: sequentialIds() })] });
    const client = new LambdaClient(clientConfig(own));
    const create = (name: string) =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "nodejs20.x",
          Role: ROLE,
          Handler: "index.handler",
          Code: { ZipFile: zip({ "index.js": "setInterval(() => {}, 1000); exports.handler = async () => 1;" }) },
        }),
      );
    const listed = async () =>
      (
        (await (await fetch(`${own.endpoint}/_testbed/lambda/functions`)).json()) as {
          functions: Array<{ codeDirectory: string; environments: number }>;
        }
      ).functions;
    try {
      await create("short-lived");
      const out = await client.send(new InvokeCommand({ FunctionName: "short-lived" }));
      expect(out.$metadata.requestId).toMatch(/^id-\d+$/);
      const [before] = await listed();
      expect(before?.environments).toBe(1);
      expect(fs.existsSync(before?.codeDirectory ?? "")).toBe(true);

      await fetch(`${own.endpoint}/_testbed/reset`, { method: "POST" });
      expect(await listed()).toEqual([]);
      expect(fs.existsSync(before?.codeDirectory ?? "")).toBe(false);
      expect((await client.send(new ListFunctionsCommand({}))).Functions).toEqual([]);

      await create("short-lived");
      await client.send(new InvokeCommand({ FunctionName: "short-lived" }));
      const [after] = await listed();
      client.destroy();
      await own.close();
      expect(fs.existsSync(after?.codeDirectory ?? "")).toBe(false);
    } finally {
      client.destroy();
      await own.close();
    }
  });
});

function sequentialIds(): () => string {
  let n = 0;
  return () => `id-${++n}`;
}
