/**
 * The expected and the actual path side by side, aligned so that a state inserted or dropped (one poll more, a retry
 * less) shows as one row rather than shifting everything after it, with the first divergent step marked — the step
 * the runner's "path diverges at step N" message names. Rendered for the console and for the HTML report.
 */
import { escapeHtml } from "../report/html-escape";

/** One row: both sides equal, changed, only expected (removed) or only actual (added); or a run of equal rows left out. */
export type PathDiffRow =
  | { kind: "equal" | "changed" | "removed" | "added"; expected?: Step; actual?: Step; first?: boolean }
  | { kind: "skipped"; count: number };

/** A state at a 1-based step of its path. */
export interface Step {
  step: number;
  state: string;
}

export interface PathDiff {
  identical: boolean;
  expectedLength: number;
  actualLength: number;
  /** The first index (1-based) where the paths differ, as the runner counts it; absent when identical. */
  firstDivergence?: { step: number; expected?: string; actual?: string };
  rows: PathDiffRow[];
}

export interface PathDiffOptions {
  /** Equal rows shown around differences (default 3). */
  context?: number;
  /** Longest path pair aligned by edit distance; longer ones are compared index by index (default 2000 states). */
  maxAligned?: number;
}

type Op = { kind: "equal" | "removed" | "added"; e?: number; a?: number };

/** Longest-common-subsequence alignment (paths are short: a few hundred states). */
function align(expected: readonly string[], actual: readonly string[]): Op[] {
  const n = expected.length;
  const m = actual.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) ops.push({ kind: "equal", e: i++, a: j++ });
    else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: "removed", e: i++ });
    else ops.push({ kind: "added", a: j++ });
  }
  return ops;
}

/** Index-by-index pairing, for paths too long to align. */
function pairByIndex(expected: readonly string[], actual: readonly string[]): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (i < expected.length && i < actual.length) {
      if (expected[i] === actual[i]) ops.push({ kind: "equal", e: i, a: i });
      else ops.push({ kind: "removed", e: i }, { kind: "added", a: i });
    } else if (i < expected.length) ops.push({ kind: "removed", e: i });
    else ops.push({ kind: "added", a: i });
  }
  return ops;
}

