import { createHash } from "node:crypto";
import { StatesError, runtimeError } from "./errors";

/**
 * Amazon States Language intrinsic functions (`States.Format('{} x', $.a)`, `States.ArrayRange(1, 9, 2)`, …) as AWS
 * evaluates them in JSONPath payload templates.
 *
 * Fidelity notes (each backed by executions recorded against real AWS: the conformance corpus, LocalStack's
 * AWS-validated snapshots, and the AWS snapshots of github.com/gabrielmoreira/tiny-asl-machine):
 * - Every runtime failure is `States.Runtime` (not `States.IntrinsicFailure`), with the cause
 *   "There was an error while evaluating the intrinsic function: <expression>. Invalid arguments in States.<Fn>".
 *   Wrong argument counts are runtime failures too; only malformed syntax is rejected at definition time.
 * - AWS runs on the JVM and converts JSON to Java objects: States.Format renders objects as `{a=1, b=[]}`
 *   (`Map.toString`), ArrayContains compares those string forms (so `true` matches `"true"` and key order matters),
 *   ArrayUnique iterates a `java.util.HashSet` (so `[true, false]` comes out `[false, true]`), and a seeded
 *   States.MathRandom is `start + new java.util.Random(seed).nextInt(end - start)`.
 * - Fractional arguments are truncated (Java `(int)`) by ArrayRange, ArrayPartition, ArrayGetItem and MathRandom,
 *   but rounded half-up (Java `Math.round`) by MathAdd.
 */

/** The intrinsic functions AWS knows; any other `States.X(…)` is a definition error. */
export const INTRINSIC_FUNCTIONS = [
  "States.Format",
  "States.StringToJson",
  "States.JsonToString",
  "States.Array",
  "States.ArrayPartition",
  "States.ArrayContains",
  "States.ArrayRange",
  "States.ArrayGetItem",
  "States.ArrayLength",
  "States.ArrayUnique",
  "States.Base64Encode",
  "States.Base64Decode",
  "States.Hash",
  "States.JsonMerge",
  "States.MathRandom",
  "States.MathAdd",
  "States.StringSplit",
  "States.UUID",
] as const;

/** Name of an intrinsic function, e.g. `States.Format`. */
export type IntrinsicFunctionName = (typeof INTRINSIC_FUNCTIONS)[number];

/** AWS documents "You can nest up to 10 intrinsic functions within a field"; deeper nesting is rejected. */
export const MAX_INTRINSIC_NESTING = 10;

/**
 * A malformed intrinsic function call — a definition error (AWS: "The value for the field 'x.$' must be a valid
 * JSONPath or a valid intrinsic function call"). `position` is the 0-based offset in `expression` where parsing
 * stopped; the state machine validator reports it with the field's location.
 */
export class IntrinsicSyntaxError extends Error {
  override readonly name = "IntrinsicSyntaxError";
  constructor(
    readonly expression: string,
    readonly position: number,
    readonly detail: string,
  ) {
    super(`${detail} at position ${position} of ${JSON.stringify(expression)}`);
  }
}

/** What an intrinsic needs from the engine: path resolution and the execution's seeded random sources. */
export interface IntrinsicContext {
  /** Resolves `$…`, `$$…` or `$var…`; throws a StatesError when the path is missing. */
  resolve(path: string): unknown;
  /** Seeded source in [0, 1). */
  random(): number;
  /** A v4 UUID drawn from the seeded source. */
  uuid(): string;
}

/** Parsed form of an intrinsic call. */
export type IntrinsicNode =
  | { kind: "call"; name: IntrinsicFunctionName; args: IntrinsicNode[]; position: number }
  | { kind: "string"; value: string; escapedBraces: ReadonlySet<number> }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "path"; path: string };

/** A parsed top-level call. */
export type IntrinsicCall = Extract<IntrinsicNode, { kind: "call" }>;

const PARSE_CACHE = new Map<string, IntrinsicCall | IntrinsicSyntaxError>();

