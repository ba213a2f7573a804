import { traceExecution } from "./execution-trace";
import { failingHistory, failingPath, happyHistory, HistoryBuilder, PIPELINE, T0 } from "./test-fixtures";

describe("traceExecution", () => {
  it("fixture histories only name states of the live pipeline definition (update test-fixtures.ts if it changed)", () => {
    const names = new Set(Object.keys(PIPELINE.States));
    for (const h of [happyHistory(), failingHistory()]) {
      const unknown = traceExecution(h.events)
        .visits.map((v) => v.name)
        .filter((n) => !names.has(n));
      expect(unknown).toEqual([]);
    }
  });

  it("reconstructs visits, attempts, retries, the poll loop and the Fail end of the failing pipeline run", () => {
    const t = traceExecution(failingHistory().events, T0);
    expect(t.visits.map((v) => v.name)).toEqual(failingPath());
    expect(t.visits.every((v) => v.depth === 0)).toBe(true);

    const run = t.states.get("RunAthenaQueryLambda")!;
    expect(run).toMatchObject({ visits: 1, attempts: 3, failedAttempts: 2, retried: true, failed: false });
    const first = t.visits[0]!;
    expect(first.attempts.map((a) => [a.number, a.outcome, a.at])).toEqual([
      [1, "failed", 0],
      [2, "failed", 1254],
      [3, "succeeded", 1254 + 3211],
    ]);
    expect(first.attempts[0]).toMatchObject({ error: "Lambda.TooManyRequestsException", cause: "Rate exceeded" });

    expect(t.states.get("WaitBeforePoll")!.visits).toBe(5);
    expect(t.states.get("CountPoll")!.visits).toBe(4);
    expect(t.states.get("NotifyFailureSNS")).toMatchObject({ retried: true, failed: false, attempts: 2 });
    expect(t.states.get("PipelineFailed")!.failed).toBe(true);
    expect(t.states.has("CopyResultsToProduction")).toBe(false);

    const loop = t.transitions.find((x) => x.from === "CountPoll" && x.to === "WaitBeforePoll")!;
    expect(loop).toMatchObject({ count: 4, viaCatch: false });
    expect(t.transitions.find((x) => x.from === undefined)).toMatchObject({ to: "RunAthenaQueryLambda", count: 1 });
    expect(t.terminal).toBe("PipelineFailed");
    expect(t.end).toMatchObject({ status: "FAILED", error: "Athena.QueryFailed" });
    expect(t.visits.find((v) => v.name === "PipelineFailed")).toMatchObject({ error: "Athena.QueryFailed" });
  });

  it("marks a Task whose last attempt failed as failed and the transition out of it as a Catch", () => {
    const h = new HistoryBuilder().start();
    const throttled = { error: "Lambda.TooManyRequestsException", cause: "Rate exceeded", retryAfterMs: 1000 };
    h.task("RunAthenaQueryLambda", "lambda", "invoke", [throttled, throttled, throttled, throttled]);
    h.task("NotifyFailureSNS", "sns", "publish", [{ output: { MessageId: "m" } }]);
    h.enter("Fail", "PipelineFailed");
    h.fail("Lambda.TooManyRequestsException", "Rate exceeded");
    const t = traceExecution(h.events);
    expect(t.states.get("RunAthenaQueryLambda")).toMatchObject({ failed: true, attempts: 4, failedAttempts: 4 });
    expect(t.visits[1]).toMatchObject({ name: "NotifyFailureSNS", viaCatch: true });
    expect(t.transitions).toContainEqual({
      from: "RunAthenaQueryLambda",
      to: "NotifyFailureSNS",
      count: 1,
      viaCatch: true,
    });
  });

  it("follows previousEventId into Parallel branches and Map iterations (engine-shaped nesting)", () => {
    // The event shape the embedded engine records for Parallel[A | Map(B)[C]] → F, two items.
    const h = new HistoryBuilder().start();
    const p = h.add("ParallelStateEntered", { stateEnteredEventDetails: { name: "P" } }, 0);
    const ps = h.add("ParallelStateStarted", {}, p);
    const a = h.add("PassStateEntered", { stateEnteredEventDetails: { name: "A" } }, ps);
    const b = h.add("MapStateEntered", { stateEnteredEventDetails: { name: "B" } }, ps);
    const ms = h.add("MapStateStarted", { mapStateStartedEventDetails: { length: 2 } }, b);
    const i0 = h.add("MapIterationStarted", { mapIterationStartedEventDetails: { name: "B", index: 0 } }, ms);
    const c0 = h.add("PassStateEntered", { stateEnteredEventDetails: { name: "C" } }, i0);
    const i1 = h.add("MapIterationStarted", { mapIterationStartedEventDetails: { name: "B", index: 1 } }, ms);
    const c1 = h.add("PassStateEntered", { stateEnteredEventDetails: { name: "C" } }, i1);
    h.add("PassStateExited", { stateExitedEventDetails: { name: "A" } }, a);
    const c0x = h.add("PassStateExited", { stateExitedEventDetails: { name: "C" } }, c0);
    const c1x = h.add("PassStateExited", { stateExitedEventDetails: { name: "C" } }, c1);
    h.add("MapIterationSucceeded", {}, c0x);
    const s1 = h.add("MapIterationSucceeded", {}, c1x);
    const mss = h.add("MapStateSucceeded", {}, s1);
    const bx = h.add("MapStateExited", { stateExitedEventDetails: { name: "B" } }, mss);
    const pss = h.add("ParallelStateSucceeded", {}, bx);
    const px = h.add("ParallelStateExited", { stateExitedEventDetails: { name: "P" } }, pss);
    h.add("SucceedStateEntered", { stateEnteredEventDetails: { name: "F" } }, px);
    h.succeed();

    const t = traceExecution(h.events);
    const by = (id: number) => t.visits.find((v) => v.id === id)!;
    expect(by(a)).toMatchObject({ depth: 1, parentId: p });
    expect(by(a).fromId).toBeUndefined();
    expect(by(b)).toMatchObject({ depth: 1, parentId: p });
    expect(by(c0)).toMatchObject({ depth: 2, parentId: b });
    expect(by(c1)).toMatchObject({ depth: 2, parentId: b });
    expect(t.states.get("C")!.visits).toBe(2);
    expect(t.visits.find((v) => v.name === "F")).toMatchObject({ depth: 0, fromId: p });
    expect(t.terminal).toBe("F");
    // Branch starts are not transitions; P → F is.
    expect(t.transitions.map((x) => `${x.from ?? "start"}→${x.to}`).sort()).toEqual(["P→F", "start→P"]);
  });

  it("falls back to event order when previousEventId does not chain", () => {
    const h = new HistoryBuilder().start();
    h.pass("Pass", "One").pass("Pass", "Two");
    for (const e of h.events) e.previousEventId = 0;
    const t = traceExecution(h.events);
    expect(t.visits.map((v) => [v.name, v.fromId !== undefined])).toEqual([
      ["One", false],
      ["Two", true],
    ]);
    expect(t.transitions.map((x) => `${x.from ?? "start"}→${x.to}`)).toEqual(["start→One", "One→Two"]);
  });

  it("marks the state an execution failed in when no attempt failed (no Choice rule matched)", () => {
    const h = new HistoryBuilder().start();
    h.enter("Choice", "CheckAthenaStatus");
    h.fail("States.NoChoiceMatched", "No Choice rule matched");
    const t = traceExecution(h.events);
    expect(t.states.get("CheckAthenaStatus")!.failed).toBe(true);
    expect(t.visits[0]).toMatchObject({ error: "States.NoChoiceMatched" });
  });
});
