import type { HistoryEvent } from "../engine/types";
import { eventDetails, traceExecution, type ExecutionTrace, type StateVisit } from "./execution-trace";
import { formatDuration, formatOffset } from "./format-duration";

/**
 * The execution timeline the reporters print: states entered with simulated `+mm:ss.s` offsets, task attempts,
 * failures with error and cause, retries with their backoff, Catch transitions and the end. Supersedes
 * `harness/cli/format.ts` (`formatHistory`) for the scenario reporters: same information plus attempts, retries,
 * catches and nesting, and long poll loops folded.
 */
export interface TimelineLine {
  eventId: number;
  /** Offset from the execution start, ms. */
  at: number;
  /** Nesting of the state the line belongs to (0 = top level); attempt lines are one deeper than their state. */
  depth: number;
  kind: "state" | "attempt" | "retry" | "failure" | "end" | "fold";
  tone: "normal" | "ok" | "fail" | "warn" | "dim";
  text: string;
  state?: string;
}

/** Options of {@link buildTimeline}. */
export interface TimelineOptions {
  /** Longest cause printed before it is cut (default 200 characters). */
  maxCause?: number;
}

/** Builds the timeline lines of an execution. */
export function buildTimeline(
  history: readonly HistoryEvent[],
  startMs?: number,
  options: TimelineOptions = {},
  trace: ExecutionTrace = traceExecution(history, startMs),
): TimelineLine[] {
  const maxCause = options.maxCause ?? 200;
  const lines: TimelineLine[] = [];
  const visitsById = new Map(trace.visits.map((v) => [v.id, v]));
  const attemptOwner = new Map<number, StateVisit>();
  for (const v of trace.visits) for (const a of v.attempts) attemptOwner.set(a.scheduledEventId, v);
  const sorted = [...history].sort((a, b) => a.id - b.id);
  const at = (e: HistoryEvent) => new Date(e.timestamp).getTime() - trace.startMs;
  const lastFailureAt = new Map<StateVisit, number>();
  const byId = new Map(sorted.map((x) => [x.id, x]));

  for (const e of sorted) {
    const visit = visitsById.get(e.id);
    if (visit) {
      const from = visit.fromId !== undefined ? visitsById.get(visit.fromId) : undefined;
      const dur =
        visit.type === "Wait" && visit.exitedAt !== undefined
          ? `, ${formatDuration(visit.exitedAt - visit.enteredAt)}`
          : "";
      const caught = visit.viaCatch && from ? `  ← Catch from ${from.name}` : "";
      lines.push({
        eventId: e.id,
        at: at(e),
        depth: visit.depth,
        kind: "state",
        tone: visit.type === "Fail" ? "fail" : visit.viaCatch ? "warn" : "normal",
        text: `▶ ${visit.name} (${visit.type}${dur})${caught}`,
        state: visit.name,
      });
      continue;
    }
    const owner = attemptOwner.get(e.id);
    if (owner) {
      const attempt = owner.attempts.find((a) => a.scheduledEventId === e.id)!;
      const resource = `${attempt.resourceType ? `${attempt.resourceType}:` : ""}${attempt.resource ?? "?"}`;
      if (attempt.number === 1) {
        lines.push({
          eventId: e.id,
          at: attempt.at,
          depth: owner.depth + 1,
          kind: "attempt",
          tone: "dim",
          text: `→ ${resource}`,
          state: owner.name,
        });
      } else {
        const failedAt = lastFailureAt.get(owner);
        const after = failedAt !== undefined ? ` after ${formatDuration(attempt.at - failedAt)}` : "";
        lines.push({
          eventId: e.id,
          at: attempt.at,
          depth: owner.depth + 1,
          kind: "retry",
          tone: "warn",
          text: `↻ retry ${attempt.number - 1}${after} → ${resource} (attempt ${attempt.number})`,
          state: owner.name,
        });
      }
      continue;
    }
    const d = eventDetails(e);
    const isAttemptEnd = /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$/;
    if (isAttemptEnd.test(e.type) || /^(MapState|ParallelState|MapRun|MapIteration)(Failed|Aborted)$/.test(e.type)) {
      const v = findOwner(e);
      if (v) lastFailureAt.set(v, at(e));
      const error = typeof d.error === "string" ? d.error : e.type.endsWith("TimedOut") ? "States.Timeout" : "";
      const cause = typeof d.cause === "string" ? ` — ${oneLine(d.cause, maxCause)}` : "";
      const what = e.type.startsWith("MapIteration")
        ? `${e.type}${typeof d.index === "number" ? ` #${d.index}` : ""}`
        : e.type;
      lines.push({
        eventId: e.id,
        at: at(e),
        depth: (v?.depth ?? 0) + 1,
        kind: "failure",
        tone: "fail",
        text: `✗ ${what}${error ? `: ${error}` : ""}${cause}`,
        ...(v ? { state: v.name } : {}),
      });
      continue;
    }
    if (trace.end && e.id === trace.end.eventId) {
      const error = trace.end.error !== undefined ? `: ${trace.end.error}` : "";
      const cause = trace.end.cause !== undefined ? ` — ${oneLine(trace.end.cause, maxCause)}` : "";
      lines.push({
        eventId: e.id,
        at: at(e),
        depth: 0,
        kind: "end",
        tone: trace.end.status === "SUCCEEDED" ? "ok" : trace.end.status === "ABORTED" ? "warn" : "fail",
        text: `■ ${e.type}${error}${cause}`,
      });
    }
  }
  return lines;

  function findOwner(e: HistoryEvent): StateVisit | undefined {
    // The nearest visit entered before this event whose chain it belongs to; event order is good enough here
    // because failure lines only need the indentation and the retry's "after" base.
    let pid = e.previousEventId;
    for (let guard = 0; guard < 100_000 && pid > 0; guard++) {
      const v = visitsById.get(pid);
      if (v) return v;
      const owner = attemptOwner.get(pid);
      if (owner) return owner;
      pid = byId.get(pid)?.previousEventId ?? 0;
    }
    const open = trace.visits.filter((v) => v.id < e.id);
    return open[open.length - 1];
  }
}

