import { StatesError, runtimeError } from "./errors";

/**
 * JSONPath Choice rules (`Variable` + one comparison operator, or `And` / `Or` / `Not`), evaluated with AWS's
 * semantics as recorded by the conformance corpus and written in the Amazon States Language specification:
 *
 * - Every value comparison is type-strict: when the `Variable` value (or a `*Path` value) is not of the operator's
 *   type the rule is simply false — never a coercion, never an error (`"1"` is not `NumericEquals: 1`).
 * - A `Variable` or `*Path` that selects nothing is a `States.Runtime` error for every operator except `IsPresent`,
 *   which exists to test exactly that.
 * - Numbers compare by value (`1` equals `1.0`, `-0` equals `0`); strings by UTF-16 code unit, which is what the
 *   AWS docs point at (Java's `String.compareTo`) and what JavaScript's `<` does.
 * - Timestamps are RFC 3339 strings with an uppercase `T` and a `Z` or `±hh:mm` offset, seconds required, up to nine
 *   fractional digits; they compare as instants at nanosecond precision (different offsets can be equal).
 * - `StringMatches`: `*` matches any run of characters, `\*` is a literal star, `\\` a literal backslash; any other
 *   backslash is an "open escape", a runtime error per the specification.
 */

/** Resolves a path for the Choice evaluator; how each kind is resolved is the caller's business. */
export interface ChoiceContext {
  /** Resolves `$...` (input), `$$...` (context object) and `$name...` (variables) paths: {found, value}. */
  resolve(path: string): { found: true; value: unknown } | { found: false };
}

/**
 * A Choice rule that AWS would have refused at `CreateStateMachine` (unknown operator, two operators, wrong operand
 * type, empty `And`, missing top-level `Next`, …). This is a harness failure, not a workflow outcome, so it is a
 * class of its own rather than a {@link StatesError}.
 */
export class InvalidChoiceRuleError extends Error {
  override readonly name = "InvalidChoiceRuleError";
  constructor(
    /** Where in the Choice state, e.g. `Choices[1].And[0]`. */
    readonly where: string,
    readonly detail: string,
  ) {
    super(`Invalid Choice rule at ${where}: ${detail}. Fix the state definition (AWS rejects it at creation).`);
  }
}

/**
 * Cause of `States.NoChoiceMatched`. UNVERIFIED: no AWS recording of this failure was found (neither in the corpus
 * nor in LocalStack's snapshots), so the wording is ours; it is state-scoped like other runtime failures.
 */
export const NO_CHOICE_MATCHED_CAUSE = "No Choice Rule matched and no Default state was specified.";

/** Evaluates one JSONPath Choice rule (a top-level rule or a nested one inside And/Or/Not). */
export function evaluateChoiceRule(rule: Record<string, unknown>, ctx: ChoiceContext): boolean {
  return evaluate(rule, ctx, "rule");
}

/**
 * Picks the first matching rule's Next, else Default; throws StatesError("States.NoChoiceMatched", <AWS's cause>)
 * when nothing matches and there is no Default. Returns the matched rule too (callers need its Assign/Output later).
 */
