import { CORPUS_DIR, describeCorpus } from "./test-corpus";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  assertValidDefinition,
  checkDefinition,
  definitionCheckStats,
  InvalidDefinitionError,
  type DefinitionProblem,
} from "./validate";

const CORPUS = CORPUS_DIR;

/** asl-validator's own public function, uncached (recompiles its schemas every call, ~70 ms). */
const aslValidator = createRequire(__filename)("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errors: Array<{ Message: string; schemaError?: { instancePath: string } }>;
};

type Json = Record<string, unknown>;
const machine = (States: Json, extra: Json = {}): Json => ({ StartAt: Object.keys(States)[0], States, ...extra });
const task = (extra: Json = {}): Json => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  End: true,
  ...extra,
});
const pass = (extra: Json = {}): Json => ({ Type: "Pass", End: true, ...extra });

/** Expected problem: exact path, state and source; `message` is a regular expression the message must match. */
type Expected = { path: string; state?: string; message: RegExp; source?: DefinitionProblem["source"] };

function expectProblems(definition: unknown, expected: Expected[]): void {
  const problems = checkDefinition(definition);
  expect(problems).toEqual(
    expected.map((e) => ({
      path: e.path,
      ...(e.state === undefined ? {} : { state: e.state }),
      message: expect.stringMatching(e.message),
      source: e.source ?? "lint",
    })),
  );
}

describeCorpus("definitions real AWS accepted (conformance corpus)", () => {
  const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith(".json")) : [];
  const definitionOf = (file: string): unknown =>
    (JSON.parse(readFileSync(join(CORPUS, file), "utf8")) as { definition: unknown }).definition;

  test("the corpus is present (531 cases when this was written)", () => {
    expect({ CORPUS, count: files.length }).toEqual({ CORPUS, count: expect.any(Number) });
    expect(files.length).toBeGreaterThanOrEqual(531);
  });

  test("every corpus definition passes with zero problems", () => {
    const rejected = files.map((file) => ({ file, problems: checkDefinition(definitionOf(file)) }));
    expect(rejected.filter((r) => r.problems.length > 0)).toEqual([]);
  });

  // The schema patches in validate.ts exist because asl-validator 4.0.0 rejects these AWS-accepted definitions.
  // If this test fails after an upgrade, asl-validator fixed (or changed) them: revisit patchSchemas().
  test("asl-validator's own function rejects five of them (its false positives); we accept them", () => {
    const falsePositives: Array<[string, string]> = [
      ["test_output_test_base_output_any_non_dict_FLOAT-", "/States/State0/Output"],
      ["test_output_test_base_output_any_non_dict_INT-", "/States/State0/Output"],
      ["test_output_test_base_output_any_non_dict_STR_LIT-", "/States/State0/Output"],
      ["test_output_test_output_in_choice_CONDITION_FALSE-", "/States/ChoiceState/Output"],
      ["test_assign_base_test_base_cases_BASE_VAR-", "/States/State0/Assign/constant_lst/0"],
    ];
    for (const [prefix, instancePath] of falsePositives) {
      const file = files.find((f) => f.startsWith(prefix));
      const definition = definitionOf(file!);
      const own = aslValidator(structuredClone(definition));
      expect({ prefix, rejected: !own.isValid, at: own.errors.map((e) => e.schemaError?.instancePath) }).toEqual({
        prefix,
        rejected: true,
        at: expect.arrayContaining([instancePath]),
      });
      expect({ prefix, problems: checkDefinition(definition) }).toEqual({ prefix, problems: [] });
    }
  });

  test("the compiled-once schemas agree with asl-validator's own function where no patch applies", () => {
    // Each uncached asl-validator call costs 70-250 ms, so a few samples: a valid machine with Map, Parallel,
    // Choice and intrinsics, a schema error and an error from asl-validator's own (non-schema) checks.
    const samples: unknown[] = [
      machine({
        P: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "C",
              States: {
                C: { Type: "Choice", Choices: [{ Variable: "$.a", IsPresent: true, Next: "S" }], Default: "S" },
                S: { Type: "Succeed" },
              },
            },
          ],
          Next: "M",
        },
        M: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: { StartAt: "X", States: { X: pass({ Parameters: { "n.$": "States.MathAdd($.n, 1)" } }) } },
          End: true,
        },
      }),
      machine({ P: pass({ Foo: 1 }) }), // unknown field
      machine({ M: { Type: "Map", End: true } }), // neither ItemProcessor nor Iterator
    ];
    for (const definition of samples) {
      const ours = checkDefinition(definition).filter((p) => p.source === "asl-validator");
      expect({ definition, rejected: ours.length > 0 }).toEqual({
        definition,
        rejected: !aslValidator(structuredClone(definition)).isValid,
      });
    }
  });
});

