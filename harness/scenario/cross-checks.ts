/**
 * Checks a schema cannot make: state names against the definition, fixture files on disk, and rules that tie one
 * field to another (`failure` only for a query that ends FAILED, `key` or `prefix`, ...). They run on the raw YAML
 * value, guarded by type tests, so they report alongside schema problems instead of waiting for them to be fixed;
 * whatever has the wrong type here is left to the schema to report.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, posix, resolve } from "node:path";
import { parseAthenaCsv } from "../emulator/athena/athena-results";
import { nearest } from "./nearest";
import { ATHENA_STATES, LAMBDA_FUNCTIONS, parseDuration } from "./schema";
import type { PathProblem } from "./issue-translator";
import { formatPath, type FieldPath } from "./yaml-locator";

/** A fixture file that was read: its absolute path and contents. */
export interface LoadedFixture {
  file: string;
  content: string;
}

export interface CrossCheckResult {
  problems: PathProblem[];
  /** Fixtures by the formatted path of their `fixture` field (`start.fixture`, `expect.s3[0].equals.fixture`). */
  fixtures: Map<string, LoadedFixture>;
}

export interface CrossCheckOptions {
  /** Directory of the scenario file (fixtures are relative to it). */
  dir: string;
  /** State names of the definition; empty: not checked. */
  knownStates: readonly string[];
  /** How to show a file path in messages. */
  display: (absolute: string) => string;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const INPUT_FORM_KEYS = ["input", "name"];
const TRIGGER_FORM_KEYS = ["trigger", "key", "fixture", "body", "duplicateEvent", "uploadTwice"];
/**
 * Which form of `start` its keys show: `input`/`name` for StartExecution, `trigger`/`key`/`fixture`/… for the S3
 * trigger, or both at once. The schema's union cannot tell the author's intent when one form fails outright.
 */
export function startFormOf(start: unknown): "input" | "trigger" | "mixed" | undefined {
  if (!isRecord(start)) return undefined;
  const keys = Object.keys(start);
  const input = keys.some((k) => INPUT_FORM_KEYS.includes(k));
  const trigger = keys.some((k) => TRIGGER_FORM_KEYS.includes(k));
  return input && trigger ? "mixed" : trigger ? "trigger" : "input";
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
const EXPECTATIONS =
  "status, error, cause, path, pathIncludes, pathExcludes, retries, s3, sns, lambda, output, duration, executions";

/** Milliseconds of a raw duration value, if it is a valid one (the schema reports invalid ones). */
function durationMs(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return Math.round(v * 1000);
  return typeof v === "string" ? parseDuration(v) : undefined;
}

/** Runs every cross-field check on one parsed file. */
export async function crossCheck(data: unknown, options: CrossCheckOptions): Promise<CrossCheckResult> {
  const problems: PathProblem[] = [];
  const fixtures = new Map<string, LoadedFixture>();
  const reads: Array<Promise<void>> = [];
  if (!isRecord(data)) return { problems, fixtures };

  const problem = (path: FieldPath, message: string, anchor: PathProblem["anchor"] = "value", suggestion?: string) =>
    problems.push({
      path,
      anchor,
      message,
      ...(suggestion === undefined ? {} : { suggestion }),
      ...(anchor === "parent" ? { kind: "missing-key" as const } : {}),
    });

  const known = new Set(options.knownStates);
  const checkState = (name: unknown, path: FieldPath, anchor: PathProblem["anchor"]) => {
    if (typeof name !== "string" || known.size === 0 || known.has(name)) return;
    const suggestion = nearest(name, options.knownStates);
    const list = suggestion === undefined ? `; states of the definition: ${options.knownStates.join(", ")}` : "";
    problem(path, `unknown state \`${name}\`${list}`, anchor, suggestion);
  };

  const fixture = (rel: unknown, path: FieldPath, validate?: (content: string) => string | undefined) => {
    if (typeof rel !== "string" || rel.length === 0) return;
    reads.push(
      readFixture(rel, path, options).then((r) => {
        if ("problem" in r) {
          problems.push(r.problem);
          return;
        }
        const invalid = validate?.(r.fixture.content);
        if (invalid !== undefined) problem(path, `${options.display(r.fixture.file)}: ${invalid}`);
        else fixtures.set(formatPath(path), r.fixture);
      }),
    );
  };

  // start: exactly one form; the S3 trigger form needs its object's contents, given once.
  const start = data["start"];
  const form = startFormOf(start);
  if (form === "mixed" && isRecord(start)) {
    const inputKey = Object.keys(start).find((k) => INPUT_FORM_KEYS.includes(k));
    const triggerKey = Object.keys(start).find((k) => TRIGGER_FORM_KEYS.includes(k));
    problem(
      ["start"],
      "takes exactly one form: StartExecution (`input`, `name`) or an S3 trigger (`trigger: s3`, `key`, " +
        `\`fixture\` or \`body\`, …); this one mixes \`${inputKey}\` with \`${triggerKey}\``,
    );
  } else if (form === "trigger" && isRecord(start)) {
    if ("fixture" in start && "body" in start) {
      problem(["start", "body"], "give the object's contents either as `fixture` or as `body`, not both", "key");
    } else if (!("fixture" in start) && !("body" in start)) {
      problem(
        ["start", "fixture"],
        "an S3 trigger needs the object's contents: `fixture: <file>` or `body: <text>`",
        "parent",
      );
    }
    if ("fixture" in start) fixture(start["fixture"], ["start", "fixture"]);
  }

  checkAthena(data["athena"], problem, fixture);

  // faults and mocks
  const mocks = data["mocks"];
  if (isRecord(mocks)) for (const state of Object.keys(mocks)) checkState(state, ["mocks", state], "key");

  const actions = data["actions"];
  if (Array.isArray(actions)) {
    actions.forEach((a, i) => {
      if (isRecord(a) && isRecord(a["when"])) {
        checkState(a["when"]["stateEntered"], ["actions", i, "when", "stateEntered"], "value");
      }
    });
  }

  const expect = data["expect"];
  if (isRecord(expect)) {
    if (Object.keys(expect).length === 0) {
      problem(["expect"], `needs at least one expectation: ${EXPECTATIONS}`);
    }
    for (const field of ["path", "pathIncludes", "pathExcludes"] as const) {
      const list = expect[field];
      if (Array.isArray(list)) list.forEach((s, i) => checkState(s, ["expect", field, i], "value"));
    }
    const includes = expect["pathIncludes"];
    const excludes = expect["pathExcludes"];
    if (Array.isArray(includes) && Array.isArray(excludes)) {
      excludes.forEach((s, i) => {
        if (typeof s === "string" && includes.includes(s)) {
          problem(["expect", "pathExcludes", i], `\`${s}\` is also in pathIncludes; a state cannot be both`);
        }
      });
    }
    const retries = expect["retries"];
    if (isRecord(retries)) for (const s of Object.keys(retries)) checkState(s, ["expect", "retries", s], "key");

    if (expect["status"] === "SUCCEEDED") {
      for (const field of ["error", "cause"]) {
        if (expect[field] !== undefined) {
          problem(
            ["expect", field],
            `a SUCCEEDED execution has no ${field}; expect FAILED, ABORTED or TIMED_OUT`,
            "key",
          );
        }
      }
    }

    const s3 = expect["s3"];
    if (Array.isArray(s3)) s3.forEach((item, i) => checkS3Expectation(item, ["expect", "s3", i], problem, fixture));

    const sns = expect["sns"];
    if (isRecord(sns)) {
      if (Object.keys(sns).length === 0) problem(["expect", "sns"], "needs `count` or `messages`");
      const messages = sns["messages"];
      if (Array.isArray(messages)) {
        messages.forEach((m, i) => {
          if (isRecord(m) && Object.keys(m).length === 0) {
            problem(["expect", "sns", "messages", i], "needs `subject` or `message` (or both)");
          }
        });
      }
    }

    const lambda = expect["lambda"];
    if (isRecord(lambda) && Object.keys(lambda).length === 0) {
      problem(["expect", "lambda"], `needs an invocation count for ${LAMBDA_FUNCTIONS.join(" or ")}`);
    }

    const duration = expect["duration"];
    if (isRecord(duration)) {
      if (duration["min"] === undefined && duration["max"] === undefined) {
        problem(["expect", "duration"], "needs `min` or `max` (or both)");
      }
      const min = durationMs(duration["min"]);
      const max = durationMs(duration["max"]);
      if (min !== undefined && max !== undefined && max < min) {
        problem(["expect", "duration", "max"], `is shorter than min (${max} ms < ${min} ms)`);
      }
    }
  }

  await Promise.all(reads);
  return { problems, fixtures };
}

type Report = (path: FieldPath, message: string, anchor?: PathProblem["anchor"], suggestion?: string) => void;
type FixtureRead = (rel: unknown, path: FieldPath, validate?: (content: string) => string | undefined) => void;

function checkAthena(athena: unknown, problem: Report, fixture: FixtureRead): void {
  if (!isRecord(athena)) return;
  const states = athena["states"];
  let last: string | undefined;
  let lastWhy = "";
  if (states === undefined) {
    last = "SUCCEEDED";
    lastWhy = " (without `states` the query goes QUEUED, RUNNING, SUCCEEDED)";
  } else if (Array.isArray(states) && states.length > 0) {
    const valid = states.every((s) => typeof s === "string" && (ATHENA_STATES as readonly string[]).includes(s));
    for (let i = 1; i < states.length; i++) {
      const previous = states[i - 1];
      const state = states[i];
      if (typeof previous !== "string" || typeof state !== "string") continue;
      if (TERMINAL.has(previous)) {
        problem(
          ["athena", "states", i],
          `${state} after the terminal state ${previous}: a query never leaves a terminal state, so it must come last`,
        );
      } else if (previous === "RUNNING" && state === "QUEUED") {
        problem(["athena", "states", i], "QUEUED after RUNNING: Athena never puts a running query back in the queue");
      }
    }
    if (valid) last = states[states.length - 1] as string;
  }
  if (last !== undefined) {
    if (athena["failure"] !== undefined && last !== "FAILED") {
      problem(
        ["athena", "failure"],
        `applies only to a query whose last state is FAILED; here it is ${last}${lastWhy}`,
        "key",
      );
    }
    if (athena["result"] !== undefined && last !== "SUCCEEDED") {
      problem(["athena", "result"], `applies only to a query whose last state is SUCCEEDED; here it is ${last}`, "key");
    }
    if (last === "FAILED" && athena["failure"] === undefined) {
      problem(
        ["athena", "failure"],
        "a query that ends FAILED needs `failure: { reason: <StateChangeReason> }`",
        "parent",
      );
    }
  }
  const result = athena["result"];
  if (isRecord(result)) {
    const columns = result["columns"];
    const rows = result["rows"];
    if (Array.isArray(columns) && Array.isArray(rows)) {
      rows.forEach((row, i) => {
        if (Array.isArray(row) && row.length !== columns.length) {
          problem(
            ["athena", "result", "rows", i],
            `has ${row.length} value${row.length === 1 ? "" : "s"} but there ${columns.length === 1 ? "is 1 column" : `are ${columns.length} columns`}`,
          );
        }
      });
    }
    if ("fixture" in result) {
      fixture(result["fixture"], ["athena", "result", "fixture"], (csv) => {
        try {
          parseAthenaCsv(csv);
          return undefined;
        } catch (e) {
          return `not a usable result CSV: ${(e as Error).message}`;
        }
      });
    }
  }
}

function checkS3Expectation(item: unknown, path: FieldPath, problem: Report, fixture: FixtureRead): void {
  if (!isRecord(item)) return;
  const has = (k: string) => item[k] !== undefined;
  if (has("key") && has("prefix")) {
    problem([...path, "prefix"], "use `key` for one object or `prefix` for the objects under it, not both", "key");
  } else if (!has("key") && !has("prefix")) {
    problem([...path, "key"], "needs `key` (one object) or `prefix` (the objects under it)", "parent");
  } else if (has("prefix")) {
    for (const f of ["equals", "contains", "matches"]) {
      if (has(f))
        problem([...path, f], `\`${f}\` checks one object's content: use it with \`key\`, not \`prefix\``, "key");
    }
    if (!has("count") && !has("exists")) {
      problem(path, "says nothing about the objects under `prefix`: add `count` or `exists`");
    }
  } else {
    if (has("count")) {
      problem(
        [...path, "count"],
        "`count` counts objects under a `prefix`; for one `key` use `exists`",
        "key",
        "exists",
      );
    }
    if (item["exists"] === false) {
      for (const f of ["equals", "contains", "matches"]) {
        if (has(f))
          problem([...path, "exists"], `\`exists: false\` contradicts \`${f}\`: an absent object has no content`);
      }
    }
  }
  const equals = item["equals"];
  if (isRecord(equals) && "fixture" in equals) fixture(equals["fixture"], [...path, "equals", "fixture"]);
}

/** Reads a fixture relative to the scenario's directory, or says why it cannot be used. */
async function readFixture(
  rel: string,
  path: FieldPath,
  options: CrossCheckOptions,
): Promise<{ fixture: LoadedFixture } | { problem: PathProblem }> {
  const file = resolve(options.dir, rel);
  try {
    return { fixture: { file, content: await readFile(file, "utf8") } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const shown = options.display(file);
    if (code === "ENOENT" || code === "ENOTDIR") {
      let suggestion: string | undefined;
      try {
        const near = nearest(basename(file), await readdir(dirname(file)));
        if (near !== undefined) suggestion = posix.join(posix.dirname(rel.replace(/\\/g, "/")), near);
      } catch {
        // the directory does not exist either: nothing to suggest
      }
      const p: PathProblem = { path, anchor: "value", message: `fixture file ${shown} does not exist` };
      return { problem: suggestion === undefined ? p : { ...p, suggestion } };
    }
    const why =
      code === "EISDIR"
        ? "is a directory, not a file"
        : code === "EACCES" || code === "EPERM"
          ? "cannot be read (permission denied)"
          : `cannot be read (${code ?? (e as Error).message})`;
    return { problem: { path, anchor: "value", message: `fixture file ${shown} ${why}` } };
  }
}
