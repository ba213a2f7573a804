import type { HistoryEvent } from "../engine/types";
import type { Reporter, RunSummary } from "../runner/types";
import { writeFileAtomic } from "./atomic-write";

/**
 * The whole {@link RunSummary} as JSON, histories included (event timestamps as ISO strings), for tools and for
 * re-rendering reports later ({@link parseRunSummaryJson} reads it back). Written atomically to `output`, or to
 * stdout when there is no output path.
 *
 * One run gives one `RunSummary` object. If `onRunEnd` is called again (one run per target), the document becomes
 * an array of all run summaries so far, so that no run is lost.
 */
export class JsonReporter implements Reporter {
  private readonly runs: RunSummary[] = [];

  constructor(
    private readonly output: string | undefined,
    private readonly stdout: (text: string) => void,
  ) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    this.runs.push(summary);
    const text = renderRunSummaryJson(this.runs.length === 1 ? summary : this.runs);
    if (this.output !== undefined) await writeFileAtomic(this.output, text);
    else this.stdout(text);
  }
}

/** JSON text of one summary (or several); `Date`s become ISO strings, bigints strings. */
export function renderRunSummaryJson(summary: RunSummary | RunSummary[]): string {
  return JSON.stringify(summary, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

/** A JSON report that does not have the expected shape; says which field is wrong. */
export class RunSummaryJsonError extends Error {
  override readonly name = "RunSummaryJsonError";
}

/** Reads a JSON report back, turning history timestamps into `Date`s again. */
export function parseRunSummaryJson(text: string): RunSummary | RunSummary[] {
  const parsed: unknown = JSON.parse(text);
  const runs = Array.isArray(parsed) ? parsed : [parsed];
  runs.forEach((run, i) => reviveRun(run, Array.isArray(parsed) ? `[${i}]` : "$"));
  return parsed as RunSummary | RunSummary[];
}

function reviveRun(run: unknown, where: string): void {
  if (run === null || typeof run !== "object" || !Array.isArray((run as RunSummary).results)) {
    throw new RunSummaryJsonError(
      `${where}: not a RunSummary (no "results" array); was the file written by --report json?`,
    );
  }
  (run as RunSummary).results.forEach((r, i) => {
    for (const [j, ex] of (r.executions ?? []).entries())
      reviveHistory(ex.history, `${where}.results[${i}].executions[${j}]`);
    if (r.execution) reviveHistory(r.execution.history, `${where}.results[${i}].execution`);
  });
}

function reviveHistory(history: HistoryEvent[] | undefined, where: string): void {
  for (const [k, e] of (history ?? []).entries()) {
    if (e.timestamp instanceof Date) continue;
    const d = new Date(e.timestamp as unknown as string);
    if (Number.isNaN(d.getTime())) throw new RunSummaryJsonError(`${where}.history[${k}].timestamp is not a date`);
    e.timestamp = d;
  }
}
