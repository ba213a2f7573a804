import { XMLParser, XMLValidator } from "fast-xml-parser";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { escapeXmlAttr, escapeXmlText, JunitReporter, renderJunit } from "./junit-reporter";
import { allFixtures, INJECTED_REASON, notObservableResult, summaryOf } from "./test-fixtures";

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "junit-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
  parseAttributeValue: false,
  trimValues: false,
  // fast-xml-parser leaves numeric character references (&#10;) undecoded unless asked.
  htmlEntities: true,
});

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      errors: string;
      testsuite: Array<{
        name: string;
        tests: string;
        failures: string;
        errors: string;
        skipped: string;
        testcase: Array<Record<string, any>>;
      }>;
    };
  };
}

describe("JunitReporter", () => {
  it("writes well-formed JUnit XML atomically, creating parent directories", async () => {
    const out = join(dir, "nested", "deeper", "junit.xml");
    await new JunitReporter(out).onRunEnd(summaryOf(allFixtures()));
    const xml = await readFile(out, "utf8");
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: "4", failures: "1", errors: "1" });
    // No temporary file is left behind.
    expect(await readdir(join(dir, "nested", "deeper"))).toEqual(["junit.xml"]);
  });

  it("replaces an existing report in one step", async () => {
    const out = join(dir, "junit.xml");
    await writeFile(out, "old");
    await new JunitReporter(out).onRunEnd(summaryOf(allFixtures()));
    expect(await readFile(out, "utf8")).toContain("<testsuites");
    expect(await readdir(dir)).toEqual(["junit.xml"]);
  });

  it("has one testcase per scenario with classname scenarios.<target>, name and wall seconds", () => {
    const suite = parse(renderJunit([summaryOf(allFixtures())])).testsuites.testsuite;
    expect(suite).toHaveLength(1);
    expect(suite[0]).toMatchObject({ name: "embedded", tests: "4", failures: "1", errors: "1", skipped: "0" });
    expect(suite[0]!.testcase.map((t) => [t.classname, t.name, t.time])).toEqual([
      ["scenarios.embedded", "success", "0.042"],
      ["scenarios.embedded", "athena-query-fails", "1.234"],
      ["scenarios.embedded", "docker-only", "0.007"],
      ["scenarios.embedded", "copy-lands-in-production", "0.055"],
    ]);
  });

  it("reports failed expectations as one <failure type=ExpectationFailed> with the mismatch text", () => {
    const cases = parse(renderJunit([summaryOf(allFixtures())])).testsuites.testsuite[0]!.testcase;
    const failing = cases[1]!;
    expect(failing.failure.type).toBe("ExpectationFailed");
    expect(failing.failure.message).toBe("3 expectations failed: status, path, output");
    const text: string = failing.failure["#text"];
    expect(text).toContain("✗ status: expected SUCCEEDED, got FAILED");
    expect(text).toContain("- [ 8] CopyResultsToProduction   ← first difference");
    expect(failing.error).toBeUndefined();
    // The timeline goes to system-out.
    expect(failing["system-out"]).toContain("↻ retry 1 after 1.3s → lambda:invoke (attempt 2)");
    expect(cases[0]!.failure).toBeUndefined();
  });

  it("reports harness errors as <error> with the error's name as type", () => {
    const errored = parse(renderJunit([summaryOf(allFixtures())])).testsuites.testsuite[0]!.testcase[2]!;
    expect(errored.error.type).toBe("TargetUnavailableError");
    expect(errored.error.message).toBe(
      "TargetUnavailableError: target 'localstack' is unavailable: no container runtime answered",
    );
    expect(errored.error["#text"]).toContain("tried: podman (not installed)");
    expect(errored.failure).toBeUndefined();
  });

  it("lists not-observable expectations in <system-out> and never turns the pass into a skip", () => {
    const xml = renderJunit([summaryOf(allFixtures())]);
    expect(xml).not.toContain("<skipped");
    const tc = parse(xml).testsuites.testsuite[0]!.testcase[3]!;
    expect(tc.failure).toBeUndefined();
    expect(tc.error).toBeUndefined();
    expect(tc["system-out"]).toContain(
      "Not observable on embedded (not counted as passes):\n  ○ s3[0] healthcare-data/production/state_counts/happy-1.csv: not observable",
    );
  });

  it("writes one <testsuite> per target when runs for several targets end in one reporter", async () => {
    const out = join(dir, "junit.xml");
    const reporter = new JunitReporter(out);
    await reporter.onRunEnd(summaryOf(allFixtures()));
    await reporter.onRunEnd(summaryOf([notObservableResult("sfn-local")], "sfn-local"));
    const suites = parse(await readFile(out, "utf8")).testsuites.testsuite;
    expect(suites.map((s) => [s.name, s.tests])).toEqual([
      ["embedded", "4"],
      ["sfn-local", "1"],
    ]);
    expect(suites[1]!.testcase[0]!.classname).toBe("scenarios.sfn-local");
  });

  it("escapes markup, quotes and control characters so the text survives a round trip", () => {
    const xml = renderJunit([summaryOf(allFixtures())]);
    expect(xml).not.toContain("<script>");
    const out: string = parse(xml).testsuites.testsuite[0]!.testcase[1]!["system-out"];
    // The cause is JSON text (AWS stores it so); markup and quotes come back exactly.
    expect(out).toContain('<script>alert(\\"pwned\\")</script> & \\"quotes\\" \'single\'');

    const raw = { ...allFixtures()[2]!, error: `Bad\u0000thing\u001b[31m <b>"x"</b> & 'y'\ttab` };
    const err = parse(renderJunit([summaryOf([raw])])).testsuites.testsuite[0]!.testcase[0]!.error;
    expect(err["#text"]).toBe("Bad\\u0000thing\\u001b[31m <b>\"x\"</b> & 'y'\ttab");
    expect(err.message).toBe("Bad\\u0000thing\\u001b[31m <b>\"x\"</b> & 'y'\ttab");
    expect(INJECTED_REASON).toContain("\u001b");
  });

  it("escapes attribute values including newlines and lone surrogates", () => {
    expect(escapeXmlAttr(`a"b'c<d>&\n\r\t`)).toBe("a&quot;b&apos;c&lt;d&gt;&amp;&#10;&#13;&#9;");
    expect(escapeXmlText("x\uD800y\uFFFEz")).toBe("x\\ud800y\\ufffez");
    expect(escapeXmlText("😀")).toBe("😀");
  });
});
