import type { HistoryEvent } from "../engine/types";
import type { ExpectationResult, Reporter, RunSummary, ScenarioRunResult } from "../runner/types";
import { writeFileAtomic } from "./atomic-write";
import { eventDetails, traceExecution, type ExecutionTrace, type StateVisit } from "./execution-trace";
import { formatDuration, formatOffset } from "./format-duration";
import { GRAPH_CSS, renderGraphSvg } from "./graph-svg";
import { escapeHtml } from "./html-escape";
import { compact, describeMismatch } from "./mismatch";
import { renderPathDiffHtml } from "../replay/path-diff";

/**
 * One self-contained HTML file (inline CSS, JS and SVG; no external URL of any kind, so it opens offline and from
 * CI artifacts): a summary, then per scenario the failed expectations (expected vs actual), the state machine graph
 * with the executed path highlighted, and the execution timeline. Written atomically. When `onRunEnd` is called more
 * than once (one run per target), the page accumulates all runs.
 */
export class HtmlReporter implements Reporter {
  private readonly runs: RunSummary[] = [];

  constructor(
    private readonly output: string,
    private readonly options: { title?: string } = {},
  ) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    this.runs.push(summary);
    await writeFileAtomic(this.output, renderHtmlReport(this.runs, this.options));
  }
}

/** The report page for one or more runs. */
export function renderHtmlReport(runs: readonly RunSummary[], options: { title?: string } = {}): string {
  const results = runs.flatMap((r) => r.results);
  const passed = runs.reduce((n, r) => n + r.passed, 0);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const wall = runs.reduce((n, r) => n + r.wallMs, 0);
  const simulated = runs.reduce((n, r) => n + r.simulatedMs, 0);
  const targets = [...new Set(runs.map((r) => r.target))];
  const title = options.title ?? `Scenario report — ${targets.join(", ") || "no target"}`;
  const notObservable = results.reduce(
    (n, r) => n + r.expectations.filter((e) => e.status === "not-observable").length,
    0,
  );
  const counts = `${passed} passed, ${failed} failed${errors > 0 ? `, ${errors} error${errors === 1 ? "" : "s"}` : ""}`;
  const ids = results.map((r, i) => `s${i + 1}-${slug(r.scenario.name)}`);

  const nav = results
    .map(
      (r, i) =>
        `<li class="${r.outcome}"><a href="#${escapeHtml(ids[i]!)}"><span class="mark">${mark(r.outcome)}</span> ` +
        `${escapeHtml(r.scenario.name)}</a>${targets.length > 1 ? ` <span class="tag">${escapeHtml(r.target)}</span>` : ""}</li>`,
    )
    .join("");

  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1" />\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${PAGE_CSS}${GRAPH_CSS}</style>\n</head>\n<body>\n` +
    `<header>\n<h1>${escapeHtml(title)}</h1>\n` +
    `<p class="totals"><strong class="${errors > 0 ? "error" : failed > 0 ? "failed" : "passed"}">${escapeHtml(counts)}</strong>` +
    ` — ${escapeHtml(formatDuration(wall))} wall, ${escapeHtml(formatDuration(simulated))} simulated` +
    ` · target${targets.length === 1 ? "" : "s"} ${escapeHtml(targets.join(", "))}` +
    (notObservable > 0
      ? ` · <span class="not-observable">${notObservable} expectation${notObservable === 1 ? "" : "s"} not observable (not counted as passes)</span>`
      : "") +
    `</p>\n<nav><ul>${nav}</ul>` +
    `<label class="filter"><input type="checkbox" id="only-failed" /> show only scenarios that did not pass</label></nav>\n</header>\n<main>\n` +
    results.map((r, i) => renderScenario(r, ids[i]!, i)).join("\n") +
    `\n</main>\n<script>${PAGE_JS}</script>\n</body>\n</html>\n`
  );
}

