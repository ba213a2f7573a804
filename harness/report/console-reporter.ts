import type { ExpectationResult, Reporter, RunSummary, ScenarioRunResult } from "../runner/types";
import type { TargetName } from "../targets/target";
import { formatDuration } from "./format-duration";
import { describeMismatch, type MismatchLine } from "./mismatch";
import { buildTimeline, foldRepeats, oneLine, renderTimeline, type TimelineLine } from "./timeline";

/** Where console output goes; injected so the reporter is testable and the CLI decides on colour and TTY. */
export interface ReporterIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Use ANSI colours (the caller has already honoured NO_COLOR / FORCE_COLOR). */
  color: boolean;
  /** stderr is a terminal: progress is one status line rewritten in place; otherwise plain lines. */
  isTTY: boolean;
}

/** Options of {@link ConsoleReporter}. */
export interface ConsoleReporterOptions {
  /** Also print the timeline (and passed expectations) of passed scenarios. Default false. */
  verbose?: boolean;
  /** Fold repeated timeline blocks (poll loops). Default true. */
  fold?: boolean;
  /** Longest progress status line on a TTY (longer lines would wrap and break the in-place rewrite). Default 100. */
  statusWidth?: number;
}

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
} as const;
type Style = Exclude<keyof typeof ANSI, "reset">;

/** Erases the current terminal line and returns the cursor to its start. */
const CLEAR_LINE = "\r\x1b[2K";

/**
 * Human output of a scenario run: progress on stderr while running, one line per scenario on stdout (✓ passed,
 * ✗ failed, ! harness error) with wall and simulated time, for failures the mismatching expectations and the
 * execution timeline, and a closing `N passed, M failed` line. Expectations a target cannot observe are listed with
 * ○ and never counted as passes.
 */
export class ConsoleReporter implements Reporter {
  private total = 0;
  private started = 0;
  private target: TargetName | undefined;
  private readonly running: string[] = [];
  private statusShown = false;
  private readonly verbose: boolean;
  private readonly fold: boolean;
  private readonly statusWidth: number;

  constructor(
    private readonly io: ReporterIo,
    options: ConsoleReporterOptions = {},
  ) {
    this.verbose = options.verbose ?? false;
    this.fold = options.fold ?? true;
    this.statusWidth = options.statusWidth ?? 100;
  }

  onRunStart(info: { total: number; target: TargetName }): void {
    this.total = info.total;
    this.started = 0;
    this.target = info.target;
    this.io.stdout(
      `${this.paint("bold", `Running ${info.total} scenario${info.total === 1 ? "" : "s"}`)} on target ${info.target}\n`,
    );
  }

  onScenarioStart(scenario: { name: string; file: string }): void {
    this.started += 1;
    this.running.push(scenario.name);
    const total = Math.max(this.total, this.started);
    const others = this.running.length > 1 ? ` (+${this.running.length - 1} running)` : "";
    const text = `running ${this.started}/${total}: ${scenario.name}…${others}`;
    if (this.io.isTTY) {
      const shown = text.length > this.statusWidth ? `${text.slice(0, this.statusWidth - 1)}…` : text;
      this.io.stderr(`${CLEAR_LINE}${this.paint("dim", shown)}`);
      this.statusShown = true;
    } else {
      this.io.stderr(`${visible(text)}\n`);
    }
  }

  onScenarioEnd(result: ScenarioRunResult): void {
    const i = this.running.indexOf(result.scenario.name);
    if (i >= 0) this.running.splice(i, 1);
    this.clearStatus();
    this.io.stdout(this.formatResult(result) + "\n");
    if (this.io.isTTY && this.running.length > 0) {
      const text = `running ${this.started}/${Math.max(this.total, this.started)}: ${this.running.join(", ")}…`;
      const shown = text.length > this.statusWidth ? `${text.slice(0, this.statusWidth - 1)}…` : text;
      this.io.stderr(`${CLEAR_LINE}${this.paint("dim", shown)}`);
      this.statusShown = true;
    }
  }

  onRunEnd(summary: RunSummary): void {
    this.clearStatus();
    this.io.stdout(this.formatSummary(summary) + "\n");
  }

