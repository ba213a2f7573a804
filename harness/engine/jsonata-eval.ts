import jsonata from "jsonata";
import { createHash } from "node:crypto";
import { HASH_ALGORITHMS } from "./intrinsics";
import { StatesError, queryEvaluationError } from "./errors";

/**
 * JSONata-mode evaluation: `{% expression %}` strings anywhere inside a field's value, with `$states` and the
 * state's variables bound, plus the functions Step Functions adds to JSONata (`$partition`, `$range`, `$hash`,
 * `$random`, `$uuid`, `$parse`) and `$now()` / `$millis()` from the engine's clock.
 */
export interface JsonataScope {
  /** `$states`: input, context, and (where the field allows) result / errorOutput. */
  states: Record<string, unknown>;
  /** Variable lookup (only variables an expression mentions are looked up). */
  variable(name: string): { found: true; value: unknown } | { found: false };
  now(): number;
  random(): number;
  uuid(): string;
}

const EXPRESSION = /^\{%(.*)%\}$/s;
/** A compiled expression and the `$names` it mentions (only those are bound per evaluation). */
interface Compiled {
  expr: jsonata.Expression;
  refs: string[];
}
const compiled = new Map<string, Compiled>();

/** True when the string is a whole JSONata expression `{% ... %}`. */
export function isJsonataExpression(value: unknown): value is string {
  return typeof value === "string" && EXPRESSION.test(value);
}

