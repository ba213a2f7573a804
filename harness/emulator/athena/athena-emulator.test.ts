import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  InvalidRequestException,
  ListNamedQueriesCommand,
  ListQueryExecutionsCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import type { StartQueryExecutionCommandInput } from "@aws-sdk/client-athena";
import { VirtualClock } from "../../common/clock";
import { startEdge } from "../edge";
import type { S3Internal } from "../internal-apis";
import { clientConfig } from "../test-clients";
import type { ServiceEmulator } from "../types";
import { AthenaEmulator, athenaService } from "./athena-emulator";
import type { AthenaEmulatorOptions } from "./athena-emulator";

/** An in-memory stand-in for the S3 emulator: just the internal API Athena writes results through. */
class FakeS3 implements ServiceEmulator, S3Internal {
  readonly name = "s3";
  readonly buckets = new Set<string>();
  readonly objects = new Map<string, { body: Buffer; contentType: string; etag: string }>();
  async handle() {
    return { status: 501, body: "not part of this test" };
  }
  reset() {
    this.buckets.clear();
    this.objects.clear();
  }
  async putObjectInternal(bucket: string, key: string, body: Buffer, options?: { contentType?: string }) {
    if (!this.buckets.has(bucket)) throw new Error(`NoSuchBucket: ${bucket}`);
    const etag = `"${this.objects.size}"`;
    this.objects.set(`${bucket}/${key}`, { body, contentType: options?.contentType ?? "binary/octet-stream", etag });
    return { etag };
  }
  getObjectInternal(bucket: string, key: string) {
    return this.objects.get(`${bucket}/${key}`);
  }
  bucketExists(bucket: string) {
    return this.buckets.has(bucket);
  }
}

const START = Date.UTC(2024, 0, 15, 12, 0, 0);
const QUERY = "SELECT state, count(*) AS patient_count FROM healthcare.patients GROUP BY state";