/**
 * Folds repeated runs of lines (a poll loop: Wait → Get → Choice → Count, sixty times) into the first and last
 * repetition and one line saying how many were left out and over which time span. Lines compare by kind, depth and
 * text (times differ between repetitions). Runs shorter than `minRepeats` stay as they are.
 */
export function foldRepeats(lines: TimelineLine[], options: { maxBlock?: number; minRepeats?: number } = {}) {
  const maxBlock = options.maxBlock ?? 12;
  const minRepeats = options.minRepeats ?? 3;
  const key = (l: TimelineLine) => `${l.kind}\u0000${l.depth}\u0000${l.text}`;
  const keys = lines.map(key);
  const out: TimelineLine[] = [];
  let i = 0;
  while (i < lines.length) {
    let best: { len: number; reps: number } | undefined;
    for (let len = 1; len <= maxBlock && i + len * minRepeats <= lines.length; len++) {
      let reps = 1;
      while (i + (reps + 1) * len <= lines.length && sameBlock(keys, i, i + reps * len, len)) reps++;
      if (reps >= minRepeats && (!best || reps * len > best.reps * best.len)) best = { len, reps };
    }
    if (!best) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    const { len, reps } = best;
    const block = lines.slice(i, i + len);
    const lastStart = i + (reps - 1) * len;
    out.push(...block);
    const firstHidden = lines[i + len]!;
    const lastHidden = lines[lastStart - 1]!;
    const states = block.filter((l) => l.kind === "state" && l.state !== undefined).map((l) => l.state);
    const what = states.length > 0 ? states.join(" → ") : block[0]!.text;
    out.push({
      eventId: firstHidden.eventId,
      at: firstHidden.at,
      depth: block[0]!.depth,
      kind: "fold",
      tone: "dim",
      text: `⋮ ${reps - 2} more × ${what} (${formatOffset(firstHidden.at)} … ${formatOffset(lastHidden.at)})`,
    });
    out.push(...lines.slice(lastStart, lastStart + len));
    i += reps * len;
  }
  return out;
}

function sameBlock(keys: string[], a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (keys[a + k] !== keys[b + k]) return false;
  return true;
}

/** One line of text at most `max` characters (newlines shown as ⏎). */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(/\r?\n/g, " ⏎ ");
  return flat.length > max ? `${flat.slice(0, max - 1)}… (${flat.length} chars)` : flat;
}

/** Renders timeline lines as plain text (`+mm:ss.s  ▶ State (Type)`), colouring through `paint` when given. */
export function renderTimeline(
  lines: TimelineLine[],
  paint: (tone: TimelineLine["tone"] | "offset", text: string) => string = (_t, s) => s,
  indent = "",
): string {
  return lines
    .map((l) => {
      const offset = l.kind === "fold" ? " ".repeat(9) : formatOffset(l.at).padStart(9);
      return `${indent}${paint("offset", offset)}  ${"  ".repeat(l.depth)}${paint(l.tone, l.text)}`;
    })
    .join("\n");
}