describe("valid edge cases", () => {
  test.each<[string, unknown]>([
    [
      "a ResultWriter with only WriterConfig (AWS: preview the transformed results without writing to S3)",
      machine({
        M: {
          Type: "Map",
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "P",
            States: { P: { Type: "Pass", End: true } },
          },
          ResultWriter: { WriterConfig: { Transformation: "COMPACT", OutputType: "JSON" } },
          End: true,
        },
      }),
    ],
    [
      "an empty string literal in JSONata Output, Arguments and Assign",
      machine({
        A: {
          Type: "Pass",
          QueryLanguage: "JSONata",
          Output: { a: "", b: ["", "{% 1 %}"] },
          Assign: { v: "" },
          End: true,
        },
      }),
    ],
    [
      "a boolean Condition, a fractional ToleratedFailurePercentage and ReaderConfig MaxItems 0 (AWS accepted them)",
      machine({
        C: { Type: "Choice", QueryLanguage: "JSONata", Choices: [{ Condition: true, Next: "M" }], Default: "M" },
        M: {
          Type: "Map",
          ItemReader: {
            Resource: "arn:aws:states:::s3:getObject",
            ReaderConfig: { InputType: "JSON", MaxItems: 0 },
            Parameters: { Bucket: "b", Key: "k.json" },
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "P",
            States: { P: { Type: "Pass", End: true } },
          },
          ToleratedFailurePercentage: 0.5,
          End: true,
        },
      }),
    ],
    [
      "a JSONata state inside a JSONPath (default) machine",
      machine({
        A: { Type: "Pass", QueryLanguage: "JSONata", Output: { x: "{% $states.input %}" }, Next: "B" },
        B: pass({ ResultPath: "$.r" }),
      }),
    ],
    [
      "Assign in both query languages",
      machine({
        A: { Type: "Pass", Assign: { "x.$": "$.a", y: [null, "{% $v %}"] }, Next: "B" },
        B: { Type: "Pass", QueryLanguage: "JSONata", Assign: { z: "{% $x %}" }, End: true },
      }),
    ],
    [
      "aws-sdk actions of installed clients, with .waitForTaskToken, and of a service without a client",
      machine({
        A: task({ Resource: "arn:aws:states:::aws-sdk:s3:listObjectsV2", End: undefined, Next: "B" }),
        B: task({ Resource: "arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken", End: undefined, Next: "C" }),
        C: task({ Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution", End: undefined, Next: "D" }),
        D: task({ Resource: "arn:aws:states:::aws-sdk:dynamodb:getItem" }),
      }),
    ],
    [
      "retry limits at their edges; States.ALL alone in the last retrier and catcher",
      machine({
        T: task({
          TimeoutSeconds: 10,
          HeartbeatSeconds: 9,
          Retry: [
            { ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 1 },
            { ErrorEquals: ["States.ALL"], MaxDelaySeconds: 31622400, JitterStrategy: "FULL" },
          ],
          Catch: [
            { ErrorEquals: ["States.Timeout"], Next: "F", ResultPath: null },
            { ErrorEquals: ["States.ALL"], Next: "F", ResultPath: "$.error" },
          ],
        }),
        F: { Type: "Fail" },
      }),
    ],
    [
      "'.$' keys in a Pass Result are literal; intrinsics with escapes, nesting and paths with brackets",
      machine({
        P: pass({
          Result: { "x.$": "not a path" },
          Parameters: {
            "a.$": "States.Format('It\\'s {} (really)', States.ArrayGetItem($.list[?(@.n > 1)], 0))",
            "b.$": "States.MathAdd($['a b'], -1)",
            "c.$": "States.Array()",
            "d.$": "$$.Execution.Id",
            "e.$": "$myVariable",
          },
        }),
      }),
    ],
    ["the definition as JSON text", JSON.stringify(machine({ P: pass() }))],
  ])("%s", (_name, definition) => {
    expect(checkDefinition(definition)).toEqual([]);
  });
});

describe("invalid definitions: one row per rule, each problem at its path", () => {
  test.each<[string, unknown, Expected[]]>([
    [
      "an empty ResultWriter (it needs Resource and Parameters, or WriterConfig)",
      machine({
        M: {
          Type: "Map",
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "P",
            States: { P: { Type: "Pass", End: true } },
          },
          ResultWriter: {},
          End: true,
        },
      }),
      [
        {
          path: "$.States.M.ResultWriter",
          state: "M",
          message: /does not match any allowed form/,
          source: "asl-validator",
        },
      ],
    ],
    // Retry / Catch (asl-validator misses BackoffRate < 1 and States.ALL placement)
    [
      "BackoffRate below 1",
      machine({ Poll: task({ Retry: [{ ErrorEquals: ["X"], BackoffRate: 0.5 }] }) }),
      [
        {
          path: "$.States.Poll.Retry[0].BackoffRate",
          state: "Poll",
          message: /BackoffRate must be a number >= 1\.0.*0\.5/,
        },
      ],
    ],
    [
      "States.ALL not alone in its ErrorEquals",
      machine({ T: task({ Retry: [{ ErrorEquals: ["States.ALL", "X"] }] }) }),
      [{ path: "$.States.T.Retry[0].ErrorEquals", state: "T", message: /'States.ALL' must appear alone/ }],
    ],
    [
      "States.ALL not in the last catcher",
      machine({
        T: task({
          Catch: [
            { ErrorEquals: ["States.ALL"], Next: "F" },
            { ErrorEquals: ["X"], Next: "F" },
          ],
        }),
        F: { Type: "Fail" },
      }),
      [{ path: "$.States.T.Catch[0].ErrorEquals", state: "T", message: /catcher with 'States.ALL' must be the last/ }],
    ],
    [
      "retrier limits: MaxAttempts, IntervalSeconds, MaxDelaySeconds, JitterStrategy",
      machine({
        T: task({
          Retry: [
            { ErrorEquals: ["X"], MaxAttempts: -1, IntervalSeconds: 0, MaxDelaySeconds: 0, JitterStrategy: "HALF" },
          ],
        }),
      }),
      [
        { path: "$.States.T.Retry[0].MaxAttempts", state: "T", message: /MaxAttempts must be an integer from 0.*-1/ },
        {
          path: "$.States.T.Retry[0].IntervalSeconds",
          state: "T",
          message: /IntervalSeconds must be an integer from 1/,
        },
        {
          path: "$.States.T.Retry[0].MaxDelaySeconds",
          state: "T",
          message: /MaxDelaySeconds must be an integer from 1/,
        },
        { path: "$.States.T.Retry[0].JitterStrategy", state: "T", message: /"FULL" or "NONE", not "HALF"/ },
      ],
    ],
    [
      "ResultPath without '$'",
      machine({ T: task({ ResultPath: "result" }) }),
      [{ path: "$.States.T.ResultPath", state: "T", message: /ResultPath must be a reference path .*"result"/ }],
    ],
    [
      "TimeoutSeconds 0",
      machine({ T: task({ TimeoutSeconds: 0 }) }),
      [{ path: "$.States.T.TimeoutSeconds", state: "T", message: /TimeoutSeconds must be a positive integer/ }],
    ],
    [
      "HeartbeatSeconds not below TimeoutSeconds",
      machine({ T: task({ TimeoutSeconds: 5, HeartbeatSeconds: 5 }) }),
      [
        {
          path: "$.States.T.HeartbeatSeconds",
          state: "T",
          message: /HeartbeatSeconds \(5\) must be smaller than TimeoutSeconds \(5\)/,
        },
      ],
    ],
    // aws-sdk action names
    [
      "aws-sdk action typo (athena:getQueryExecutions)",
      machine({ Q: task({ Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecutions" }) }),
      [
        {
          path: "$.States.Q.Resource",
          state: "Q",
          message: /'getQueryExecutions' is not an operation of the athena API.*did you mean 'getQueryExecution'/,
        },
      ],
    ],
    [
      "aws-sdk action in the wrong case (s3:copyobject)",
      machine({ C: task({ Resource: "arn:aws:states:::aws-sdk:s3:copyobject" }) }),
      [
        {
          path: "$.States.C.Resource",
          state: "C",
          message: /'copyobject' is not an operation of the s3 API.*did you mean 'copyObject'/,
        },
      ],
    ],
    [
      "aws-sdk action not camelCase for a service without an installed client",
      machine({ D: task({ Resource: "arn:aws:states:::aws-sdk:dynamodb:GetItem" }) }),
      [
        {
          path: "$.States.D.Resource",
          state: "D",
          message: /not a camelCase API operation name.*did you mean 'getItem'/,
        },
      ],
    ],
    [
      "aws-sdk with .sync",
      machine({ C: task({ Resource: "arn:aws:states:::aws-sdk:s3:copyObject.sync" }) }),
      [{ path: "$.States.C.Resource", state: "C", message: /do not support '\.sync'/ }],
    ],
    // Transitions and reachability (asl-validator reports these without a path; ours replace them)
    [
      "Next, Default and Catch targets that do not exist",
      machine({
        A: task({ End: undefined, Next: "Bee", Catch: [{ ErrorEquals: ["X"], Next: "Nope" }] }),
        B: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "A" }], Default: "Missing" },
      }),
      [
        { path: "$.States.A.Next", state: "A", message: /target 'Bee' is not a state of this machine/ },
        { path: "$.States.A.Catch[0].Next", state: "A", message: /target 'Nope' is not a state/ },
        { path: "$.States.B.Default", state: "B", message: /target 'Missing' is not a state/ },
        { path: "$.States.B", state: "B", message: /unreachable/ },
      ],
    ],
    [
      "StartAt naming no state",
      { StartAt: "Strat", States: { Start: pass() } },
      [{ path: "$.StartAt", message: /StartAt 'Strat' is not a state of this machine; did you mean 'Start'/ }],
    ],
    [
      "unreachable states (also one reachable only from an unreachable one)",
      machine({ A: pass(), B: pass({ End: undefined, Next: "C" }), C: pass() }),
      [
        { path: "$.States.B", state: "B", message: /state 'B' is unreachable.*StartAt 'A'/ },
        { path: "$.States.C", state: "C", message: /state 'C' is unreachable/ },
      ],
    ],
    // Terminal rules
    [
      "Next and End together; neither; End false",
      machine({
        A: pass({ Next: "B" }),
        B: { Type: "Pass", Next: "C", End: false },
        C: { Type: "Pass" },
      }),
      [
        { path: "$.States.A", state: "A", message: /both Next and End/ },
        { path: "$.States.B.End", state: "B", message: /End must be true when present \(it is false\)/ },
        { path: "$.States.C", state: "C", message: /needs "Next".*or "End": true/ },
      ],
    ],
    [
      "Succeed with Next, Choice with End",
      machine({
        C: { Type: "Choice", Choices: [{ Variable: "$.a", IsNull: false, Next: "S" }], End: true },
        S: { Type: "Succeed", Next: "C" },
      }),
      [
        { path: "$.States.C.End", state: "C", message: /Choice state moves on through its Choices.*remove 'End'/ },
        { path: "$.States.S.Next", state: "S", message: /Succeed state ends the execution.*remove 'Next'/ },
      ],
    ],
    // Choice rules
    [
      "Choice rules: two operators, no Variable, *Path value not a path, Next inside a nested rule",
      machine({
        C: {
          Type: "Choice",
          Choices: [
            { Variable: "$.a", StringEquals: "x", NumericEquals: 1, Next: "D" },
            { StringEquals: "x", Next: "D" },
            { Variable: "$.a", StringEqualsPath: "x", Next: "D" },
            { Not: { Variable: "$.a", IsPresent: true, Next: "D" }, Next: "D" },
          ],
        },
        D: { Type: "Succeed" },
      }),
      [
        {
          path: "$.States.C.Choices[0]",
          state: "C",
          message: /2 comparison operators \(StringEquals, NumericEquals\)/,
        },
        { path: "$.States.C.Choices[1]", state: "C", message: /uses StringEquals but has no Variable/ },
        {
          path: "$.States.C.Choices[2].StringEqualsPath",
          state: "C",
          message: /must start with '\$'.*use StringEquals/,
        },
        { path: "$.States.C.Choices[3].Not.Next", state: "C", message: /nested in And\/Or\/Not must not have Next/ },
      ],
    ],
    // Wait
    [
      "Wait with none and with two of Seconds/SecondsPath/Timestamp/TimestampPath",
      machine({ W: { Type: "Wait", Next: "X" }, X: { Type: "Wait", Seconds: 1, TimestampPath: "$.t", End: true } }),
      [
        {
          path: "$.States.W",
          state: "W",
          message: /exactly one of Seconds, SecondsPath, Timestamp, TimestampPath \(found none\)/,
        },
        { path: "$.States.X", state: "X", message: /\(found Seconds and TimestampPath\)/ },
      ],
    ],
    // Nested machines: innermost state name, full path
    [
      "problems inside Map and Parallel machines",
      machine({
        M: {
          Type: "Map",
          ItemProcessor: {
            StartAt: "P",
            States: {
              P: {
                Type: "Parallel",
                Branches: [{ StartAt: "X", States: { X: task({ Retry: [{ ErrorEquals: ["E"], BackoffRate: 0 }] }) } }],
                Next: "Out",
              },
            },
          },
          Next: "Out",
        },
        Out: pass(),
      }),
      [
        {
          path: "$.States.M.ItemProcessor.States.P.Branches[0].States.X.Retry[0].BackoffRate",
          state: "X",
          message: /BackoffRate must be a number >= 1\.0/,
        },
        {
          path: "$.States.M.ItemProcessor.States.P.Next",
          state: "P",
          message:
            /target 'Out' is not a state of this machine \(a state 'Out' exists at \$\.States\.Out, but states can only transition within their own States block\)/,
        },
      ],
    ],
    // Intrinsic functions in .$ fields
    [
      "intrinsic syntax: unbalanced parenthesis, unterminated string, unknown function; a literal in a .$ field",
      machine({
        P: pass({
          Parameters: {
            "a.$": "States.Format('{}', $.a",
            "b.$": "States.Format('oops, $.a)",
            "c.$": "States.Formatt('{}', $.a)",
            "d.$": "hello",
          },
        }),
      }),
      [
        { path: "$.States.P.Parameters['a.$']", state: "P", message: /missing '\)' to close States\.Format\(/ },
        { path: "$.States.P.Parameters['b.$']", state: "P", message: /unterminated string literal/ },
        {
          path: "$.States.P.Parameters['c.$']",
          state: "P",
          message: /unknown intrinsic function 'States\.Formatt'; did you mean 'States\.Format'/,
        },
        { path: "$.States.P.Parameters['d.$']", state: "P", message: /must be a path.*drop the '\.\$' suffix/ },
      ],
    ],
    // QueryLanguage
    [
      "JSONPath-only fields in JSONata states (top-level JSONata)",
      machine(
        {
          P: pass({ Parameters: { a: 1 }, Next: "W", End: undefined }),
          W: { Type: "Wait", SecondsPath: "$.s", Next: "C" },
          C: { Type: "Choice", Choices: [{ Variable: "$.a", StringEquals: "x", Next: "T" }], Default: "T" },
          T: task({ Arguments: {}, Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.e", Next: "F" }] }),
          F: { Type: "Fail" },
        },
        { QueryLanguage: "JSONata" },
      ),
      [
        {
          path: "$.States.P.Parameters",
          state: "P",
          message:
            /'Parameters' is a JSONPath field, but state 'P' uses JSONata \(set by the top-level QueryLanguage\); use Arguments/,
        },
        { path: "$.States.W.SecondsPath", state: "W", message: /'SecondsPath' is a JSONPath field.*use Seconds/ },
        { path: "$.States.C.Choices[0].Variable", state: "C", message: /'Variable' is a JSONPath field.*"Condition"/ },
        { path: "$.States.C.Choices[0].StringEquals", state: "C", message: /JSONPath Choice operator.*JSONata/ },
        { path: "$.States.C.Choices[0]", state: "C", message: /JSONata Choice rule needs "Condition"/ },
        {
          path: "$.States.T.Catch[0].ResultPath",
          state: "T",
          message: /'ResultPath' is a JSONPath field.*use Output or Assign/,
        },
      ],
    ],
    [
      "JSONata-only fields in JSONPath states",
      machine({
        P: pass({ Output: { a: 1 }, Next: "M", End: undefined }),
        M: { Type: "Map", Items: [1], ItemProcessor: { StartAt: "X", States: { X: pass() } }, Next: "T" },
        T: task({ Arguments: { a: 1 } }),
      }),
      [
        {
          path: "$.States.P.Output",
          state: "P",
          message: /'Output' is a JSONata field, but state 'P' uses JSONPath \(the default query language\)/,
        },
        { path: "$.States.M.Items", state: "M", message: /'Items' is a JSONata field.*use ItemsPath/ },
        { path: "$.States.T.Arguments", state: "T", message: /'Arguments' is a JSONata field.*use Parameters/ },
      ],
    ],
    [
      "a JSONPath state in a JSONata machine",
      machine({ P: pass({ QueryLanguage: "JSONPath" }) }, { QueryLanguage: "JSONata" }),
      [
        {
          path: "$.States.P.QueryLanguage",
          state: "P",
          message: /JSONPath state is not allowed in a state machine whose top-level QueryLanguage is JSONata/,
        },
      ],
    ],
    [
      "an invalid QueryLanguage value",
      machine({ P: pass() }, { QueryLanguage: "jsonata" }),
      [{ path: "$.QueryLanguage", message: /must be "JSONPath" or "JSONata", not "jsonata"/ }],
    ],
    // Found by asl-validator's schemas, reported at the field
    [
      "unknown field, bad Resource ARN, broken JSONata, malformed InputPath",
      machine({
        A: pass({ Foo: 1, Next: "B", End: undefined }),
        B: task({ Resource: "not-an-arn", Next: "C", End: undefined }),
        C: { Type: "Pass", QueryLanguage: "JSONata", Output: "{% $states.input.( %}", Next: "D" },
        D: pass({ InputPath: "$.a[" }),
      }),
      [
        {
          path: "$.States.A.Foo",
          state: "A",
          message: /unknown field 'Foo' for a JSONPath Pass state/,
          source: "asl-validator",
        },
        { path: "$.States.B.Resource", state: "B", message: /must be an ARN/, source: "asl-validator" },
        { path: "$.States.C.Output", state: "C", message: /JSONata expression that parses/, source: "asl-validator" },
        { path: "$.States.D.InputPath", state: "D", message: /JSONPath path/, source: "asl-validator" },
      ],
    ],
    [
      "duplicate state names across nested machines; fields that collide once '.$' is stripped",
      machine({
        P: {
          Type: "Parallel",
          Branches: [{ StartAt: "P", States: { P: pass({ Parameters: { a: 1, "a.$": "$.a" } }) } }],
          End: true,
        },
      }),
      [
        {
          path: "$.States.P.Branches[0].States.P",
          state: "P",
          message: /state name 'P' is used more than once/,
          source: "asl-validator",
        },
        {
          path: "$.States.P.Branches[0].States.P.Parameters['a.$']",
          state: "P",
          message: /fields 'a' and 'a\.\$' both become 'a'/,
          source: "asl-validator",
        },
      ],
    ],
    ["not an object", [1, 2], [{ path: "$", message: /must be a JSON object with StartAt and States/ }]],
    ["JSON text that does not parse", '{"StartAt": ', [{ path: "$", message: /not valid JSON/ }]],
  ])("%s", (_name, definition, expected) => {
    expectProblems(definition, expected);
  });
});

describe("checkDefinition behaviour", () => {
  test("does not modify the definition (asl-validator writes QueryLanguage into states; we give it a copy)", () => {
    const definition = machine({
      A: pass({ Next: "B", End: undefined }),
      B: task({ Retry: [{ ErrorEquals: ["X"] }] }),
    });
    const before = JSON.stringify(definition);
    checkDefinition(definition);
    expect(JSON.stringify(definition)).toBe(before);
  });

  test("caches by canonical JSON: key order does not matter, callers cannot corrupt the cache", () => {
    const a = { Comment: "cache probe", StartAt: "P", States: { P: { Type: "Pass", Result: 1, End: true, Foo: 2 } } };
    const b = { States: { P: { Foo: 2, End: true, Result: 1, Type: "Pass" } }, StartAt: "P", Comment: "cache probe" };
    const first = checkDefinition(a);
    const calls = definitionCheckStats().aslValidatorCalls;
    first.push({ path: "$", message: "added by the caller", source: "lint" });
    const second = checkDefinition(b);
    expect(definitionCheckStats().aslValidatorCalls).toBe(calls);
    expect(second).toEqual([
      {
        path: "$.States.P.Foo",
        state: "P",
        message: expect.stringContaining("unknown field 'Foo'"),
        source: "asl-validator",
      },
    ]);
  });

  test("assertValidDefinition throws InvalidDefinitionError listing every problem, one per line", () => {
    const definition = machine({ A: pass({ Next: "Nowhere" }), B: pass() });
    let error: unknown;
    try {
      assertValidDefinition(definition, "asl/pipeline.asl.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    const e = error as InvalidDefinitionError;
    expect(e.name).toBe("InvalidDefinitionError");
    expect(e.file).toBe("asl/pipeline.asl.json");
    expect(e.problems).toEqual(checkDefinition(definition));
    expect(e.message.split("\n")).toEqual([
      "asl/pipeline.asl.json: $.States.A (state 'A'): a state cannot have both Next and End; keep Next to continue or End: true to finish",
      expect.stringMatching(
        /^asl\/pipeline\.asl\.json: \$\.States\.A\.Next \(state 'A'\): transition target 'Nowhere'/,
      ),
      expect.stringMatching(/^asl\/pipeline\.asl\.json: \$\.States\.B \(state 'B'\): state 'B' is unreachable/),
    ]);
    expect(() => assertValidDefinition(machine({ A: pass() }))).not.toThrow();
    expect(new InvalidDefinitionError([{ path: "$.StartAt", message: "m", source: "lint" }]).message).toBe(
      "$.StartAt: m",
    );
  });
});
