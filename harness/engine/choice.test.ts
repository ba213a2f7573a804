import { CORPUS_DIR, describeCorpus } from "./test-corpus";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateChoiceRule, InvalidChoiceRuleError, selectChoice, type ChoiceContext } from "./choice";
import { StatesError } from "./errors";
import { evaluatePath } from "./jsonpath";

/** A context over an input document, optional variables and an optional context object. */
function ctxOf(input: unknown, vars: Record<string, unknown> = {}, contextObject: unknown = {}): ChoiceContext {
  return {
    resolve(path) {
      if (path.startsWith("$$")) return evaluatePath(path.slice(1), contextObject);
      const name = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(path)?.[1];
      if (name === undefined) return evaluatePath(path, input);
      if (!Object.hasOwn(vars, name)) return { found: false };
      return evaluatePath("$" + path.slice(1 + name.length), vars[name]);
    },
  };
}

/** Evaluates `{Variable: "$.v", [op]: operand}` against `{v: value}` (omit value → `$.v` is absent). */
function test1(op: string, operand: unknown, ...value: [] | [unknown]): boolean {
  const input = value.length === 0 ? {} : { v: value[0], other: operand };
  return evaluateChoiceRule({ Variable: "$.v", [op]: operand }, ctxOf(input));
}

/** Same with the `*Path` form: the comparison value sits at `$.w`. */
function testPath(op: string, value: unknown, other: unknown): boolean {
  return evaluateChoiceRule({ Variable: "$.v", [`${op}Path`]: "$.w" }, ctxOf({ v: value, w: other }));
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

const KINDS: Array<[string, unknown]> = [
  ["null", null],
  ["zero", 0],
  ["float", 1.5],
  ["empty string", ""],
  ["string", "HelloWorld"],
  ["timestamp string", "2012-10-09T19:00:55Z"],
  ["true", true],
  ["false", false],
  ["empty array", []],
  ["array", [""]],
  ["empty object", {}],
  ["object", { A: 0 }],
];

describe("type tests (Is*)", () => {
  const expectations: Record<string, (v: unknown) => boolean> = {
    IsNull: (v) => v === null,
    IsNumeric: (v) => typeof v === "number",
    IsString: (v) => typeof v === "string",
    IsBoolean: (v) => typeof v === "boolean",
    IsTimestamp: (v) => v === "2012-10-09T19:00:55Z",
    IsPresent: () => true,
  };
  for (const [op, truth] of Object.entries(expectations)) {
    test.each(KINDS)(`${op} on %s, with true and with false`, (_kind, value) => {
      expect(test1(op, true, value)).toBe(truth(value));
      expect(test1(op, false, value)).toBe(!truth(value));
    });
  }

  test("IsPresent is the only operator that tolerates a path that selects nothing", () => {
    expect(test1("IsPresent", true)).toBe(false);
    expect(test1("IsPresent", false)).toBe(true);
    // a present null is present
    expect(test1("IsPresent", true, null)).toBe(true);
    for (const op of ["IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"]) {
      expect(thrown(() => test1(op, false))).toMatchObject({ error: "States.Runtime" });
    }
  });

  test("IsTimestamp accepts the RFC 3339 profile only", () => {
    const good = [
      "2016-03-14T01:59:00Z",
      "2016-03-14T01:59:00.1Z",
      "2016-03-14T01:59:00.123456789Z",
      "2016-03-14T01:59:00+01:00",
      "2016-03-14T01:59:00-18:00",
      "2016-02-29T00:00:00Z",
      "2000-02-29T23:59:59Z",
    ];
    const bad = [
      "2016-03-14T01:59:00", // no zone
      "2016-03-14t01:59:00Z", // lowercase t
      "2016-03-14T01:59:00z", // lowercase z
      "2016-03-14 01:59:00Z", // space
      "2016-03-14T01:59Z", // no seconds
      "2016-03-14", // date only
      "2023-02-24 12:15:56.832957",
      "2016-03-14T01:59:00.Z", // empty fraction
      "2016-03-14T01:59:00.1234567890Z", // beyond nanoseconds
      "2016-03-14T01:59:00+0100", // offset without colon
      "2016-03-14T01:59:00+19:00", // offset beyond ±18:00
      "2016-13-05T21:29:29Z",
      "2016-12-05T25:29:29Z",
      "2016-12-05T21:60:29Z",
      "2016-12-31T23:59:60Z", // leap second
      "2015-02-29T00:00:00Z", // not a leap year
      "1900-02-29T00:00:00Z", // century rule
      "2016-04-31T00:00:00Z",
      "05-12-2016T21:29:29Z",
      " 2016-03-14T01:59:00Z",
    ];
    for (const s of good) expect([s, test1("IsTimestamp", true, s)]).toEqual([s, true]);
    for (const s of bad) expect([s, test1("IsTimestamp", true, s)]).toEqual([s, false]);
  });
});

describe("BooleanEquals", () => {
  test("only a boolean of the same value matches", () => {
    expect(test1("BooleanEquals", true, true)).toBe(true);
    expect(test1("BooleanEquals", false, false)).toBe(true);
    expect(test1("BooleanEquals", true, false)).toBe(false);
    for (const [, v] of KINDS.filter(([, v]) => typeof v !== "boolean")) {
      expect(test1("BooleanEquals", true, v)).toBe(false);
      expect(test1("BooleanEquals", false, v)).toBe(false);
    }
    expect(test1("BooleanEquals", true, "true")).toBe(false);
    expect(test1("BooleanEquals", true, 1)).toBe(false);
  });

  test("BooleanEqualsPath compares two booleans and is false when either is not one", () => {
    expect(testPath("BooleanEquals", false, false)).toBe(true);
    expect(testPath("BooleanEquals", true, true)).toBe(true);
    expect(testPath("BooleanEquals", true, false)).toBe(false);
    expect(testPath("BooleanEquals", 0, false)).toBe(false);
    expect(testPath("BooleanEquals", true, "true")).toBe(false);
    expect(testPath("BooleanEquals", null, null)).toBe(false);
  });
});

describe("Numeric*", () => {
  const table: Array<[string, number, number, boolean]> = [
    ["NumericEquals", 1, 1, true],
    ["NumericEquals", 1.0, 1, true],
    ["NumericEquals", -0, 0, true],
    ["NumericEquals", 1.1, 1, false],
    ["NumericEquals", 2.22, 2.22, true],
    ["NumericLessThan", 0, 1, true],
    ["NumericLessThan", 1, 1, false],
    ["NumericLessThan", -1.5, -1, true],
    ["NumericGreaterThan", 1, 0, true],
    ["NumericGreaterThan", 1, 1, false],
    ["NumericGreaterThan", 0.30000000000000004, 0.3, true],
    ["NumericLessThanEquals", 1, 1, true],
    ["NumericLessThanEquals", 2, 1, false],
    ["NumericGreaterThanEquals", 1, 1, true],
    ["NumericGreaterThanEquals", 0, 1, false],
    ["NumericGreaterThanEquals", 1e21, 1e20, true],
  ];
  test.each(table)("%s: %p vs %p → %p (literal and Path forms)", (op, value, operand, expected) => {
    expect(test1(op, operand, value)).toBe(expected);
    expect(testPath(op, value, operand)).toBe(expected);
  });

  test("a non-number Variable is false, never an error or a coercion", () => {
    for (const op of ["NumericEquals", "NumericLessThan", "NumericGreaterThanEquals"]) {
      for (const [, v] of KINDS.filter(([, v]) => typeof v !== "number")) {
        expect(test1(op, 0, v)).toBe(false);
        expect(test1(op, 1, v)).toBe(false);
      }
      expect(test1(op, 0, "0")).toBe(false);
      expect(test1(op, 1, true)).toBe(false);
      expect(test1(op, 0, false)).toBe(false);
    }
  });

  test("NumericEqualsPath against a non-number value is false", () => {
    expect(testPath("NumericEquals", 1, "1")).toBe(false);
    expect(testPath("NumericLessThan", 0, null)).toBe(false);
    expect(testPath("NumericEquals", "1", 1)).toBe(false);
  });
});

describe("String*", () => {
  test("equality is exact: no trimming, case-folding or Unicode normalisation", () => {
    expect(test1("StringEquals", "Hello", "Hello")).toBe(true);
    expect(test1("StringEquals", "hello", "Hello")).toBe(false);
    expect(test1("StringEquals", "     ", " ")).toBe(false);
    expect(test1("StringEquals", "\t\r\n", "\t\n")).toBe(false);
    expect(test1("StringEquals", "\u00e9", "e\u0301")).toBe(false);
    expect(test1("StringEquals", "", "")).toBe(true);
  });

  test("ordering is by UTF-16 code unit (Java String.compareTo), not by locale or code point", () => {
    expect(test1("StringLessThan", "a", "B")).toBe(true); // 'B' (0x42) < 'a' (0x61)
    expect(test1("StringLessThan", "AB", "A")).toBe(true); // prefix sorts first
    expect(test1("StringGreaterThan", "A", "A\t\n\r")).toBe(true);
    expect(test1("StringGreaterThan", "", "")).toBe(false);
    expect(test1("StringGreaterThanEquals", "", "")).toBe(true);
    expect(test1("StringLessThanEquals", "AB", "A")).toBe(true);
    expect(test1("StringLessThanEquals", "A", "AB")).toBe(false);
    // U+FF61 is one unit 0xFF61; U+1F600 is the pair 0xD83D 0xDE00: code units put the emoji first,
    // code points would put it last.
    expect(test1("StringGreaterThan", "\u{1F600}", "\uFF61")).toBe(true);
    expect(test1("StringLessThan", "\u{1F600}", "\uFF61")).toBe(false);
  });

  test("Path forms and type mismatches", () => {
    expect(testPath("StringEquals", "Hello", "Hello")).toBe(true);
    expect(testPath("StringLessThan", "A", "AB")).toBe(true);
    expect(testPath("StringEquals", "1", 1)).toBe(false);
    for (const [, v] of KINDS.filter(([, v]) => typeof v !== "string")) {
      expect(test1("StringEquals", "HelloWorld", v)).toBe(false);
      expect(test1("StringGreaterThanEquals", "", v)).toBe(false);
    }
  });
});

describe("StringMatches", () => {
  test.each<[string, string, boolean]>([
    ["log-*.txt", "log-2024.txt", true],
    ["log-*.txt", "log-.txt", true],
    ["log-*.txt", "log-2024.txt.gz", false],
    ["*", "", true],
    ["*", "anything\nat all", true],
    ["", "", true],
    ["", "x", false],
    ["foo*.*", "foobar.zebra", true],
    ["*.log", "zebra.log", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXcYYb", false],
    ["a**b", "ab", true],
    ["*ab", "aab", true],
    ["abc", "ABC", false],
    ["a?c", "abc", false], // '?' is not special
    ["a.c", "abc", false], // nor '.'
    ["[ab]", "a", false], // nor brackets
    ["[ab]", "[ab]", true],
    ["2\\*3", "2*3", true], // JSON "2\\*3": escaped star is literal
    ["2\\*3", "2x3", false],
    ["\\**", "*suffix", true],
    ["C:\\\\dir\\\\*", "C:\\dir\\file", true], // JSON "\\\\": a literal backslash
    ["C:\\\\dir\\\\*", "C:/dir/file", false],
  ])("pattern %j on %j → %p", (pattern, text, expected) => {
    expect(test1("StringMatches", pattern, text)).toBe(expected);
  });

  test("a non-string Variable does not match", () => {
    for (const [, v] of KINDS.filter(([, v]) => typeof v !== "string"))
      expect(test1("StringMatches", "*", v)).toBe(false);
  });

  test("an open escape is a runtime error, as the specification says", () => {
    for (const pattern of ["a\\b", "trailing\\"]) {
      const e = thrown(() => test1("StringMatches", pattern, "ab"));
      expect(e).toBeInstanceOf(StatesError);
      expect(e).toMatchObject({ error: "States.Runtime", stateScoped: true });
    }
  });

  test("pathological patterns stay linear-ish (no regular-expression backtracking)", () => {
    const started = process.hrtime.bigint();
    expect(test1("StringMatches", "a*".repeat(30) + "b", "a".repeat(5000))).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });
});

describe("Timestamp*", () => {
  test("compares instants, across offsets and fractions, to the nanosecond", () => {
    expect(test1("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z")).toBe(true);
    expect(test1("TimestampEquals", "2012-10-09T19:00:56Z", "2012-10-09T19:00:55Z")).toBe(false);
    expect(test1("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T20:00:55+01:00")).toBe(true);
    expect(test1("TimestampEquals", "2012-10-10T00:30:55Z", "2012-10-09T19:00:55-05:30")).toBe(true);
    expect(test1("TimestampEquals", "2012-10-09T19:00:55.5Z", "2012-10-09T19:00:55.500000000Z")).toBe(true);
    expect(test1("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000Z")).toBe(true);
    expect(test1("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000000001Z")).toBe(true);
    expect(test1("TimestampLessThan", "2012-10-09T19:00:56Z", "2012-10-09T19:00:55.999999999Z")).toBe(true);
    expect(test1("TimestampLessThanEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z")).toBe(true);
    expect(test1("TimestampGreaterThanEquals", "2012-10-09T19:00:56Z", "2012-10-09T19:00:55Z")).toBe(false);
    expect(test1("TimestampLessThan", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z")).toBe(true);
    expect(test1("TimestampGreaterThan", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")).toBe(true);
  });

  test("a Variable that is not a valid timestamp string is false", () => {
    for (const v of [
      ...KINDS.map(([, v]) => v).filter((v) => v !== "2012-10-09T19:00:55Z"),
      "2023-02-24 12:15:56.832957",
    ]) {
      expect(test1("TimestampEquals", "2012-10-09T19:00:55Z", v)).toBe(false);
      expect(test1("TimestampLessThanEquals", "2012-10-09T19:00:55Z", v)).toBe(false);
    }
    expect(test1("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55")).toBe(false);
  });

  test("Path forms; an invalid timestamp on the other side is false", () => {
    expect(testPath("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z")).toBe(true);
    expect(testPath("TimestampGreaterThan", "2012-10-09T19:00:56Z", "2012-10-09T19:00:55Z")).toBe(true);
    expect(testPath("TimestampLessThan", "2012-10-09T19:00:55Z", "not a date")).toBe(false);
    expect(testPath("TimestampEquals", "2012-10-09T19:00:55Z", 1349809255)).toBe(false);
  });

  test("timestamps are also plain strings for String* operators", () => {
    expect(test1("StringEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z")).toBe(true);
    expect(test1("StringEquals", "2012-10-09T20:00:55+01:00", "2012-10-09T19:00:55Z")).toBe(false);
  });
});

describe("paths that select nothing", () => {
  test("a missing Variable fails the state with AWS's States.Runtime cause", () => {
    const e = thrown(() => test1("NumericEquals", 1));
    expect(e).toBeInstanceOf(StatesError);
    expect(e).toMatchObject({
      error: "States.Runtime",
      cause: "Invalid path '$.v': The choice state's condition path references an invalid value.",
      stateScoped: true,
    });
  });

  test.each(["StringEquals", "StringMatches", "NumericLessThan", "BooleanEquals", "TimestampEquals", "IsNull"])(
    "%s on a missing Variable is an error, not false",
    (op) => {
      const operand = op === "NumericLessThan" ? 1 : op.startsWith("Is") || op === "BooleanEquals" ? true : "x";
      const literal = op === "TimestampEquals" ? "2012-10-09T19:00:55Z" : operand;
      expect(thrown(() => test1(op, literal))).toMatchObject({ error: "States.Runtime" });
    },
  );

  test("a *Path that selects nothing names that path", () => {
    const e = thrown(() => evaluateChoiceRule({ Variable: "$.a", StringEqualsPath: "$.nope" }, ctxOf({ a: "x" })));
    expect(e).toMatchObject({
      error: "States.Runtime",
      cause: "Invalid path '$.nope': The choice state's condition path references an invalid value.",
    });
  });

  test("the Variable is checked before the *Path, and paths are quoted as written", () => {
    const e = thrown(() =>
      evaluateChoiceRule({ Variable: "$['a b'].c", NumericEqualsPath: "$.nope" }, ctxOf({ "a b": {} })),
    );
    expect(e).toMatchObject({ cause: expect.stringContaining("Invalid path '$['a b'].c'") });
  });

  test("context-object and variable paths go through the same resolver", () => {
    const ctx = ctxOf({}, { limit: 10, cfg: { mode: "fast" } }, { Execution: { Input: { n: 3 } } });
    expect(evaluateChoiceRule({ Variable: "$$.Execution.Input.n", NumericLessThanPath: "$limit" }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ Variable: "$cfg.mode", StringEquals: "fast" }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ Variable: "$missing", IsPresent: false }, ctx)).toBe(true);
    expect(thrown(() => evaluateChoiceRule({ Variable: "$missing", IsNull: true }, ctx))).toMatchObject({
      cause: "Invalid path '$missing': The choice state's condition path references an invalid value.",
    });
  });
});

describe("And / Or / Not", () => {
  const t = { Variable: "$.t", BooleanEquals: true };
  const f = { Variable: "$.f", BooleanEquals: true };
  const missing = { Variable: "$.missing", StringEquals: "x" };
  const ctx = ctxOf({ t: true, f: false });

  test("truth tables, nesting", () => {
    expect(evaluateChoiceRule({ And: [t] }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ And: [t, f] }, ctx)).toBe(false);
    expect(evaluateChoiceRule({ Or: [f, t] }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ Or: [f] }, ctx)).toBe(false);
    expect(evaluateChoiceRule({ Not: f }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ Not: { Not: t } }, ctx)).toBe(true);
    expect(evaluateChoiceRule({ And: [{ Or: [f, { Not: f }] }, { Not: { And: [t, f] } }] }, ctx)).toBe(true);
  });

  test("evaluation stops once the result is known, so later missing paths are never read", () => {
    expect(evaluateChoiceRule({ And: [f, missing] }, ctx)).toBe(false);
    expect(evaluateChoiceRule({ Or: [t, missing] }, ctx)).toBe(true);
    expect(thrown(() => evaluateChoiceRule({ And: [t, missing] }, ctx))).toMatchObject({ error: "States.Runtime" });
    expect(thrown(() => evaluateChoiceRule({ Or: [f, missing] }, ctx))).toMatchObject({ error: "States.Runtime" });
    // the documented guard idiom
    const guarded = { And: [{ Variable: "$.missing", IsPresent: true }, missing] };
    expect(evaluateChoiceRule(guarded, ctx)).toBe(false);
  });

  test("the Map break condition from the corpus (test_map_state_break_condition): Variable '$' on each item", () => {
    const rule = {
      And: [
        { IsPresent: true, Variable: "$" },
        {
          And: [
            { IsNumeric: true, Variable: "$" },
            { NumericEquals: 3, Variable: "$" },
          ],
        },
      ],
    };
    const items = [1, "Hello", {}, 3.3, 3, 4, 5];
    expect(items.map((item) => evaluateChoiceRule(rule, ctxOf(item)))).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  test("Not does not swallow errors", () => {
    expect(thrown(() => evaluateChoiceRule({ Not: missing }, ctx))).toMatchObject({ error: "States.Runtime" });
  });
});

describe("malformed rules (AWS refuses them at creation)", () => {
  test.each<[string, Record<string, unknown>, string]>([
    ["no operator", { Variable: "$.a" }, "no comparison operator"],
    ["two operators", { Variable: "$.a", StringEquals: "x", IsNull: true }, "exactly one operator"],
    ["typo in operator", { Variable: "$.a", StringEqual: "x" }, "unknown field 'StringEqual'"],
    ["JSONata Condition", { Condition: "{% true %}" }, "unknown field 'Condition'"],
    ["numeric operand is a string", { Variable: "$.a", NumericEquals: "1" }, "NumericEquals takes a number"],
    ["Is* operand not boolean", { Variable: "$.a", IsNull: "true" }, "IsNull takes true or false"],
    ["timestamp operand invalid", { Variable: "$.a", TimestampEquals: "2012-10-09" }, "RFC 3339"],
    ["*Path operand not a path", { Variable: "$.a", StringEqualsPath: "a" }, "a path starting with '$'"],
    ["Variable not a path", { Variable: "a", StringEquals: "x" }, "Variable that is a path"],
    ["empty And", { And: [] }, "non-empty array"],
    ["Not with an array", { Not: [{ Variable: "$.a", IsNull: true }] }, "single Choice Rule"],
    ["nested Next", { Not: { Variable: "$.a", IsNull: true, Next: "X" } }, "must not have Next"],
    ["And with Variable", { And: [{ Variable: "$.a", IsNull: true }], Variable: "$.a" }, "cannot be combined"],
  ])("%s", (_name, rule, message) => {
    const e = thrown(() => evaluateChoiceRule(rule, ctxOf({ a: null })));
    expect(e).toBeInstanceOf(InvalidChoiceRuleError);
    expect((e as Error).message).toContain(message);
  });

  test("the error says where the rule is", () => {
    const state = {
      Choices: [
        { Variable: "$.a", IsNull: true, Next: "A" },
        { Or: [{ Variable: "$.a" }], Next: "B" },
      ],
    };
    const e = thrown(() => selectChoice(state, ctxOf({ a: 1 })));
    expect(e).toMatchObject({ name: "InvalidChoiceRuleError", where: "Choices[1].Or[0]" });
  });
});

describe("selectChoice", () => {
  const state = {
    Choices: [
      { Variable: "$.n", NumericLessThan: 0, Next: "Negative", Assign: { sign: -1 } },
      { Variable: "$.n", NumericEquals: 0, Next: "Zero" },
      { Variable: "$.n", NumericGreaterThanEquals: 0, Next: "NonNegative" },
    ],
    Default: "NotANumber",
  };

  test("the first matching rule wins and is returned with its Next", () => {
    expect(selectChoice(state, ctxOf({ n: -1 }))).toEqual({ next: "Negative", rule: state.Choices[0] });
    expect(selectChoice(state, ctxOf({ n: 0 }))).toEqual({ next: "Zero", rule: state.Choices[1] });
    expect(selectChoice(state, ctxOf({ n: 5 })).next).toBe("NonNegative");
  });

  test("Default when nothing matches, without a rule", () => {
    expect(selectChoice(state, ctxOf({ n: "5" }))).toEqual({ next: "NotANumber" });
  });

  test("States.NoChoiceMatched without a Default", () => {
    const e = thrown(() => selectChoice({ Choices: state.Choices }, ctxOf({ n: "5" })));
    expect(e).toBeInstanceOf(StatesError);
    expect(e).toMatchObject({ error: "States.NoChoiceMatched" });
  });

  test("a runtime error in an earlier rule is not skipped in favour of a later match", () => {
    const s = {
      Choices: [
        { Variable: "$.x", IsNull: true, Next: "A" },
        { Variable: "$.n", IsNumeric: true, Next: "B" },
      ],
    };
    expect(thrown(() => selectChoice(s, ctxOf({ n: 1 })))).toMatchObject({ error: "States.Runtime" });
  });

  test("a top-level rule needs Next", () => {
    const e = thrown(() => selectChoice({ Choices: [{ Variable: "$.n", IsNull: true }] }, ctxOf({ n: 1 })));
    expect(e).toMatchObject({ name: "InvalidChoiceRuleError", where: "Choices[0]" });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Conformance: every corpus case made only of JSONPath Choice states and literal Pass / Succeed / Fail states,
// replayed by a mini-interpreter and compared with what real AWS recorded.

const CORPUS = CORPUS_DIR;

interface CorpusCase {
  id: string;
  definition: { StartAt: string; States: Record<string, Record<string, any>>; QueryLanguage?: string };
  input: unknown;
  expected: { status: "SUCCEEDED"; output: unknown } | { status: "FAILED"; error: string | null; cause: string | null };
  nondeterministic: boolean;
}

type Outcome =
  { status: "SUCCEEDED"; output: unknown } | { status: "FAILED"; error: string | null; cause: string | null };

const hasDynamicKey = (v: unknown): boolean =>
  v !== null && typeof v === "object" && Object.entries(v).some(([k, x]) => k.endsWith(".$") || hasDynamicKey(x));
const identityPath = (p: unknown) => p === undefined || p === "$";
const only = (s: Record<string, unknown>, keys: string[]) => Object.keys(s).every((k) => keys.includes(k));

/** The subset the mini-interpreter below runs; everything else is left to the real interpreter's tests. */
function inSubset(c: CorpusCase): boolean {
  if (c.nondeterministic || c.definition.QueryLanguage === "JSONata") return false;
  const states = Object.values(c.definition.States);
  return (
    states.some((s) => s.Type === "Choice") &&
    states.every((s) => {
      switch (s.Type) {
        case "Choice":
          return only(s, ["Type", "Choices", "Default", "Comment"]) && !JSON.stringify(s.Choices).includes('"Assign"');
        case "Pass":
          return (
            only(s, ["Type", "Next", "End", "Comment", "Result", "Parameters", "InputPath", "ResultPath"]) &&
            !hasDynamicKey(s.Parameters) &&
            (identityPath(s.InputPath) || s.InputPath === null) &&
            (identityPath(s.ResultPath) || s.ResultPath === null)
          );
        case "Succeed":
          return only(s, ["Type", "Comment"]);
        case "Fail":
          return only(s, ["Type", "Comment", "Error", "Cause"]);
        default:
          return false;
      }
    })
  );
}

function run(c: CorpusCase): Outcome {
  let name = c.definition.StartAt;
  let data = c.input;
  let lastEventId = 1; // ExecutionStarted
  for (let steps = 0; steps < 1000; steps++) {
    const s = c.definition.States[name]!;
    const enteredId = lastEventId + 1;
    lastEventId += 2; // <Type>StateEntered + <Type>StateExited
    switch (s.Type) {
      case "Pass": {
        const effective = s.InputPath === null ? {} : data;
        const result = "Result" in s ? s.Result : "Parameters" in s ? s.Parameters : effective;
        data = s.ResultPath === null ? data : result;
        if (s.End) return { status: "SUCCEEDED", output: data };
        name = s.Next;
        break;
      }
      case "Choice":
        try {
          name = selectChoice(
            s as never,
            ctxOf(data, {}, { Execution: { Input: c.input }, State: { Name: name } }),
          ).next;
        } catch (e) {
          if (!(e instanceof StatesError)) throw e;
          const prefix = e.stateScoped
            ? `An error occurred while executing the state '${name}' (entered at the event id #${enteredId}). `
            : "";
          return { status: "FAILED", error: e.error, cause: e.cause === undefined ? null : prefix + e.cause };
        }
        break;
      case "Succeed":
        return { status: "SUCCEEDED", output: data };
      case "Fail":
        return { status: "FAILED", error: s.Error ?? null, cause: s.Cause ?? null };
    }
  }
  throw new Error(`${c.id}: no terminal state after 1000 transitions`);
}

describeCorpus("conformance corpus (recorded against AWS): Choice machines", () => {
  const cases: CorpusCase[] = existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(readFileSync(join(CORPUS, f), "utf8")) as CorpusCase)
        .filter(inSubset)
        .sort((a, b) => a.id.localeCompare(b.id))
    : [];

  test("the subset filter keeps most Choice cases (guards against a filter that silently drops everything)", () => {
    expect(cases.length).toBeGreaterThanOrEqual(280);
  });

  test.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const actual = run(c);
    const expected: Outcome =
      c.expected.status === "SUCCEEDED"
        ? { status: "SUCCEEDED", output: c.expected.output }
        : { status: "FAILED", error: c.expected.error, cause: c.expected.cause };
    expect(actual).toEqual(expected);
  });
});