/** True if the string is an intrinsic function call (starts with `States.` and parses as a call). */
export function isIntrinsic(s: string): boolean {
  if (!s.startsWith("States.")) return false;
  return !(parseCached(s) instanceof IntrinsicSyntaxError);
}

/** Parses an intrinsic call (cached by string); throws {@link IntrinsicSyntaxError} when malformed. */
export function parseIntrinsic(expr: string): IntrinsicCall {
  const parsed = parseCached(expr);
  if (parsed instanceof IntrinsicSyntaxError) throw parsed;
  return parsed;
}

/**
 * Parses once (cache by string) and evaluates. `resolve(path)` resolves a JSONPath argument (`$.x`, `$$.x`, `$var.x`
 * variables; it throws StatesError itself when the path is missing) and returns its value. `random` is the engine's
 * seeded source in [0,1). `uuid` returns a v4 UUID string from the seeded source.
 *
 * Failures are state-scoped `States.Runtime` StatesErrors whose cause is AWS's text without the
 * "An error occurred while executing the state …" prefix. A StatesError thrown by `resolve` is re-worded as AWS does
 * inside an intrinsic: "The function '<expr>' had the following error: The JsonPath argument for the field '<path>'
 * could not be found in the input '<json>'" (the input text is taken from the resolver's own
 * "… could not be found in the input '<json>'" message).
 */
export function evaluateIntrinsic(expr: string, ctx: IntrinsicContext): unknown {
  return new Evaluation(expr, ctx).call(parseIntrinsic(expr));
}

