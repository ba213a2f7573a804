import type { StateMachineDefinition } from "../engine/types";
import { describeCondition, describeState, END_ID, layoutDefinition, START_ID, type LayoutNode } from "./graph-layout";
import { PIPELINE } from "./test-fixtures";

const inside = (p: { x: number; y: number }, n: LayoutNode, pad = 0) =>
  p.x > n.x - n.w / 2 - pad && p.x < n.x + n.w / 2 + pad && p.y > n.y - n.h / 2 - pad && p.y < n.y + n.h / 2 + pad;

describe("layoutDefinition on the pipeline definition", () => {
  const g = layoutDefinition(PIPELINE);
  const node = (id: string) => g.nodes.find((n) => n.id === id)!;
  const states = g.nodes.filter((n) => n.kind === "state");

  it("has one node per state plus start and end markers", () => {
    expect(states.map((n) => n.id).sort()).toEqual(Object.keys(PIPELINE.States).sort());
    expect(g.nodes.filter((n) => n.kind !== "state").map((n) => n.id)).toEqual([START_ID, END_ID]);
  });

  it("places nodes inside the drawing without overlaps", () => {
    for (const n of g.nodes) {
      expect(n.x - n.w / 2).toBeGreaterThanOrEqual(0);
      expect(n.x + n.w / 2).toBeLessThanOrEqual(g.width);
      expect(n.y + n.h / 2).toBeLessThanOrEqual(g.height);
    }
    for (const a of states)
      for (const b of states) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2;
        expect({ a: a.id, b: b.id, apart }).toEqual({ a: a.id, b: b.id, apart: true });
      }
  });

  it("layers the happy path top-down, Choice branches side by side, error handling below", () => {
    const layer = (id: string) => node(id).layer;
    const chain = ["RunAthenaQueryLambda", "WaitBeforePoll", "GetAthenaQueryExecution", "CheckAthenaStatus"];
    chain.forEach((id, i) => expect(layer(id)).toBe(i + 1));
    const branches = ["CopyResultsToProduction", "QueryFailed", "QueryCancelled", "PollLimitExceeded", "CountPoll"];
    for (const b of [...branches, "UnexpectedQueryState"]) expect(layer(b)).toBe(5);
    // Longest-path layering: the Catch target sinks below every state that can reach it.
    expect(layer("NotifyFailureSNS")).toBe(6);
    expect(layer("PipelineFailed")).toBe(7);
    expect(node(END_ID).layer).toBeGreaterThan(layer("PipelineFailed"));
  });

  it("finds the poll loop as the only back edge and keeps Catch edges as catch", () => {
    expect(g.edges.filter((e) => e.back).map((e) => `${e.from}→${e.to}`)).toEqual(["CountPoll→WaitBeforePoll"]);
    const catches = g.edges.filter((e) => e.kind === "catch");
    expect(catches.map((e) => e.from).sort()).toEqual([
      "CopyResultsToProduction",
      "GetAthenaQueryExecution",
      "RunAthenaQueryLambda",
    ]);
    expect(catches.every((e) => e.to === "NotifyFailureSNS" && e.title === "Catch [States.ALL]")).toBe(true);
  });

  it("routes edges from node to node without passing through other states", () => {
    for (const e of g.edges) {
      const from = node(e.from);
      const to = node(e.to);
      expect(inside(e.points[0]!, from, 1)).toBe(true);
      expect(inside(e.points[e.points.length - 1]!, to, 1)).toBe(true);
      for (const p of e.points.slice(1, -1)) {
        const hit = states.find((n) => inside(p, n));
        expect({ edge: `${e.from}→${e.to}`, hit: hit?.id }).toEqual({ edge: `${e.from}→${e.to}`, hit: undefined });
      }
    }
  });

  it("labels Choice edges with readable conditions", () => {
    const labels = g.edges
      .filter((e) => e.from === "CheckAthenaStatus")
      .map((e) => [e.to, e.label])
      .sort();
    expect(labels).toEqual([
      ["CopyResultsToProduction", 'State == "SUCCEEDED"'],
      ["CountPoll", "State ∈ {QUEUED, RUNNING}"],
      ["PollLimitExceeded", "State ∈ {QUEUED, RUNNING} & PollCount >= 60"],
      ["QueryCancelled", 'State == "CANCELLED"'],
      ["QueryFailed", 'State == "FAILED"'],
      ["UnexpectedQueryState", "Default"],
    ]);
  });
});