export function selectChoice(
  state: { Choices: Array<Record<string, unknown>>; Default?: string },
  ctx: ChoiceContext,
): { next: string; rule?: Record<string, unknown> } {
  if (!Array.isArray(state.Choices) || state.Choices.length === 0) {
    throw new InvalidChoiceRuleError("Choices", "must be a non-empty array of Choice Rules");
  }
  for (const [i, rule] of state.Choices.entries()) {
    const where = `Choices[${i}]`;
    if (!isObject(rule)) throw new InvalidChoiceRuleError(where, "a Choice Rule must be a JSON object");
    if (typeof rule.Next !== "string") throw new InvalidChoiceRuleError(where, "a top-level rule needs a string Next");
    if (evaluate(rule, ctx, where)) return { next: rule.Next, rule };
  }
  if (state.Default !== undefined) return { next: state.Default };
  throw new StatesError("States.NoChoiceMatched", NO_CHOICE_MATCHED_CAUSE, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Operator table

type Family = "String" | "Numeric" | "Boolean" | "Timestamp";
type Comparator = "Equals" | "LessThan" | "GreaterThan" | "LessThanEquals" | "GreaterThanEquals";
type TypeTest = "IsNull" | "IsPresent" | "IsNumeric" | "IsString" | "IsBoolean" | "IsTimestamp";

type Operator =
  | { kind: "compare"; family: Family; comparator: Comparator; viaPath: boolean }
  | { kind: "matches" }
  | { kind: "typeTest"; test: TypeTest };

const COMPARATORS: readonly Comparator[] = ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"];

const OPERATORS: ReadonlyMap<string, Operator> = (() => {
  const table = new Map<string, Operator>();
  const families: Array<[Family, readonly Comparator[]]> = [
    ["String", COMPARATORS],
    ["Numeric", COMPARATORS],
    ["Boolean", ["Equals"]],
    ["Timestamp", COMPARATORS],
  ];
  for (const [family, comparators] of families) {
    for (const comparator of comparators) {
      table.set(`${family}${comparator}`, { kind: "compare", family, comparator, viaPath: false });
      table.set(`${family}${comparator}Path`, { kind: "compare", family, comparator, viaPath: true });
    }
  }
  table.set("StringMatches", { kind: "matches" });
  for (const test of ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"] as const) {
    table.set(test, { kind: "typeTest", test });
  }
  return table;
})();

const LOGICAL = new Set(["And", "Or", "Not"]);
/** Fields a rule may carry besides its operator (`Output` belongs to JSONata rules but is harmless here). */
const NON_OPERATOR_FIELDS = new Set(["Variable", "Next", "Comment", "Assign", "Output"]);

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

function evaluate(rule: Record<string, unknown>, ctx: ChoiceContext, where: string): boolean {
  const operators: string[] = [];
  for (const key of Object.keys(rule)) {
    if (LOGICAL.has(key) || OPERATORS.has(key)) operators.push(key);
    else if (!NON_OPERATOR_FIELDS.has(key)) {
      throw new InvalidChoiceRuleError(where, `unknown field '${key}' (not a JSONPath comparison operator)`);
    }
  }
  if (operators.length !== 1) {
    throw new InvalidChoiceRuleError(
      where,
      operators.length === 0
        ? "no comparison operator and no And/Or/Not"
        : `exactly one operator allowed, found ${operators.join(", ")}`,
    );
  }
  const name = operators[0]!;
  if (LOGICAL.has(name)) return evaluateLogical(name as "And" | "Or" | "Not", rule, ctx, where);
  return evaluateDataTest(name, OPERATORS.get(name)!, rule, ctx, where);
}

function evaluateLogical(
  name: "And" | "Or" | "Not",
  rule: Record<string, unknown>,
  ctx: ChoiceContext,
  where: string,
): boolean {
  if ("Variable" in rule) throw new InvalidChoiceRuleError(where, `'${name}' cannot be combined with Variable`);
  const operand = rule[name];
  if (name === "Not") {
    if (!isObject(operand)) throw new InvalidChoiceRuleError(where, "Not takes a single Choice Rule object");
    return !evaluate(nestedRule(operand, `${where}.Not`), ctx, `${where}.Not`);
  }
  if (!Array.isArray(operand) || operand.length === 0) {
    throw new InvalidChoiceRuleError(where, `${name} takes a non-empty array of Choice Rules`);
  }
  // Short-circuits like AWS ("ceasing array processing when the boolean value has been unambiguously determined"):
  // a later rule's missing Variable only fails the state if evaluation reaches it.
  for (const [i, sub] of operand.entries()) {
    const subWhere = `${where}.${name}[${i}]`;
    if (!isObject(sub)) throw new InvalidChoiceRuleError(subWhere, "a Choice Rule must be a JSON object");
    const result = evaluate(nestedRule(sub, subWhere), ctx, subWhere);
    if (name === "And" && !result) return false;
    if (name === "Or" && result) return true;
  }
  return name === "And";
}

function nestedRule(rule: Record<string, unknown>, where: string): Record<string, unknown> {
  if ("Next" in rule) throw new InvalidChoiceRuleError(where, "nested rules must not have Next");
  return rule;
}

function evaluateDataTest(
  name: string,
  op: Operator,
  rule: Record<string, unknown>,
  ctx: ChoiceContext,
  where: string,
): boolean {
  const variable = rule.Variable;
  if (typeof variable !== "string" || !variable.startsWith("$")) {
    throw new InvalidChoiceRuleError(where, `${name} needs a Variable that is a path starting with '$'`);
  }
  const operand = rule[name];
  checkOperand(name, op, operand, where);
  const pattern = op.kind === "matches" ? compileStringMatches(operand as string) : undefined;

  const selected = ctx.resolve(variable);
  if (op.kind === "typeTest" && op.test === "IsPresent") return selected.found === operand;
  if (!selected.found) throw invalidPath(variable);
  const value = selected.value;

  switch (op.kind) {
    case "typeTest":
      return typeTest(op.test, value) === operand;
    case "matches":
      return typeof value === "string" && globMatches(pattern!, value);
    case "compare": {
      let other: unknown = operand;
      if (op.viaPath) {
        const resolved = ctx.resolve(operand as string);
        if (!resolved.found) throw invalidPath(operand as string);
        other = resolved.value;
      }
      return compare(op.family, op.comparator, value, other);
    }
  }
}

/** AWS's cause for a Variable / `*Path` that selects nothing (the interpreter adds the state prefix). */
function invalidPath(path: string): StatesError {
  return runtimeError(`Invalid path '${path}': The choice state's condition path references an invalid value.`);
}

/** Operand types AWS enforces when the state machine is created. */
function checkOperand(name: string, op: Operator, operand: unknown, where: string): void {
  const fail = (expected: string): never => {
    throw new InvalidChoiceRuleError(where, `${name} takes ${expected}, got ${JSON.stringify(operand)}`);
  };
  if (op.kind === "typeTest") {
    if (typeof operand !== "boolean") fail("true or false");
  } else if (op.kind === "matches") {
    if (typeof operand !== "string") fail("a string pattern");
  } else if (op.viaPath) {
    if (typeof operand !== "string" || !operand.startsWith("$")) fail("a path starting with '$'");
  } else if (op.family === "Numeric") {
    if (typeof operand !== "number" || !Number.isFinite(operand)) fail("a number");
  } else if (op.family === "Boolean") {
    if (typeof operand !== "boolean") fail("true or false");
  } else if (op.family === "String") {
    if (typeof operand !== "string") fail("a string");
  } else if (typeof operand !== "string" || parseTimestamp(operand) === undefined) {
    fail('an RFC 3339 timestamp string such as "2016-03-14T01:59:00Z"');
  }
}

function typeTest(test: TypeTest, value: unknown): boolean {
  switch (test) {
    case "IsPresent":
      return true; // only reached with a value in hand
    case "IsNull":
      return value === null;
    case "IsNumeric":
      return typeof value === "number";
    case "IsString":
      return typeof value === "string";
    case "IsBoolean":
      return typeof value === "boolean";
    case "IsTimestamp":
      return typeof value === "string" && parseTimestamp(value) !== undefined;
  }
}

/** Type-strict comparison: false unless both sides are of the family's type. */
function compare(family: Family, comparator: Comparator, left: unknown, right: unknown): boolean {
  let order: number;
  switch (family) {
    case "Numeric":
      if (typeof left !== "number" || typeof right !== "number") return false;
      order = left < right ? -1 : left > right ? 1 : 0;
      break;
    case "String":
      if (typeof left !== "string" || typeof right !== "string") return false;
      order = left < right ? -1 : left > right ? 1 : 0;
      break;
    case "Boolean":
      if (typeof left !== "boolean" || typeof right !== "boolean") return false;
      order = left === right ? 0 : 1;
      break;
    case "Timestamp": {
      if (typeof left !== "string" || typeof right !== "string") return false;
      const a = parseTimestamp(left);
      const b = parseTimestamp(right);
      if (a === undefined || b === undefined) return false;
      order = a.seconds !== b.seconds ? Math.sign(a.seconds - b.seconds) : Math.sign(a.nanos - b.nanos);
      break;
    }
  }
  switch (comparator) {
    case "Equals":
      return order === 0;
    case "LessThan":
      return order < 0;
    case "GreaterThan":
      return order > 0;
    case "LessThanEquals":
      return order <= 0;
    case "GreaterThanEquals":
      return order >= 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Timestamps

/** An instant: whole seconds since the epoch plus nanoseconds (JS `Date` would drop everything below a millisecond). */
interface Instant {
  seconds: number;
  nanos: number;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses the timestamp profile of the States Language (RFC 3339, uppercase `T`, `Z` or a numeric offset). Calendar
 * fields are validated strictly (no 2023-02-30, no hour 24, no leap second 60), the offset is at most ±18:00 and the
 * fraction at most nine digits — the limits of `java.time`, which AWS's recorded Wait-state errors show it uses.
 */
function parseTimestamp(text: string): Instant | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetSeconds = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (om > 59 || oh > 18 || (oh === 18 && om > 0)) return undefined;
    offsetSeconds = (m[8] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0"));
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return { seconds, nanos };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

// ---------------------------------------------------------------------------------------------------------------
// StringMatches

const STAR: unique symbol = Symbol("*");
type GlobToken = string | typeof STAR;

const PATTERN_CACHE = new Map<string, GlobToken[]>();

/** Splits a StringMatches pattern into single characters and wildcards, resolving `\*` and `\\`. */
function compileStringMatches(pattern: string): GlobToken[] {
  const cached = PATTERN_CACHE.get(pattern);
  if (cached) return cached;
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") tokens.push(STAR);
    else if (c !== "\\") tokens.push(c);
    else {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") {
        // Specification: "If an open escape backslash \ is found in the StringMatches string, the interpreter will
        // throw a runtime error." AWS's wording is not recorded anywhere we could find.
        throw runtimeError(
          `The StringMatches pattern '${pattern}' has an open escape at index ${i}: only '\\*' and '\\\\' are escapes.`,
        );
      }
      tokens.push(next);
      i++;
    }
  }
  if (PATTERN_CACHE.size > 1000) PATTERN_CACHE.clear();
  PATTERN_CACHE.set(pattern, tokens);
  return tokens;
}

/** Wildcard match with single-star backtracking: O(pattern × text), no regular-expression blow-up. */
function globMatches(tokens: GlobToken[], text: string): boolean {
  let t = 0;
  let i = 0;
  let starToken = -1;
  let starText = 0;
  while (i < text.length) {
    const token = tokens[t];
    if (token === STAR) {
      starToken = t++;
      starText = i;
    } else if (token !== undefined && token === text[i]) {
      t++;
      i++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      i = ++starText;
    } else {
      return false;
    }
  }
  while (tokens[t] === STAR) t++;
  return t === tokens.length;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
