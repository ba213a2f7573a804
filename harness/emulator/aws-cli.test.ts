import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import type { SfnEmulator } from "./stepfunctions/sfn-emulator";
import type { StartedEdge } from "./edge";
import { startEmulators } from "./emulators";
import { checkDefinition } from "../engine/validate";

/**
 * The AWS CLI (botocore, a different client stack than the SDK v3 the harness uses) against the emulators: the
 * commands a person types when poking at the testbed. Runs when an `aws` executable is on PATH (CI installs Debian's
 * `awscli`); otherwise the suite reports itself skipped, with the reason in its title.
 */
function awsVersion(): string | undefined {
  try {
    return execFileSync("aws", ["--version"], { encoding: "utf8", env: cliEnv(), timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The host's environment without any AWS setting, plus dummy credentials and no config files or pager. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Generous: each CLI call is a Python start-up (~0.4 s of CPU), and the six tests share two cores. */
const CLI_TEST_TIMEOUT_MS = 60_000;

const version = awsVersion();
const hasAws = version !== undefined;
const title = hasAws
  ? `AWS CLI (${version!.split(" ")[0]}) against the emulators`
  : "AWS CLI against the emulators (skipped: aws CLI not installed)";

if (!hasAws) {
  // A fully skipped file shows no titles in jest's summary; say it where it is seen.
  console.warn(`${title}: install it (Debian: apt-get install -y awscli) to run these tests`);
}

(hasAws ? describe : describe.skip)(title, () => {
  // Each CLI call costs ~0.4 s of Python start-up, so the services are exercised concurrently (`it.concurrent`); the
  // edge is started once, on first use, because concurrent tests may begin before `beforeAll` hooks finish.
  let started: Promise<StartedEdge> | undefined;
  let edge: StartedEdge;
  const dir = mkdtempSync(join(tmpdir(), "aws-cli-test-"));
  const ready = async () => {
    edge = await (started ??= startEmulators().then((e) => {
      // Load the definition checker (a lazy `require` of asl-validator) now, not inside a concurrent test: jest 30
      // refuses a `require` made while it is between two tests, which with concurrent tests is whenever one ends.
      checkDefinition({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
      return e;
    }));
  };

  afterAll(async () => {
    if (started) await (await started).close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `aws --endpoint-url <edge> …args` (asynchronously: the emulators answer from this same process). */
  function aws(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return new Promise((resolve) => {
      execFile(
        "aws",
        ["--endpoint-url", edge.endpoint, ...args],
        { env: { ...cliEnv(), HOME: dir }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ stdout, stderr, code });
        },
      );
    });
  }

  /** Runs a command that must succeed and parses its JSON output (`{}` for commands that print nothing). */
  async function awsJson(...args: string[]): Promise<any> {
    const res = await aws(...args, "--output", "json");
    if (res.code !== 0) throw new Error(`aws ${args.join(" ")} exited ${res.code}: ${res.stderr}`);
    return res.stdout.trim() ? JSON.parse(res.stdout) : {};
  }

  it.concurrent(
    "s3: mb, cp up and down, ls",
    async () => {
      await ready();
      const local = join(dir, "upload.csv");
      writeFileSync(local, "state,count\nCA,3\nNY,2\n");
      expect((await aws("s3", "mb", "s3://cli-bucket")).stdout).toContain("make_bucket: cli-bucket");
      const up = await aws("s3", "cp", local, "s3://cli-bucket/raw/upload.csv");
      expect(up.code).toBe(0);
      expect(up.stdout).toContain("upload:");
      const [ls, lsRoot, down] = await Promise.all([
        aws("s3", "ls", "s3://cli-bucket/", "--recursive"),
        aws("s3", "ls"),
        aws("s3", "cp", "s3://cli-bucket/raw/upload.csv", join(dir, "download.csv")),
      ]);
      expect(ls.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+22 raw\/upload\.csv/);
      expect(lsRoot.stdout).toContain("cli-bucket");
      expect(down.code).toBe(0);
      expect(readFileSync(join(dir, "download.csv"), "utf8")).toBe("state,count\nCA,3\nNY,2\n");

      const missing = await aws("s3", "ls", "s3://no-such-bucket");
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("NoSuchBucket");
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "sns and sqs: create-topic, create-queue, subscribe, publish, send and receive",
    async () => {
      await ready();
      const [{ TopicArn }, { QueueUrl }] = await Promise.all([
        awsJson("sns", "create-topic", "--name", "cli-topic"),
        awsJson("sqs", "create-queue", "--queue-name", "cli-queue"),
      ]);
      expect(TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:cli-topic");
      expect(QueueUrl).toMatch(/\/000000000000\/cli-queue$/);
      await awsJson(
        "sns",
        "subscribe",
        "--topic-arn",
        TopicArn,
        "--protocol",
        "sqs",
        "--notification-endpoint",
        "arn:aws:sqs:us-east-1:000000000000:cli-queue",
      );
      const [published, sent] = await Promise.all([
        awsJson("sns", "publish", "--topic-arn", TopicArn, "--message", "from sns"),
        awsJson(
          "sqs",
          "send-message",
          "--queue-url",
          QueueUrl,
          "--message-body",
          "from sqs",
          "--message-attributes",
          '{"kind":{"DataType":"String","StringValue":"direct"}}',
        ),
      ]);
      expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      // The CLI checks these MD5s itself and fails the command when they do not match.
      expect(sent.MD5OfMessageBody).toBe(createHash("md5").update("from sqs").digest("hex"));
      expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      const received = await awsJson(
        "sqs",
        "receive-message",
        "--queue-url",
        QueueUrl,
        "--max-number-of-messages",
        "10",
        "--message-attribute-names",
        "All",
      );
      const bodies = (received.Messages as Array<{ Body: string; MessageAttributes?: unknown }>).map((m) => m.Body);
      expect(bodies).toHaveLength(2);
      expect(bodies).toContain("from sqs");
      const notification = JSON.parse(bodies.find((b) => b !== "from sqs")!) as Record<string, string>;
      expect(notification).toMatchObject({ Type: "Notification", TopicArn, Message: "from sns" });
      const direct = (received.Messages as Array<{ Body: string; MessageAttributes?: unknown }>).find(
        (m) => m.Body === "from sqs",
      );
      expect(direct?.MessageAttributes).toEqual({ kind: { DataType: "String", StringValue: "direct" } });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "lambda: create-function, list-functions, invoke",
    async () => {
      await ready();
      const zipPath = join(dir, "fn.zip");
      writeFileSync(
        zipPath,
        zipSync({ "index.js": strToU8("exports.handler = async (e) => ({ hello: e.name, via: 'cli' });") }),
      );
      const created = await awsJson(
        "lambda",
        "create-function",
        "--function-name",
        "cli-fn",
        "--runtime",
        "nodejs20.x",
        "--role",
        "arn:aws:iam::000000000000:role/lambda-role",
        "--handler",
        "index.handler",
        "--zip-file",
        `fileb://${zipPath}`,
      );
      expect(created).toMatchObject({ FunctionName: "cli-fn", State: "Active" });
      const listed = await awsJson("lambda", "list-functions");
      expect(listed.Functions.map((f: { FunctionName: string }) => f.FunctionName)).toContain("cli-fn");

      // fileb:// sends the payload bytes as they are with CLI v1 and v2 alike.
      const payload = join(dir, "payload.json");
      writeFileSync(payload, '{"name":"testbed"}');
      const out = join(dir, "out.json");
      const invoked = await awsJson(
        "lambda",
        "invoke",
        "--function-name",
        "cli-fn",
        "--payload",
        `fileb://${payload}`,
        out,
      );
      expect(invoked).toMatchObject({ StatusCode: 200, ExecutedVersion: "$LATEST" });
      expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ hello: "testbed", via: "cli" });

      const missing = await aws("lambda", "invoke", "--function-name", "no-such-fn", out);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("ResourceNotFoundException");
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "athena: start-query-execution, get-query-execution",
    async () => {
      await ready();
      await aws("s3", "mb", "s3://cli-athena");
      const { QueryExecutionId } = await awsJson(
        "athena",
        "start-query-execution",
        "--query-string",
        "SELECT state, COUNT(*) FROM patients GROUP BY state",
        "--result-configuration",
        "OutputLocation=s3://cli-athena/results/",
      );
      expect(QueryExecutionId).toMatch(/^[0-9a-f-]{36}$/);
      const states: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { QueryExecution } = await awsJson(
          "athena",
          "get-query-execution",
          "--query-execution-id",
          QueryExecutionId,
        );
        expect(QueryExecution.ResultConfiguration.OutputLocation).toBe(
          `s3://cli-athena/results/${QueryExecutionId}.csv`,
        );
        states.push(QueryExecution.Status.State);
      }
      expect(states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
      const ls = await aws("s3", "ls", "s3://cli-athena/results/");
      expect(ls.stdout).toContain(`${QueryExecutionId}.csv`);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it.concurrent(
    "stepfunctions: create-state-machine, start-execution, describe-execution, get-execution-history",
    async () => {
      await ready();
      const definition = JSON.stringify({
        StartAt: "Prepare",
        States: {
          Prepare: { Type: "Pass", Parameters: { "greeting.$": "States.Format('hello {}', $.who)" }, Next: "Pause" },
          Pause: { Type: "Wait", Seconds: 10, End: true },
        },
      });
      const { stateMachineArn } = await awsJson(
        "stepfunctions",
        "create-state-machine",
        "--name",
        "cli-machine",
        "--definition",
        definition,
        "--role-arn",
        "arn:aws:iam::000000000000:role/sfn-role",
      );
      expect(stateMachineArn).toBe("arn:aws:states:us-east-1:000000000000:stateMachine:cli-machine");
      const { executionArn } = await awsJson(
        "stepfunctions",
        "start-execution",
        "--state-machine-arn",
        stateMachineArn,
        "--name",
        "cli-run",
        "--input",
        '{"who":"cli"}',
      );
      expect(executionArn).toBe("arn:aws:states:us-east-1:000000000000:execution:cli-machine:cli-run");
      await edge.service<SfnEmulator>("states").execution(executionArn)!.done;
      const described = await awsJson("stepfunctions", "describe-execution", "--execution-arn", executionArn);
      expect(described).toMatchObject({
        executionArn,
        stateMachineArn,
        name: "cli-run",
        status: "SUCCEEDED",
        input: '{"who":"cli"}',
        output: '{"greeting":"hello cli"}',
      });
      // The CLI prints timestamps its own way (ISO 8601 with v2, epoch seconds with v1): 10 s of virtual Wait apart.
      const seconds = (t: string | number) => (typeof t === "number" ? t : Date.parse(t) / 1000);
      expect(seconds(described.stopDate) - seconds(described.startDate)).toBeCloseTo(10, 3);

      const { events } = await awsJson("stepfunctions", "get-execution-history", "--execution-arn", executionArn);
      expect(events.map((e: { type: string }) => e.type)).toEqual([
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "ExecutionSucceeded",
      ]);

      const bad = await aws("stepfunctions", "describe-execution", "--execution-arn", `${executionArn}-nope`);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("(ExecutionDoesNotExist)");
    },
    CLI_TEST_TIMEOUT_MS,
  );

  // The longest test, declared last so that it starts once a concurrency slot (maxConcurrency 5) frees.
  it.concurrent(
    "s3: cp of a 9 MiB file goes multipart (8 MiB parts) and comes back intact",
    async () => {
      await ready();
      const local = join(dir, "nine-mib.bin");
      const data = Buffer.alloc(9 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, i);
      writeFileSync(local, data);
      expect((await aws("s3", "mb", "s3://cli-multipart")).code).toBe(0);
      const up = await aws("s3", "cp", local, "s3://cli-multipart/big/nine-mib.bin");
      expect(up.stderr).toBe("");
      expect(up.code).toBe(0);
      const head = await awsJson("s3api", "head-object", "--bucket", "cli-multipart", "--key", "big/nine-mib.bin");
      // The CLI splits at its 8 MiB multipart threshold/chunk size: the ETag of a two-part upload.
      const partDigests = [data.subarray(0, 8 * 1024 * 1024), data.subarray(8 * 1024 * 1024)].map((p) =>
        createHash("md5").update(p).digest(),
      );
      expect(head.ETag).toBe(`"${createHash("md5").update(Buffer.concat(partDigests)).digest("hex")}-2"`);
      expect(head.ContentLength).toBe(data.length);
      const down = await aws("s3", "cp", "s3://cli-multipart/big/nine-mib.bin", join(dir, "nine-mib-back.bin"));
      expect(down.code).toBe(0);
      expect(readFileSync(join(dir, "nine-mib-back.bin")).equals(data)).toBe(true);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