describe("layoutDefinition with nesting and odd shapes", () => {
  const nested: StateMachineDefinition = {
    StartAt: "FanOut",
    States: {
      FanOut: {
        Type: "Parallel",
        Branches: [
          { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } } },
          {
            StartAt: "PerItem",
            States: {
              PerItem: {
                Type: "Map",
                ItemProcessor: { StartAt: "C", States: { C: { Type: "Pass", End: true } } },
                End: true,
              },
            },
          },
        ],
        Next: "Done",
      },
      Done: { Type: "Succeed" },
    },
  };

  it("draws Map and Parallel as boxes containing their branches", () => {
    const g = layoutDefinition(nested);
    const fan = g.nodes.find((n) => n.id === "FanOut")!;
    expect(fan.branches).toHaveLength(2);
    const [b1, b2] = fan.branches!;
    expect(b1!.layout.nodes.map((n) => n.id)).toEqual(["A", "B"]);
    const map = b2!.layout.nodes.find((n) => n.id === "PerItem")!;
    expect(map.branches![0]!.layout.nodes.map((n) => n.id)).toEqual(["C"]);
    // The box is big enough for its branches, which sit side by side.
    expect(fan.w).toBeGreaterThanOrEqual(b1!.layout.width + b2!.layout.width);
    expect(b2!.dx).toBeGreaterThanOrEqual(b1!.dx + b1!.layout.width);
    expect(fan.h).toBeGreaterThan(Math.max(b1!.layout.height, b2!.layout.height));
  });

  it("handles self-loops, unreachable states and machines that never end", () => {
    const g = layoutDefinition({
      StartAt: "Spin",
      States: {
        Spin: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "Spin" }], Default: "Spin" },
        Orphan: { Type: "Pass", End: true },
      },
    });
    expect(g.edges.filter((e) => e.from === "Spin" && e.to === "Spin")).toHaveLength(2);
    expect(g.nodes.map((n) => n.id).sort()).toEqual([END_ID, START_ID, "Orphan", "Spin"].sort());
    const none = layoutDefinition({ StartAt: "Loop", States: { Loop: { Type: "Pass", Next: "Loop" } } });
    expect(none.nodes.map((n) => n.id)).toEqual(["Loop", START_ID]);
  });
});

describe("state and condition summaries", () => {
  it("describes what a state does", () => {
    expect(describeState({ Type: "Task", Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution" })).toBe(
      "athena:getQueryExecution",
    );
    expect(describeState({ Type: "Task", Resource: "arn:aws:lambda:us-east-1:1:function:run-query" })).toBe(
      "λ run-query",
    );
    expect(describeState({ Type: "Wait", Seconds: 10 })).toBe("10s");
    expect(describeState({ Type: "Choice", Choices: [{}], Default: "X" })).toBe("1 rule + default");
  });

  it("summarises Choice rules, JSONata conditions and negations", () => {
    expect(describeCondition({ Variable: "$.n", NumericLessThanEqualsPath: "$.limit.max" })).toBe("n <= max");
    expect(describeCondition({ Not: { Variable: "$.a", IsNull: true } })).toBe("!a is null");
    expect(describeCondition({ Condition: "{% $states.input.ok %}" })).toBe("$states.input.ok");
    expect(
      describeCondition({
        Or: [
          { Variable: "$.a", BooleanEquals: true },
          { Variable: "$.b", StringMatches: "x*" },
        ],
      }),
    ).toBe('a == true | b ~ "x*"');
  });
});
