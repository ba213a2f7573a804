import { VirtualClock } from "../common/clock";
import { Engine } from "./engine";
import type { HistoryEvent, StateMachineDefinition } from "./types";

/**
 * Behaviours learnt from executions recorded against AWS that are not in `../shared/conformance/visible`: LocalStack's
 * AWS-validated snapshots (tests/aws/services/stepfunctions/v2/…, commit 8b9a79f), read the way the corpus was built.
 * Each test names the snapshot it comes from.
 */

const T0 = Date.UTC(2024, 0, 1);
const run = (def: StateMachineDefinition, input: unknown = {}, options: Parameters<Engine["run"]>[1] = {}) =>
  new Engine({ clock: new VirtualClock(T0), seed: 1 }).run(def, { input, ...options });

const jsonataPass = (output: unknown): StateMachineDefinition => ({
  QueryLanguage: "JSONata",
  StartAt: "P",
  States: { P: { Type: "Pass", Output: output, End: true } },
});

describe("JSONata", () => {
  // test_array_jsonata.snapshot.json, test_array_range (exec_hist_resp_2): `$range(1, 9, 9)` → 1.
  it("$range of a single item is that item, as a JSONata sequence of one", async () => {
    expect((await run(jsonataPass("{% $range(1, 9, 9) %}"))).result).toEqual({ status: "SUCCEEDED", output: 1 });
    expect((await run(jsonataPass("{% $range(1, 3, 1) %}"))).result).toEqual({
      status: "SUCCEEDED",
      output: [1, 2, 3],
    });
    expect((await run(jsonataPass("{% $partition([0], 1) %}"))).result).toEqual({
      status: "SUCCEEDED",
      output: [[0]],
    });
  });

  const mapOver = (items: unknown): StateMachineDefinition => ({
    QueryLanguage: "JSONata",
    StartAt: "MapIterateState",
    States: {
      MapIterateState: {
        Type: "Map",
        Items: items,
        ItemProcessor: { StartAt: "Echo", States: { Echo: { Type: "Pass", End: true } } },
        End: true,
      },
    },
  });

  // test_math_operations_jsonata.snapshot.json, test_math_random_seeded: the JSONata error code leads the message.
  it("names the JSONata error code in an evaluation error", async () => {
    const def: StateMachineDefinition = {
      StartAt: "State_0",
      States: {
        State_0: {
          QueryLanguage: "JSONata",
          Type: "Pass",
          Output: { FunctionResult: "{% $randomSeeded($states.input.FunctionInput.fst) %}" },
          End: true,
        },
      },
    };
    const { result } = await run(def, { FunctionInput: "fst" });
    expect(result).toEqual({
      status: "FAILED",
      error: "States.QueryEvaluationError",
      cause:
        "An error occurred while executing the state 'State_0' (entered at the event id #2). The JSONata expression '$randomSeeded($states.input.FunctionInput.fst)' specified for the field 'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function",
    });
  });

  // test_base_evaluate_expressions.snapshot.json, test_base_map[ITEMS]: expressions inside a literal Items array.
  it("evaluates expressions inside a literal Map Items array", async () => {
    const { result } = await run(mapOver([1, "{% $number('2') %}", 3]));
    expect(result).toEqual({ status: "SUCCEEDED", output: [1, 2, 3] });
  });

  // test_base_scenarios.snapshot.json, test_map_state_items_eval_jsonata_fail[function].
  it("fails with States.QueryEvaluationError when Items evaluates to a function", async () => {
    const { result } = await run(mapOver("{% $fn := function($x){$x} %}"));
    expect(result).toEqual({
      status: "FAILED",
      error: "States.QueryEvaluationError",
      cause:
        "An error occurred while executing the state 'MapIterateState' (entered at the event id #2). The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type.",
    });
  });

  // test_base_scenarios.snapshot.json, test_choice_condition_constant_jsonata: a JSON boolean Condition.
  it("accepts a boolean literal as a Choice Condition", async () => {
    const def = (condition: boolean): StateMachineDefinition => ({
      QueryLanguage: "JSONata",
      StartAt: "ChoiceState",
      States: {
        ChoiceState: {
          Type: "Choice",
          Choices: [{ Condition: condition, Next: "Yes" }],
          Default: "No",
        },
        Yes: { Type: "Pass", Output: "yes", End: true },
        No: { Type: "Pass", Output: "no", End: true },
      },
    });
    expect((await run(def(true))).result).toEqual({ status: "SUCCEEDED", output: "yes" });
    expect((await run(def(false))).result).toEqual({ status: "SUCCEEDED", output: "no" });
  });
});

