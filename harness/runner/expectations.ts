import type { HistoryEvent } from "../engine/types";
import type { Expectations, TextMatcher } from "../scenario/types";
import type { ExpectationResult, ExecutionRecord } from "./types";

/** What the runner observed, in target-neutral form; `undefined` fields were not observable on the target. */
export interface Observations {
  execution: ExecutionRecord | undefined;
  executionCount: number;
  /** S3 reads, by `bucket/key`: content or null when absent. */
  s3: {
    get(bucket: string, key: string): Promise<string | null>;
    count(bucket: string, prefix: string): Promise<number>;
  };
  /** SNS messages delivered to the capture queue (subject + raw message). */
  sns: Array<{ subject?: string; message: string }> | undefined;
  /** Lambda invocations per logical function name; undefined when the target cannot count them. */
  lambda: Record<string, number> | undefined;
  /** Values for `${...}` in expectations. */
  vars: Record<string, string | undefined>;
  /** The Athena result CSV of the execution's query, when known. */
  athenaResult: () => Promise<string | null>;
  dataBucket: string;
  /** Why S3 objects written by the pipeline are not observable (e.g. copy mocked on sfn-local). */
  s3CopyUnobservable?: string;
}

export function statesEntered(history: HistoryEvent[]): string[] {
  return history
    .filter((e) => e.type.endsWith("StateEntered"))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
}

/** Retried attempts per Task state: failed/timed-out attempts that were followed by another attempt. */
export function retriesByState(history: HistoryEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  let current: string | undefined;
  let attempts = 0;
  const flush = () => {
    if (current !== undefined && attempts > 1) out[current] = (out[current] ?? 0) + attempts - 1;
  };
  for (const e of history) {
    if (e.type === "TaskStateEntered") {
      flush();
      current = (e.stateEnteredEventDetails as { name: string }).name;
      attempts = 0;
    } else if (e.type === "TaskScheduled" || e.type === "LambdaFunctionScheduled") {
      attempts++;
    } else if (e.type === "TaskStateExited" || e.type.startsWith("Execution")) {
      flush();
      current = undefined;
      attempts = 0;
    }
  }
  flush();
  return out;
}

function matchText(m: TextMatcher, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (typeof m === "string") return m === actual;
  if ("pattern" in m) return new RegExp(m.pattern).test(actual);
  return actual.includes(m.contains);
}

function describeMatcher(m: TextMatcher): string {
  if (typeof m === "string") return JSON.stringify(m);
  if ("pattern" in m) return `matching /${m.pattern}/`;
  return `containing ${JSON.stringify(m.contains)}`;
}

/** `expected` is a JSON subset of `actual`: objects by keys, arrays element-wise (same length), scalars equal. */
export function isSubset(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== "object") return expected === actual;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => isSubset(e, actual[i]))
    );
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  return Object.entries(expected as Record<string, unknown>).every(
    ([k, v]) => Object.hasOwn(actual, k) && isSubset(v, (actual as Record<string, unknown>)[k]),
  );
}

/** Replaces `${name}` with observed values; unknown names stay (and will not match). */
export function expand(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z]+)\}/g, (m, n: string) => vars[n] ?? m);
}

function firstDivergence(expected: string[], actual: string[]): number {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) if (expected[i] !== actual[i]) return i;
  return -1;
}

