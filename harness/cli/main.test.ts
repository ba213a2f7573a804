import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./main";
import type { CliIO } from "./io";

function io(): CliIO & { out: string; err: string } {
  const o = {
    out: "",
    err: "",
    color: false,
    cwd: process.cwd(),
    env: {},
    stdout(t: string) {
      o.out += t;
    },
    stderr(t: string) {
      o.err += t;
    },
  };
  return o;
}

const dir = mkdtempSync(join(tmpdir(), "cli-"));
const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};

const pipelineLike = write("poller.asl.json", {
  StartAt: "Invoke",
  States: {
    Invoke: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      ResultSelector: { "id.$": "$.Payload.id" },
      Next: "Wait",
    },
    Wait: { Type: "Wait", Seconds: 10, Next: "Poll" },
    Poll: { Type: "Task", Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution", Next: "Done?" },
    "Done?": {
      Type: "Choice",
      Choices: [{ Variable: "$.State", StringEquals: "SUCCEEDED", Next: "Ok" }],
      Default: "Wait",
    },
    Ok: { Type: "Succeed" },
  },
});
const mocks = write("mocks.json", {
  StateMachines: { poller: { TestCases: { Happy: { Invoke: "Id", Poll: "TwoPolls" } } } },
  MockedResponses: {
    Id: { "0": { Return: { StatusCode: 200, Payload: { id: "q-1" } } } },
    TwoPolls: { "0": { Return: { State: "RUNNING" } }, "1": { Return: { State: "SUCCEEDED" } } },
  },
});