function compile(expr: string, field: string): Compiled {
  let c = compiled.get(expr);
  if (!c) {
    let e: jsonata.Expression;
    try {
      e = jsonata(expr);
    } catch (err) {
      throw queryEvaluationError(
        `The JSONata expression '${expr}' specified for the field '${field}' could not be parsed: ${jsonataMessage(err)}`,
      );
    }
    // Execution-independent additions live in the expression's own environment, bound once.
    for (const [name, fn] of Object.entries(STATIC_FUNCTIONS)) e.assign(name, fn);
    const refs = [...new Set([...expr.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].filter(
      (n) => !(n in STATIC_FUNCTIONS),
    );
    c = { expr: e, refs };
    if (compiled.size > 5000) compiled.clear();
    compiled.set(expr, c);
  }
  return c;
}

function jsonataMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** Step Functions' JSONata additions that need no per-execution state (created once). */
const STATIC_FUNCTIONS: Record<string, unknown> = {
  partition: (arr: unknown, size: unknown) => {
    if (!Array.isArray(arr)) throw new StatesError("States.QueryEvaluationError", "$partition expects an array");
    if (typeof size !== "number" || !Number.isInteger(size) || size <= 0) {
      throw new StatesError("States.QueryEvaluationError", "$partition expects a positive integer chunk size");
    }
    const out: unknown[][] = [];
    for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
    return out;
  },
  range: (start: unknown, end: unknown, step: unknown) => {
    if (![start, end, step].every((n) => typeof n === "number" && Number.isInteger(n)) || step === 0) {
      throw new StatesError("States.QueryEvaluationError", "$range expects integer start, end and a non-zero step");
    }
    const out: number[] = [];
    const s = step as number;
    for (let i = start as number; s > 0 ? i <= (end as number) : i >= (end as number); i += s) {
      out.push(i);
      if (out.length > 1000) throw new StatesError("States.QueryEvaluationError", "$range produces at most 1000 items");
    }
    // A JSONata sequence of one is its item: AWS's `$range(1, 9, 9)` is `1` (recorded), not `[1]`.
    return out.length === 1 ? out[0] : out;
  },
  hash: (data: unknown, algorithm: unknown) => {
    const algo = typeof algorithm === "string" ? HASH_ALGORITHMS[algorithm] : undefined;
    if (!algo) {
      throw new StatesError(
        "States.QueryEvaluationError",
        `$hash algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(", ")}`,
      );
    }
    const text = typeof data === "string" ? data : JSON.stringify(data);
    return createHash(algo).update(text).digest("hex");
  },
  parse: (text: unknown) => {
    if (typeof text !== "string") throw new StatesError("States.QueryEvaluationError", "$parse expects a string");
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StatesError(
        "States.QueryEvaluationError",
        `$parse could not parse the JSON string: ${jsonataMessage(e)}`,
      );
    }
  },
};

function seededRandom(seed: unknown): number {
  // Deterministic for a given seed, like AWS's seeded $random(seed).
  let t = (Number(seed) >>> 0) + 0x6d2b79f5;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Per-evaluation bindings: only the `$names` the expression mentions (binding everything costs more than evaluating). */
function bindings(scope: JsonataScope, refs: string[]): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  for (const name of refs) {
    switch (name) {
      case "states":
        b.states = scope.states;
        break;
      case "now":
        b.now = () => new Date(scope.now()).toISOString();
        break;
      case "millis":
        b.millis = () => scope.now();
        break;
      case "random":
        b.random = (seed?: unknown) => (seed === undefined ? scope.random() : seededRandom(seed));
        break;
      case "uuid":
        b.uuid = () => scope.uuid();
        break;
      default: {
        const v = scope.variable(name);
        if (v.found) b[name] = v.value;
      }
    }
  }
  return b;
}

/** Evaluates one `{% %}` string. `field` names the field in error messages (`Output`, `Arguments/Key`, …). */
export async function evaluateExpression(text: string, scope: JsonataScope, field: string): Promise<unknown> {
  const expr = EXPRESSION.exec(text)![1]!.trim();
  const compiledExpr = compile(expr, field);
  let result: unknown;
  try {
    result = await compiledExpr.expr.evaluate(undefined, bindings(scope, compiledExpr.refs));
  } catch (err) {
    if (err instanceof StatesError) throw new StatesError(err.error, err.cause, true);
    // AWS: "… threw an error during evaluation. T1006: Attempted to invoke a non-function" (the JSONata error code).
    const code = err && typeof err === "object" && typeof (err as { code?: unknown }).code === "string";
    throw queryEvaluationError(
      `The JSONata expression '${expr}' specified for the field '${field}' threw an error during evaluation. ${code ? `${(err as { code: string }).code}: ` : ""}${jsonataMessage(err)}`,
    );
  }
  if (result === undefined) {
    throw queryEvaluationError(
      `The JSONata expression '${expr}' specified for the field '${field}' returned nothing (undefined).`,
    );
  }
  if (isJsonataFunction(result)) {
    // Recorded against AWS: `Items: "{% $fn := function($x){$x} %}"`.
    throw queryEvaluationError(
      `The JSONata expression '${expr}' specified for the field '${field}' returned an unsupported result type.`,
    );
  }
  return normalise(result);
}

/** A function value: native, or a JSONata lambda / partial application (objects that close over their scope). */
function isJsonataFunction(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return v._jsonata_lambda === true || v._jsonata_function === true;
}

/** JSONata sequences and functions are not JSON: turn results into plain JSON values. */
function normalise(value: unknown): unknown {
  if (isJsonataFunction(value)) return {};
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalise(v);
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw queryEvaluationError(`The JSONata expression returned a non-finite number (${value}).`);
  }
  return value;
}

/**
 * Evaluates a field value that may hold `{% %}` strings at any depth (AWS evaluates each such string; other
 * strings are literals). `field` is the field name used in error messages; nested keys are appended with `/`.
 */
export async function evaluateJsonataTemplate(value: unknown, scope: JsonataScope, field: string): Promise<unknown> {
  if (typeof value === "string") return isJsonataExpression(value) ? evaluateExpression(value, scope, field) : value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(await evaluateJsonataTemplate(value[i], scope, `${field}[${i}]`));
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = await evaluateJsonataTemplate(v, scope, `${field}/${k}`);
    }
    return out;
  }
  return value;
}
