/**
 * Turns zod issues into problems a scenario author can act on: one per unknown key (with the nearest known key),
 * missing keys reported against the mapping they are missing from, union failures narrowed to the form the author
 * evidently meant, and values described as written in YAML ("a list", "true") rather than as JavaScript types.
 */
import type { z } from "zod";
import { nearest } from "./nearest";
import { formatPath, type Anchor, type FieldPath } from "./yaml-locator";

/** A problem before it is given a file position. */
export interface PathProblem {
  path: FieldPath;
  anchor: Anchor;
  message: string;
  suggestion?: string;
  /** What kind of problem, for de-duplication: an unknown key, or a required key that is absent. */
  kind?: "unknown-key" | "missing-key";
}

type Issue = z.core.$ZodIssue;

/**
 * The per-parse error hook given to `safeParse`: records the keys a strict object knows on its
 * `unrecognized_keys` issues (zod copies extra fields of the raw issue onto the final one), so suggestions can be
 * computed from them.
 */
export function recordKnownKeys(issue: z.core.$ZodRawIssue): undefined {
  if (issue.code === "unrecognized_keys") {
    const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def
      ?.shape;
    (issue as unknown as { known: string[] }).known = shape ? Object.keys(shape) : [];
  }
  return undefined;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** A value as YAML shows it: `"abc"`, `42`, `true`, `a list`, `a mapping`, `nothing`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "nothing (an empty value)";
  if (typeof v === "string") return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}…` : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return "a mapping";
  return "a value JSON cannot hold";
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  null: "nothing",
};

/** A value of the expected type that the author probably meant. */
function typeSuggestion(expected: string, v: unknown): string | undefined {
  if (expected === "boolean" && typeof v === "string") {
    if (/^(yes|y|on|true)$/i.test(v)) return "true";
    if (/^(no|n|off|false)$/i.test(v)) return "false";
  }
  if ((expected === "number" || expected === "int") && typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) {
    return v.trim();
  }
  if (expected === "string" && (typeof v === "number" || typeof v === "boolean")) return JSON.stringify(String(v));
  if (expected === "array" && (typeof v === "string" || typeof v === "number")) return `[${String(v)}]`;
  return undefined;
}

function isMissing(data: unknown, path: FieldPath): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  const key = path[path.length - 1]!;
  return (
    parent !== null &&
    typeof parent === "object" &&
    !Array.isArray(parent) &&
    !Object.prototype.hasOwnProperty.call(parent, key)
  );
}

function missing(path: FieldPath): PathProblem {
  return {
    path,
    anchor: "parent",
    message: `required key \`${String(path[path.length - 1])}\` is missing`,
    kind: "missing-key",
  };
}

function withSuggestion(p: Omit<PathProblem, "suggestion">, suggestion: string | undefined): PathProblem {
  return suggestion === undefined ? p : { ...p, suggestion };
}

function sizeText(origin: string, n: number | bigint): string {
  if (origin === "array") return n === 1 ? "1 item" : `${n} items`;
  if (origin === "string") return n === 1 ? "1 character" : `${n} characters`;
  return String(n);
}

function translateOne(issue: Issue, data: unknown, base: FieldPath): PathProblem[] {
  const path = [...base, ...(issue.path as Array<string | number>)];
  const value = valueAt(data, path);
  switch (issue.code) {
    case "invalid_union":
      return resolveUnion(issue, path, data);
    case "unrecognized_keys": {
      const known = (issue as unknown as { known?: string[] }).known ?? [];
      return issue.keys.map((key) => {
        const suggestion = nearest(key, known);
        const message =
          suggestion === undefined && known.length > 0
            ? `unknown key \`${key}\`; allowed here: ${known.join(", ")}`
            : `unknown key \`${key}\``;
        return withSuggestion({ path: [...path, key], anchor: "key", message, kind: "unknown-key" }, suggestion);
      });
    }
    case "invalid_type": {
      if (value === undefined && isMissing(data, path)) return [missing(path)];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [
        withSuggestion(
          { path, anchor: "value", message: `expected ${expected}, got ${describeValue(value)}` },
          typeSuggestion(issue.expected, value),
        ),
      ];
    }
    case "invalid_value": {
      if (value === undefined && isMissing(data, path)) return [missing(path)];
      const allowed = issue.values.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
      const message =
        allowed.length === 1
          ? `expected ${allowed[0]}, got ${describeValue(value)}`
          : `expected one of ${allowed.join(", ")}, got ${describeValue(value)}`;
      let suggestion: string | undefined;
      if (typeof value === "string") {
        suggestion = issue.values.some((v) => typeof v !== "string" && String(v) === value)
          ? value
          : nearest(value, allowed);
      } else if (typeof value === "number" && allowed.includes(String(value))) {
        suggestion = String(value);
      }
      return [withSuggestion({ path, anchor: "value", message }, suggestion)];
    }
    case "too_small": {
      const { origin, minimum, inclusive } = issue;
      if ((origin === "array" || origin === "string") && Number(minimum) === 1) {
        return [
          { path, anchor: "value", message: origin === "array" ? "must not be an empty list" : "must not be empty" },
        ];
      }
      const bound = sizeText(origin, minimum);
      const message =
        origin === "array" || origin === "string"
          ? `needs at least ${bound}`
          : `must be ${inclusive ? "at least" : "greater than"} ${bound}, got ${describeValue(value)}`;
      return [{ path, anchor: "value", message }];
    }
    case "too_big": {
      const { origin, maximum, inclusive } = issue;
      const bound = sizeText(origin, maximum);
      const message =
        origin === "array" || origin === "string"
          ? `has more than ${bound} (at most ${bound})`
          : `must be ${inclusive ? "at most" : "less than"} ${bound}, got ${describeValue(value)}`;
      return [{ path, anchor: "value", message }];
    }
    case "custom": {
      const suggestion = (issue.params as { suggestion?: string } | undefined)?.suggestion;
      return [withSuggestion({ path, anchor: "value", message: issue.message }, suggestion)];
    }
    default:
      return [{ path, anchor: "value", message: issue.message }];
  }
}

