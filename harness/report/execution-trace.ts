import type { HistoryEvent } from "../engine/types";

/**
 * What happened in an execution, reconstructed from its AWS-shaped history: every state visit (with its parent
 * Map/Parallel visit and the visit it came from), task attempts with their failures and retries, the transitions
 * taken, and how the execution ended. The console timeline, the HTML graph and the HTML table all read this one
 * model, so they never disagree about what was visited or failed.
 *
 * Relations come from `previousEventId` chains, as AWS records them: a `…StateEntered` points (through the events
 * of the state before it) at that state's `…StateExited`, or at a `MapIterationStarted` / `ParallelStateStarted`
 * when it starts a branch. Histories whose ids do not chain (hand-made, or a target that omits them) fall back to
 * event order.
 */

/** One invocation of a Task's integration (an attempt; attempts after the first are retries). */
export interface TaskAttempt {
  /** 1-based attempt number within the state visit. */
  number: number;
  scheduledEventId: number;
  /** Offset from the execution start, ms. */
  at: number;
  resourceType?: string;
  resource?: string;
  outcome: "running" | "succeeded" | "failed" | "timed-out";
  endedAt?: number;
  error?: string;
  cause?: string;
}

/** One entry into a state. */
export interface StateVisit {
  /** Id of the `…StateEntered` event. */
  id: number;
  name: string;
  /** State type from the event type (`TaskStateEntered` → `Task`). */
  type: string;
  enteredAt: number;
  exitedAt?: number;
  /** The enclosing Map/Parallel visit, for states inside a branch or iteration. */
  parentId?: number;
  depth: number;
  /** The visit this one followed in the same scope (absent for the first state of a scope). */
  fromId?: number;
  /** True when the transition into this visit came from an error leaving `fromId` (a Catch). */
  viaCatch: boolean;
  attempts: TaskAttempt[];
  /** An error left this state (caught or not), or it is a Fail state. */
  failed: boolean;
  error?: string;
  cause?: string;
}

/** Per-state aggregate over all visits. */
export interface StateSummary {
  name: string;
  type: string;
  visits: number;
  attempts: number;
  failedAttempts: number;
  /** Some attempt failed and was retried. */
  retried: boolean;
  /** Some visit ended with an error leaving the state. */
  failed: boolean;
}

/** A transition taken between two states of one scope; `from` undefined = the start of the execution. */
export interface TakenTransition {
  from?: string;
  to: string;
  count: number;
  viaCatch: boolean;
}

export type ExecutionEndStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionEnd {
  status: ExecutionEndStatus;
  eventId: number;
  type: string;
  at: number;
  error?: string;
  cause?: string;
}

export interface ExecutionTrace {
  /** Epoch ms the offsets are relative to. */
  startMs: number;
  visits: StateVisit[];
  states: Map<string, StateSummary>;
  transitions: TakenTransition[];
  /** The last top-level state entered (where the execution ended). */
  terminal?: string;
  end?: ExecutionEnd;
}

const BRANCH_START = new Set(["ParallelStateStarted", "MapStateStarted", "MapIterationStarted", "MapRunStarted"]);
const SCHEDULED = new Set(["TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"]);
const SUCCEEDED = new Set(["TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"]);
const ATTEMPT_FAILED = new Set([
  "TaskFailed",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "LambdaFunctionFailed",
  "LambdaFunctionStartFailed",
  "LambdaFunctionScheduleFailed",
  "ActivityFailed",
  "ActivityScheduleFailed",
]);
const ATTEMPT_TIMED_OUT = new Set(["TaskTimedOut", "LambdaFunctionTimedOut", "ActivityTimedOut"]);
const STATE_FAILED = new Set(["MapStateFailed", "ParallelStateFailed", "MapRunFailed"]);
const END: Record<string, ExecutionEndStatus> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

