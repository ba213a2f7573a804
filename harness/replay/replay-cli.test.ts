/**
 * `npm run scenario -- import …` and `npm run scenario -- diff …` through the CLI function: files written, output,
 * exit codes (0 ok, 1 divergent, 2 bad input).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO } from "../cli/io";
import { runCli } from "../cli/main";
import { DEFINITION_FILE } from "../deploy/pipeline-config";
import { Engine } from "../engine/engine";
import type { StateMachineDefinition } from "../engine/types";
import { formatAwsHistory } from "./aws-history-format";
import { fixturePath } from "./fixtures";

jest.setTimeout(60_000);

function io(cwd: string): CliIO & { out: string; err: string } {
  const o = {
    out: "",
    err: "",
    color: false,
    cwd,
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

const dir = mkdtempSync(join(tmpdir(), "replay-cli-"));
const fewerRetries = join(dir, "fewer-retries.asl.json");
const definition = JSON.parse(readFileSync(DEFINITION_FILE, "utf8"));
definition.States.RunAthenaQueryLambda.Retry[0].MaxAttempts = 1;
writeFileSync(fewerRetries, JSON.stringify(definition, null, 2));

describe("npm run scenario -- import", () => {
  it("writes the scenario, says what it holds and how to use it; refuses to overwrite without --force", async () => {
    const o = io(dir);
    expect(await runCli(["import", fixturePath("lambdaThrottled"), "--output", "throttled.scenario.yaml"], o)).toBe(0);
    expect(o.out).toBe(
      "wrote throttled.scenario.yaml: scenario 'replay-lambda-throttled-cli-two-pages', 14 states entered, SUCCEEDED, 3 Task states mocked with 7 recorded responses\n" +
        "replay it:  npm run scenario -- throttled.scenario.yaml\n" +
        "prove a fix: npm run scenario -- diff throttled.scenario.yaml [--definition <fixed asl>]\n",
    );
    expect(o.err).toBe("");
    const text = readFileSync(join(dir, "throttled.scenario.yaml"), "utf8");
    expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=\/.*\/scenarios\/scenario\.schema\.json$/);
    expect(text).toContain("name: replay-lambda-throttled-cli-two-pages\n");

    const again = io(dir);
    expect(await runCli(["import", fixturePath("lambdaThrottled"), "--output", "throttled.scenario.yaml"], again)).toBe(
      2,
    );
    expect(again.err).toBe(
      "error: throttled.scenario.yaml already exists; pass --force to overwrite it, or --output another file\n",
    );
    expect(
      await runCli(
        ["import", fixturePath("lambdaThrottled"), "--output", "throttled.scenario.yaml", "--force"],
        io(dir),
      ),
    ).toBe(0);
  });

  it("--output - prints the YAML; the personal-data warnings go to stderr with the --redact flags to use", async () => {
    const o = io(dir);
    expect(await runCli(["import", fixturePath("queryFailed"), "--output", "-"], o)).toBe(0);
    expect(o.out).toMatch(/^# yaml-language-server: \$schema=\.\/scenario\.schema\.json\n/);
    expect(o.out).toContain("ssn: 123-45-6789");
    expect(o.err).toContain("warning: 6 values in the scenario look like personal data:\n");
    expect(o.err).toContain("  event 1 (ExecutionStarted input) $.patient.ssn: social security number\n");
    expect(o.err).toContain(
      "  redact with: --redact '$.requestedBy' --redact '$.patient.firstName' --redact '$.patient.lastName' --redact '$.patient.dob' --redact '$.patient.ssn' --redact '$.patient.phone'\n",
    );

    const redacted = io(dir);
    const flags = [
      "$.requestedBy",
      "$.patient.firstName",
      "$.patient.lastName",
      "$.patient.dob",
      "$.patient.ssn",
      "$.patient.phone",
    ].flatMap((p) => ["--redact", p]);
    expect(await runCli(["import", fixturePath("queryFailed"), "--output", "-", ...flags], redacted)).toBe(0);
    expect(redacted.out).not.toContain("123-45-6789");
    expect(redacted.err).not.toContain("warning");
    expect(redacted.err).toContain(", 6 values redacted\n");

    const quiet = io(dir);
    expect(await runCli(["import", fixturePath("queryFailed"), "--output", "-", "--no-pii-check"], quiet)).toBe(0);
    expect(quiet.err).not.toContain("warning");
  });

  it("--verify replays the written file: 0 when it reproduces the recording, 1 when the definition makes it diverge", async () => {
    const ok = io(dir);
    expect(await runCli(["import", fixturePath("copyFailed"), "--output", "copy.scenario.yaml", "--verify"], ok)).toBe(
      0,
    );
    expect(ok.out).toContain(
      "/asl/healthcare-pipeline-orchestrator.asl.json reproduces the recorded execution (15 states, FAILED)\n",
    );
    const diverges = io(dir);
    expect(
      await runCli(
        [
          "import",
          fixturePath("lambdaThrottled"),
          "--output",
          "t2.scenario.yaml",
          "--definition",
          fewerRetries,
          "--verify",
        ],
        diverges,
      ),
    ).toBe(1);
    expect(diverges.err).toContain(
      "verify: the replay on fewer-retries.asl.json does NOT reproduce the recorded execution:\n",
    );
    expect(diverges.err).toContain("path diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS");
  });

  it.each([
    [["import"], "error: import takes exactly one history file\n"],
    [["import", "nope.json"], "error: nope.json: the history file does not exist\n"],
    [["import", "x.json", "--bogus"], /^error: Unknown option '--bogus'/],
    [["import", "bad.json"], /^error: bad\.json:2:12: expected `,` or `}` after a property value/],
    [
      ["import", "running.json"],
      /^error: running\.json \(event id 5, page 1, events\[4\]\): the history ends at event 5 \(TaskFailed\) without ExecutionSucceeded, ExecutionFailed, ExecutionAborted or ExecutionTimedOut: the file is truncated, or the execution was still RUNNING/,
    ],
    [
      ["import", fixturePath("success"), "--redact", "patient.ssn"],
      "error: --redact 'patient.ssn' is not a JSONPath: it must start with `$` (e.g. '$.patient.ssn')\n",
    ],
    [
      ["import", fixturePath("success"), "--definition", "missing.asl.json"],
      /^error: .*missing\.asl\.json: the definition file does not exist\n$/,
    ],
    [
      ["import", fixturePath("success"), "--name", "success"],
      /^error: scenario name 'success' is already used by .*scenarios\/01-success\.scenario\.yaml; choose another with --name\n$/,
    ],
  ] as Array<[string[], string | RegExp]>)("bad input %j → exit 2 with a precise message", async (argv, message) => {
    writeFileSync(join(dir, "bad.json"), '{"events": [\n  {"id": 1 "type": "ExecutionStarted"}]}');
    const lines = readFileSync(fixturePath("lambdaThrottled"), "utf8");
    const running = JSON.parse(lines.slice(0, lines.indexOf("\n{")));
    writeFileSync(join(dir, "running.json"), JSON.stringify({ events: running.events.slice(0, 5) }));
    const o = io(dir);
    expect(await runCli(argv, o)).toBe(2);
    if (typeof message === "string") expect(o.err).toBe(message);
    else expect(o.err).toMatch(message);
    expect(o.out).toBe("");
  });

  it("refuses to put a scenario for another definition under scenarios/, where every file is loaded against the project's", async () => {
    const def: StateMachineDefinition = { StartAt: "Tidy", States: { Tidy: { Type: "Pass", End: true } } };
    writeFileSync(join(dir, "tidy.asl.json"), JSON.stringify(def));
    const { execution } = await new Engine().run(def, { name: "tidy-1" });
    writeFileSync(join(dir, "tidy.json"), formatAwsHistory(execution.events, { style: "cli" }));
    const o = io(dir);
    // Without --output the file would go to scenarios/replays/.
    expect(await runCli(["import", "tidy.json", "--definition", "tidy.asl.json"], o)).toBe(2);
    expect(o.err).toMatch(
      /^error: .*scenarios\/replays\/replay-tidy\.scenario\.yaml: the scenario names states the project's definition does not have \(Tidy\), and `npm run scenario` loads every file under scenarios\/ against that definition; write it elsewhere with --output\n$/,
    );
    expect(existsSync(join(__dirname, "..", "..", "scenarios", "replays", "replay-tidy.scenario.yaml"))).toBe(false);
    expect(
      await runCli(["import", "tidy.json", "--definition", "tidy.asl.json", "--output", "tidy.scenario.yaml"], io(dir)),
    ).toBe(0);
  });
});

describe("npm run scenario -- diff", () => {
  beforeAll(async () => {
    expect(await runCli(["import", fixturePath("lambdaThrottled"), "--output", "d.scenario.yaml"], io(dir))).toBe(0);
  });

  it("exit 0 and 'identical' when the replay matches", async () => {
    const o = io(dir);
    expect(await runCli(["diff", "d.scenario.yaml"], o)).toBe(0);
    expect(o.out).toBe(
      `diff replay-lambda-throttled-cli-two-pages (d.scenario.yaml) — replayed on the embedded target with ${DEFINITION_FILE}\n\n` +
        "paths are identical (14 states)\n\n" +
        "status  SUCCEEDED  =  SUCCEEDED\n\n" +
        "✓ the replay matches: 14 states, SUCCEEDED\n",
    );
  });

  it("exit 1 and the paths side by side from the first divergent step, in the console and the HTML report", async () => {
    const o = io(dir);
    expect(await runCli(["diff", "d.scenario.yaml", "--definition", fewerRetries, "--html", "diff.html"], o)).toBe(1);
    const lines = o.out.split("\n");
    expect(lines.slice(2, 7)).toEqual([
      "path diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS (expected 14 states, actual 3)",
      "        expected                        actual",
      "     1  RunAthenaQueryLambda         1  RunAthenaQueryLambda",
      " ›   2  WaitBeforePoll           ≠   2  NotifyFailureSNS   ← first divergence",
      "     3  GetAthenaQueryExecution  ≠   3  PipelineFailed",
    ]);
    expect(o.out).toContain(
      "\nstatus  SUCCEEDED       ≠  FAILED\nerror   (not expected)  ≠  Lambda.TooManyRequestsException\ncause   (not expected)  ≠  Rate Exceeded.",
    );
    expect(o.out).toContain(
      "✗ retries.RunAthenaQueryLambda: expected RunAthenaQueryLambda to be retried 2 time(s), it was retried 1 time(s)\n",
    );
    expect(o.out).toContain("✗ the replay diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS\n");
    const html = readFileSync(join(dir, "diff.html"), "utf8");
    expect(html).toContain('<table class="path-diff" style=');
    const first = /<tr class="changed first"[^>]*>(.*?)<\/tr>/.exec(html)?.[1]?.replace(/<[^>]+>/g, "|");
    expect(first).toBe("|2||WaitBeforePoll||≠||2||NotifyFailureSNS|");
    expect(html).toContain(
      "Diverges at step 2: expected <code>WaitBeforePoll</code>, got <code>NotifyFailureSNS</code>.",
    );
  });

  it("colours the rows on a terminal", async () => {
    const o = { ...io(dir), color: true };
    const out: string[] = [];
    o.stdout = (t: string) => void out.push(t);
    expect(await runCli(["diff", "d.scenario.yaml", "--definition", fewerRetries], o)).toBe(1);
    expect(out.join("")).toContain("\x1b[33m ›   2  WaitBeforePoll");
  });

  it.each([
    [["diff"], "error: diff takes exactly one scenario (a name or a file)\n"],
    [["diff", "no-such.scenario.yaml"], /^error: .*no-such\.scenario\.yaml/],
    [
      ["diff", "nopath.scenario.yaml"],
      /^error: nopath\.scenario\.yaml: scenario 'no-path' has no expect\.path \(nor pathIncludes\) to compare the replay's path with; imported scenarios have one\n$/,
    ],
    [
      ["diff", "d.scenario.yaml", "--definition", "missing.asl.json"],
      /^error: .*missing\.asl\.json: the definition file does not exist\n$/,
    ],
  ] as Array<[string[], string | RegExp]>)("bad input %j → exit 2", async (argv, message) => {
    writeFileSync(
      join(dir, "nopath.scenario.yaml"),
      "version: 1\nname: no-path\nstart: { input: {} }\nexpect: { status: SUCCEEDED }\n",
    );
    const o = io(dir);
    expect(await runCli(argv, o)).toBe(2);
    if (typeof message === "string") expect(o.err).toBe(message);
    else expect(o.err).toMatch(message);
  });
});
