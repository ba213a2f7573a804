import { StatesError, runtimeError } from "./errors";
import { evaluateIntrinsic, isIntrinsic } from "./intrinsics";
import { evaluatePath, normalisedPath, setAtPath } from "./jsonpath";

/**
 * JSONPath-mode data handling: resolving `$`, `$$` and `$variable` paths, payload templates (`Parameters`,
 * `ResultSelector`, `ItemSelector`, `Assign` with `.$` keys and intrinsic functions), and the InputPath /
 * ResultPath / OutputPath steps — with AWS's error messages.
 */
export interface PathScope {
  input: unknown;
  context: unknown;
  /** Variable lookup by name; `undefined` when not defined. */
  variable(name: string): { found: true; value: unknown } | { found: false };
  random(): number;
  uuid(): string;
}

const VARIABLE_PATH = /^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$/s;

/** Resolves `$...` against the input, `$$...` against the context object, `$name...` against variables. */
export function resolvePath(path: string, scope: PathScope): { found: true; value: unknown } | { found: false } {
  if (path.startsWith("$$")) return evaluatePath("$" + path.slice(2), scope.context);
  const v = VARIABLE_PATH.exec(path);
  if (v) {
    const found = scope.variable(v[1]!);
    if (!found.found) return found;
    return v[2] ? evaluatePath("$" + v[2], found.value) : found;
  }
  return evaluatePath(path, scope.input);
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

/** Resolves a path that must exist; the error names the field as AWS does. */
export function requirePath(path: string, scope: PathScope, field: string): unknown {
  const r = resolvePath(path, scope);
  if (!r.found) {
    const source = path.startsWith("$$") ? scope.context : scope.input;
    throw runtimeError(
      `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${json(source)}'`,
    );
  }
  return r.value;
}

/** Evaluates a payload template: keys ending in `.$` take a path or an intrinsic; everything else is literal. */
export function evaluateTemplate(template: unknown, scope: PathScope): unknown {
  if (Array.isArray(template)) return template.map((t) => evaluateTemplate(t, scope));
  if (template === null || typeof template !== "object") return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template as Record<string, unknown>)) {
    if (key.endsWith(".$") && typeof value === "string") {
      out[key.slice(0, -2)] = evaluateDynamic(value, scope, key);
    } else {
      out[key] = evaluateTemplate(value, scope);
    }
  }
  return out;
}

/** One `.$` value: an intrinsic function call or a path. */
export function evaluateDynamic(expr: string, scope: PathScope, field: string): unknown {
  if (isIntrinsic(expr)) {
    return evaluateIntrinsic(expr, {
      resolve: (p) => requirePath(p, scope, field),
      random: () => scope.random(),
      uuid: () => scope.uuid(),
    });
  }
  return requirePath(expr, scope, field);
}

/** InputPath / OutputPath: `null` → `{}`, missing → States.Runtime "Invalid path". */
export function applyFilterPath(path: string | null | undefined, value: unknown, scope: PathScope): unknown {
  if (path === undefined || path === "$") return value;
  if (path === null) return {};
  const r = resolvePath(path, withInput(scope, value));
  if (!r.found) throw runtimeError(`Invalid path '${path}' : No results for path: ${normalisedPath(path)}`);
  return r.value;
}

/** The same scope over another input (a scope may compute its context lazily, so it is not copied). */
function withInput(scope: PathScope, input: unknown): PathScope {
  return {
    input,
    get context() {
      return scope.context;
    },
    variable: (n) => scope.variable(n),
    random: () => scope.random(),
    uuid: () => scope.uuid(),
  };
}

/** ResultPath: merges `result` into `input`; `null` discards the result; default `$` replaces the input. */
export function applyResultPath(path: string | null | undefined, input: unknown, result: unknown): unknown {
  if (path === undefined || path === "$") return result;
  if (path === null) return input;
  try {
    return setAtPath(input, path, result);
  } catch (e) {
    if (e instanceof StatesError) throw e;
    throw runtimeError(
      `Invalid path '${path}': Unable to set item in the input ${json(input)} at ResultPath: ${(e as Error).message}`,
    );
  }
}