describe("Distributed Map tolerated failures", () => {
  const distributed = (fields: Record<string, unknown>): StateMachineDefinition => ({
    StartAt: "MapState",
    States: {
      MapState: {
        Type: "Map",
        ItemsPath: "$.items",
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Echo",
          States: { Echo: { Type: "Pass", End: true } },
        },
        ...fields,
        End: true,
      },
    },
  });

  // test_base_scenarios.snapshot.json, test_map_state_tolerated_failure_values[percentage_literal]: 0.5 is accepted.
  it("accepts a fractional ToleratedFailurePercentage", async () => {
    const { result } = await run(distributed({ ToleratedFailurePercentage: 0.5 }), { items: [0] });
    expect(result).toEqual({ status: "SUCCEEDED", output: [0] });
  });

  // test_base_scenarios.snapshot.json, test_map_state_tolerated_failure_count_path[-1]: fails after MapStateStarted.
  it("fails a negative ToleratedFailureCountPath with States.Runtime, after MapStateStarted", async () => {
    const { result, execution } = await run(distributed({ ToleratedFailureCountPath: "$.count" }), {
      items: [0],
      count: -1,
    });
    expect(result).toEqual({
      status: "FAILED",
      error: "States.Runtime",
      cause:
        "An error occurred while executing the state 'MapState' (entered at the event id #2). ToleratedFailureCount cannot be negative.",
    });
    const types = execution.events.map((e: HistoryEvent) => e.type);
    expect(types.slice(0, 4)).toEqual(["ExecutionStarted", "MapStateEntered", "MapStateStarted", "ExecutionFailed"]);
  });
});

describe("Express context object", () => {
  const def: StateMachineDefinition = {
    StartAt: "P",
    States: { P: { Type: "Pass", Parameters: { "execution.$": "$$.Execution" }, End: true } },
  };
  const execution = async (startedBy?: "StartExecution" | "StartSyncExecution") => {
    const { result } = await run(def, {}, { type: "EXPRESS", ...(startedBy ? { startedBy } : {}) });
    return (result as { output: { execution: Record<string, unknown> } }).output.execution;
  };

  // test_express_async.snapshot.json vs test_express_sync.snapshot.json, test_query_runtime_memory (same day).
  it("has RedriveCount 0 when started with StartExecution and none with StartSyncExecution", async () => {
    expect(Object.keys(await execution())).toEqual(["Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"]);
    expect((await execution("StartExecution")).RedriveCount).toBe(0);
    expect(Object.keys(await execution("StartSyncExecution"))).toEqual(["Id", "Input", "Name", "RoleArn", "StartTime"]);
  });
});

describe("payload quota", () => {
  // test_states_errors.snapshot.json, test_start_large_input: a 257 KiB Pass Result.
  it("fails a state whose output exceeds 256 KiB with States.DataLimitExceeded, before it exits", async () => {
    const def: StateMachineDefinition = {
      StartAt: "State_1",
      States: { State_1: { Type: "Pass", Result: { Arg1: "a".repeat(257 * 1024) }, End: true } },
    };
    const { result, execution } = await run(def);
    expect(result).toEqual({
      status: "FAILED",
      error: "States.DataLimitExceeded",
      cause:
        "The state/task 'State_1' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
    expect(execution.events.map((e: HistoryEvent) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, "ExecutionStarted"],
      [2, 0, "PassStateEntered"],
      [3, 2, "ExecutionFailed"],
    ]);
    // Just under the quota (bytes of UTF-8, not characters) is fine.
    const under: StateMachineDefinition = {
      StartAt: "P",
      States: { P: { Type: "Pass", Result: "é".repeat(131_000), End: true } },
    };
    expect((await run(under)).result.status).toBe("SUCCEEDED");
  });
});
