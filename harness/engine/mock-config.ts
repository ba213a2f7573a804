import { z } from "zod";

/**
 * The Step Functions Local `MockConfigFile` format (also accepted by LocalStack via `SFN_MOCK_CONFIG`): test cases per
 * state machine map Task state names to named mocked responses; a mocked response maps invocation numbers ("0",
 * "1-2") to exactly one of `Return` or `Throw`. Parsing lives here; counting invocations lives in
 * {@link MockCursor}.
 */
export interface MockedReturn {
  Return: unknown;
}
export interface MockedThrow {
  Throw: { Error: string; Cause: string };
}
export type MockedStep = MockedReturn | MockedThrow;

export interface MockConfig {
  StateMachines: Record<string, { TestCases: Record<string, Record<string, string>> }>;
  MockedResponses: Record<string, Record<string, MockedStep>>;
}

const stepSchema = z.union([
  z.object({ Return: z.unknown() }).strict(),
  z.object({ Throw: z.object({ Error: z.string(), Cause: z.string() }).strict() }).strict(),
]);

const schema = z
  .object({
    StateMachines: z.record(
      z.string(),
      z.object({ TestCases: z.record(z.string(), z.record(z.string(), z.string())) }).strict(),
    ),
    MockedResponses: z.record(z.string(), z.record(z.string(), stepSchema)),
  })
  .strict();

/** A mock config file that does not follow the format; lists every problem with its JSON path. */
export class MockConfigError extends Error {
  override readonly name = "MockConfigError";
  constructor(
    readonly problems: string[],
    readonly file?: string,
  ) {
    super(`${file ?? "mock config"} is not a valid MockConfigFile:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parsed per mocked response: sorted, non-overlapping, consecutive ranges from 0. */
interface Range {
  from: number;
  to: number;
  step: MockedStep;
}

/** Validates and indexes a mock config. */
export class MockConfigFile {
  private readonly ranges = new Map<string, Range[]>();

  constructor(
    readonly config: MockConfig,
    readonly file?: string,
  ) {
    const problems: string[] = [];
    for (const [name, steps] of Object.entries(config.MockedResponses)) {
      const badKeys = Object.keys(steps).filter((k) => !/^\d+(-\d+)?$/.test(k));
      for (const k of badKeys) {
        problems.push(`$.MockedResponses.${name}.${k}: invocation keys are "N" or "N-M" (e.g. "0", "1-2")`);
      }
      if (badKeys.length) continue;
      const ranges: Range[] = Object.entries(steps).map(([key, step]) => {
        const [a, b] = key.split("-").map(Number) as [number, number | undefined];
        return { from: a, to: b ?? a, step };
      });
      ranges.sort((x, y) => x.from - y.from);
      let expected = 0;
      for (const r of ranges) {
        if (r.to < r.from) problems.push(`$.MockedResponses.${name}: range "${r.from}-${r.to}" is reversed`);
        if (r.from !== expected) {
          problems.push(
            `$.MockedResponses.${name}: invocation numbers must be consecutive from 0; expected "${expected}" but found "${r.from}"`,
          );
        }
        expected = r.to + 1;
      }
      this.ranges.set(name, ranges);
    }
    for (const [sm, { TestCases }] of Object.entries(config.StateMachines)) {
      for (const [tc, states] of Object.entries(TestCases)) {
        for (const [state, response] of Object.entries(states)) {
          if (!this.ranges.has(response)) {
            problems.push(
              `$.StateMachines.${sm}.TestCases.${tc}.${state}: mocked response '${response}' is not defined under MockedResponses`,
            );
          }
        }
      }
    }
    if (problems.length) throw new MockConfigError(problems, file);
  }

  /** Parses JSON text or an already-parsed value. */
  static parse(source: string | unknown, file?: string): MockConfigFile {
    let value: unknown = source;
    if (typeof source === "string") {
      try {
        value = JSON.parse(source);
      } catch (e) {
        throw new MockConfigError([`not JSON: ${e instanceof Error ? e.message : String(e)}`], file);
      }
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new MockConfigError(
        parsed.error.issues.map(
          (i) => `$${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
        ),
        file,
      );
    }
    return new MockConfigFile(parsed.data as MockConfig, file);
  }

  /** The test case, or `undefined` when the state machine or test case is not defined. */
  testCase(stateMachineName: string, testCase: string): MockTestCase | undefined {
    const states = this.config.StateMachines[stateMachineName]?.TestCases[testCase];
    if (!states) return undefined;
    return new MockTestCase(testCase, states, this.ranges);
  }

  testCaseNames(stateMachineName: string): string[] {
    return Object.keys(this.config.StateMachines[stateMachineName]?.TestCases ?? {});
  }
}

/** One test case; `cursor()` gives a fresh per-execution counter. */
export class MockTestCase {
  constructor(
    readonly name: string,
    readonly states: Record<string, string>,
    private readonly ranges: Map<string, Range[]>,
  ) {}

  cursor(): MockCursor {
    return new MockCursor(this, this.ranges);
  }
}

/** The outcome of looking up a mocked state's next invocation. */
export type MockLookup =
  | { kind: "unmocked" }
  | { kind: "step"; step: MockedStep; invocation: number; response: string }
  | { kind: "exhausted"; invocation: number; response: string };

/** One counter per state per execution; every invocation (retries included) advances it. */
export class MockCursor {
  private readonly counts = new Map<string, number>();
  constructor(
    readonly testCase: MockTestCase,
    private readonly ranges: Map<string, Range[]>,
  ) {}

  next(stateName: string): MockLookup {
    const response = this.testCase.states[stateName];
    if (response === undefined) return { kind: "unmocked" };
    const invocation = this.counts.get(stateName) ?? 0;
    this.counts.set(stateName, invocation + 1);
    const range = this.ranges.get(response)?.find((r) => invocation >= r.from && invocation <= r.to);
    if (!range) return { kind: "exhausted", invocation, response };
    return { kind: "step", step: range.step, invocation, response };
  }
}
