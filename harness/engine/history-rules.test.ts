/**
 * The history rules of history-aws.test.ts in situations AWS's recordings do not show directly: concurrency limits,
 * long waits in aborted siblings, caught evaluation errors, nested groups. Each test says which recorded rule it
 * extends.
 */
import { VirtualClock } from "../common/clock";
import { Engine } from "./engine";
import type { HistoryEvent, StateMachineDefinition } from "./types";

const T0 = Date.UTC(2024, 0, 1);

async function run(definition: StateMachineDefinition, input: unknown = {}) {
  const clock = new VirtualClock(T0);
  const { result, execution } = await new Engine({ clock, seed: 1 }).run(definition, { input });
  return { result, events: execution.events, elapsed: execution.stopDate! - T0 };
}

const shape = (events: HistoryEvent[]) => events.map((e) => `${e.id}<${e.previousEventId}:${e.type}`);

/** A Map over `$` whose iterations wait `$` seconds, then pass; `Fail` items fail instead. */
const waitingMap = (extra: Record<string, unknown> = {}): StateMachineDefinition => ({
  StartAt: "M",
  States: {
    M: {
      Type: "Map",
      ...extra,
      ItemProcessor: {
        StartAt: "Route",
        States: {
          Route: { Type: "Choice", Choices: [{ Variable: "$", StringEquals: "fail", Next: "Boom" }], Default: "W" },
          W: { Type: "Wait", SecondsPath: "$", Next: "P" },
          P: { Type: "Pass", End: true },
          Boom: { Type: "Fail", Error: "Boom" },
        },
      },
      End: true,
    },
  },
});

describe("Map iterations chain per worker", () => {
  // Recorded: MaxConcurrency 1 chains every iteration to the previous one's last event; unlimited starts them all
  // from MapStateStarted. With MaxConcurrency 2, each of the two workers chains its own iterations.
  it("an iteration starts from the last event of the previous iteration on the same worker", async () => {
    const { result, events } = await run(waitingMap({ MaxConcurrency: 2 }), [2, 1, 1]);
    expect(result.status).toBe("SUCCEEDED");
    const started = events.filter((e) => e.type === "MapIterationStarted");
    expect(started.map((e) => e.previousEventId)).toEqual([3, 3, expect.any(Number)]);
    // Item 2 runs on the worker that finished item 1 (after 1 s): it starts from item 1's last event.
    const item1Done = events.find(
      (e) =>
        e.type === "MapIterationSucceeded" && (e.mapIterationSucceededEventDetails as { index: number }).index === 1,
    )!;
    expect(events.find((e) => e.id === item1Done.previousEventId)!.type).toBe("PassStateExited");
    expect(started[2]!.previousEventId).toBe(item1Done.previousEventId);
    // MapStateSucceeded and MapStateExited point at the last MapIterationSucceeded.
    const lastIteration = events.filter((e) => e.type === "MapIterationSucceeded").at(-1)!;
    expect(events.find((e) => e.type === "MapStateSucceeded")!.previousEventId).toBe(lastIteration.id);
    expect(events.find((e) => e.type === "MapStateExited")!.previousEventId).toBe(lastIteration.id);
  });
});