/** The `*EventDetails` object of an event, whatever its name. */
export function eventDetails(e: HistoryEvent): Record<string, unknown> {
  for (const [k, v] of Object.entries(e)) {
    if (k.endsWith("EventDetails") && v !== null && typeof v === "object") return v as Record<string, unknown>;
  }
  return {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function enteredName(e: HistoryEvent): string | undefined {
  const d = e.stateEnteredEventDetails as { name?: unknown } | undefined;
  return e.type.endsWith("StateEntered") ? str(d?.name) : undefined;
}

function exitedName(e: HistoryEvent): string | undefined {
  const d = e.stateExitedEventDetails as { name?: unknown } | undefined;
  return e.type.endsWith("StateExited") ? str(d?.name) : undefined;
}

function time(e: HistoryEvent): number {
  const t = e.timestamp instanceof Date ? e.timestamp.getTime() : new Date(e.timestamp as unknown as string).getTime();
  return Number.isFinite(t) ? t : 0;
}

/**
 * Builds the trace of one execution. `startMs` (the execution's `startDate`) defaults to the `ExecutionStarted`
 * event's timestamp, else the first event's.
 */
export function traceExecution(history: readonly HistoryEvent[], startMs?: number): ExecutionTrace {
  const events = [...history].sort((a, b) => a.id - b.id);
  const first = events.find((e) => e.type === "ExecutionStarted") ?? events[0];
  const start = startMs ?? (first ? time(first) : 0);
  const byId = new Map<number, HistoryEvent>(events.map((e) => [e.id, e]));
  const visitByEntered = new Map<number, StateVisit>();
  const visits: StateVisit[] = [];
  const attemptByEvent = new Map<number, TaskAttempt>();
  let end: ExecutionEnd | undefined;

  /** Follows `previousEventId` from `e`, calling `visit` on each ancestor until it returns a value. */
  const walk = <T>(e: HistoryEvent, visit: (p: HistoryEvent) => T | undefined): T | undefined => {
    let pid = e.previousEventId;
    for (let guard = 0; guard < 100_000 && pid > 0; guard++) {
      const p = byId.get(pid);
      if (!p || p.id >= e.id) return undefined;
      const r = visit(p);
      if (r !== undefined) return r;
      pid = p.previousEventId;
    }
    return undefined;
  };

  const openVisits = (): StateVisit[] => visits.filter((v) => v.exitedAt === undefined);
  const latestOpen = (name?: string): StateVisit | undefined => {
    const open = openVisits().filter((v) => name === undefined || v.name === name);
    return open[open.length - 1];
  };
  /** The visit an event inside a state belongs to: the nearest `…StateEntered` up its chain. */
  const ownerOf = (e: HistoryEvent): StateVisit | undefined =>
    walk(e, (p) => (enteredName(p) !== undefined ? visitByEntered.get(p.id) : undefined)) ?? latestOpen();

  for (const e of events) {
    const at = time(e) - start;
    const entered = enteredName(e);
    if (entered !== undefined) {
      let fromId: number | undefined;
      let parentId: number | undefined;
      let sawBranchStart = false;
      const found = walk(e, (p): { kind: "after" | "parent"; visit: StateVisit } | undefined => {
        if (BRANCH_START.has(p.type)) {
          sawBranchStart = true;
          return undefined;
        }
        if (enteredName(p) !== undefined) {
          const v = visitByEntered.get(p.id);
          return v ? { kind: sawBranchStart ? "parent" : "after", visit: v } : undefined;
        }
        const ex = exitedName(p);
        if (ex !== undefined && !sawBranchStart) {
          const v = visitOfExit(p, ex);
          return v ? { kind: "after", visit: v } : undefined;
        }
        return undefined;
      });
      if (found?.kind === "after") {
        fromId = found.visit.id;
        parentId = found.visit.parentId;
      } else if (found?.kind === "parent") {
        parentId = found.visit.id;
      } else if (visits.length > 0) {
        // No usable chain: assume the previous visit in event order, in its scope.
        const prev = visits[visits.length - 1]!;
        fromId = prev.id;
        parentId = prev.parentId;
      }
      const from = fromId !== undefined ? visitByEntered.get(fromId) : undefined;
      const parent = parentId !== undefined ? visitByEntered.get(parentId) : undefined;
      if (from && from.exitedAt === undefined) from.exitedAt = at;
      const v: StateVisit = {
        id: e.id,
        name: entered,
        type: e.type.slice(0, -"StateEntered".length) || "State",
        enteredAt: at,
        ...(parentId !== undefined ? { parentId } : {}),
        depth: parent ? parent.depth + 1 : 0,
        ...(fromId !== undefined ? { fromId } : {}),
        viaCatch: from?.failed ?? false,
        attempts: [],
        failed: e.type === "FailStateEntered",
      };
      visits.push(v);
      visitByEntered.set(e.id, v);
      continue;
    }
    const exited = exitedName(e);
    if (exited !== undefined) {
      const v = visitOfExit(e, exited);
      if (v && v.exitedAt === undefined) v.exitedAt = at;
      continue;
    }
    if (SCHEDULED.has(e.type)) {
      const owner = ownerOf(e);
      if (!owner) continue;
      const d = eventDetails(e);
      const attempt: TaskAttempt = {
        number: owner.attempts.length + 1,
        scheduledEventId: e.id,
        at,
        ...(str(d.resourceType) !== undefined ? { resourceType: str(d.resourceType)! } : {}),
        ...(str(d.resource) !== undefined ? { resource: str(d.resource)! } : {}),
        outcome: "running",
      };
      owner.attempts.push(attempt);
      attemptByEvent.set(e.id, attempt);
      continue;
    }
    if (SUCCEEDED.has(e.type) || ATTEMPT_FAILED.has(e.type) || ATTEMPT_TIMED_OUT.has(e.type)) {
      const attempt =
        walk(e, (p) => attemptByEvent.get(p.id)) ?? ownerOf(e)?.attempts.findLast((a) => a.outcome === "running");
      if (!attempt || attempt.outcome !== "running") continue;
      attempt.endedAt = at;
      if (SUCCEEDED.has(e.type)) {
        attempt.outcome = "succeeded";
      } else {
        const d = eventDetails(e);
        attempt.outcome = ATTEMPT_TIMED_OUT.has(e.type) ? "timed-out" : "failed";
        const error = str(d.error) ?? (ATTEMPT_TIMED_OUT.has(e.type) ? "States.Timeout" : undefined);
        if (error !== undefined) attempt.error = error;
        if (str(d.cause) !== undefined) attempt.cause = str(d.cause)!;
      }
      continue;
    }
    if (STATE_FAILED.has(e.type)) {
      const owner = ownerOf(e);
      if (owner) {
        owner.failed = true;
        const d = eventDetails(e);
        if (str(d.error) !== undefined) owner.error = str(d.error)!;
        if (str(d.cause) !== undefined) owner.cause = str(d.cause)!;
      }
      continue;
    }
    const status = END[e.type];
    if (status) {
      const d = eventDetails(e);
      end = {
        status,
        eventId: e.id,
        type: e.type,
        at,
        ...(str(d.error) !== undefined ? { error: str(d.error)! } : {}),
        ...(str(d.cause) !== undefined ? { cause: str(d.cause)! } : {}),
      };
    }
  }

  // A visit failed when its last attempt failed (the error left the state: caught, or it ended the execution).
  for (const v of visits) {
    const last = v.attempts[v.attempts.length - 1];
    if (last && (last.outcome === "failed" || last.outcome === "timed-out")) {
      v.failed = true;
      if (last.error !== undefined) v.error = last.error;
      if (last.cause !== undefined) v.cause = last.cause;
    }
  }
  const topLevel = visits.filter((v) => v.depth === 0);
  const terminalVisit = topLevel[topLevel.length - 1];
  if (end && terminalVisit) {
    if (terminalVisit.exitedAt === undefined) terminalVisit.exitedAt = end.at;
    // An execution that failed inside a non-Task state (no match in a Choice, a bad path) failed in that state.
    if ((end.status === "FAILED" || end.status === "TIMED_OUT") && !terminalVisit.failed) {
      const lastExited = events.some((e) => exitedName(e) === terminalVisit.name && e.id > terminalVisit.id);
      if (!lastExited || end.status === "TIMED_OUT") {
        terminalVisit.failed = true;
        if (end.error !== undefined) terminalVisit.error = end.error;
        if (end.cause !== undefined) terminalVisit.cause = end.cause;
      }
    }
    if (terminalVisit.type === "Fail") {
      if (end.error !== undefined) terminalVisit.error = end.error;
      if (end.cause !== undefined) terminalVisit.cause = end.cause;
    }
  }
  for (const v of visits) {
    const from = v.fromId !== undefined ? visitByEntered.get(v.fromId) : undefined;
    v.viaCatch = from?.failed === true && from.type !== "Fail";
  }

  const states = new Map<string, StateSummary>();
  for (const v of visits) {
    const s = states.get(v.name) ?? {
      name: v.name,
      type: v.type,
      visits: 0,
      attempts: 0,
      failedAttempts: 0,
      retried: false,
      failed: false,
    };
    s.visits += 1;
    s.attempts += v.attempts.length;
    const failedAttempts = v.attempts.filter((a) => a.outcome === "failed" || a.outcome === "timed-out").length;
    s.failedAttempts += failedAttempts;
    if (v.attempts.length > 1) s.retried = true;
    if (v.failed) s.failed = true;
    states.set(v.name, s);
  }

  const transitionMap = new Map<string, TakenTransition>();
  for (const v of visits) {
    const from = v.fromId !== undefined ? visitByEntered.get(v.fromId)?.name : undefined;
    if (from === undefined && v.depth > 0) continue;
    const key = `${from ?? ""}\u0000${v.name}\u0000${v.viaCatch}`;
    const t = transitionMap.get(key) ?? {
      ...(from !== undefined ? { from } : {}),
      to: v.name,
      count: 0,
      viaCatch: v.viaCatch,
    };
    t.count += 1;
    transitionMap.set(key, t);
  }

  return {
    startMs: start,
    visits,
    states,
    transitions: [...transitionMap.values()],
    ...(terminalVisit ? { terminal: terminalVisit.name } : {}),
    ...(end ? { end } : {}),
  };

  function visitOfExit(e: HistoryEvent, name: string): StateVisit | undefined {
    return walk(e, (p) => (enteredName(p) === name ? visitByEntered.get(p.id) : undefined)) ?? latestOpen(name);
  }
}