function parseCached(expr: string): IntrinsicCall | IntrinsicSyntaxError {
  let parsed = PARSE_CACHE.get(expr);
  if (parsed === undefined) {
    try {
      parsed = new Parser(expr).top();
    } catch (e) {
      if (!(e instanceof IntrinsicSyntaxError)) throw e;
      parsed = e;
    }
    if (PARSE_CACHE.size > 10_000) PARSE_CACHE.clear();
    PARSE_CACHE.set(expr, parsed);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

const FUNCTION_SET: ReadonlySet<string> = new Set(INTRINSIC_FUNCTIONS);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z0-9_]+/y;
const NAME = /[A-Za-z0-9]*/y;

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** Characters that may follow a literal or path argument. */
function isDelimiter(c: string | undefined): boolean {
  return c === undefined || c === "," || c === ")" || isSpace(c);
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  top(): IntrinsicCall {
    const call = this.call(1);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text[this.pos]}' after the call's closing ')'`);
    return call;
  }

  private fail(detail: string, at = this.pos): never {
    throw new IntrinsicSyntaxError(this.text, at, detail);
  }

  private skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  private call(depth: number): IntrinsicCall {
    const start = this.pos;
    if (!this.text.startsWith("States.", start)) this.fail("expected an intrinsic function call 'States.<Name>(…)'");
    NAME.lastIndex = start + 7;
    const name = `States.${NAME.exec(this.text)![0]}`;
    if (!FUNCTION_SET.has(name)) this.fail(`unknown intrinsic function '${name}'`);
    if (depth > MAX_INTRINSIC_NESTING) {
      this.fail(`intrinsic functions nest at most ${MAX_INTRINSIC_NESTING} deep; '${name}' is call number ${depth}`);
    }
    this.pos = start + name.length;
    this.skipSpace();
    if (this.text[this.pos] !== "(") this.fail(`expected '(' after ${name}`);
    this.pos++;
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail(`missing ')' to close ${name}(`);
    const args: IntrinsicNode[] = [];
    const node: IntrinsicCall = { kind: "call", name: name as IntrinsicFunctionName, args, position: start };
    if (this.text[this.pos] === ")") {
      this.pos++;
      return node;
    }
    for (;;) {
      args.push(this.argument(depth));
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        this.skipSpace();
      } else if (c === ")") {
        this.pos++;
        return node;
      } else if (c === undefined) {
        this.fail(`missing ')' to close ${name}(`);
      } else {
        this.fail(`expected ',' or ')' in the arguments of ${name} but found '${c}'`);
      }
    }
  }

  private argument(depth: number): IntrinsicNode {
    const c = this.text[this.pos];
    if (c === "'") return this.string();
    if (c === "$") return this.path();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    if (this.text.startsWith("States.", this.pos)) return this.call(depth + 1);
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text)?.[0];
    if (word === "true" || word === "false" || word === "null") {
      const end = this.pos + word.length;
      if (isDelimiter(this.text[end])) {
        this.pos = end;
        return word === "null" ? { kind: "null" } : { kind: "boolean", value: word === "true" };
      }
    }
    if (c === undefined) this.fail("unexpected end of input where an argument was expected");
    this.fail(
      `expected an argument ('string', number, true, false, null, $path or States.<Function>(…)) but found '${c}'`,
    );
  }

  private number(): IntrinsicNode {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || !isDelimiter(this.text[this.pos + m[0].length])) {
      this.fail("malformed number literal (JSON number syntax, e.g. 3, -1.5, 2e3)");
    }
    this.pos += m[0].length;
    const value = Number(m[0]);
    return { kind: "number", value: Object.is(value, -0) ? 0 : value };
  }

  /** `'…'` with the escapes AWS allows: `\'`, `\{`, `\}`, `\\` (any other backslash is a definition error). */
  private string(): IntrinsicNode {
    const start = this.pos;
    let i = start + 1;
    let value = "";
    const escapedBraces = new Set<number>();
    for (;;) {
      const c = this.text[i];
      if (c === undefined) this.fail("unterminated string literal (missing closing ')", start);
      if (c === "'") break;
      if (c === "\\") {
        const n = this.text[i + 1];
        if (n === "'" || n === "\\" || n === "{" || n === "}") {
          if (n === "{" || n === "}") escapedBraces.add(value.length);
          value += n;
          i += 2;
          continue;
        }
        this.fail(
          `invalid escape '\\${n ?? ""}' in a string literal; only \\' \\{ \\} and \\\\ are allowed (in JSON: "\\\\'")`,
          i,
        );
      }
      value += c;
      i++;
    }
    this.pos = i + 1;
    return { kind: "string", value, escapedBraces };
  }

  /** `$…`, `$$…` or `$var…`, up to the next top-level `,` `)` or space (brackets and quotes may hold them). */
  private path(): IntrinsicNode {
    const start = this.pos;
    let i = start;
    let depth = 0;
    let quote: string | undefined;
    for (; i < this.text.length; i++) {
      const c = this.text[i]!;
      if (quote !== undefined) {
        if (c === "\\") i++;
        else if (c === quote) quote = undefined;
      } else if (c === "[") depth++;
      else if (c === "]") {
        if (--depth < 0) this.fail("unbalanced ']' in path", i);
      } else if (depth > 0 && (c === "'" || c === '"')) quote = c;
      else if (depth === 0 && (c === "," || c === ")" || isSpace(c))) break;
      else if (depth === 0 && c === "(") this.fail("unexpected '(' in path", i);
    }
    if (quote !== undefined || depth > 0) this.fail("unterminated '[' in path", start);
    this.pos = i;
    return { kind: "path", path: this.text.slice(start, i) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

interface Invocation {
  /** Throws AWS's generic "Invalid arguments in States.X". */
  invalid(): never;
  /** Throws with an AWS detail after the expression, e.g. "Invalid template in States.Format: …". */
  fail(detail: string): never;
  ctx: IntrinsicContext;
}

type Implementation = (args: unknown[], inv: Invocation) => unknown;

class Evaluation {
  constructor(
    private readonly expr: string,
    private readonly ctx: IntrinsicContext,
  ) {}

  call(node: IntrinsicCall): unknown {
    const args = node.args.map((a) => this.value(a));
    const fail = (detail: string): never => {
      throw runtimeError(`There was an error while evaluating the intrinsic function: ${this.expr}. ${detail}`);
    };
    const inv: Invocation = { invalid: () => fail(`Invalid arguments in ${node.name}`), fail, ctx: this.ctx };
    if (node.name === "States.Format") return format(node, args, inv);
    return IMPLEMENTATIONS[node.name](args, inv);
  }

  private value(node: IntrinsicNode): unknown {
    switch (node.kind) {
      case "call":
        return this.call(node);
      case "string":
      case "number":
      case "boolean":
        return node.value;
      case "null":
        return null;
      case "path":
        return this.resolve(node.path);
    }
  }

  private resolve(path: string): unknown {
    try {
      return this.ctx.resolve(path);
    } catch (e) {
      if (!(e instanceof StatesError)) throw e;
      const input = /could not be found in the input '([\s\S]*)'$/.exec(e.cause ?? "")?.[1];
      const detail =
        input === undefined
          ? (e.cause ?? e.error)
          : `The JsonPath argument for the field '${path}' could not be found in the input '${input}'`;
      throw new StatesError(e.error, `The function '${this.expr}' had the following error: ${detail}`, true);
    }
  }
}

function arity(args: unknown[], inv: Invocation, min: number, max = min): void {
  if (args.length < min || args.length > max) inv.invalid();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Java `(int) x` of a JSON number (truncation toward zero); not a number or out of int range → invalid. */
function truncatedInt(v: unknown, inv: Invocation): number {
  if (typeof v !== "number" || !Number.isFinite(v)) inv.invalid();
  const n = Math.trunc(v as number);
  if (n < INT_MIN || n > INT_MAX) inv.invalid();
  return n === 0 ? 0 : n;
}

/** Java `Math.round` (half up) of a JSON number, which must land in int range (States.MathAdd). */
function roundedInt(v: unknown, inv: Invocation): number {
  if (typeof v !== "number" || !Number.isFinite(v)) inv.invalid();
  const n = Math.round(v as number);
  if (n < INT_MIN || n > INT_MAX) inv.invalid();
  return n === 0 ? 0 : n;
}

function stringArg(v: unknown, inv: Invocation): string {
  if (typeof v !== "string") inv.invalid();
  return v as string;
}

function arrayArg(v: unknown, inv: Invocation): unknown[] {
  if (!Array.isArray(v)) inv.invalid();
  return v as unknown[];
}

/** AWS limit on the input of Base64Encode, Base64Decode and Hash. */
const MAX_STRING_INPUT = 10_000;
/** AWS limit on the size of the array States.ArrayRange builds. */
const MAX_RANGE_ITEMS = 1000;
/** Hash algorithm names Step Functions accepts (States.Hash, $hash) → node:crypto names. */
export const HASH_ALGORITHMS: Record<string, string> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

const IMPLEMENTATIONS: Record<Exclude<IntrinsicFunctionName, "States.Format">, Implementation> = {
  "States.Array": (args) => args,

  "States.ArrayPartition": (args, inv) => {
    arity(args, inv, 2);
    const array = arrayArg(args[0], inv);
    const size = truncatedInt(args[1], inv);
    if (size < 1) inv.invalid();
    const chunks: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
    return chunks;
  },

  "States.ArrayContains": (args, inv) => {
    arity(args, inv, 2);
    const array = arrayArg(args[0], inv);
    // Observed on AWS: items compare by their Java string form (`true` matches "true"; object key order matters).
    const wanted = javaToString(args[1]);
    return array.some((item) => javaToString(item) === wanted);
  },

  "States.ArrayRange": (args, inv) => {
    arity(args, inv, 3);
    const start = truncatedInt(args[0], inv);
    const end = truncatedInt(args[1], inv);
    const step = truncatedInt(args[2], inv);
    if (step === 0) inv.invalid();
    const count =
      step > 0
        ? start <= end
          ? Math.floor((end - start) / step) + 1
          : 0
        : start >= end
          ? Math.floor((start - end) / -step) + 1
          : 0;
    if (count > MAX_RANGE_ITEMS) inv.invalid();
    return Array.from({ length: count }, (_, i) => start + i * step);
  },

  "States.ArrayGetItem": (args, inv) => {
    arity(args, inv, 2);
    const array = arrayArg(args[0], inv);
    const index = truncatedInt(args[1], inv);
    if (index < 0) inv.invalid();
    // Observed on AWS: any index into an empty array yields null, while index >= length of a non-empty array fails.
    if (array.length === 0) return null;
    if (index >= array.length) inv.invalid();
    return array[index];
  },

  "States.ArrayLength": (args, inv) => {
    arity(args, inv, 1);
    return arrayArg(args[0], inv).length;
  },

  "States.ArrayUnique": (args, inv) => {
    arity(args, inv, 1);
    return javaHashSetOrder(arrayArg(args[0], inv));
  },

  "States.Base64Encode": (args, inv) => {
    arity(args, inv, 1);
    const s = stringArg(args[0], inv);
    if (s.length > MAX_STRING_INPUT) inv.invalid();
    return Buffer.from(s, "utf8").toString("base64");
  },

  "States.Base64Decode": (args, inv) => {
    arity(args, inv, 1);
    const s = stringArg(args[0], inv);
    if (s.length > MAX_STRING_INPUT) inv.invalid();
    return new TextDecoder("utf-8").decode(lenientBase64Decode(s));
  },

  "States.Hash": (args, inv) => {
    arity(args, inv, 2);
    // Observed on AWS: non-string data is hashed in its Java string form; the algorithm must be a listed name.
    const data = typeof args[0] === "string" ? args[0] : javaToString(args[0]);
    const algorithm = typeof args[1] === "string" ? HASH_ALGORITHMS[args[1]] : undefined;
    if (algorithm === undefined || data.length > MAX_STRING_INPUT) inv.invalid();
    return createHash(algorithm!).update(Buffer.from(data, "utf8")).digest("hex");
  },

  "States.JsonMerge": (args, inv) => {
    arity(args, inv, 3);
    const [a, b, deep] = args;
    // Only shallow merging exists; AWS treats any third argument other than boolean true as "shallow".
    if (!isObject(a) || !isObject(b) || deep === true) inv.invalid();
    const merged: Record<string, unknown> = {};
    for (const source of [a, b] as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(source)) {
        Object.defineProperty(merged, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
    return merged;
  },

  "States.JsonToString": (args, inv) => {
    arity(args, inv, 1);
    return javaJson(args[0]);
  },

  "States.StringToJson": (args, inv) => {
    arity(args, inv, 1);
    const s = stringArg(args[0], inv);
    if (isBlank(s)) return null;
    try {
      return JSON.parse(s, (_k, v: unknown) => (Object.is(v, -0) ? 0 : v));
    } catch {
      return inv.invalid();
    }
  },

  "States.MathRandom": (args, inv) => {
    arity(args, inv, 2, 3);
    const start = truncatedInt(args[0], inv);
    const end = truncatedInt(args[1], inv);
    const bound = end - start;
    if (bound <= 0 || bound > INT_MAX) inv.invalid();
    if (args.length === 2) return start + Math.floor(inv.ctx.random() * bound);
    const seed = args[2];
    if (typeof seed !== "number" || !Number.isFinite(seed)) return inv.invalid();
    return start + new JavaRandom(seed).nextInt(bound);
  },

  "States.MathAdd": (args, inv) => {
    arity(args, inv, 2);
    const sum = roundedInt(args[0], inv) + roundedInt(args[1], inv);
    if (sum < INT_MIN || sum > INT_MAX) inv.invalid();
    return sum;
  },

  "States.StringSplit": (args, inv) => {
    arity(args, inv, 2);
    return tokenize(stringArg(args[0], inv), stringArg(args[1], inv));
  },

  // Observed on AWS: arguments are accepted and ignored.
  "States.UUID": (_args, inv) => inv.ctx.uuid(),
};

/**
 * States.Format: `{}` placeholders, filled with each argument's Java string form (strings raw, `null`, `true`,
 * `1.5`, `{a=1, b=[x]}`). In a literal template `\{` and `\}` are plain braces; any other lone brace fails.
 */
function format(node: IntrinsicCall, args: unknown[], inv: Invocation): string {
  if (args.length === 0) inv.invalid();
  const first = node.args[0]!;
  const template = typeof args[0] === "string" ? args[0] : javaToString(args[0]);
  const escaped = first.kind === "string" ? first.escapedBraces : new Set<number>();
  const parts: string[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if ((c === "{" || c === "}") && !escaped.has(i)) {
      if (c === "}") inv.fail("Invalid template in States.Format: matching '{' not found for '}'.");
      if (template[i + 1] !== "}" || escaped.has(i + 1)) {
        inv.fail("Invalid template in States.Format: matching '}' not found for '{'.");
      }
      parts.push(literal);
      literal = "";
      i++;
    } else literal += c;
  }
  if (parts.length !== args.length - 1) {
    inv.fail("Invalid arguments in States.Format: number of arguments do not match the occurrences of {}.");
  }
  return parts.map((p, i) => p + javaToString(args[i + 1])).join("") + literal;
}

/** Java `String.trim().isEmpty()`: only characters up to U+0020. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x20) return false;
  return true;
}

/** Splits on any of the delimiter characters and drops empty tokens (`java.util.StringTokenizer`). */
function tokenize(s: string, delimiters: string): string[] {
  const delims = new Set(delimiters);
  const tokens: string[] = [];
  let token = "";
  for (const c of s) {
    if (delims.has(c)) {
      if (token !== "") tokens.push(token);
      token = "";
    } else token += c;
  }
  if (token !== "") tokens.push(token);
  return tokens;
}

const BASE64_VALUES = new Map<string, number>(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]),
);
BASE64_VALUES.set("-", 62);
BASE64_VALUES.set("_", 63);

/**
 * Lenient Base64 as AWS applies it (observed: `'!!!invalid!!!'`, `'abc'`, `'ab==cd'`, `' YWJjZA== '` all decode):
 * characters outside the alphabet are skipped, decoding stops at the first `=`, leftover bits are dropped.
 */
function lenientBase64Decode(s: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  for (const c of s) {
    if (c === "=") break;
    const v = BASE64_VALUES.get(c);
    if (v === undefined) continue;
    bits = (bits << 6) | v;
    if (++count === 4) {
      out.push((bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count === 2) out.push((bits >> 4) & 0xff);
  if (count === 3) out.push((bits >> 10) & 0xff, (bits >> 2) & 0xff);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Java semantics of JSON values (AWS's intrinsics run on the JVM over Java objects: Integer/Long/Double, String,
// Boolean, null, List, Map).

const LONG_LIMIT = 2 ** 63;

function isJavaIntegral(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < LONG_LIMIT;
}

/** `Double.toString`: plain for 1e-3 <= |d| < 1e7 ("12.5", "100.0"), otherwise computerized ("1.0E-4", "1.5E7"). */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return "NaN";
  if (!Number.isFinite(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(d);
  const [mantissa, exponent] = abs.toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exp = Number(exponent);
  const sign = d < 0 ? "-" : "";
  if (abs >= 1e-3 && abs < 1e7) {
    if (exp >= 0) {
      const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
    }
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || "0"}E${exp}`;
}

function javaNumberToString(n: number): string {
  return isJavaIntegral(n) ? BigInt(n).toString() : javaDoubleToString(n);
}

/** `String.valueOf` of the Java form of a JSON value: `{a=1, b=[x, null]}`, `1.5`, `true`, strings raw. */
export function javaToString(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "number") return javaNumberToString(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(javaToString).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${javaToString(x)}`)
    .join(", ")}}`;
}

function javaJsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (c === "\b") out += "\\b";
    else if (c === "\f") out += "\\f";
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += c;
  }
  return out + '"';
}

/** Compact JSON as Jackson writes it (key order kept, doubles via `Double.toString`). */
export function javaJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return javaJsonString(v);
  if (typeof v === "number") return javaNumberToString(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(javaJson).join(",")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${javaJsonString(k)}:${javaJson(x)}`)
    .join(",")}}`;
}

function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function longHash(b: bigint): number {
  return Number(BigInt.asIntN(32, b)) ^ Number(BigInt.asIntN(32, b >> 32n));
}

const FLOAT_VIEW = new DataView(new ArrayBuffer(8));

function numberHash(n: number): number {
  if (isJavaIntegral(n)) {
    if (n >= INT_MIN && n <= INT_MAX) return n | 0; // Integer
    return longHash(BigInt(n)); // Long
  }
  if (Number.isInteger(n)) {
    // BigInteger: 31-polynomial over the magnitude's big-endian 32-bit words, times the signum.
    let mag = BigInt(Math.abs(n));
    const words: number[] = [];
    while (mag > 0n) {
      words.unshift(Number(mag & 0xffffffffn));
      mag >>= 32n;
    }
    let h = 0;
    for (const w of words) h = (Math.imul(31, h) + w) | 0;
    return n < 0 ? -h | 0 : h;
  }
  FLOAT_VIEW.setFloat64(0, n); // Double: bits ^ (bits >>> 32)
  return FLOAT_VIEW.getInt32(0) ^ FLOAT_VIEW.getInt32(4);
}

/** `hashCode()` of the Java form of a JSON value. */
function javaHashCode(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "string") return stringHash(v);
  if (typeof v === "number") return numberHash(v);
  if (typeof v === "boolean") return v ? 1231 : 1237;
  if (Array.isArray(v)) {
    let h = 1;
    for (const x of v) h = (Math.imul(31, h) + javaHashCode(x)) | 0;
    return h;
  }
  let h = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) h = (h + (stringHash(k) ^ javaHashCode(x))) | 0;
  return h;
}

/** `equals()` of the Java forms: objects compare as maps (key order ignored), arrays element-wise. */
function javaEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => javaEquals(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && javaEquals(a[k], b[k]));
  }
  return false;
}

function tableSizeFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

/**
 * The iteration order of `new java.util.HashSet<>(list)`: distinct values (first occurrence kept), ordered by hash
 * bucket then insertion — which is what States.ArrayUnique returns on AWS. Resizes are simulated (including the
 * resize a crowded bucket triggers in a small table); the order inside treeified buckets is approximated.
 */
function javaHashSetOrder(values: unknown[]): unknown[] {
  let capacity = tableSizeFor(Math.max(Math.floor(Math.fround(values.length / 0.75)) + 1, 16));
  let table: Array<Array<{ hash: number; value: unknown }>> = Array.from({ length: capacity }, () => []);
  let size = 0;
  const resize = (): void => {
    const old = table;
    capacity *= 2;
    table = Array.from({ length: capacity }, () => []);
    for (const bucket of old) for (const e of bucket) table[e.hash & (capacity - 1)]!.push(e);
  };
  for (const value of values) {
    const h = javaHashCode(value);
    const hash = h ^ (h >>> 16);
    const bucket = table[hash & (capacity - 1)]!;
    if (bucket.some((e) => e.hash === hash && javaEquals(e.value, value))) continue;
    const before = bucket.length;
    bucket.push({ hash, value });
    if (before >= 8 && capacity < 64) resize();
    if (++size > Math.floor(capacity * 0.75)) resize();
  }
  return table.flatMap((bucket) => bucket.map((e) => e.value));
}

/** `java.util.Random` (48-bit LCG) — enough of it for `nextInt(bound)`. */
class JavaRandom {
  private static readonly MULTIPLIER = 0x5deece66dn;
  private static readonly MASK = (1n << 48n) - 1n;
  private seed: bigint;

  constructor(seed: number) {
    const clamped = Math.max(-LONG_LIMIT, Math.min(LONG_LIMIT - 1, Math.trunc(seed)));
    this.seed = (BigInt.asIntN(64, BigInt(clamped)) ^ JavaRandom.MULTIPLIER) & JavaRandom.MASK;
  }

  private next(bits: number): number {
    this.seed = (this.seed * JavaRandom.MULTIPLIER + 0xbn) & JavaRandom.MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  nextInt(bound: number): number {
    let r = this.next(31);
    const m = bound - 1;
    if ((bound & m) === 0) return Number((BigInt(bound) * BigInt(r)) >> 31n);
    for (let u = r; ((u - (r = u % bound) + m) | 0) < 0; u = this.next(31));
    return r;
  }
}
