import type { ExpectationResult, Reporter, RunSummary, ScenarioRunResult } from "../runner/types";
import { writeFileAtomic } from "./atomic-write";
import { notObservableText } from "./console-reporter";
import { formatSeconds } from "./format-duration";
import { describeMismatch } from "./mismatch";
import { buildTimeline, foldRepeats, renderTimeline } from "./timeline";

/**
 * JUnit XML in the common subset GitHub (test-reporter / dorny), GitLab (`artifacts:reports:junit`) and Jenkins
 * read: `<testsuites>` → one `<testsuite>` per target → one `<testcase classname="scenarios.<target>"
 * name="<scenario>" time="<wall seconds>">` per scenario. Failed expectations become one `<failure
 * type="ExpectationFailed">`, harness errors an `<error>`. Expectations the target cannot observe are listed in
 * `<system-out>`; they never turn a pass into a skip (or the other way round).
 *
 * When `onRunEnd` is called more than once (one run per target), the file accumulates all runs.
 */
export class JunitReporter implements Reporter {
  private readonly runs: RunSummary[] = [];

  constructor(private readonly output: string) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    this.runs.push(summary);
    await writeFileAtomic(this.output, renderJunit(this.runs));
  }
}

/** The JUnit XML document for one or more runs. */
export function renderJunit(runs: readonly RunSummary[]): string {
  const byTarget = new Map<string, ScenarioRunResult[]>();
  for (const run of runs) {
    for (const r of run.results) {
      const list = byTarget.get(r.target) ?? [];
      list.push(r);
      byTarget.set(r.target, list);
    }
    if (run.results.length === 0 && !byTarget.has(run.target)) byTarget.set(run.target, []);
  }
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let wall = 0;
  for (const [target, results] of byTarget) {
    const f = results.filter((r) => r.outcome === "failed").length;
    const e = results.filter((r) => r.outcome === "error").length;
    const t = results.reduce((n, r) => n + r.wallMs, 0);
    tests += results.length;
    failures += f;
    errors += e;
    wall += t;
    suites.push(
      `  <testsuite ${attrs({
        name: target,
        tests: results.length,
        failures: f,
        errors: e,
        skipped: 0,
        time: formatSeconds(t),
      })}>\n` +
        `    <properties>\n      <property ${attrs({ name: "target", value: target })}/>\n    </properties>\n` +
        results.map((r) => testcase(r)).join("") +
        `  </testsuite>\n`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites ${attrs({ name: "pipeline-testbed scenarios", tests, failures, errors, skipped: 0, time: formatSeconds(wall) })}>\n` +
    suites.join("") +
    `</testsuites>\n`
  );
}

function testcase(r: ScenarioRunResult): string {
  const head = `    <testcase ${attrs({
    classname: `scenarios.${r.target}`,
    name: r.scenario.name,
    time: formatSeconds(r.wallMs),
    file: r.scenario.file,
  })}`;
  const body: string[] = [];
  const failed = r.expectations.filter((e) => e.status === "failed");
  if (r.outcome === "error") {
    const text = r.error ?? "harness error (no message)";
    body.push(
      `      <error ${attrs({ message: firstLine(text), type: errorType(text) })}>${text ? escapeXmlText(text) : ""}</error>\n`,
    );
  }
  if (r.outcome === "failed") {
    const message =
      failed.length === 1
        ? `${failed[0]!.name}: ${failed[0]!.message}`
        : failed.length > 1
          ? `${failed.length} expectations failed: ${failed.map((e) => e.name).join(", ")}`
          : "scenario failed";
    const text = failed.map(failureText).join("\n\n");
    body.push(
      `      <failure ${attrs({ message: firstLine(message), type: "ExpectationFailed" })}>${escapeXmlText(text)}</failure>\n`,
    );
  }
  const out = systemOut(r);
  if (out) body.push(`      <system-out>${escapeXmlText(out)}</system-out>\n`);
  return body.length === 0 ? `${head}/>\n` : `${head}>\n${body.join("")}    </testcase>\n`;
}

function failureText(e: ExpectationResult): string {
  const lines = [`✗ ${e.name}: ${e.message}`];
  for (const l of describeMismatch(e, { maxLines: 30 })) lines.push(`    ${l.text}`);
  return lines.join("\n");
}

function systemOut(r: ScenarioRunResult): string {
  const parts: string[] = [];
  if (r.scenario.description) parts.push(r.scenario.description);
  const no = r.expectations.filter((e) => e.status === "not-observable");
  if (no.length > 0) {
    parts.push(
      `Not observable on ${r.target} (not counted as passes):\n` +
        no.map((e) => `  ○ ${e.name}: ${notObservableText(e.message)}`).join("\n"),
    );
  }
  const passed = r.expectations.filter((e) => e.status === "passed");
  if (passed.length > 0) parts.push(`Passed:\n${passed.map((e) => `  ✓ ${e.name}: ${e.message}`).join("\n")}`);
  if (r.execution) {
    const ex = r.execution;
    parts.push(
      `Simulated time: ${(r.simulatedMs / 1000).toFixed(1)}s\nExecution ${ex.name}: ${ex.status}` +
        `${ex.error !== undefined ? ` ${ex.error}` : ""}${ex.cause !== undefined ? ` — ${ex.cause}` : ""}`,
    );
    if (r.outcome !== "passed") {
      parts.push(`Timeline:\n${renderTimeline(foldRepeats(buildTimeline(ex.history, ex.startDate)))}`);
    }
  }
  return parts.join("\n\n");
}

/** `TargetUnavailableError: …` → `TargetUnavailableError`; otherwise `HarnessError`. */
function errorType(text: string): string {
  const m = /^([A-Z][A-Za-z0-9]*(?:Error|Exception))\b/.exec(text);
  return m ? m[1]! : "HarnessError";
}

function firstLine(s: string): string {
  const l = s.split(/\r?\n/)[0] ?? "";
  return l.length > 500 ? `${l.slice(0, 499)}…` : l;
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${escapeXmlAttr(String(v))}"`)
    .join(" ");
}

/**
 * Characters XML 1.0 cannot carry at all (C0 controls except tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) are
 * written as visible `\uXXXX` text, so an ANSI escape in an error message neither breaks the document nor vanishes.
 */
function replaceInvalid(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Escapes text content for XML 1.0. */
export function escapeXmlText(s: string): string {
  return replaceInvalid(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes an attribute value for XML 1.0 (newlines and tabs kept as character references). */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}