describe("npm run scenario -- exec", () => {
  it("runs a definition with a mock test case and prints the timeline and result", async () => {
    const o = io();
    expect(await runCli(["exec", pipelineLike, "--mock-config", mocks, "--test-case", "Happy"], o)).toBe(0);
    expect(o.out).toContain("status: SUCCEEDED");
    expect(o.out).toContain("simulated time: 20s");
    expect(o.out).toMatch(/\+10\.0s\s+Poll \(Task\)/);
  });

  it("--json prints one object with status, output and the history", async () => {
    const o = io();
    expect(
      await runCli(
        ["exec", pipelineLike, "--mock-config", mocks, "--test-case", "Happy", "--json", "--input", '{"a":1}'],
        o,
      ),
    ).toBe(0);
    const r = JSON.parse(o.out);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ State: "SUCCEEDED" });
    expect(r.history[0].type).toBe("ExecutionStarted");
    expect(JSON.parse(r.history[0].executionStartedEventDetails.input)).toEqual({ a: 1 });
  });

  it("an un-mocked Task fails the execution (exit 0: it ran) naming the state and resource", async () => {
    const o = io();
    expect(await runCli(["exec", pipelineLike], o)).toBe(0);
    expect(o.out).toContain("status: FAILED");
    expect(o.out).toContain("resource 'arn:aws:states:::lambda:invoke' in state 'Invoke'");
  });

  it.each([
    [["exec"], /exactly one definition file/],
    [["exec", join(dir, "missing.json")], /cannot read definition .*missing\.json.*ENOENT/],
    [["exec", write("bad.json", "{ nope")], /bad\.json is not valid JSON/],
    [["exec", write("invalid.asl.json", { StartAt: "X", States: { Y: { Type: "Pass", End: true } } })], /StartAt/],
    [["exec", pipelineLike, "--input", "{"], /--input is not valid JSON/],
    [["exec", pipelineLike, "--mock-config", mocks], /go together/],
    [
      ["exec", pipelineLike, "--mock-config", mocks, "--test-case", "Nope"],
      /test case 'Nope' is not defined .* \(defined: Happy\)/,
    ],
    [
      ["exec", pipelineLike, "--mock-config", write("badmock.json", { StateMachines: {} }), "--test-case", "x"],
      /MockedResponses/,
    ],
    [["exec", pipelineLike, "--bogus"], /Unknown option '--bogus'/],
    [["frobnicate"], /no scenario is named `frobnicate`/],
  ])("bad input %j exits 2 with a clear message", async (argv, message) => {
    const o = io();
    expect(await runCli(argv as string[], o)).toBe(2);
    expect(o.err).toMatch(message);
    expect(o.err).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe("npm run scenario -- conformance", () => {
  it("prints failures and the closing line; exit 1 when a case fails", async () => {
    const corpus = mkdtempSync(join(tmpdir(), "corpus-"));
    const base = { source: {}, features: ["Pass"], nondeterministic: false, input: { a: 1 } };
    writeFileSync(
      join(corpus, "ok.json"),
      JSON.stringify({
        ...base,
        id: "t::ok",
        definition: { StartAt: "P", States: { P: { Type: "Pass", End: true } } },
        expected: { status: "SUCCEEDED", output: { a: 1 } },
      }),
    );
    writeFileSync(
      join(corpus, "bad.json"),
      JSON.stringify({
        ...base,
        id: "t::bad",
        definition: { StartAt: "P", States: { P: { Type: "Pass", Result: 2, End: true } } },
        expected: { status: "SUCCEEDED", output: 3 },
      }),
    );
    const o = io();
    expect(await runCli(["conformance", corpus], o)).toBe(1);
    expect(o.out).toContain("✗ t::bad");
    expect(o.out).toMatch(/\n1 passed, 1 failed\n$/);
    const j = io();
    await runCli(["conformance", corpus, "--json"], j);
    expect(JSON.parse(j.out)).toMatchObject({ passed: 1, failed: 1 });
  });

  it("a missing directory is a usage error", async () => {
    const o = io();
    expect(await runCli(["conformance", join(dir, "nope")], o)).toBe(2);
    expect(o.err).toMatch(/cannot read conformance directory/);
  });
});

describe("npm run scenario -- lint", () => {
  it("passes on the shipped pipeline and fails (exit 1) on a policy missing a permission", async () => {
    const o = io();
    expect(await runCli(["lint"], o)).toBe(0);
    const policy = write("policy.json", {
      Version: "2012-10-17",
      Statement: [{ Sid: "OnlySns", Effect: "Allow", Action: ["sns:Publish"], Resource: ["${FailureTopicArn}"] }],
    });
    const bad = io();
    expect(await runCli(["lint", "--policy", policy], bad)).toBe(1);
    expect(bad.out).toContain("missing: state 'RunAthenaQueryLambda' needs lambda:InvokeFunction");
    expect(bad.out).toContain("missing: state 'CopyResultsToProduction' needs s3:PutObject");
  });
});

describe("npm run scenario (running scenarios)", () => {
  jest.setTimeout(60_000);
  const scenario = (name: string, expectYaml: string) =>
    write(
      `${name}.scenario.yaml`,
      `version: 1\nname: ${name}\nstart:\n  input: {}\nathena:\n  states: [SUCCEEDED]\nexpect:\n${expectYaml}`,
    );

  it("runs selected files, writes JUnit and JSON reports, exit 0 when all pass", async () => {
    const ok = scenario("cli-ok", "  status: SUCCEEDED\n  pathIncludes: [CopyResultsToProduction, Success]\n");
    const o = io();
    const junit = join(dir, "out", "junit.xml");
    const json = join(dir, "out", "run.json");
    expect(
      await runCli([ok, "--reporter", "junit", "--output", junit, "--reporter", "json", "--output", json], o),
    ).toBe(0);
    expect(o.out).toMatch(/✓ cli-ok/);
    expect(o.out).toMatch(/1 passed, 0 failed/);
    expect(readFileSync(junit, "utf8")).toContain('name="cli-ok"');
    expect(JSON.parse(readFileSync(json, "utf8"))).toMatchObject({ passed: 1, failed: 0 });
  });

  it("exit 1 when an expectation fails, showing expected vs actual", async () => {
    const bad = scenario("cli-bad", "  status: FAILED\n");
    const o = io();
    expect(await runCli([bad], o)).toBe(1);
    expect(o.out).toMatch(/✗ cli-bad/);
    expect(o.out).toMatch(/expected status FAILED, got SUCCEEDED/);
    expect(o.out).toMatch(/0 passed, 1 failed/);
  });

  it("exit 2 with file:line:column for a malformed scenario, and nothing runs", async () => {
    const broken = write(
      "broken.scenario.yaml",
      "version: 1\nname: broken\nstart:\n  input: {}\nexpect:\n  stauts: SUCCEEDED\n",
    );
    const o = io();
    expect(await runCli([broken], o)).toBe(2);
    expect(o.err).toMatch(/broken\.scenario\.yaml:6:3/);
    expect(o.err).toMatch(/did you mean `status`/);
    expect(o.out).toBe("");
  });

  it("rejects unknown targets, reporters and stray outputs with exit 2", async () => {
    for (const argv of [
      ["--target", "aws"],
      ["--reporter", "xml"],
      ["--output", "x.xml"],
      ["--parallel", "0"],
    ]) {
      const o = io();
      expect(await runCli(argv, o)).toBe(2);
      expect(o.err).toMatch(/^error: /);
    }
  });
});

describe("npm run scenario -- mock-config", () => {
  it("compiles selected scenarios into a MockConfigFile the engine accepts", async () => {
    const o = io();
    expect(await runCli(["mock-config", "--target", "sfn-local", "success", "query-failed"], o)).toBe(0);
    const { MockConfigFile } = await import("../engine/mock-config");
    const file = MockConfigFile.parse(o.out);
    expect(file.testCaseNames("healthcare-pipeline-orchestrator").sort()).toEqual(["query-failed", "success"]);
    expect(o.err).toMatch(/^note: /m);
  });
  it("rejects an unknown target with exit 2", async () => {
    const o = io();
    expect(await runCli(["mock-config", "--target", "aws"], o)).toBe(2);
    expect(o.err).toMatch(/--target must be one of/);
  });
});
