import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReporters, ReporterSpecError } from "./create-reporters";
import { ConsoleReporter } from "./console-reporter";
import { HtmlReporter } from "./html-reporter";
import { JsonReporter, parseRunSummaryJson, RunSummaryJsonError } from "./json-reporter";
import { JunitReporter } from "./junit-reporter";
import { allFixtures, summaryOf } from "./test-fixtures";

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "json-report-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe("JsonReporter", () => {
  it("writes the full RunSummary with ISO timestamps, and reads back equal", async () => {
    const summary = summaryOf(allFixtures());
    const out = join(dir, "sub", "run.json");
    await new JsonReporter(out, () => {
      throw new Error("must not write to stdout when an output path is given");
    }).onRunEnd(summary);
    const text = await readFile(out, "utf8");
    const raw = JSON.parse(text);
    expect(raw.results[1].execution.history[0].timestamp).toBe("2024-01-01T00:00:00.000Z");
    expect(raw.results[1].execution.history).toHaveLength(summary.results[1]!.execution!.history.length);
    expect(raw.results[1].definition.StartAt).toBe("RunAthenaQueryLambda");
    expect(parseRunSummaryJson(text)).toEqual(summary);
    expect(await readdir(join(dir, "sub"))).toEqual(["run.json"]);
  });

  it("writes to stdout when there is no output path", async () => {
    let out = "";
    await new JsonReporter(undefined, (t) => (out += t)).onRunEnd(summaryOf(allFixtures()));
    expect(JSON.parse(out).passed).toBe(2);
  });

  it("keeps every run when it is given several (one per target)", async () => {
    let out = "";
    const reporter = new JsonReporter(undefined, (t) => (out = t));
    await reporter.onRunEnd(summaryOf(allFixtures()));
    await reporter.onRunEnd(summaryOf([], "sfn-local"));
    const runs = parseRunSummaryJson(out);
    expect(Array.isArray(runs) && runs.map((r) => r.target)).toEqual(["embedded", "sfn-local"]);
  });

  it("refuses a document that is not a run summary, saying where", () => {
    expect(() => parseRunSummaryJson('{"x":1}')).toThrow(RunSummaryJsonError);
    const bad = JSON.stringify({ results: [{ executions: [{ history: [{ timestamp: "nope" }] }] }] });
    expect(() => parseRunSummaryJson(bad)).toThrow("$.results[0].executions[0].history[0].timestamp is not a date");
  });
});

describe("createReporters", () => {
  const io = { stdout: () => {}, stderr: () => {}, color: false, isTTY: false };

  it("creates one reporter per spec, in order", () => {
    const reporters = createReporters(
      [
        { kind: "console" },
        { kind: "junit", output: join(dir, "j.xml") },
        { kind: "json" },
        { kind: "html", output: join(dir, "r.html") },
      ],
      io,
    );
    expect(reporters.map((r) => r.constructor)).toEqual([ConsoleReporter, JunitReporter, JsonReporter, HtmlReporter]);
  });

  it("rejects specs that cannot work before anything runs", () => {
    expect(() => createReporters([{ kind: "junit" }], io)).toThrow(/report #1 \(junit\): needs an output file/);
    expect(() => createReporters([{ kind: "html" }], io)).toThrow(ReporterSpecError);
    expect(() =>
      createReporters(
        [
          { kind: "json", output: "a.json" },
          { kind: "html", output: "a.json" },
        ],
        io,
      ),
    ).toThrow(/report #2 \(html\): output a.json is also used by report #1/);
    expect(() => createReporters([{ kind: "xml" as "json" }], io)).toThrow(/unknown kind 'xml'/);
    expect(() => createReporters([{ kind: "console", output: "x" }], io)).toThrow(/drop the output path/);
  });

  it("the created file reporters write on onRunEnd", async () => {
    const [junit, html] = createReporters(
      [
        { kind: "junit", output: join(dir, "j.xml") },
        { kind: "html", output: join(dir, "r.html") },
      ],
      io,
    );
    const summary = summaryOf(allFixtures());
    await junit!.onRunEnd(summary);
    await html!.onRunEnd(summary);
    expect((await readdir(dir)).sort()).toEqual(["j.xml", "r.html"]);
  });
});
