import { diffPaths, formatPathDiff, renderPathDiffHtml } from "./path-diff";

const POLL = ["WaitBeforePoll", "GetAthenaQueryExecution", "CheckAthenaStatus", "CountPoll"];
const success = (polls: number) => [
  "RunAthenaQueryLambda",
  ...Array.from({ length: polls - 1 }, () => POLL).flat(),
  "WaitBeforePoll",
  "GetAthenaQueryExecution",
  "CheckAthenaStatus",
  "CopyResultsToProduction",
  "Success",
];

describe("diffPaths", () => {
  it("identical paths", () => {
    const d = diffPaths(success(3), success(3));
    expect(d).toEqual({ identical: true, expectedLength: 14, actualLength: 14, rows: [] });
    expect(formatPathDiff(d).map((l) => l.text)).toEqual(["paths are identical (14 states)"]);
  });

  it("a changed branch: the first divergent step is the one the runner names", () => {
    const expected = success(3);
    const actual = ["RunAthenaQueryLambda", "NotifyFailureSNS", "PipelineFailed"];
    const d = diffPaths(expected, actual);
    expect(d.firstDivergence).toEqual({ step: 2, expected: "WaitBeforePoll", actual: "NotifyFailureSNS" });
    expect(formatPathDiff(d).map((l) => l.text)).toEqual([
      "path diverges at step 2: expected WaitBeforePoll, got NotifyFailureSNS (expected 14 states, actual 3)",
      "        expected                        actual",
      "     1  RunAthenaQueryLambda         1  RunAthenaQueryLambda",
      " ›   2  WaitBeforePoll           ≠   2  NotifyFailureSNS   ← first divergence",
      "     3  GetAthenaQueryExecution  ≠   3  PipelineFailed",
      "     4  CheckAthenaStatus        -",
      "     5  CountPoll                -",
      "     6  WaitBeforePoll           -",
      "     7  GetAthenaQueryExecution  -",
      "     8  CheckAthenaStatus        -",
      "     9  CountPoll                -",
      "    10  WaitBeforePoll           -",
      "    11  GetAthenaQueryExecution  -",
      "    12  CheckAthenaStatus        -",
      "    13  CopyResultsToProduction  -",
      "    14  Success                  -",
    ]);
    expect(formatPathDiff(d).map((l) => l.tone)).toEqual([
      "note",
      "context",
      "context",
      "changed",
      "changed",
      ...Array.from({ length: 11 }, () => "minus"),
    ]);
  });

  it("one poll more is one block of added rows, not everything after it shifted; equal runs are left out", () => {
    const expected = success(6);
    const actual = success(7);
    const d = diffPaths(expected, actual, { context: 2 });
    // Index by index, the paths part where the sixth poll saw RUNNING instead of SUCCEEDED.
    expect(d.firstDivergence).toEqual({ step: 25, expected: "CopyResultsToProduction", actual: "CountPoll" });
    const kinds = d.rows.map((r) => (r.kind === "skipped" ? `skip ${r.count}` : r.kind));
    expect(kinds).toEqual(["skip 22", "equal", "equal", "added", "added", "added", "added", "equal", "equal"]);
    const added = d.rows.flatMap((r) => (r.kind === "added" && r.actual ? [`${r.actual.step} ${r.actual.state}`] : []));
    expect(added).toEqual(["25 CountPoll", "26 WaitBeforePoll", "27 GetAthenaQueryExecution", "28 CheckAthenaStatus"]);
    expect(d.rows.filter((r) => r.kind !== "skipped" && r.first)).toEqual([
      { kind: "added", actual: { step: 25, state: "CountPoll" }, first: true },
    ]);
    expect(formatPathDiff(d)[2]!.text).toBe("    … 22 equal steps");
  });

  it("a path that stops early shows (end)", () => {
    const d = diffPaths(["A", "B", "C"], ["A"]);
    expect(d.firstDivergence).toEqual({ step: 2, expected: "B" });
    expect(formatPathDiff(d)[0]!.text).toBe(
      "path diverges at step 2: expected B, got (end) (expected 3 states, actual 1)",
    );
  });

  it("very long paths are compared index by index", () => {
    const long = Array.from({ length: 3000 }, (_, i) => `S${i % 7}`);
    const d = diffPaths(long, [...long.slice(0, 2999), "X"], { maxAligned: 100 });
    expect(d.firstDivergence).toEqual({ step: 3000, expected: "S3", actual: "X" });
    expect(d.rows.filter((r) => r.kind === "changed")).toHaveLength(1);
  });
});

describe("renderPathDiffHtml", () => {
  it("a table with the first divergence marked, everything escaped", () => {
    const html = renderPathDiffHtml(["A", "B<script>", "C"], ["A", "X & Y", "C"]);
    expect(html).toMatch(
      /<tr class="changed first" title="first divergence" style="[^"]+"><td class="n" style="[^"]+">2<\/td><td style="[^"]+">B&lt;script&gt;<\/td>/,
    );
    expect(html).toContain(">X &amp; Y</td>");
    expect(html).not.toMatch(/<style\b/);
    expect(html).toContain("Diverges at step 2: expected <code>B&lt;script&gt;</code>, got <code>X &amp; Y</code>.");
    expect(html).not.toContain("<script>");
  });

  it("nothing for equal paths or values that are not paths", () => {
    expect(renderPathDiffHtml(["A"], ["A"])).toBe("");
    expect(renderPathDiffHtml("SUCCEEDED", "FAILED")).toBe("");
    expect(renderPathDiffHtml([1], [2])).toBe("");
  });
});
