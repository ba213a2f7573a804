import { ConsoleReporter, type ReporterIo } from "./console-reporter";
import { allFixtures, errorResult, failingResult, passingResult, summaryOf } from "./test-fixtures";

interface Capture {
  io: ReporterIo;
  stdout: () => string;
  stderr: () => string;
  /** Every write in order, tagged with its stream. */
  log: Array<["out" | "err", string]>;
}

function capture(options: { color: boolean; isTTY: boolean }): Capture {
  const log: Array<["out" | "err", string]> = [];
  return {
    io: { stdout: (t) => log.push(["out", t]), stderr: (t) => log.push(["err", t]), ...options },
    stdout: () =>
      log
        .filter(([s]) => s === "out")
        .map(([, t]) => t)
        .join(""),
    stderr: () =>
      log
        .filter(([s]) => s === "err")
        .map(([, t]) => t)
        .join(""),
    log,
  };
}

function runAll(c: Capture, results = allFixtures()) {
  const reporter = new ConsoleReporter(c.io);
  reporter.onRunStart({ total: results.length, target: "embedded" });
  for (const r of results) {
    reporter.onScenarioStart(r.scenario);
    reporter.onScenarioEnd(r);
  }
  reporter.onRunEnd(summaryOf(results));
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/;

describe("ConsoleReporter without colour, not a TTY (NO_COLOR, CI logs)", () => {
  const c = capture({ color: false, isTTY: false });
  runAll(c);
  const out = c.stdout();

  it("writes no control codes at all", () => {
    expect(out).not.toMatch(ANSI);
    expect(c.stderr()).not.toMatch(ANSI);
    expect(out + c.stderr()).not.toContain("\r");
  });

  it("prints progress as plain lines on stderr", () => {
    expect(c.stderr()).toBe(
      "running 1/4: success…\nrunning 2/4: athena-query-fails…\nrunning 3/4: docker-only…\n" +
        "running 4/4: copy-lands-in-production…\n",
    );
  });

  it("prints one line per scenario with its mark, wall time and simulated time", () => {
    const lines = out.split("\n");
    expect(lines).toContain("✓ success  42ms wall, 20.1s simulated");
    expect(lines).toContain("✗ athena-query-fails  1.2s wall, 55.5s simulated");
    expect(lines).toContain("! docker-only  7ms wall");
    expect(lines).toContain("✓ copy-lands-in-production  55ms wall, 20.1s simulated  (1 not observable)");
  });

  it("shows each failed expectation with expected vs actual, lists as a diff from the first divergent index", () => {
    expect(out).toContain("    ✗ status: expected SUCCEEDED, got FAILED\n" + '        expected: "SUCCEEDED"\n');
    expect(out).toContain("        first difference at index 8 (expected 10 items, actual 23 items)\n");
    expect(out).toContain("        - [ 8] CopyResultsToProduction   ← first difference\n");
    expect(out).toContain("        + [ 8] CountPoll   ← first difference\n");
    expect(out).toContain("    ✗ output: the execution has no output (it FAILED)\n");
    expect(out).toContain("        actual:   (none)\n");
    // The passing expectation of a failed scenario is not listed as a failure.
    expect(out).not.toContain("✗ retries.RunAthenaQueryLambda");
  });

  it("follows a failed scenario with its timeline: offsets, attempts, failures, retries, the end", () => {
    const block = out.slice(out.indexOf("timeline of athena-fails-1"), out.indexOf("! docker-only"));
    expect(block).toContain("     +00:00.0    ✗ TaskFailed: Lambda.TooManyRequestsException — Rate exceeded\n");
    expect(block).toContain("     +00:01.3    ↻ retry 1 after 1.3s → lambda:invoke (attempt 2)\n");
    expect(block).toContain("     +00:54.5  ▶ QueryFailed (Pass)\n");
    expect(block).toMatch(/ {5}\+00:55\.5 {2}■ ExecutionFailed: Athena\.QueryFailed — /);
    // The poll loop of four iterations is folded.
    expect(block).toContain("⋮ 2 more × WaitBeforePoll → GetAthenaQueryExecution → CheckAthenaStatus → CountPoll");
    // Passed scenarios get no timeline by default.
    expect(out.match(/timeline of/g)).toHaveLength(1);
  });

  it("prints the harness error of an errored scenario", () => {
    expect(out).toContain(
      "    harness error: TargetUnavailableError: target 'localstack' is unavailable: no container runtime answered\n" +
        "        tried: unix:///var/run/docker.sock (ENOENT)\n",
    );
  });

  it("shows not-observable expectations distinctly, never as passes", () => {
    expect(out).toContain(
      "    ○ s3[0] healthcare-data/production/state_counts/happy-1.csv: not observable on this target: copyObject is mocked",
    );
    expect(out).not.toMatch(/✓ s3\[0\]/);
    expect(out).toContain("1 expectation not observable on embedded (not counted as passes)");
  });

  it("closes with 'N passed, M failed, K errors' and the total wall and simulated time", () => {
    expect(out).toContain("\n2 passed, 1 failed, 1 error — 1.3s wall, 1m35.7s simulated\n");
    expect(out.trimEnd().split("\n").pop()).toBe("not passed: athena-query-fails, docker-only");
  });

  it("says just 'N passed, M failed' when there are no harness errors", () => {
    const c2 = capture({ color: false, isTTY: false });
    runAll(c2, [passingResult(), failingResult()]);
    expect(c2.stdout()).toContain("\n1 passed, 1 failed — ");
    expect(c2.stdout()).not.toMatch(/\d+ errors?/);
  });

  it("shows control characters from untrusted text instead of sending them to the terminal", () => {
    const c2 = capture({ color: false, isTTY: false });
    const r = { ...errorResult(), error: "boom \x1b[2J\x1b[H cleared\rover" };
    runAll(c2, [r]);
    expect(c2.stdout()).toContain("harness error: boom \\u001b[2J\\u001b[H cleared\\u000dover");
    expect(c2.stdout()).not.toMatch(ANSI);
  });
});

describe("ConsoleReporter on a colour TTY", () => {
  const c = capture({ color: true, isTTY: true });
  runAll(c);

  it("keeps one status line on stderr, rewritten in place and cleared before results are printed", () => {
    const err = c.stderr();
    expect(err).not.toContain("\n");
    expect(err).toContain("\r\x1b[2K\x1b[2mrunning 2/4: athena-query-fails…\x1b[0m");
    // Every stdout write happens while no status line is showing.
    let showing = false;
    for (const [stream, text] of c.log) {
      if (stream === "err") showing = !text.endsWith("\r\x1b[2K");
      else expect(showing).toBe(false);
    }
  });

  it("colours marks and diff lines", () => {
    const out = c.stdout();
    expect(out).toContain("\x1b[32m✓\x1b[0m success");
    expect(out).toContain("\x1b[31m✗\x1b[0m athena-query-fails");
    expect(out).toContain("\x1b[33m!\x1b[0m docker-only");
    expect(out).toContain("\x1b[31m- [ 8] CopyResultsToProduction   ← first difference\x1b[0m");
    expect(out).toContain("\x1b[1m\x1b[33m2 passed, 1 failed, 1 error\x1b[0m");
  });

  it("shows scenarios running at the same time in the status line", () => {
    const c2 = capture({ color: false, isTTY: true });
    const reporter = new ConsoleReporter(c2.io);
    const [a, b] = allFixtures();
    reporter.onRunStart({ total: 2, target: "embedded" });
    reporter.onScenarioStart(a!.scenario);
    reporter.onScenarioStart(b!.scenario);
    expect(c2.stderr().endsWith("\r\x1b[2Krunning 2/2: athena-query-fails… (+1 running)")).toBe(true);
    reporter.onScenarioEnd(a!);
    expect(c2.stderr().endsWith("\r\x1b[2Krunning 2/2: athena-query-fails…")).toBe(true);
    reporter.onScenarioEnd(b!);
    expect(c2.stderr().endsWith("\r\x1b[2K")).toBe(true);
  });
});