/** Compares two paths. */
export function diffPaths(
  expected: readonly string[],
  actual: readonly string[],
  options: PathDiffOptions = {},
): PathDiff {
  const context = options.context ?? 3;
  let d = 0;
  while (d < expected.length && d < actual.length && expected[d] === actual[d]) d++;
  const identical = d === expected.length && d === actual.length;
  const ops =
    expected.length * actual.length <= (options.maxAligned ?? 2000) ** 2
      ? align(expected, actual)
      : pairByIndex(expected, actual);

  // Pair runs of removed/added between equal rows into "changed" rows.
  const rows: Array<Exclude<PathDiffRow, { kind: "skipped" }>> = [];
  for (let k = 0; k < ops.length;) {
    const op = ops[k]!;
    if (op.kind === "equal") {
      rows.push({
        kind: "equal",
        expected: { step: op.e! + 1, state: expected[op.e!]! },
        actual: { step: op.a! + 1, state: actual[op.a!]! },
      });
      k++;
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k]!.kind !== "equal") {
      const o = ops[k++]!;
      if (o.kind === "removed") removed.push(o.e!);
      else added.push(o.a!);
    }
    for (let r = 0; r < Math.max(removed.length, added.length); r++) {
      const e = removed[r];
      const a = added[r];
      rows.push({
        kind: e !== undefined && a !== undefined ? "changed" : e !== undefined ? "removed" : "added",
        ...(e !== undefined ? { expected: { step: e + 1, state: expected[e]! } } : {}),
        ...(a !== undefined ? { actual: { step: a + 1, state: actual[a]! } } : {}),
      });
    }
  }
  const firstRow = rows.findIndex((r) => r.kind !== "equal");
  if (firstRow >= 0) rows[firstRow]!.first = true;

  // Leave out equal rows far from any difference.
  const keep = rows.map((r) => r.kind !== "equal");
  const near = rows.map((_, i) => {
    for (let k = Math.max(0, i - context); k <= Math.min(rows.length - 1, i + context); k++) if (keep[k]) return true;
    return false;
  });
  const shown: PathDiffRow[] = [];
  for (let i = 0; i < rows.length;) {
    if (near[i] || identical) {
      shown.push(rows[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < rows.length && !near[j]) j++;
    if (j - i <= 1) shown.push(...rows.slice(i, j));
    else shown.push({ kind: "skipped", count: j - i });
    i = j;
  }
  return {
    identical,
    expectedLength: expected.length,
    actualLength: actual.length,
    ...(identical
      ? {}
      : {
          firstDivergence: {
            step: d + 1,
            ...(expected[d] !== undefined ? { expected: expected[d] } : {}),
            ...(actual[d] !== undefined ? { actual: actual[d] } : {}),
          },
        }),
    rows: identical ? [] : shown,
  };
}

/** A console line with a tone for colouring (`minus` expected-only, `plus` actual-only, `changed` both differ). */
export interface DiffLine {
  tone: "context" | "changed" | "minus" | "plus" | "note" | "equal";
  text: string;
}

const MARKS: Record<string, string> = { equal: " ", changed: "≠", removed: "-", added: "+" };

/** The side-by-side table as console lines. */
export function formatPathDiff(diff: PathDiff, options: { width?: number } = {}): DiffLine[] {
  if (diff.identical) return [{ tone: "equal", text: `paths are identical (${diff.expectedLength} states)` }];
  const f = diff.firstDivergence!;
  const lines: DiffLine[] = [
    {
      tone: "note",
      text: `path diverges at step ${f.step}: expected ${f.expected ?? "(end)"}, got ${f.actual ?? "(end)"} (expected ${diff.expectedLength} states, actual ${diff.actualLength})`,
    },
  ];
  const rows = diff.rows.filter((r): r is Exclude<PathDiffRow, { kind: "skipped" }> => r.kind !== "skipped");
  const stepWidth = String(Math.max(diff.expectedLength, diff.actualLength)).length;
  const nameWidth = Math.min(
    options.width ?? 40,
    Math.max(8, ...rows.map((r) => r.expected?.state.length ?? 0), "expected".length),
  );
  const cell = (s: Step | undefined) =>
    s ? `${String(s.step).padStart(stepWidth)}  ${s.state.padEnd(nameWidth)}` : " ".repeat(stepWidth + 2 + nameWidth);
  lines.push({
    tone: "context",
    text: `    ${" ".repeat(stepWidth)}  ${"expected".padEnd(nameWidth)}     ${" ".repeat(stepWidth)}  actual`,
  });
  for (const r of diff.rows) {
    if (r.kind === "skipped") {
      lines.push({ tone: "context", text: `    … ${r.count} equal step${r.count === 1 ? "" : "s"}` });
      continue;
    }
    const tone =
      r.kind === "equal" ? "context" : r.kind === "changed" ? "changed" : r.kind === "removed" ? "minus" : "plus";
    lines.push({
      tone,
      text: `${r.first ? " ›" : "  "}  ${cell(r.expected)}  ${MARKS[r.kind]}  ${r.actual ? `${String(r.actual.step).padStart(stepWidth)}  ${r.actual.state}` : ""}${r.first ? "   ← first divergence" : ""}`.trimEnd(),
    });
  }
  return lines;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Inline styles (the report allows one `<style>` element, its own), per row kind. */
const ROW_STYLE: Record<string, string> = {
  equal: "",
  changed: "background:#fff5c2",
  removed: "background:#fde7e7;color:#b3261e",
  added: "background:#e6f4ea;color:#17702f",
};
const CELL = "padding:1px 8px";
const NUM = `${CELL};color:#8a94a3;text-align:right`;

/**
 * The side-by-side path diff as an HTML table (for the HTML report, under a failed `path` expectation); empty when
 * `expected` and `actual` are not both lists of state names. Styled inline so it needs no stylesheet.
 */
export function renderPathDiffHtml(expected: unknown, actual: unknown): string {
  if (!isStringList(expected) || !isStringList(actual)) return "";
  const diff = diffPaths(expected, actual);
  if (diff.identical) return "";
  const f = diff.firstDivergence!;
  const td = (s: Step | undefined) =>
    s
      ? `<td class="n" style="${NUM}">${s.step}</td><td style="${CELL}">${escapeHtml(s.state)}</td>`
      : `<td class="n" style="${NUM}"></td><td style="${CELL}"></td>`;
  const body = diff.rows
    .map((r) => {
      if (r.kind === "skipped") {
        return (
          `<tr class="skipped"><td colspan="5" style="${CELL};color:#8a94a3;font-style:italic">` +
          `… ${r.count} equal step${r.count === 1 ? "" : "s"}</td></tr>`
        );
      }
      const style = [ROW_STYLE[r.kind], r.first ? "outline:2px solid #c62828" : ""].filter(Boolean).join(";");
      return (
        `<tr class="${r.kind}${r.first ? " first" : ""}"${r.first ? ' title="first divergence"' : ""}${style ? ` style="${style}"` : ""}>` +
        `${td(r.expected)}<td class="mark" style="${CELL};text-align:center;font-weight:700">${escapeHtml(MARKS[r.kind]!)}</td>${td(r.actual)}</tr>`
      );
    })
    .join("");
  const th = `text-align:left;font-weight:600;padding:2px 8px;border-bottom:1px solid #dde2e8`;
  return (
    `<p class="path-diff-note">Diverges at step ${f.step}: expected <code>${escapeHtml(f.expected ?? "(end)")}</code>, ` +
    `got <code>${escapeHtml(f.actual ?? "(end)")}</code>.</p>` +
    `<table class="path-diff" style="border-collapse:collapse;width:auto;margin:6px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px">` +
    `<thead><tr><th colspan="2" style="${th}">expected (${diff.expectedLength})</th><th style="${th}"></th>` +
    `<th colspan="2" style="${th}">actual (${diff.actualLength})</th></tr></thead><tbody>${body}</tbody></table>`
  );
}