function isSubsequence(needle: string[], hay: string[]): { ok: boolean; missingAt: number } {
  let j = 0;
  for (const h of hay) if (j < needle.length && h === needle[j]) j++;
  return { ok: j === needle.length, missingAt: j };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Checks every expectation; each produces one result (passed, failed, or not observable with the reason). */
export async function evaluateExpectations(expect: Expectations, obs: Observations): Promise<ExpectationResult[]> {
  const results: ExpectationResult[] = [];
  const exec = obs.execution;
  const pass = (name: string, message: string, expected?: unknown, actual?: unknown) =>
    results.push({
      name,
      status: "passed",
      message,
      ...(expected !== undefined ? { expected } : {}),
      ...(actual !== undefined ? { actual } : {}),
    });
  const fail = (name: string, message: string, expected?: unknown, actual?: unknown) =>
    results.push({
      name,
      status: "failed",
      message,
      ...(expected !== undefined ? { expected } : {}),
      ...(actual !== undefined ? { actual } : {}),
    });
  const unobservable = (name: string, why: string) =>
    results.push({ name, status: "not-observable", message: `not observable on this target: ${why}` });
  const noExecution = (name: string) => fail(name, "no execution was started");

  if (expect.executions !== undefined) {
    if (obs.executionCount === expect.executions)
      pass("executions", `${obs.executionCount} execution(s) started`, expect.executions, obs.executionCount);
    else
      fail(
        "executions",
        `expected ${expect.executions} execution(s), ${obs.executionCount} started`,
        expect.executions,
        obs.executionCount,
      );
  }
  if (expect.status !== undefined) {
    if (!exec) noExecution("status");
    else if (exec.status === expect.status) pass("status", `status ${exec.status}`, expect.status, exec.status);
    else
      fail(
        "status",
        `expected status ${expect.status}, got ${exec.status}${exec.error ? ` (${exec.error}: ${exec.cause ?? ""})` : ""}`,
        expect.status,
        exec.status,
      );
  }
  for (const field of ["error", "cause"] as const) {
    const m = expect[field];
    if (m === undefined) continue;
    if (!exec) noExecution(field);
    else if (matchText(m, exec[field])) pass(field, `${field} ${describeMatcher(m)}`, m, exec[field]);
    else
      fail(
        field,
        `expected ${field} ${describeMatcher(m)}, got ${exec[field] === undefined ? "none" : JSON.stringify(exec[field])}`,
        m,
        exec[field] ?? null,
      );
  }
  const entered = exec ? statesEntered(exec.history) : [];
  if (expect.path) {
    if (!exec) noExecution("path");
    else {
      const i = firstDivergence(expect.path, entered);
      if (i < 0) pass("path", `path of ${entered.length} states as expected`, expect.path, entered);
      else
        fail(
          "path",
          `path diverges at step ${i + 1}: expected ${expect.path[i] ?? "(end)"}, got ${entered[i] ?? "(end)"}`,
          expect.path,
          entered,
        );
    }
  }
  if (expect.pathIncludes) {
    if (!exec) noExecution("pathIncludes");
    else {
      const r = isSubsequence(expect.pathIncludes, entered);
      if (r.ok)
        pass(
          "pathIncludes",
          `states entered in order: ${expect.pathIncludes.join(" → ")}`,
          expect.pathIncludes,
          entered,
        );
      else
        fail(
          "pathIncludes",
          `state ${expect.pathIncludes[r.missingAt]} (step ${r.missingAt + 1} of pathIncludes) was not entered in that order`,
          expect.pathIncludes,
          entered,
        );
    }
  }
  if (expect.pathExcludes) {
    if (!exec) noExecution("pathExcludes");
    else {
      const hit = expect.pathExcludes.filter((s) => entered.includes(s));
      if (hit.length === 0) pass("pathExcludes", `never entered ${expect.pathExcludes.join(", ")}`);
      else fail("pathExcludes", `entered ${hit.join(", ")}, which must not be entered`, expect.pathExcludes, entered);
    }
  }
  if (expect.retries) {
    const actual = exec ? retriesByState(exec.history) : {};
    for (const [state, n] of Object.entries(expect.retries)) {
      const name = `retries.${state}`;
      if (!exec) noExecution(name);
      else if ((actual[state] ?? 0) === n) pass(name, `${state} retried ${n} time(s)`, n, actual[state] ?? 0);
      else
        fail(
          name,
          `expected ${state} to be retried ${n} time(s), it was retried ${actual[state] ?? 0} time(s)`,
          n,
          actual[state] ?? 0,
        );
    }
  }
  if (expect.output !== undefined) {
    if (!exec) noExecution("output");
    else if (exec.status !== "SUCCEEDED")
      fail("output", `no output: the execution ended ${exec.status}`, expect.output);
    else if (isSubset(expect.output, exec.output))
      pass("output", "output contains the expected subset", expect.output, exec.output);
    else fail("output", "output does not contain the expected subset", expect.output, exec.output);
  }
  if (expect.duration) {
    if (!exec || exec.stopDate === undefined) noExecution("duration");
    else {
      const d = exec.stopDate - exec.startDate;
      const { minMs, maxMs } = expect.duration;
      const ok = (minMs === undefined || d >= minMs) && (maxMs === undefined || d <= maxMs);
      const bounds = `${minMs !== undefined ? `≥ ${seconds(minMs)}` : ""}${minMs !== undefined && maxMs !== undefined ? " and " : ""}${maxMs !== undefined ? `≤ ${seconds(maxMs)}` : ""}`;
      if (ok) pass("duration", `simulated duration ${seconds(d)} (${bounds})`, expect.duration, d);
      else fail("duration", `simulated duration ${seconds(d)} is not ${bounds}`, expect.duration, d);
    }
  }
  for (const [i, s] of (expect.s3 ?? []).entries()) {
    const bucket = expand(s.bucket ?? obs.dataBucket, obs.vars);
    const label = s.key !== undefined ? expand(s.key, obs.vars) : `${expand(s.prefix ?? "", obs.vars)}*`;
    const name = `s3[${i}] ${bucket}/${label}`;
    if (obs.s3CopyUnobservable && bucket === obs.dataBucket) {
      unobservable(name, obs.s3CopyUnobservable);
      continue;
    }
    if (s.prefix !== undefined && s.key === undefined) {
      const n = await obs.s3.count(bucket, expand(s.prefix, obs.vars));
      const want = s.count ?? (s.exists === false ? 0 : undefined);
      if (want === undefined) {
        if (n > 0) pass(name, `${n} object(s) under the prefix`, "≥ 1", n);
        else fail(name, "no object under the prefix", "≥ 1", n);
      } else if (n === want) pass(name, `${n} object(s) under the prefix`, want, n);
      else fail(name, `expected ${want} object(s) under the prefix, found ${n}`, want, n);
      continue;
    }
    const key = expand(s.key ?? "", obs.vars);
    const content = await obs.s3.get(bucket, key);
    if (s.exists === false) {
      if (content === null) pass(name, "object does not exist", false, false);
      else fail(name, "object exists but must not", false, true);
      continue;
    }
    if (content === null) {
      fail(name, "object does not exist", s.equals ?? s.contains ?? s.matches ?? true, null);
      continue;
    }
    if (s.equals) {
      let expected: string | null;
      let what: string;
      if ("athenaResult" in s.equals) {
        expected = await obs.athenaResult();
        what = "the Athena result CSV";
      } else if ("fixture" in s.equals) {
        expected = s.equals.content;
        what = `fixture ${s.equals.fixture}`;
      } else {
        const ob = expand(s.equals.object.bucket ?? obs.dataBucket, obs.vars);
        const ok = expand(s.equals.object.key, obs.vars);
        expected = await obs.s3.get(ob, ok);
        what = `s3://${ob}/${ok}`;
      }
      if (expected === null) fail(name, `cannot compare: ${what} does not exist`, what, content);
      else if (expected === content) pass(name, `content equals ${what} (${Buffer.byteLength(content)} bytes)`);
      else fail(name, `content differs from ${what}`, expected, content);
      continue;
    }
    if (s.contains !== undefined) {
      const needle = expand(s.contains, obs.vars);
      if (content.includes(needle)) pass(name, `content contains ${JSON.stringify(needle)}`);
      else fail(name, `content does not contain ${JSON.stringify(needle)}`, needle, content);
      continue;
    }
    if (s.matches !== undefined) {
      if (new RegExp(s.matches).test(content)) pass(name, `content matches /${s.matches}/`);
      else fail(name, `content does not match /${s.matches}/`, s.matches, content);
      continue;
    }
    pass(name, "object exists", true, true);
  }
  if (expect.sns) {
    if (!obs.sns) unobservable("sns", "SNS deliveries cannot be read on this target");
    else {
      const msgs = obs.sns;
      if (expect.sns.count !== undefined) {
        if (msgs.length === expect.sns.count)
          pass("sns.count", `${msgs.length} message(s) published`, expect.sns.count, msgs.length);
        else
          fail(
            "sns.count",
            `expected ${expect.sns.count} message(s) published, got ${msgs.length}`,
            expect.sns.count,
            msgs.length,
          );
      }
      let from = 0;
      for (const [i, want] of (expect.sns.messages ?? []).entries()) {
        const idx = msgs.findIndex((m, j) => {
          if (j < from) return false;
          if (want.subject !== undefined && !matchText(want.subject, m.subject)) return false;
          if (want.message !== undefined) {
            let parsed: unknown = m.message;
            try {
              parsed = JSON.parse(m.message);
            } catch {
              /* a plain-text message is compared as a string */
            }
            if (!isSubset(want.message, parsed)) return false;
          }
          return true;
        });
        if (idx >= 0) {
          pass(`sns.messages[${i}]`, `matched message #${idx + 1}`);
          from = idx + 1;
        } else {
          fail(
            `sns.messages[${i}]`,
            "no published message matches",
            want,
            msgs.map((m) => ({ subject: m.subject, message: tryParse(m.message) })),
          );
        }
      }
    }
  }
  if (expect.lambda) {
    for (const [fn, n] of Object.entries(expect.lambda)) {
      const name = `lambda.${fn}`;
      if (!obs.lambda) unobservable(name, "Lambda invocations cannot be counted on this target");
      else if ((obs.lambda[fn] ?? 0) === n) pass(name, `${fn} invoked ${n} time(s)`, n, obs.lambda[fn] ?? 0);
      else
        fail(
          name,
          `expected ${fn} to be invoked ${n} time(s), it was invoked ${obs.lambda[fn] ?? 0} time(s)`,
          n,
          obs.lambda[fn] ?? 0,
        );
    }
  }
  return results;
}

function tryParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
