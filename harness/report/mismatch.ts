import type { ExpectationResult } from "../runner/types";

/**
 * Expected-versus-actual text for a failed expectation, shared by the console and JUnit reporters: short values on
 * one line each, long ones pretty-printed and cut, lists (a `path`) as a diff that marks the first divergent index,
 * objects with the first differing key path.
 */
export interface MismatchLine {
  /** `minus` = expected, `plus` = actual, `context` = equal/neutral, `note` = explanation. */
  tone: "minus" | "plus" | "context" | "note";
  text: string;
}

/** Limits of {@link describeMismatch}. */
export interface MismatchOptions {
  /** Longest line (default 160). */
  width?: number;
  /** Most lines per pretty-printed value or list side (default 12). */
  maxLines?: number;
  /** Equal list items shown before the first difference (default 2). */
  context?: number;
}

/** The lines explaining why `r` did not match; empty when it carries neither `expected` nor `actual`. */
export function describeMismatch(r: ExpectationResult, options: MismatchOptions = {}): MismatchLine[] {
  if (!("expected" in r) && !("actual" in r)) return [];
  const width = options.width ?? 160;
  const maxLines = options.maxLines ?? 12;
  const { expected, actual } = r;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return listDiff(expected, actual, { width, maxLines, context: options.context ?? 2 });
  }
  const lines: MismatchLine[] = [];
  const e = compact(expected);
  const a = compact(actual);
  if (e.length + a.length <= width) {
    lines.push({ tone: "minus", text: `expected: ${e}` });
    lines.push({ tone: "plus", text: `actual:   ${a}` });
  } else {
    lines.push({ tone: "minus", text: "expected:" });
    for (const l of pretty(expected, width, maxLines)) lines.push({ tone: "minus", text: `  ${l}` });
    lines.push({ tone: "plus", text: "actual:" });
    for (const l of pretty(actual, width, maxLines)) lines.push({ tone: "plus", text: `  ${l}` });
  }
  if (isObject(expected) && isObject(actual)) {
    const at = firstDifference(expected, actual, "$");
    if (at) lines.push({ tone: "note", text: `first difference at ${at}` });
  }
  return lines;
}

function listDiff(
  expected: unknown[],
  actual: unknown[],
  o: { width: number; maxLines: number; context: number },
): MismatchLine[] {
  let d = 0;
  while (d < expected.length && d < actual.length && deepEqual(expected[d], actual[d])) d++;
  const lines: MismatchLine[] = [];
  const n = (len: number) => `${len} item${len === 1 ? "" : "s"}`;
  lines.push({
    tone: "note",
    text:
      d === expected.length && d === actual.length
        ? `lists are equal (${n(d)})`
        : `first difference at index ${d} (expected ${n(expected.length)}, actual ${n(actual.length)})`,
  });
  const digits = String(Math.max(expected.length, actual.length)).length;
  const item = (i: number, v: unknown) => cut(`[${String(i).padStart(digits)}] ${listItem(v)}`, o.width);
  const from = Math.max(0, d - o.context);
  if (from > 0) lines.push({ tone: "context", text: `  … ${n(from)} equal` });
  for (let i = from; i < d; i++) lines.push({ tone: "context", text: `  ${item(i, expected[i])}` });
  const side = (list: unknown[], tone: "minus" | "plus", sign: string) => {
    const shown = Math.min(list.length - d, o.maxLines);
    for (let i = d; i < d + shown; i++) {
      lines.push({ tone, text: `${sign} ${item(i, list[i])}${i === d ? "   ← first difference" : ""}` });
    }
    if (list.length - d > shown) lines.push({ tone, text: `${sign} … ${list.length - d - shown} more` });
    if (list.length === d) lines.push({ tone, text: `${sign} (ends after ${n(d)})` });
  };
  side(expected, "minus", "-");
  side(actual, "plus", "+");
  return lines;
}

/** List items: bare strings (state names read better unquoted), JSON otherwise. */
function listItem(v: unknown): string {
  return typeof v === "string" && /^[^\s"'\\][^"\\]*$/.test(v) && !/\s$/.test(v) ? v : compact(v);
}

/** Compact JSON of a value (`undefined` → `(none)`), strings quoted. */
export function compact(v: unknown): string {
  if (v === undefined) return "(none)";
  try {
    const s = JSON.stringify(v, jsonSafe);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

function pretty(v: unknown, width: number, maxLines: number): string[] {
  let text: string;
  if (typeof v === "string") text = v;
  else if (v === undefined) text = "(none)";
  else {
    try {
      text = JSON.stringify(v, jsonSafe, 2) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  const all = text.split(/\r?\n/);
  const shown = all.slice(0, maxLines).map((l) => cut(l, width));
  if (all.length > maxLines) shown.push(`… ${all.length - maxLines} more lines`);
  return shown;
}

function cut(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}… (+${s.length - width + 1} chars)` : s;
}

function jsonSafe(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object";
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
}

/**
 * The JSON path of the first place `actual` does not contain `expected` (subset semantics, as the `output` and
 * `sns.messages` expectations use), or undefined when it does.
 */
export function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  if (!isObject(expected) || !isObject(actual) || Array.isArray(expected) !== Array.isArray(actual)) {
    return deepEqual(expected, actual) ? undefined : path;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  for (const k of Object.keys(expected)) {
    const seg = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
    if (!(k in actual)) return `${path}${seg} (missing)`;
    const d = firstDifference(expected[k], actual[k], `${path}${seg}`);
    if (d) return d;
  }
  return undefined;
}