function unknownKeysAtRoot(issues: readonly Issue[]): Set<string> {
  const keys = new Set<string>();
  for (const i of issues) if (i.code === "unrecognized_keys" && i.path.length === 0) i.keys.forEach((k) => keys.add(k));
  return keys;
}

/**
 * A value none of a union's forms accepted. When its type fits no form, the union's own message says what forms
 * exist. Otherwise the form with the fewest complaints is taken as the one meant, and only its problems are shown;
 * a key that belongs to another form is reported as mixing two forms.
 */
function resolveUnion(issue: Extract<Issue, { code: "invalid_union" }>, path: FieldPath, data: unknown): PathProblem[] {
  const value = valueAt(data, path);
  const branches = issue.errors;
  const fitting = branches
    .map((issues, index) => ({ issues, index }))
    .filter(({ issues }) => !issues.some((i) => i.path.length === 0 && i.code === "invalid_type"));
  if (fitting.length === 0) {
    if (value === undefined && isMissing(data, path)) return [missing(path)];
    return [{ path, anchor: "value", message: `${issue.message}, got ${describeValue(value)}` }];
  }
  // A form's score is how many problems it would report; a misspelt key next to the key it misspells counts once.
  const translated = fitting.map(({ issues }) => issues.flatMap((i) => translateOne(i, data, path)));
  const score = (problems: readonly PathProblem[]) => {
    const missingKeys = new Set(problems.filter((p) => p.kind === "missing-key").map((p) => formatPath(p.path)));
    const typos = problems.filter(
      (p) =>
        p.kind === "unknown-key" &&
        p.suggestion !== undefined &&
        missingKeys.has(formatPath([...p.path.slice(0, -1), p.suggestion])),
    ).length;
    return problems.length - typos;
  };
  let best = 0;
  translated.forEach((problems, i) => {
    if (score(problems) < score(translated[best]!)) best = i;
  });
  const chosen = fitting[best]!;

  // Every form lacks just its own key (`{ times: 2 }` for `Return` / `Throw`): say which keys would do.
  const lacking = translated;
  if (lacking.length > 1 && lacking.every((ps) => ps.length === 1 && ps[0]!.kind === "missing-key")) {
    const keys = lacking.map((ps) => `\`${String(ps[0]!.path[ps[0]!.path.length - 1])}\``);
    return [{ path, anchor: "value", message: `needs ${keys.slice(0, -1).join(", ")} or ${keys[keys.length - 1]}` }];
  }

  const problems = translated[best]!;
  const chosenUnknown = unknownKeysAtRoot(chosen.issues);
  if (chosenUnknown.size === 0 || value === null || typeof value !== "object") return problems;
  const valueKeys = Object.keys(value);
  return problems.map((p) => {
    if (p.kind !== "unknown-key" || p.path.length !== path.length + 1) return p;
    const key = String(p.path[p.path.length - 1]);
    for (const other of branches) {
      if (other === chosen.issues) continue;
      const otherUnknown = unknownKeysAtRoot(other);
      if (otherUnknown.has(key)) continue;
      const mine = valueKeys.find((k) => !chosenUnknown.has(k) && otherUnknown.has(k));
      if (mine === undefined) continue;
      const where = path.length > 0 ? `\`${formatPath(path)}\`` : "the file";
      return {
        path: p.path,
        anchor: "key",
        message: `\`${key}\` cannot be combined with \`${mine}\`: they belong to different forms of ${where}; use one form`,
        kind: "unknown-key",
      };
    }
    return p;
  });
}

/**
 * Problems for all issues of one parse of `data`; `base` is where `data` sits in the file (for a sub-value parsed
 * on its own).
 */
export function problemsFromIssues(issues: readonly Issue[], data: unknown, base: FieldPath = []): PathProblem[] {
  if (base.length === 0) return issues.flatMap((i) => translateOne(i, data, []));
  // Translate against a value rooted like the file, so paths and missing-key tests line up.
  let root: unknown = data;
  for (const seg of [...base].reverse())
    root = typeof seg === "number" ? Object.assign([], { [seg]: root }) : { [seg]: root };
  return issues.flatMap((i) => translateOne(i, root, base));
}

/**
 * Drops a required key reported missing when an unknown key beside it is a misspelling of it: the typo is the one
 * problem to fix.
 */
export function dropExplainedMissingKeys(problems: readonly PathProblem[]): PathProblem[] {
  const misspelt = new Set(
    problems
      .filter((p) => p.kind === "unknown-key" && p.suggestion !== undefined)
      .map((p) => formatPath([...p.path.slice(0, -1), p.suggestion!])),
  );
  return problems.filter((p) => p.kind !== "missing-key" || !misspelt.has(formatPath(p.path)));
}
