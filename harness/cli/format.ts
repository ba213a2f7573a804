import type { HistoryEvent } from "../engine/types";

/** Seconds since the start, as `+12.0s`. */
function offset(ts: Date, start: number): string {
  return `+${((ts.getTime() - start) / 1000).toFixed(1)}s`.padStart(8);
}

/**
 * A compact timeline of an execution: states entered with simulated time offsets, task attempts, failures and the
 * end. Used by `exec` and by the scenario reporters.
 */
export function formatHistory(events: HistoryEvent[], start: number): string {
  const lines: string[] = [];
  for (const e of events) {
    const t = offset(e.timestamp, start);
    if (e.type.endsWith("StateEntered")) {
      const d = e.stateEnteredEventDetails as { name: string };
      lines.push(`${t}  ${d.name} (${e.type.replace("StateEntered", "")})`);
    } else if (e.type === "TaskFailed" || e.type === "LambdaFunctionFailed" || e.type.endsWith("TimedOut")) {
      const d = (Object.entries(e).find(([k]) => k.endsWith("EventDetails"))?.[1] ?? {}) as {
        error?: string;
        cause?: string;
      };
      lines.push(`${t}    ✗ ${e.type}: ${d.error ?? ""}${d.cause ? ` — ${truncate(d.cause, 100)}` : ""}`);
    } else if (e.type === "TaskScheduled" || e.type === "LambdaFunctionScheduled") {
      const d = (e.taskScheduledEventDetails ?? e.lambdaFunctionScheduledEventDetails) as {
        resourceType?: string;
        resource: string;
      };
      lines.push(`${t}    → ${d.resourceType ? `${d.resourceType}:` : ""}${d.resource}`);
    } else if (
      e.type === "ExecutionSucceeded" ||
      e.type === "ExecutionFailed" ||
      e.type === "ExecutionAborted" ||
      e.type === "ExecutionTimedOut"
    ) {
      lines.push(`${t}  ${e.type}`);
    }
  }
  return lines.join("\n");
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