function renderScenario(r: ScenarioRunResult, id: string, index: number): string {
  const ex = r.execution;
  const trace = ex ? traceExecution(ex.history, ex.startDate) : undefined;
  const parts: string[] = [];
  parts.push(
    `<h2><span class="mark">${mark(r.outcome)}</span> ${escapeHtml(r.scenario.name)} <span class="tag">${escapeHtml(r.target)}</span></h2>`,
  );
  const meta = [
    escapeHtml(r.scenario.file),
    `${escapeHtml(formatDuration(r.wallMs))} wall`,
    `${escapeHtml(formatDuration(r.simulatedMs))} simulated`,
    ...r.scenario.tags.map((t) => `<span class="tag">${escapeHtml(t)}</span>`),
  ];
  parts.push(`<p class="meta">${meta.join(" · ")}</p>`);
  if (r.scenario.description) parts.push(`<p class="description">${escapeHtml(r.scenario.description)}</p>`);
  if (r.outcome === "error") {
    parts.push(
      `<div class="harness-error"><strong>Harness error</strong><pre>${escapeHtml(r.error ?? "(no message)")}</pre></div>`,
    );
  }
  if (r.expectations.length > 0) parts.push(renderExpectations(r.expectations, r.target));
  if (ex) {
    const outcome = [ex.status, ex.error].filter((x) => x !== undefined && x !== "").join(" ");
    parts.push(
      `<h3>Execution <code>${escapeHtml(ex.name)}</code>: <span class="status status-${escapeHtml(ex.status.toLowerCase())}">${escapeHtml(outcome)}</span></h3>`,
    );
    if (ex.cause !== undefined) parts.push(`<pre class="cause">${escapeHtml(clip(ex.cause, 4000))}</pre>`);
    if (r.executions.length > 1) {
      parts.push(
        `<p class="meta">${r.executions.length} executions started: ${r.executions
          .map((e) => `${escapeHtml(e.name)} (${escapeHtml(e.status)})`)
          .join(", ")}</p>`,
      );
    }
  }
  if (r.definition) {
    parts.push(
      `<div class="graph-wrap">${renderGraphSvg(r.definition, trace, { idPrefix: `g${index + 1}` })}</div>` + LEGEND,
    );
  } else {
    parts.push(`<p class="meta">No definition was recorded for this scenario, so there is no graph.</p>`);
  }
  if (ex && trace) {
    const open = r.outcome !== "passed" ? ' open="open"' : "";
    parts.push(
      `<details class="timeline"${open}><summary>Timeline — ${ex.history.length} events, ` +
        `${escapeHtml(formatDuration(r.simulatedMs))} simulated</summary>${renderTimelineTable(ex.history, trace)}</details>`,
    );
  }
  return `<section class="scenario ${r.outcome}" id="${escapeHtml(id)}">\n${parts.join("\n")}\n</section>`;
}

function renderExpectations(list: ExpectationResult[], target: string): string {
  const rows = (items: ExpectationResult[]) =>
    items
      .map((e) => {
        const status =
          e.status === "passed" ? "✓ passed" : e.status === "failed" ? "✗ failed" : `○ not observable on ${target}`;
        let detail = "";
        if (e.status === "failed") {
          const lines = describeMismatch(e, { maxLines: 40, width: 200 });
          if (lines.length > 0) {
            detail = `<pre class="mismatch">${lines
              .map((l) => `<span class="${l.tone}">${escapeHtml(l.text)}</span>`)
              .join("\n")}</pre>`;
          }
          if (e.name === "path") detail += renderPathDiffHtml(e.expected, e.actual);
        } else if (e.status === "passed" && ("expected" in e || "actual" in e)) {
          detail = `<code>${escapeHtml(clip(compact(e.actual ?? e.expected), 200))}</code>`;
        }
        return (
          `<tr class="${e.status}"><td class="st">${escapeHtml(status)}</td><td><code>${escapeHtml(e.name)}</code></td>` +
          `<td>${escapeHtml(e.status === "not-observable" ? e.message.replace(/^not observable on this target:\s*/i, "") : e.message)}${detail}</td></tr>`
        );
      })
      .join("");
  const notPassed = list.filter((e) => e.status !== "passed");
  const passed = list.filter((e) => e.status === "passed");
  let html = `<h3>Expectations</h3>`;
  if (notPassed.length > 0) html += `<table class="expectations">${rows(notPassed)}</table>`;
  if (passed.length > 0) {
    html +=
      `<details class="passed-expectations"><summary>${passed.length} passed expectation${passed.length === 1 ? "" : "s"}</summary>` +
      `<table class="expectations">${rows(passed)}</table></details>`;
  }
  return html;
}

