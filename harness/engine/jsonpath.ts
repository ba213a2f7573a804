import { JSONPath } from "jsonpath-plus";

/**
 * JSONPath as Step Functions evaluates it (Jayway semantics on AWS): a *definite* path (only names and indexes)
 * yields one value or nothing; an *indefinite* path (wildcards, slices, filters, unions, recursive descent) yields the
 * list of matches. Simple definite paths — by far the most common — are walked by hand for speed; everything else
 * goes to `jsonpath-plus`.
 */
export type PathResult = { found: true; value: unknown } | { found: false };

type Segment = string | number;

const SIMPLE_CACHE = new Map<string, Segment[] | null>();

/** Splits a definite path (`$.a.b[0]['c d']`) into segments; `null` when the path is not definite/simple. */
export function parseDefinitePath(path: string): Segment[] | null {
  const cached = SIMPLE_CACHE.get(path);
  if (cached !== undefined) return cached;
  const segments: Segment[] = [];
  let i = 1;
  let ok = path.startsWith("$");
  while (ok && i < path.length) {
    const c = path[i];
    if (c === ".") {
      const m = /^[^.[\]*@?()'"\s,:]+/.exec(path.slice(i + 1));
      if (!m || path[i + 1] === ".") {
        ok = false;
        break;
      }
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === "[") {
      const rest = path.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest) ?? /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest);
      if (idx) {
        segments.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        // Jayway keeps backslashes literally except before the enclosing quote character.
        const q = rest.trimStart()[1] === "'" ? "'" : '"';
        segments.push(quoted[1]!.split(`\\${q}`).join(q));
        i += quoted[0].length;
      } else ok = false;
    } else ok = false;
  }
  const result = ok ? segments : null;
  if (SIMPLE_CACHE.size > 10_000) SIMPLE_CACHE.clear();
  SIMPLE_CACHE.set(path, result);
  return result;
}

/** True when a path can only ever select a single node. */
export function isDefinitePath(path: string): boolean {
  return parseDefinitePath(path) !== null;
}

/** `$.a.b[0]` → `$['a']['b'][0]` (the normalised form AWS quotes in error messages). */
export function normalisedPath(path: string): string {
  const segs = parseDefinitePath(path);
  if (!segs) return path;
  return "$" + segs.map((s) => (typeof s === "number" ? `[${s}]` : `['${s}']`)).join("");
}

function walk(segments: Segment[], data: unknown): PathResult {
  let cur: unknown = data;
  for (const seg of segments) {
    if (typeof seg === "number") {
      if (!Array.isArray(cur) || seg >= cur.length) return { found: false };
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, seg)) {
        return { found: false };
      }
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: cur };
}

/**
 * Evaluates `path` (which must start with `$`) against `data`. Definite paths: found/not found. Indefinite paths:
 * always found, the value being the (possibly empty) array of matches.
 */
export function evaluatePath(path: string, data: unknown): PathResult {
  const segments = parseDefinitePath(path);
  if (segments) return walk(segments, data);
  let matches: unknown[];
  try {
    matches = JSONPath({ path, json: data as object, wrap: true, eval: "safe" }) as unknown[];
  } catch (e) {
    throw new InvalidPathError(path, e instanceof Error ? e.message : String(e));
  }
  return { found: true, value: matches ?? [] };
}

/** The path text itself is malformed. */
export class InvalidPathError extends Error {
  override readonly name = "InvalidPathError";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`invalid JSONPath '${path}': ${detail}`);
  }
}

/**
 * Writes `value` at the definite reference path `path` inside a copy of `target` (ResultPath semantics): missing
 * intermediate objects are created; `$` replaces the whole document. Throws {@link InvalidPathError} for paths that
 * are not reference paths, and a `TypeError` (mapped by the caller to States.Runtime) when an intermediate node is
 * not an object.
 */
export function setAtPath(target: unknown, path: string, value: unknown): unknown {
  const segments = parseDefinitePath(path);
  if (!segments) throw new InvalidPathError(path, "not a reference path");
  if (segments.length === 0) return value;
  const root: unknown = cloneShallow(target);
  let cur: any = root;
  if (cur === null || typeof cur !== "object") throw new TypeError(`cannot set '${path}' on a ${typeName(target)}`);
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i]!;
    const next = cur[seg];
    if (next === undefined || next === null) cur[seg] = {};
    else if (typeof next !== "object")
      throw new TypeError(`cannot set '${path}': '${String(seg)}' is a ${typeName(next)}`);
    else cur[seg] = cloneShallow(next);
    cur = cur[seg];
  }
  cur[segments[segments.length - 1]!] = value;
  return root;
}

function cloneShallow(v: unknown): unknown {
  if (Array.isArray(v)) return [...v];
  if (v !== null && typeof v === "object") return { ...(v as object) };
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