async function setup(options?: AthenaEmulatorOptions) {
  const s3 = new FakeS3();
  s3.buckets.add("results");
  const clock = new VirtualClock(START);
  const edge = await startEdge({ services: [athenaService(options), () => s3], clock });
  const athena = new AthenaClient(clientConfig(edge));
  const emulator = edge.service<AthenaEmulator>("athena");
  const start = async (input: Partial<StartQueryExecutionCommandInput> = {}) => {
    const out = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: QUERY,
        QueryExecutionContext: { Database: "healthcare", Catalog: "AwsDataCatalog" },
        ResultConfiguration: { OutputLocation: "s3://results/athena/" },
        ...input,
      }),
    );
    return out.QueryExecutionId!;
  };
  const poll = async (id: string) =>
    (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution!;
  const state = async (id: string) => (await poll(id)).Status!.State;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${edge.endpoint}/_testbed/athena/${path}`, {
      method,
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return {
    edge,
    athena,
    s3,
    clock,
    emulator,
    start,
    poll,
    state,
    control,
    [Symbol.asyncDispose]: async () => {
      athena.destroy();
      await edge.close();
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

function expectInvalidRequest(err: any, message: string, athenaErrorCode: string) {
  expect(err).toBeInstanceOf(InvalidRequestException);
  expect(err.name).toBe("InvalidRequestException");
  expect(err.message).toBe(message);
  expect(err.AthenaErrorCode).toBe(athenaErrorCode);
  expect(err.$metadata.httpStatusCode).toBe(400);
}

describe("AthenaEmulator over the wire", () => {
  it("runs the default per-call script: the first poll sees states[0], each later poll one step further", async () => {
    await using t = await setup();
    const id = await t.start();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const queued = await t.poll(id);
    expect(queued.Status).toEqual({ State: "QUEUED", SubmissionDateTime: new Date(START) });
    t.clock.advance(1500);
    expect((await t.poll(id)).Status!.State).toBe("RUNNING");
    // Results are written only when the query reaches SUCCEEDED.
    expect(t.s3.objects.size).toBe(0);
    t.clock.advance(2500);

    const done = await t.poll(id);
    expect(done).toEqual({
      QueryExecutionId: id,
      Query: QUERY,
      StatementType: "DML",
      SubstatementType: "SELECT",
      ResultConfiguration: { OutputLocation: `s3://results/athena/${id}.csv` },
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
      QueryExecutionContext: { Database: "healthcare", Catalog: "awsdatacatalog" },
      Status: { State: "SUCCEEDED", SubmissionDateTime: new Date(START), CompletionDateTime: new Date(START + 4000) },
      Statistics: {
        EngineExecutionTimeInMillis: 2500,
        DataScannedInBytes: 0,
        TotalExecutionTimeInMillis: 4000,
        QueryQueueTimeInMillis: 1500,
        ServicePreProcessingTimeInMillis: 0,
        QueryPlanningTimeInMillis: 0,
        ServiceProcessingTimeInMillis: 0,
        ResultReuseInformation: { ReusedPreviousResult: false },
      },
      WorkGroup: "primary",
      EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    });
    expect(t.s3.getObjectInternal("results", `athena/${id}.csv`)!.body.toString()).toBe('"_col0"\n"1"\n');
    expect(await t.state(id)).toBe("SUCCEEDED");

    const [snapshot] = await t.emulator.queries();
    expect(snapshot).toMatchObject({ queryExecutionId: id, state: "SUCCEEDED", script: { position: 2, polls: 4 } });
  });

  it("runs an everyMs script on the virtual clock, with exact transition times however late it is observed", async () => {
    await using t = await setup();
    t.emulator.enqueueScript({
      states: ["QUEUED", "RUNNING", "SUCCEEDED"],
      advance: { everyMs: 10_000 },
      dataScannedInBytes: 4096,
    });
    const id = await t.start();
    t.clock.advance(9_999);
    // Polling does not move a time-driven script.
    expect(await t.state(id)).toBe("QUEUED");
    expect(await t.state(id)).toBe("QUEUED");
    t.clock.advance(1);
    expect(await t.state(id)).toBe("RUNNING");
    expect(t.s3.objects.size).toBe(0);

    t.clock.advance(25_000);
    // Observed first by a control-plane read, which writes the result then.
    const { body } = await t.control("GET", "queries");
    expect(body.queries[0]).toMatchObject({
      state: "SUCCEEDED",
      completedAt: new Date(START + 20_000).toISOString(),
      script: { source: "queue", position: 2, advance: { everyMs: 10_000 } },
    });
    expect(t.s3.getObjectInternal("results", `athena/${id}.csv`)).toBeDefined();

    const done = await t.poll(id);
    expect(done.Status!.CompletionDateTime).toEqual(new Date(START + 20_000));
    expect(done.Statistics).toMatchObject({
      QueryQueueTimeInMillis: 10_000,
      EngineExecutionTimeInMillis: 10_000,
      TotalExecutionTimeInMillis: 20_000,
      DataScannedInBytes: 4096,
    });
  });

  it("reports a scripted FAILED query with its reason and AthenaError, and refuses its results", async () => {
    await using t = await setup();
    const reason = "TABLE_NOT_FOUND: line 1:44: Table 'awsdatacatalog.healthcare.patients' does not exist";
    t.emulator.enqueueScript({ states: ["QUEUED", "FAILED"], failure: { reason, errorType: 1301 } });
    const id = await t.start();
    expect(await t.state(id)).toBe("QUEUED");
    const failed = await t.poll(id);
    expect(failed.Status).toEqual({
      State: "FAILED",
      StateChangeReason: reason,
      SubmissionDateTime: new Date(START),
      CompletionDateTime: new Date(START),
      AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: reason },
    });
    expectInvalidRequest(
      await rejection(t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))),
      "Query did not finish successfully. Final query state: FAILED",
      "INVALID_QUERY_EXECUTION_STATE",
    );
    expect(t.s3.objects.size).toBe(0);
  });

  it("cancels a running query with StopQueryExecution, idempotently, and leaves finished queries alone", async () => {
    await using t = await setup();
    t.emulator.enqueueScript({ states: ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"] });
    const id = await t.start();
    expect(await t.state(id)).toBe("QUEUED");
    expect(await t.state(id)).toBe("RUNNING");
    t.clock.advance(700);
    await t.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    t.clock.advance(300);
    await t.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    const cancelled = await t.poll(id);
    expect(cancelled.Status).toEqual({
      State: "CANCELLED",
      StateChangeReason: "Query cancelled by user",
      SubmissionDateTime: new Date(START),
      CompletionDateTime: new Date(START + 700),
    });
    expect(await t.state(id)).toBe("CANCELLED");
    expectInvalidRequest(
      await rejection(t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))),
      "Could not find results",
      "RESULT_NOT_FOUND",
    );
    expect(t.s3.objects.size).toBe(0);

    t.emulator.enqueueScript({ states: ["SUCCEEDED"] });
    const done = await t.start();
    await t.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: done }));
    expect(await t.state(done)).toBe("SUCCEEDED");
  });

  it("writes Athena's CSV bytes and .metadata, and returns the same rows from GetQueryResults", async () => {
    await using t = await setup();
    t.emulator.enqueueScript({
      states: ["SUCCEEDED"],
      result: {
        columns: [{ name: "state", type: "varchar" }, { name: "patient_count", type: "bigint" }, "note"],
        rows: [
          ["CA", 120, 'said "hi", then left'],
          ["NY", "7", "line1\nline2"],
          [null, "0", ""],
        ],
      },
    });
    const id = await t.start({ ResultConfiguration: { OutputLocation: "s3://results/athena" } });
    // A script that starts SUCCEEDED has its result in S3 before StartQueryExecution returns.
    const csv = t.s3.getObjectInternal("results", `athena/${id}.csv`)!;
    expect(csv.body.toString("utf8")).toBe(
      '"state","patient_count","note"\n' +
        '"CA","120","said ""hi"", then left"\n' +
        '"NY","7","line1\nline2"\n' +
        ',"0",""\n',
    );
    expect(csv.contentType).toBe("application/octet-stream");
    const metadata = t.s3.getObjectInternal("results", `athena/${id}.csv.metadata`)!;
    expect(metadata.body[0]).toBe(0x0a);
    expect(metadata.body.toString("latin1")).toContain("patient_count");

    const out = await t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    expect(out.UpdateCount).toBe(0);
    expect(out.NextToken).toBeUndefined();
    expect(out.ResultSet!.Rows).toEqual([
      { Data: [{ VarCharValue: "state" }, { VarCharValue: "patient_count" }, { VarCharValue: "note" }] },
      { Data: [{ VarCharValue: "CA" }, { VarCharValue: "120" }, { VarCharValue: 'said "hi", then left' }] },
      { Data: [{ VarCharValue: "NY" }, { VarCharValue: "7" }, { VarCharValue: "line1\nline2" }] },
      { Data: [{}, { VarCharValue: "0" }, { VarCharValue: "" }] },
    ]);
    const common = { CatalogName: "hive", SchemaName: "", TableName: "", Scale: 0, Nullable: "UNKNOWN" };
    expect(out.ResultSet!.ResultSetMetadata!.ColumnInfo).toEqual([
      { ...common, Name: "state", Label: "state", Type: "varchar", Precision: 2147483647, CaseSensitive: true },
      { ...common, Name: "patient_count", Label: "patient_count", Type: "bigint", Precision: 19, CaseSensitive: false },
      { ...common, Name: "note", Label: "note", Type: "varchar", Precision: 2147483647, CaseSensitive: true },
    ]);
  });

  it("takes a result given as CSV and rewrites it in Athena's format", async () => {
    await using t = await setup();
    t.emulator.enqueueScript({ states: ["SUCCEEDED"], result: { csv: "state,count\nCA,10\nTX,\n" } });
    const id = await t.start();
    expect(t.s3.getObjectInternal("results", `athena/${id}.csv`)!.body.toString()).toBe(
      '"state","count"\n"CA","10"\n"TX",\n',
    );
  });

  it("pages GetQueryResults (header included, AWS's token on a full last page) and ListQueryExecutions", async () => {
    await using t = await setup();
    const rows = [["a"], ["b"], ["c"], ["d"], ["e"]];
    t.emulator.enqueueScript({ states: ["SUCCEEDED"], result: { columns: ["letter"], rows } });
    const id = await t.start();
    const page = async (MaxResults: number, NextToken?: string) =>
      t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults, NextToken }));
    const values = (out: Awaited<ReturnType<typeof page>>) => out.ResultSet!.Rows!.map((r) => r.Data![0]!.VarCharValue);

    const first = await page(4);
    expect(values(first)).toEqual(["letter", "a", "b", "c"]);
    const second = await page(4, first.NextToken);
    expect(values(second)).toEqual(["d", "e"]);
    expect(second.NextToken).toBeUndefined();

    const p1 = await page(3);
    const p2 = await page(3, p1.NextToken);
    expect(values(p2)).toEqual(["c", "d", "e"]);
    expect(p2.NextToken).toBeDefined();
    const p3 = await page(3, p2.NextToken);
    expect(p3.ResultSet!.Rows).toEqual([]);
    expect(p3.NextToken).toBeUndefined();

    expectInvalidRequest(await rejection(page(3, "garbage")), "Malformed nextPageToken garbage", "INVALID_INPUT");
    expectInvalidRequest(
      await rejection(page(1001)),
      "MaxResults is more than maximum allowed length 1000",
      "INVALID_INPUT",
    );

    const second_ = await t.start({ QueryString: "SELECT 2" });
    const third = await t.start({ QueryString: "SELECT 3" });
    const other = await t.start({ QueryString: "SELECT 4", WorkGroup: "primary" });
    const l1 = await t.athena.send(new ListQueryExecutionsCommand({ MaxResults: 3 }));
    expect(l1.QueryExecutionIds).toEqual([other, third, second_]);
    const l2 = await t.athena.send(new ListQueryExecutionsCommand({ MaxResults: 3, NextToken: l1.NextToken }));
    expect(l2.QueryExecutionIds).toEqual([id]);
    expect(l2.NextToken).toBeUndefined();
  });

  it("returns found and unprocessed ids from BatchGetQueryExecution, each entry counting as a poll", async () => {
    await using t = await setup();
    const id = await t.start();
    const batch = () =>
      t.athena.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: [id, "no-such-query", id] }));
    const first = await batch();
    expect(first.QueryExecutions!.map((q) => [q.QueryExecutionId, q.Status!.State])).toEqual([[id, "QUEUED"]]);
    expect(first.UnprocessedQueryExecutionIds).toEqual([
      {
        QueryExecutionId: "no-such-query",
        ErrorCode: "QUERY_EXECUTION_NOT_FOUND",
        ErrorMessage: "QueryExecution no-such-query was not found",
      },
    ]);
    expect((await batch()).QueryExecutions![0]!.Status!.State).toBe("RUNNING");
  });

  it("answers a retry with the same ClientRequestToken with the same query, and refuses changed parameters", async () => {
    await using t = await setup();
    const token = "retry-token-0123456789abcdef0123456789";
    const id = await t.start({ ClientRequestToken: token });
    await t.poll(id);
    expect(await t.start({ ClientRequestToken: token })).toBe(id);
    expect(await t.emulator.queries()).toHaveLength(1);
    // The retry did not restart the script.
    expect(await t.state(id)).toBe("RUNNING");
    expectInvalidRequest(
      await rejection(t.start({ ClientRequestToken: token, QueryString: "SELECT 2" })),
      "Idempotent parameters do not match",
      "IDEMPOTENT_PARAMETER_MISMATCH",
    );
    // Without a token the SDK generates one per call, so two calls are two queries.
    expect(await t.start()).not.toBe(await t.start());
  });

  it("maps every refused request to the SDK's InvalidRequestException with AWS's message and AthenaErrorCode", async () => {
    await using t = await setup();
    const running = await t.start();
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      [
        "GetQueryExecution, unknown id",
        () => t.poll("nope"),
        "QueryExecution nope was not found",
        "QUERY_EXECUTION_NOT_FOUND",
      ],
      [
        "GetQueryResults, unknown id",
        () => t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: "nope" })),
        "QueryExecution nope was not found",
        "QUERY_EXECUTION_NOT_FOUND",
      ],
      [
        "StopQueryExecution, unknown id",
        () => t.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: "nope" })),
        "QueryExecution nope was not found",
        "QUERY_EXECUTION_NOT_FOUND",
      ],
      [
        "GetQueryResults before SUCCEEDED",
        () => t.athena.send(new GetQueryResultsCommand({ QueryExecutionId: running })),
        "Query has not yet finished. Current state: QUEUED",
        "INVALID_QUERY_EXECUTION_STATE",
      ],
      ["unknown workgroup", () => t.start({ WorkGroup: "analytics" }), "WorkGroup is not found.", "INVALID_INPUT"],
      [
        "GetWorkGroup, unknown",
        () => t.athena.send(new GetWorkGroupCommand({ WorkGroup: "analytics" })),
        "WorkGroup is not found.",
        "INVALID_INPUT",
      ],
      [
        "ListQueryExecutions, unknown workgroup",
        () => t.athena.send(new ListQueryExecutionsCommand({ WorkGroup: "analytics" })),
        "WorkGroup is not found.",
        "INVALID_INPUT",
      ],
      [
        "no output location",
        () => t.start({ ResultConfiguration: {} }),
        "No output location provided. You did not provide an output location for  your query results. Either specify an S3 bucket location or enable Athena managed query results in your workgroup settings.",
        "INVALID_INPUT",
      ],
      [
        "output location not an S3 path",
        () => t.start({ ResultConfiguration: { OutputLocation: "results/athena" } }),
        "outputLocation is not a valid S3 path.",
        "INVALID_INPUT",
      ],
      [
        "output bucket missing",
        () => t.start({ ResultConfiguration: { OutputLocation: "s3://missing-bucket/x/" } }),
        "Unable to verify/create output bucket missing-bucket",
        "INVALID_INPUT",
      ],
      [
        "ClientRequestToken too short",
        () => t.start({ ClientRequestToken: "short" }),
        "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
        "INVALID_INPUT",
      ],
      [
        "ListQueryExecutions, MaxResults above 50",
        () => t.athena.send(new ListQueryExecutionsCommand({ MaxResults: 51 })),
        "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
        "INVALID_INPUT",
      ],
    ];
    for (const [name, call, message, code] of cases) {
      const err = await rejection(call());
      try {
        expectInvalidRequest(err, message, code);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
      }
    }
  });

  it("refuses a request without ClientRequestToken, as AWS does (raw HTTP; the SDK always sends one)", async () => {
    await using t = await setup();
    const res = await fetch(t.edge.endpoint, {
      method: "POST",
      headers: { "x-amz-target": "AmazonAthena.StartQueryExecution", "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: "s3://results/" } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    expect(await res.json()).toEqual({
      __type: "InvalidRequestException",
      Message: "clientRequestToken is null or empty",
      AthenaErrorCode: "INVALID_INPUT",
      ErrorCode: "INVALID_INPUT",
    });
  });

  it("answers operations it does not emulate with NotImplemented", async () => {
    await using t = await setup();
    const err = await rejection(t.athena.send(new ListNamedQueriesCommand({})));
    expect(err.name).toBe("NotImplemented");
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.message).toMatch(/Athena operation ListNamedQueries is not implemented/);
  });

  it("uses a workgroup's output location, enforced or not, and describes workgroups", async () => {
    await using t = await setup();
    const created = await t.control("POST", "workgroups", { name: "etl", outputLocation: "s3://results/wg/" });
    expect(created).toEqual({
      status: 201,
      body: { workGroup: { name: "etl", outputLocation: "s3://results/wg/", enforceWorkGroupConfiguration: false } },
    });
    const id = await t.start({ WorkGroup: "etl", ResultConfiguration: undefined });
    const qe = await t.poll(id);
    expect(qe.ResultConfiguration!.OutputLocation).toBe(`s3://results/wg/${id}.csv`);
    expect(qe.WorkGroup).toBe("etl");
    // The query's own location wins unless the workgroup enforces its configuration.
    const own = await t.start({ WorkGroup: "etl" });
    expect((await t.poll(own)).ResultConfiguration!.OutputLocation).toBe(`s3://results/athena/${own}.csv`);
    t.emulator.putWorkGroup({
      name: "etl",
      outputLocation: "s3://results/enforced",
      enforceWorkGroupConfiguration: true,
    });
    const enforced = await t.start({ WorkGroup: "etl" });
    expect((await t.poll(enforced)).ResultConfiguration!.OutputLocation).toBe(`s3://results/enforced/${enforced}.csv`);

    const wg = await t.athena.send(new GetWorkGroupCommand({ WorkGroup: "etl" }));
    expect(wg.WorkGroup).toEqual({
      Name: "etl",
      State: "ENABLED",
      Configuration: {
        ResultConfiguration: { OutputLocation: "s3://results/enforced" },
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: false,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
      },
      CreationTime: new Date(START),
    });
    const list = await t.athena.send(new ListWorkGroupsCommand({ MaxResults: 1 }));
    expect(list.WorkGroups!.map((w) => w.Name)).toEqual(["etl"]);
    const rest = await t.athena.send(new ListWorkGroupsCommand({ MaxResults: 1, NextToken: list.NextToken }));
    expect(rest.WorkGroups!.map((w) => [w.Name, w.Description])).toEqual([["primary", ""]]);
    expect(rest.NextToken).toBeUndefined();
  });

  it("fails the query when the output bucket is gone at completion (or missing, with missingOutputBucket: fail)", async () => {
    await using t = await setup({ missingOutputBucket: "fail" });
    const id = await t.start({ ResultConfiguration: { OutputLocation: "s3://later/x" } });
    expect(await t.state(id)).toBe("QUEUED");
    expect(await t.state(id)).toBe("RUNNING");
    const failed = await t.poll(id);
    expect(failed.Status).toMatchObject({
      State: "FAILED",
      StateChangeReason: "Unable to verify/create output bucket later",
      AthenaError: { ErrorCategory: 2, ErrorMessage: "Unable to verify/create output bucket later" },
    });

    const id2 = await t.start();
    await t.poll(id2);
    t.s3.buckets.delete("results");
    await t.poll(id2);
    expect((await t.poll(id2)).Status!.StateChangeReason).toBe("Unable to verify/create output bucket results");
  });

  it("picks scripts from the queue first, then by QueryString pattern, then the default", async () => {
    await using t = await setup();
    expect(
      await t.control("POST", "scripts", {
        script: { states: ["FAILED"], failure: { reason: "boom" } },
        match: "^SELECT 9",
      }),
    ).toMatchObject({ status: 201, body: { id: "script-1", match: "^SELECT 9", once: false } });
    await t.control("POST", "scripts", { script: { states: ["RUNNING"] } });
    await t.control("POST", "scripts", { script: { states: ["CANCELLED"] }, match: "once", once: true });
    expect((await t.control("PUT", "default-script", { script: { states: ["SUCCEEDED"] } })).status).toBe(200);

    const queued = await t.start({ QueryString: "SELECT 9 -- taken by the queue" });
    const matched = await t.start({ QueryString: "SELECT 9" });
    const matchedAgain = await t.start({ QueryString: "SELECT 99" });
    const once = await t.start({ QueryString: "SELECT 'once'" });
    const onceAgain = await t.start({ QueryString: "SELECT 'once'" });
    expect(await t.state(queued)).toBe("RUNNING");
    expect(await t.state(matched)).toBe("FAILED");
    expect(await t.state(matchedAgain)).toBe("FAILED");
    expect(await t.state(once)).toBe("CANCELLED");
    expect(await t.state(onceAgain)).toBe("SUCCEEDED");

    const { body } = await t.control("GET", "queries");
    expect(body.queries.map((q: any) => [q.script.source, q.script.scriptId ?? null])).toEqual([
      ["queue", "script-2"],
      ["match", "script-1"],
      ["match", "script-1"],
      ["match", "script-3"],
      ["default", null],
    ]);
    expect((await t.control("GET", "scripts")).body).toMatchObject({ queue: [], matchers: [{ id: "script-1" }] });
    await t.control("DELETE", "scripts");
    expect((await t.control("GET", "scripts")).body.matchers).toEqual([]);

    await fetch(`${t.edge.endpoint}/_testbed/reset`, { method: "POST" });
    expect((await t.control("GET", "queries")).body.queries).toEqual([]);
    expect((await t.control("GET", "default-script")).body.script.states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
  });

  it("answers bad control-plane bodies with 400 and a message naming the field", async () => {
    await using t = await setup();
    const cases: Array<[string, string, unknown, number, string]> = [
      ["POST", "scripts", "{not json", 400, "the body must be a JSON object with script, match, once"],
      ["POST", "scripts", { states: ["QUEUED"] }, 400, "states: unknown field; expected script, match, once"],
      ["POST", "scripts", {}, 400, 'script: required, e.g. {"script": {"states": ["QUEUED", "RUNNING", "SUCCEEDED"]}}'],
      [
        "POST",
        "scripts",
        { script: { states: [] } },
        400,
        "script.states: expected a non-empty array of QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED, got an array",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["QUEUED", "DONE"] } },
        400,
        'script.states[1]: expected one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, got "DONE"',
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED", "RUNNING"] } },
        400,
        "script.states[1]: RUNNING after the terminal state SUCCEEDED; a terminal state must be last",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["RUNNING", "QUEUED"] } },
        400,
        "script.states[1]: QUEUED after RUNNING; Athena never puts a running query back in the queue",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["FAILED"] } },
        400,
        'script.failure: required when the last state is FAILED: give at least {"reason": "<StateChangeReason>"}',
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["FAILED"], result: { csv: "a\n1" }, failure: { reason: "x" } } },
        400,
        "script.result: only a script whose last state is SUCCEEDED has a result (last: FAILED)",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["FAILED"], failure: { reason: "x", errorCategory: 4 } } },
        400,
        "script.failure.errorCategory: expected 1 (system), 2 (user) or 3 (other), got number",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], advance: { everyMs: -5 } } },
        400,
        "script.advance.everyMs: expected a positive number of milliseconds, got number",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], advance: "per-poll" } },
        400,
        'script.advance: expected "per-call" or {"everyMs": <positive number>}, got "per-poll"',
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], result: { columns: ["a", "b"], rows: [["1"]] } } },
        400,
        "script.result.rows[0]: expected an array of 2 value(s), one per column, got 1",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], result: { columns: [{ name: "a", type: "not a type!" }] } } },
        400,
        'script.result.columns[0].type: expected an Athena type such as varchar, bigint, double, decimal(10,2), got "not a type!"',
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], result: { csv: 'a,b\n"1,2\n' } } },
        400,
        "script.result.csv: line 2: a quoted field is not closed",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], result: { csv: "a,b\n1\n" } } },
        400,
        "script.result.csv: line 2: 1 field(s), but the header has 2",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"], retries: 2 } },
        400,
        "script.retries: unknown field; expected one of states, advance, failure, result, dataScannedInBytes",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"] }, match: "(" },
        400,
        "match: not a valid regular expression: Invalid regular expression: /(/: Unterminated group",
      ],
      [
        "POST",
        "scripts",
        { script: { states: ["SUCCEEDED"] }, once: false },
        400,
        "once: a script without `match` is taken by exactly one query; to script every query set the default script",
      ],
      [
        "PUT",
        "default-script",
        { script: "SUCCEEDED" },
        400,
        'script: expected an object with "states", got "SUCCEEDED"',
      ],
      [
        "POST",
        "workgroups",
        { name: "bad name" },
        400,
        'workGroup.name: expected 1-128 characters of [a-zA-Z0-9._-], got "bad name"',
      ],
      [
        "POST",
        "workgroups",
        { name: "etl", outputLocation: "results/" },
        400,
        'workGroup.outputLocation: expected s3://bucket[/prefix], got "results/"',
      ],
      [
        "GET",
        "nope",
        undefined,
        404,
        "no control endpoint /_testbed/athena/nope; available: scripts, default-script, queries, workgroups, faults",
      ],
      ["PUT", "queries", {}, 405, "PUT /_testbed/athena/queries is not supported; use GET"],
    ];
    for (const [method, path, body, status, error] of cases) {
      expect([method, path, await t.control(method, path, body)]).toEqual([method, path, { status, body: { error } }]);
    }
    // Nothing bad was registered.
    expect((await t.control("GET", "scripts")).body).toMatchObject({ queue: [], matchers: [] });
  });
});