function renderTimelineTable(history: readonly HistoryEvent[], trace: ExecutionTrace): string {
  const events = [...history].sort((a, b) => a.id - b.id);
  const byId = new Map(events.map((e) => [e.id, e]));
  const visits = new Map(trace.visits.map((v) => [v.id, v]));
  const attempts = new Map<number, { visit: StateVisit; n: number }>();
  for (const v of trace.visits) for (const a of v.attempts) attempts.set(a.scheduledEventId, { visit: v, n: a.number });
  const ownerCache = new Map<number, StateVisit | undefined>();
  const owner = (e: HistoryEvent): StateVisit | undefined => {
    if (ownerCache.has(e.id)) return ownerCache.get(e.id);
    let found: StateVisit | undefined = visits.get(e.id);
    if (!found && e.type.endsWith("StateExited")) {
      const name = (e.stateExitedEventDetails as { name?: string } | undefined)?.name;
      found = [...trace.visits].reverse().find((v) => v.name === name && v.id < e.id);
    }
    if (!found) {
      const p = byId.get(e.previousEventId);
      found = p && p.id < e.id && !p.type.endsWith("StateExited") ? owner(p) : undefined;
    }
    ownerCache.set(e.id, found);
    return found;
  };
  const lastFailure = new Map<StateVisit, number>();
  const rows = events.map((e) => {
    const at = new Date(e.timestamp).getTime() - trace.startMs;
    const d = eventDetails(e);
    const v = owner(e);
    let cls = "ev";
    let detail = "";
    const visit = visits.get(e.id);
    const attempt = attempts.get(e.id);
    if (visit) {
      cls = visit.type === "Fail" ? "entered failure" : visit.viaCatch ? "entered caught" : "entered";
      const from = visit.fromId !== undefined ? visits.get(visit.fromId) : undefined;
      const bits: string[] = [];
      if (visit.type === "Wait" && visit.exitedAt !== undefined)
        bits.push(`waits ${formatDuration(visit.exitedAt - visit.enteredAt)}`);
      if (visit.viaCatch && from) bits.push(`← Catch from ${from.name}`);
      detail = bits.join(" · ");
    } else if (attempt) {
      const res = `${typeof d.resourceType === "string" ? `${d.resourceType}:` : ""}${typeof d.resource === "string" ? d.resource : ""}`;
      if (attempt.n > 1) {
        cls = "retry";
        const f = lastFailure.get(attempt.visit);
        detail = `↻ retry ${attempt.n - 1}${f !== undefined ? ` after ${formatDuration(at - f)}` : ""} → ${res} (attempt ${attempt.n})`;
      } else {
        detail = `→ ${res}`;
      }
    } else if (/Failed$|TimedOut$|Aborted$/.test(e.type)) {
      cls = e.type.startsWith("Execution") ? "end failure" : "failure";
      if (v) lastFailure.set(v, at);
      detail = [typeof d.error === "string" ? d.error : "", typeof d.cause === "string" ? clip(d.cause, 2000) : ""]
        .filter(Boolean)
        .join(" — ");
    } else if (e.type === "ExecutionSucceeded") {
      cls = "end ok";
      detail = typeof d.output === "string" ? `output ${clip(d.output, 300)}` : "";
    } else if (e.type === "ExecutionStarted") {
      detail = typeof d.input === "string" ? `input ${clip(d.input, 300)}` : "";
    } else if (/Succeeded$/.test(e.type)) {
      cls = "ev dim";
      detail = typeof d.output === "string" ? clip(d.output, 200) : "";
    } else {
      cls = "ev dim";
    }
    const state = visit?.name ?? v?.name ?? "";
    const indent = (visit ?? v)?.depth ?? 0;
    return (
      `<tr class="${cls}"${state ? ` data-state="${escapeHtml(state)}"` : ""}>` +
      `<td class="t">${escapeHtml(formatOffset(at))}</td><td class="id">${e.id}</td>` +
      `<td class="type">${escapeHtml(e.type)}</td>` +
      `<td class="state" style="padding-left:${0.4 + indent * 1.2}em">${escapeHtml(state)}</td>` +
      `<td class="detail">${escapeHtml(detail)}</td></tr>`
    );
  });
  return (
    `<table class="timeline"><thead><tr><th>time</th><th>#</th><th>event</th><th>state</th><th>detail</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

const LEGEND =
  `<p class="legend"><span class="lg visited">visited</span> <span class="lg failed">error left the state</span> ` +
  `<span class="lg retried">retried</span> <span class="lg terminal">execution ended here</span> ` +
  `<span class="lg unvisited">not entered</span> <span class="lg taken">taken transition</span> ` +
  `<span class="lg catch">Catch (dashed)</span> ×N = entered N times · hover for details, click a state to mark its rows in the timeline</p>`;

function mark(outcome: ScenarioRunResult["outcome"]): string {
  return outcome === "passed" ? "✓" : outcome === "failed" ? "✗" : "!";
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "scenario"
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}… (${s.length} chars)` : s;
}

const PAGE_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #1f2733; background: #f4f6f9; }
header { background: #ffffff; border-bottom: 1px solid #dde2e8; padding: 16px 24px; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
main { padding: 16px 24px; }
code, pre, .timeline td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.totals .passed, li.passed .mark, section.passed > h2 .mark { color: #16803c; }
.totals .failed, li.failed .mark, section.failed > h2 .mark { color: #c62828; }
.totals .error, li.error .mark, section.error > h2 .mark { color: #b86e00; }
.not-observable { color: #0f6f86; }
nav ul { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: inherit; text-decoration: none; }
nav a:hover { text-decoration: underline; }
.tag { display: inline-block; background: #eef1f5; border-radius: 9px; padding: 0 7px; font-size: 12px; color: #4a5565; }
section.scenario { background: #ffffff; border: 1px solid #dde2e8; border-left: 5px solid #16803c; border-radius: 6px; padding: 14px 18px; margin: 0 0 18px; }
section.scenario.failed { border-left-color: #c62828; }
section.scenario.error { border-left-color: #b86e00; }
body.only-failed section.scenario.passed, body.only-failed nav li.passed { display: none; }
.meta { color: #5b6675; margin: 2px 0; }
.description { margin: 6px 0; }
.harness-error { background: #fff6e5; border: 1px solid #f0c36d; border-radius: 4px; padding: 8px 12px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; }
table.expectations td { border-top: 1px solid #e6e9ee; padding: 5px 8px; vertical-align: top; }
table.expectations td.st { white-space: nowrap; width: 1%; }
tr.failed td.st { color: #c62828; font-weight: 600; }
tr.passed td.st { color: #16803c; }
tr.not-observable td { color: #0f6f86; background: #eef9fb; }
pre.mismatch { background: #f8f9fb; border: 1px solid #e6e9ee; border-radius: 4px; padding: 6px 8px; }
pre.mismatch .minus { color: #b3261e; }
pre.mismatch .plus { color: #17702f; }
pre.mismatch .note { color: #8a5a00; font-weight: 600; }
pre.mismatch .context { color: #6b7582; }
pre.cause { background: #fdf0f0; border-radius: 4px; padding: 6px 8px; }
.status-succeeded { color: #16803c; }
.status-failed, .status-timed_out { color: #c62828; }
.status-aborted { color: #b86e00; }
.graph-wrap { overflow-x: auto; background: #ffffff; border: 1px solid #e6e9ee; border-radius: 6px; margin: 10px 0 4px; padding: 4px; }
.legend { font-size: 12px; color: #5b6675; }
.lg { display: inline-block; padding: 0 6px; border-radius: 3px; border: 2px solid #8a94a3; margin-right: 4px; }
.lg.visited { border-color: #1d5fd6; background: #e6efff; }
.lg.failed { border-color: #d03030; background: #fde7e7; }
.lg.retried { border-color: #d98a00; }
.lg.terminal { border-width: 4px; }
.lg.unvisited { border-style: dashed; opacity: .6; }
.lg.taken { border: 0; border-bottom: 3px solid #1d5fd6; border-radius: 0; }
.lg.catch { border: 0; border-bottom: 2px dashed #d03030; border-radius: 0; }
details.timeline summary, details.passed-expectations summary { cursor: pointer; color: #33445a; margin: 8px 0; }
table.timeline th { text-align: left; font-weight: 600; border-bottom: 1px solid #dde2e8; padding: 3px 6px; }
table.timeline td { padding: 2px 6px; border-bottom: 1px solid #f0f2f5; vertical-align: top; }
table.timeline td.t, table.timeline td.id { white-space: nowrap; color: #5b6675; }
table.timeline td.detail { word-break: break-word; }
table.timeline tr.entered td.state { font-weight: 700; }
table.timeline tr.dim td { color: #8a94a3; }
table.timeline tr.failure td { color: #b3261e; }
table.timeline tr.retry td { color: #9a6200; }
table.timeline tr.caught td.detail { color: #b3261e; }
table.timeline tr.end.ok td { color: #16803c; font-weight: 600; }
table.timeline tr.hl td { background: #fff5c2; }
svg.graph .node { cursor: pointer; }
`;

const PAGE_JS = `
(function () {
  var box = document.getElementById("only-failed");
  if (box) box.addEventListener("change", function () { document.body.classList.toggle("only-failed", box.checked); });
  document.querySelectorAll("svg.graph .node").forEach(function (node) {
    node.addEventListener("click", function (ev) {
      ev.stopPropagation();
      var section = node.closest("section.scenario");
      if (!section) return;
      var name = node.getAttribute("data-state");
      section.querySelectorAll("tr[data-state]").forEach(function (row) {
        row.classList.toggle("hl", row.getAttribute("data-state") === name);
      });
      var details = section.querySelector("details.timeline");
      if (details) details.open = true;
    });
  });
})();
`;