describe("a failing iteration aborts its siblings at once", () => {
  // Recorded (test_service_lambda_map_timeout): siblings in a Task get TaskStateAborted + MapIterationAborted, all
  // pointing at the failed iteration's last event. A sibling in a Wait is aborted the same way, without waiting.
  it("a sibling waiting 1000 s is aborted when another iteration fails", async () => {
    const { result, events, elapsed } = await run(waitingMap(), [1000, "fail"]);
    expect(result).toMatchObject({ status: "FAILED", error: "Boom" });
    expect(elapsed).toBe(0);
    const failed = events.find((e) => e.type === "FailStateEntered")!;
    expect(events.find((e) => e.type === "WaitStateEntered")!.id).toBeLessThan(failed.id);
    const f = failed.id;
    expect(shape(events.slice(f))).toEqual([
      `${f + 1}<${f}:MapIterationFailed`,
      `${f + 2}<${f}:MapIterationAborted`,
      `${f + 3}<${f}:WaitStateAborted`,
      `${f + 4}<${f}:MapStateFailed`,
      `${f + 5}<${f + 4}:ExecutionFailed`,
    ]);
  });

  it("a nested Map aborted from outside records its own aborts and MapStateAborted", async () => {
    const def: StateMachineDefinition = {
      StartAt: "Outer",
      States: {
        Outer: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Inner", States: { Inner: { ...waitingMap().States.M!, End: true } } },
            { StartAt: "Later", States: { Later: { Type: "Wait", Seconds: 5, Next: "Stop" }, Stop: { Type: "Fail" } } },
          ],
          End: true,
        },
      },
    };
    const { result, events, elapsed } = await run(def, [100]);
    expect(result.status).toBe("FAILED");
    expect(elapsed).toBe(5000);
    const failed = events.find((e) => e.type === "FailStateEntered")!;
    const tail = shape(events).slice(events.indexOf(failed) + 1);
    const innerStarted = events.find((e) => e.type === "MapStateStarted")!.id;
    expect(tail).toEqual([
      // The inner Map, aborted by its enclosing Parallel: its iteration and the Wait it was in, from its own chain.
      `${failed.id + 1}<${innerStarted}:MapIterationAborted`,
      `${failed.id + 2}<${innerStarted}:WaitStateAborted`,
      // The Parallel: the failed branch (in a Fail state: no aborted event), then the aborted branch's Map.
      `${failed.id + 3}<${failed.id}:MapStateAborted`,
      `${failed.id + 4}<${failed.id}:ParallelStateFailed`,
      `${failed.id + 5}<${failed.id + 4}:ExecutionFailed`,
    ]);
  });
});

describe("EvaluationFailed", () => {
  // Recorded: EvaluationFailed precedes the state's failure handling. A caught evaluation error continues from it.
  it("is recorded once for a caught error; the Catch's exit points at it", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          Items: "{% $states.input.items %}",
          Catch: [{ ErrorEquals: ["States.QueryEvaluationError"], Next: "Done" }],
          ItemProcessor: { StartAt: "P", States: { P: { Type: "Pass", Output: "{% $nothing %}", End: true } } },
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    const { result, events } = await run(def, { items: [1] });
    expect(result.status).toBe("SUCCEEDED");
    expect(shape(events).slice(1, 10)).toEqual([
      "2<0:MapStateEntered",
      "3<2:MapStateStarted",
      "4<3:MapIterationStarted",
      "5<4:PassStateEntered",
      "6<4:EvaluationFailed",
      "7<6:MapIterationFailed",
      "8<6:MapStateFailed",
      "9<8:MapStateExited",
      "10<9:SucceedStateEntered",
    ]);
    expect(events[5]).toMatchObject({
      evaluationFailedEventDetails: {
        error: "States.QueryEvaluationError",
        cause:
          "An error occurred while executing the state 'P' (entered at the event id #5). The JSONata expression '$nothing' specified for the field 'Output' returned nothing (undefined).",
        location: "Output",
        state: "P",
      },
    });
  });

  it("an error after the state's own events points at the last of them", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: "JSONata",
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          Items: [1],
          Output: "{% $nothing %}",
          ItemProcessor: { StartAt: "P", States: { P: { Type: "Pass", End: true } } },
          End: true,
        },
      },
    };
    const { result, events } = await run(def);
    expect(result).toMatchObject({ status: "FAILED", error: "States.QueryEvaluationError" });
    expect(shape(events).slice(-5)).toEqual([
      "7<6:MapIterationSucceeded",
      "8<7:MapStateSucceeded",
      "9<7:EvaluationFailed",
      "10<9:MapStateFailed",
      "11<10:ExecutionFailed",
    ]);
  });
});
