import { formatDuration, formatOffset, formatSeconds } from "./format-duration";
import { describeMismatch, firstDifference } from "./mismatch";
import { buildTimeline, foldRepeats, renderTimeline } from "./timeline";
import { failingHistory, failingPath, HAPPY_PATH, T0 } from "./test-fixtures";

describe("durations", () => {
  it.each([
    [0, "0ms"],
    [42, "42ms"],
    [999.6, "1000ms"],
    [1254, "1.3s"],
    [10_000, "10s"],
    [59_960, "1m0s"],
    [70_000, "1m10s"],
    [70_500, "1m10.5s"],
    [3_723_000, "1h2m3s"],
  ])("formatDuration(%p) = %p", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    [0, "+00:00.0"],
    [1254, "+00:01.3"],
    [754_500, "+12:34.5"],
    [3_600_000 + 61_000, "+1:01:01.0"],
  ])("formatOffset(%p) = %p", (ms, text) => expect(formatOffset(ms)).toBe(text));

  it("gives JUnit seconds with three decimals", () => expect(formatSeconds(1234)).toBe("1.234"));
});

describe("timeline", () => {
  const lines = () => buildTimeline(failingHistory().events, T0);

  it("shows states with +mm:ss.s offsets, attempts, failures with cause, retries with their backoff, and the end", () => {
    const text = renderTimeline(lines());
    const rows = text.split("\n");
    expect(rows[0]).toBe(" +00:00.0  ▶ RunAthenaQueryLambda (Task)");
    expect(rows[1]).toBe(" +00:00.0    → lambda:invoke");
    expect(rows[2]).toBe(" +00:00.0    ✗ TaskFailed: Lambda.TooManyRequestsException — Rate exceeded");
    expect(rows[3]).toBe(" +00:01.3    ↻ retry 1 after 1.3s → lambda:invoke (attempt 2)");
    expect(rows[5]).toBe(" +00:04.5    ↻ retry 2 after 3.2s → lambda:invoke (attempt 3)");
    expect(rows[6]).toBe(" +00:04.5  ▶ WaitBeforePoll (Wait, 10s)");
    expect(text).toContain("▶ QueryFailed (Pass)");
    expect(text).toContain("↻ retry 1 after 1s → sns:publish (attempt 2)");
    expect(rows[rows.length - 1]).toMatch(
      /^ \+00:55\.5 {2}■ ExecutionFailed: Athena\.QueryFailed — \{"State":"FAILED"/,
    );
    const entered = lines()
      .filter((l) => l.kind === "state")
      .map((l) => l.state);
    expect(entered).toEqual(failingPath());
  });

  it("folds a long poll loop into first and last iteration plus a count", () => {
    const long = buildTimeline(failingHistory(40).events, T0);
    const folded = foldRepeats(long);
    expect(folded.length).toBeLessThan(40);
    const fold = folded.find((l) => l.kind === "fold")!;
    expect(fold.text).toBe(
      "⋮ 38 more × WaitBeforePoll → GetAthenaQueryExecution → CheckAthenaStatus → CountPoll (+00:14.5 … +06:34.5)",
    );
    // Nothing after the loop is lost.
    expect(folded.slice(-3).map((l) => l.text)).toEqual(long.slice(-3).map((l) => l.text));
    // Short repetitions (fewer than three) are left alone.
    expect(foldRepeats(buildTimeline(failingHistory(2).events, T0)).some((l) => l.kind === "fold")).toBe(false);
  });
});

describe("describeMismatch", () => {
  it("diffs lists from the first divergent index, with context and both remainders", () => {
    const lines = describeMismatch({
      name: "path",
      status: "failed",
      expected: HAPPY_PATH,
      actual: failingPath(),
      message: "differs",
    }).map((l) => `${l.tone}:${l.text}`);
    expect(lines[0]).toBe("note:first difference at index 8 (expected 10 items, actual 23 items)");
    expect(lines).toContain("context:  … 6 items equal");
    expect(lines).toContain("context:  [ 7] CheckAthenaStatus");
    expect(lines).toContain("minus:- [ 8] CopyResultsToProduction   ← first difference");
    expect(lines).toContain("plus:+ [ 8] CountPoll   ← first difference");
    expect(lines).toContain("plus:+ … 3 more");
  });

  it("says when one list is a prefix of the other", () => {
    const lines = describeMismatch({ name: "p", status: "failed", expected: ["A", "B"], actual: ["A"], message: "" });
    expect(lines.map((l) => l.text)).toEqual([
      "first difference at index 1 (expected 2 items, actual 1 item)",
      "  [0] A",
      "- [1] B   ← first difference",
      "+ (ends after 1 item)",
    ]);
  });

  it("prints short scalars on one line each and long values pretty-printed and cut", () => {
    expect(
      describeMismatch({ name: "status", status: "failed", expected: "SUCCEEDED", actual: "FAILED", message: "" }),
    ).toEqual([
      { tone: "minus", text: 'expected: "SUCCEEDED"' },
      { tone: "plus", text: 'actual:   "FAILED"' },
    ]);
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "x".repeat(10)]));
    const lines = describeMismatch({
      name: "output",
      status: "failed",
      expected: { k1: "y" },
      actual: big,
      message: "",
    });
    expect(lines.length).toBeLessThan(20);
    expect(lines.some((l) => /… \d+ more lines/.test(l.text))).toBe(true);
    expect(lines[lines.length - 1]).toEqual({ tone: "note", text: "first difference at $.k1" });
  });

  it("finds the first differing key path with subset semantics", () => {
    expect(firstDifference({ a: { b: 1 } }, { a: { b: 1, c: 2 } }, "$")).toBeUndefined();
    expect(firstDifference({ a: { b: 1 } }, { a: { b: 2 } }, "$")).toBe("$.a.b");
    expect(firstDifference({ "a b": 1 }, {}, "$")).toBe('$["a b"] (missing)');
    expect(firstDifference({ l: [1, 2] }, { l: [1, 3] }, "$")).toBe("$.l[1]");
  });

  it("returns nothing when the result carries neither expected nor actual", () => {
    expect(describeMismatch({ name: "x", status: "failed", message: "m" })).toEqual([]);
  });
});