  /** The block printed for one scenario (no trailing newline). */
  formatResult(r: ScenarioRunResult): string {
    const lines: string[] = [];
    const notObservable = r.expectations.filter((e) => e.status === "not-observable");
    const target = this.target !== undefined && r.target !== this.target ? ` [${r.target}]` : "";
    const times =
      r.outcome === "error" && r.simulatedMs === 0
        ? `${formatDuration(r.wallMs)} wall`
        : `${formatDuration(r.wallMs)} wall, ${formatDuration(r.simulatedMs)} simulated`;
    const no = notObservable.length > 0 ? this.paint("cyan", `  (${notObservable.length} not observable)`) : "";
    const mark =
      r.outcome === "passed"
        ? this.paint("green", "✓")
        : r.outcome === "failed"
          ? this.paint("red", "✗")
          : this.paint("yellow", "!");
    lines.push(`${mark} ${visible(r.scenario.name)}${target}  ${this.paint("dim", times)}${no}`);

    if (r.outcome === "error") {
      const [first = "", ...rest] = (r.error ?? "harness error (no message)").split(/\r?\n/);
      lines.push(`    ${this.paint("yellow", `harness error: ${first}`)}`);
      for (const l of rest.slice(0, 20)) lines.push(`      ${visible(l)}`);
      if (rest.length > 20) lines.push(`      … ${rest.length - 20} more lines`);
    }
    for (const e of r.expectations) {
      if (e.status === "failed") lines.push(...this.formatFailed(e));
      else if (e.status === "passed" && this.verbose) {
        lines.push(`    ${this.paint("green", "✓")} ${visible(e.name)}${this.paint("dim", `: ${e.message}`)}`);
      }
    }
    for (const e of notObservable) {
      lines.push(`    ${this.paint("cyan", `○ ${visible(e.name)}: ${visible(notObservableText(e.message))}`)}`);
    }
    const showTimeline = r.outcome === "failed" || (r.outcome === "error" && r.execution) || this.verbose;
    if (showTimeline) {
      const ex = r.execution;
      if (ex) {
        const outcome = [ex.status, ex.error, ex.cause !== undefined ? oneLine(ex.cause, 120) : undefined]
          .filter((x) => x !== undefined && x !== "")
          .join(" — ");
        lines.push(`    ${this.paint("bold", "timeline")} of ${visible(ex.name)} (${visible(outcome)}):`);
        let tl: TimelineLine[] = buildTimeline(ex.history, ex.startDate);
        if (this.fold) tl = foldRepeats(tl);
        if (tl.length === 0) lines.push("      (no history events)");
        else lines.push(renderTimeline(tl, (tone, text) => this.tone(tone, text), "    "));
      } else if (r.outcome === "failed") {
        lines.push(`    ${this.paint("dim", "(no execution was recorded)")}`);
      }
    }
    return lines.join("\n");
  }

  /** The closing lines: `N passed, M failed[, K errors] — <wall> wall, <simulated> simulated`. */
  formatSummary(s: RunSummary): string {
    const parts = [`${s.passed} passed`, `${s.failed} failed`];
    if (s.errors > 0) parts.push(`${s.errors} error${s.errors === 1 ? "" : "s"}`);
    const counts = parts.join(", ");
    const colour: Style = s.errors > 0 ? "yellow" : s.failed > 0 ? "red" : "green";
    const lines = [
      "",
      `${this.paint(["bold", colour], counts)} — ${formatDuration(s.wallMs)} wall, ${formatDuration(
        s.simulatedMs,
      )} simulated`,
    ];
    const no = s.results.reduce((n, r) => n + r.expectations.filter((e) => e.status === "not-observable").length, 0);
    if (no > 0) {
      lines.push(
        this.paint(
          "cyan",
          `${no} expectation${no === 1 ? "" : "s"} not observable on ${s.target} (not counted as passes)`,
        ),
      );
    }
    const bad = s.results.filter((r) => r.outcome !== "passed");
    if (bad.length > 0) lines.push(`not passed: ${visible(bad.map((r) => r.scenario.name).join(", "))}`);
    return lines.join("\n");
  }

  private formatFailed(e: ExpectationResult): string[] {
    const out = [`    ${this.paint("red", "✗")} ${this.paint("bold", e.name)}: ${visible(e.message)}`];
    for (const l of describeMismatch(e)) out.push(`        ${this.mismatchTone(l)}`);
    return out;
  }

  private mismatchTone(l: MismatchLine): string {
    switch (l.tone) {
      case "minus":
        return this.paint("red", l.text);
      case "plus":
        return this.paint("green", l.text);
      case "note":
        return this.paint("yellow", l.text);
      case "context":
        return this.paint("dim", l.text);
    }
  }

  private tone(tone: TimelineLine["tone"] | "offset", text: string): string {
    switch (tone) {
      case "offset":
      case "dim":
        return this.paint("dim", text);
      case "fail":
        return this.paint("red", text);
      case "warn":
        return this.paint("yellow", text);
      case "ok":
        return this.paint("green", text);
      case "normal":
        return text;
    }
  }

  private clearStatus(): void {
    if (this.io.isTTY && this.statusShown) {
      this.io.stderr(CLEAR_LINE);
      this.statusShown = false;
    }
  }

  /** Styles untrusted text: control characters made visible first, then ANSI codes added when colour is on. */
  private paint(style: Style | Style[], text: string): string {
    const safe = visible(text);
    if (!this.io.color) return safe;
    const codes = (Array.isArray(style) ? style : [style]).map((st) => ANSI[st]).join("");
    return `${codes}${safe}${ANSI.reset}`;
  }
}

/** The runner already says "not observable on this target: why"; other producers may give only the reason. */
export function notObservableText(message: string): string {
  return /^not observable/i.test(message) ? message : `not observable on this target: ${message}`;
}

/**
 * Untrusted text (error messages, causes, names) printed on a terminal: control characters other than newline and
 * tab are shown as `\uXXXX`, so a cause carrying ANSI escapes cannot recolour or rewrite the terminal.
 */
export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0B-\x1F\x7F\x9B]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
