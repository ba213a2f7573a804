/**
 * Reads an execution history as AWS hands it out — `aws stepfunctions get-execution-history` (one `{"events": […]}`,
 * with or without `--reverse-order`, or several pages written one after another), the SDK's `GetExecutionHistory`
 * output (`$metadata`, `nextToken`), the wire format (timestamps in epoch seconds), or a bare array of events or of
 * pages — and checks it is one whole, finished execution. Every refusal names the file, where (line:column, or the
 * event id and its page/index) and what to do.
 */
import type { HistoryEvent } from "../engine/types";
import { JsonDocumentsError, parseJsonDocuments } from "./json-documents";

/** Every event type of `GetExecutionHistory` (the `HistoryEventType` enum of the Step Functions API). */
export const HISTORY_EVENT_TYPES: ReadonlySet<string> = new Set([
  "ActivityFailed",
  "ActivityScheduled",
  "ActivityScheduleFailed",
  "ActivityStarted",
  "ActivitySucceeded",
  "ActivityTimedOut",
  "ChoiceStateEntered",
  "ChoiceStateExited",
  "ExecutionAborted",
  "ExecutionFailed",
  "ExecutionStarted",
  "ExecutionSucceeded",
  "ExecutionTimedOut",
  "FailStateEntered",
  "LambdaFunctionFailed",
  "LambdaFunctionScheduled",
  "LambdaFunctionScheduleFailed",
  "LambdaFunctionStarted",
  "LambdaFunctionStartFailed",
  "LambdaFunctionSucceeded",
  "LambdaFunctionTimedOut",
  "MapIterationAborted",
  "MapIterationFailed",
  "MapIterationStarted",
  "MapIterationSucceeded",
  "MapStateAborted",
  "MapStateEntered",
  "MapStateExited",
  "MapStateFailed",
  "MapStateStarted",
  "MapStateSucceeded",
  "ParallelStateAborted",
  "ParallelStateEntered",
  "ParallelStateExited",
  "ParallelStateFailed",
  "ParallelStateStarted",
  "ParallelStateSucceeded",
  "PassStateEntered",
  "PassStateExited",
  "SucceedStateEntered",
  "SucceedStateExited",
  "TaskFailed",
  "TaskScheduled",
  "TaskStarted",
  "TaskStartFailed",
  "TaskStateAborted",
  "TaskStateEntered",
  "TaskStateExited",
  "TaskSubmitFailed",
  "TaskSubmitted",
  "TaskSucceeded",
  "TaskTimedOut",
  "WaitStateAborted",
  "WaitStateEntered",
  "WaitStateExited",
  "MapRunAborted",
  "MapRunFailed",
  "MapRunStarted",
  "MapRunSucceeded",
  "ExecutionRedriven",
  "MapRunRedriven",
  "EvaluationFailed",
]);

/** The events that end an execution. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionAborted",
  "ExecutionTimedOut",
]);

/** Timestamps may go backwards by this much between consecutive ids before the order is called broken. */
const CLOCK_SKEW_TOLERANCE_MS = 1000;

/** Where one event was in the file. */
export interface EventOrigin {
  /** 1-based page (JSON document or element of an array of pages). */
  page: number;
  /** 0-based index within its page's `events`. */
  index: number;
}

/** A parsed, complete, ascending history. */
export interface ParsedHistory {
  /** The file as given (for messages). */
  file: string;
  /** Events sorted by id (1…N), timestamps as Dates. */
  events: HistoryEvent[];
  /** Where each event id was in the file. */
  origins: Map<number, EventOrigin>;
  /** What the file looked like. */
  layout: {
    /** `AWS API`: the JSON protocol as sent (epoch-second timestamps), e.g. captured from a proxy or another SDK. */
    source: "AWS CLI" | "AWS SDK" | "AWS API" | "events array";
    pages: number;
    /** The events came newest first (`--reverse-order`). */
    reverseOrder: boolean;
    timestamps: "ISO 8601" | "epoch seconds" | "epoch milliseconds" | "mixed";
  };
}

/** The file is not a usable execution history; the message says where and what to do. */
export class HistoryParseError extends Error {
  override readonly name = "HistoryParseError";
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly where: { line?: number; column?: number; eventId?: number; page?: number; index?: number } = {},
  ) {
    super(`${file}${HistoryParseError.locate(where)}: ${problem}`);
  }

  private static locate(w: HistoryParseError["where"]): string {
    if (w.line !== undefined) return `:${w.line}:${w.column ?? 1}`;
    const parts: string[] = [];
    if (w.eventId !== undefined) parts.push(`event id ${w.eventId}`);
    if (w.page !== undefined && w.index !== undefined) parts.push(`page ${w.page}, events[${w.index}]`);
    else if (w.index !== undefined) parts.push(`events[${w.index}]`);
    return parts.length ? ` (${parts.join(", ")})` : "";
  }
}

const HOW_TO_EXPORT =
  "export it with `aws stepfunctions get-execution-history --execution-arn <arn> --output json > history.json`";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function looksLikeEvent(v: unknown): boolean {
  return isRecord(v) && "type" in v && "id" in v;
}

/** Names what a JSON object that is not a history probably is. */
function whatIsIt(o: Record<string, unknown>): string {
  const keys = Object.keys(o);
  if ("executions" in o) return "`list-executions` output";
  if ("executionArn" in o && "status" in o) return "`describe-execution` output";
  if ("StartAt" in o && "States" in o) return "a state machine definition (pass it with --definition)";
  if ("stateMachineArn" in o && "definition" in o) return "`describe-state-machine` output";
  if ("StateMachines" in o && "MockedResponses" in o) return "a MockConfigFile";
  if ("Records" in o) return "an S3 event";
  if ("type" in o && "id" in o) return "a single history event, not a history";
  return `an object with keys ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""}`;
}

interface RawPage {
  events: unknown[];
  source: ParsedHistory["layout"]["source"];
  /** The page says more follow (`NextToken` / `nextToken`). */
  hasNext: boolean;
}

function pagesOf(file: string, docs: ReturnType<typeof parseJsonDocuments>): RawPage[] {
  const pages: RawPage[] = [];
  const pageFrom = (o: Record<string, unknown>, at: { line: number; column: number }, label: string): RawPage => {
    const events = o["events"];
    if (!Array.isArray(events)) {
      throw new HistoryParseError(
        file,
        `${label}\`events\` must be an array of history events, got ${events === null ? "null" : typeof events}`,
        at,
      );
    }
    const source = "$metadata" in o || "nextToken" in o ? "AWS SDK" : "AWS CLI";
    const next = o["NextToken"] ?? o["nextToken"];
    return { events, source, hasNext: typeof next === "string" && next !== "" };
  };
  for (const [d, doc] of docs.entries()) {
    const v = doc.value;
    const label = docs.length > 1 ? `document ${d + 1}: ` : "";
    if (isRecord(v)) {
      if (!("events" in v)) {
        throw new HistoryParseError(
          file,
          `${label}expected GetExecutionHistory output (an object with \`events\`), got ${whatIsIt(v)}; ${HOW_TO_EXPORT}`,
          doc.start,
        );
      }
      pages.push(pageFrom(v, doc.start, label));
    } else if (Array.isArray(v)) {
      if (v.length === 0) {
        throw new HistoryParseError(file, `${label}an empty array: no events, no pages`, doc.start);
      }
      if (v.every(looksLikeEvent)) {
        pages.push({ events: v, source: "events array", hasNext: false });
      } else if (v.every((p) => isRecord(p) && "events" in p)) {
        for (const p of v) pages.push(pageFrom(p as Record<string, unknown>, doc.start, label));
      } else {
        const bad = v.findIndex((p) => !looksLikeEvent(p) && !(isRecord(p) && "events" in p));
        const el = v[bad === -1 ? 0 : bad];
        throw new HistoryParseError(
          file,
          `${label}an array must hold history events (objects with \`id\` and \`type\`) or pages (objects with \`events\`); element [${bad === -1 ? 0 : bad}] is ${isRecord(el) ? whatIsIt(el) : JSON.stringify(el)?.slice(0, 60)}`,
          doc.start,
        );
      }
    }
  }
  return pages;
}

function parseTimestamp(v: unknown): { ms: number; kind: ParsedHistory["layout"]["timestamps"] } | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) {
    // The JSON protocol sends epoch seconds (1.732615200123E9); a value past year 5138 in seconds is milliseconds.
    return v < 1e11 ? { ms: Math.round(v * 1000), kind: "epoch seconds" } : { ms: v, kind: "epoch milliseconds" };
  }
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v)) {
    // `2024-11-26T10:00:00.123000+00:00` (CLI) or `…123Z` (SDK, JSON.stringify): milliseconds are kept.
    const normalized = v.replace(" ", "T").replace(/(\.\d{3})\d+/, "$1");
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(normalized) ? normalized : `${normalized}Z`);
    return Number.isNaN(ms) ? undefined : { ms, kind: "ISO 8601" };
  }
  return undefined;
}

/** The `*EventDetails` field an event of this type carries its data in (`TaskFailed` → `taskFailedEventDetails`). */
export function detailsKey(type: string): string {
  if (type.endsWith("StateEntered")) return "stateEnteredEventDetails";
  if (type.endsWith("StateExited")) return "stateExitedEventDetails";
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Event types whose details must name the state (the importer follows states by these). */
const NAMED = /^(Task|Pass|Wait|Choice|Succeed|Fail|Map|Parallel)State(Entered|Exited)$/;

/**
 * Parses and checks a history file's text. Accepted: one or more JSON documents, each GetExecutionHistory output
 * (`{events, NextToken?}` from the CLI, `{events, nextToken?, $metadata?}` from the SDK), an array of such pages, or
 * an array of events; pages in any order, each in ascending or descending (`--reverse-order`) id order; timestamps in
 * ISO 8601 or epoch seconds.
 * @throws HistoryParseError for anything else: not JSON, a truncated file, the wrong shape, duplicate or missing ids,
 *   events out of order, no ExecutionStarted, no terminal event (an execution still RUNNING is refused).
 */
export function parseHistory(text: string, file: string): ParsedHistory {
  if (text.trim() === "") {
    throw new HistoryParseError(file, `the file is empty; ${HOW_TO_EXPORT}`);
  }
  let docs;
  try {
    docs = parseJsonDocuments(text);
  } catch (e) {
    if (e instanceof JsonDocumentsError) {
      const hint = e.truncated
        ? `; ${HOW_TO_EXPORT}`
        : /^not JSON/.test(e.problem)
          ? ` (is it the CLI's text or table output? ${HOW_TO_EXPORT})`
          : "";
      throw new HistoryParseError(file, `${e.problem}${hint}`, e.position);
    }
    throw e;
  }
  const pages = pagesOf(file, docs);

  const events: HistoryEvent[] = [];
  const origins = new Map<number, EventOrigin>();
  const kinds = new Set<ParsedHistory["layout"]["timestamps"]>();
  let descendingPages = 0;
  let multiEventPages = 0;
  for (const [p, page] of pages.entries()) {
    const pageNo = p + 1;
    let direction: "asc" | "desc" | undefined;
    let previous: { id: number; index: number } | undefined;
    for (const [index, raw] of page.events.entries()) {
      const at = { page: pageNo, index };
      if (!isRecord(raw)) {
        throw new HistoryParseError(file, `an event must be an object, got ${JSON.stringify(raw)?.slice(0, 60)}`, at);
      }
      const id = raw["id"];
      if (typeof id !== "number" || !Number.isInteger(id) || id < 1) {
        throw new HistoryParseError(file, `\`id\` must be a positive integer, got ${JSON.stringify(id)}`, at);
      }
      const where = { eventId: id, ...at };
      const type = raw["type"];
      if (typeof type !== "string") {
        throw new HistoryParseError(file, `\`type\` must be a history event type, got ${JSON.stringify(type)}`, where);
      }
      if (!HISTORY_EVENT_TYPES.has(type)) {
        throw new HistoryParseError(
          file,
          `unknown event type '${type}' (not a Step Functions HistoryEventType); was the file edited?`,
          where,
        );
      }
      const prev = raw["previousEventId"] ?? 0;
      if (typeof prev !== "number" || !Number.isInteger(prev) || prev < 0) {
        throw new HistoryParseError(
          file,
          `\`previousEventId\` must be an integer ≥ 0, got ${JSON.stringify(prev)}`,
          where,
        );
      }
      if (prev >= id) {
        throw new HistoryParseError(
          file,
          `\`previousEventId\` ${prev} is not an earlier event than ${id}: the events do not form one history`,
          where,
        );
      }
      const ts = parseTimestamp(raw["timestamp"]);
      if (!ts) {
        throw new HistoryParseError(
          file,
          `\`timestamp\` must be ISO 8601 ("2024-11-26T10:00:00.123000+00:00") or epoch seconds, got ${JSON.stringify(raw["timestamp"])}`,
          where,
        );
      }
      kinds.add(ts.kind);
      if (NAMED.test(type)) {
        const key = detailsKey(type);
        const d = raw[key];
        if (!isRecord(d) || typeof d["name"] !== "string") {
          throw new HistoryParseError(file, `${type} needs \`${key}.name\` (the state's name)`, where);
        }
      }
      if (previous) {
        const step = id > previous.id ? "asc" : id < previous.id ? "desc" : undefined;
        if (step === undefined) {
          throw new HistoryParseError(
            file,
            `event id ${id} appears twice in a row (events[${previous.index}] and events[${index}])`,
            where,
          );
        }
        if (direction === undefined) direction = step;
        else if (direction !== step) {
          throw new HistoryParseError(
            file,
            `events out of order: id ${id} follows id ${previous.id} in a page whose ids ${direction === "asc" ? "ascend" : "descend"}; a page is in ascending id order, or descending with --reverse-order, so this order cannot be trusted`,
            where,
          );
        }
      }
      previous = { id, index };
      const existing = origins.get(id);
      if (existing) {
        throw new HistoryParseError(
          file,
          `event id ${id} appears twice (page ${existing.page}, events[${existing.index}] and page ${pageNo}, events[${index}]): the same page was written twice, or pages of different executions were mixed`,
          where,
        );
      }
      origins.set(id, at);
      events.push({ ...(raw as Record<string, unknown>), id, type, previousEventId: prev, timestamp: new Date(ts.ms) });
    }
    if (page.events.length > 1) multiEventPages++;
    if (direction === "desc") descendingPages++;
  }
  if (events.length === 0) throw new HistoryParseError(file, `no events in the file; ${HOW_TO_EXPORT}`);

  events.sort((a, b) => a.id - b.id);
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const originOf = (e: HistoryEvent) => ({ eventId: e.id, ...origins.get(e.id)! });
  if (first.id !== 1 || first.type !== "ExecutionStarted") {
    throw new HistoryParseError(
      file,
      first.id !== 1
        ? `the history starts at event id ${first.id} (${first.type}), not at 1 (ExecutionStarted): the first page(s) are missing — export the whole history, every page`
        : `event 1 is ${first.type}, not ExecutionStarted: this is not the start of an execution history`,
      originOf(first),
    );
  }
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    if (b.id !== a.id + 1) {
      const missing = b.id - a.id - 1;
      throw new HistoryParseError(
        file,
        `event ids jump from ${a.id} to ${b.id}: ${missing === 1 ? `event ${a.id + 1} is` : `events ${a.id + 1}–${b.id - 1} are`} missing (a page left out when the pages were put together?)`,
        originOf(b),
      );
    }
    if (b.type === "ExecutionStarted") {
      throw new HistoryParseError(
        file,
        "a second ExecutionStarted: the file holds events of more than one execution",
        originOf(b),
      );
    }
    if (b.timestamp.getTime() < a.timestamp.getTime() - CLOCK_SKEW_TOLERANCE_MS) {
      throw new HistoryParseError(
        file,
        `events out of order: event ${b.id} (${b.type}) is timestamped ${b.timestamp.toISOString()}, before event ${a.id} (${a.timestamp.toISOString()}); ids and timestamps disagree, so the order cannot be recovered (were pages of different executions mixed?)`,
        originOf(b),
      );
    }
    if (TERMINAL_EVENT_TYPES.has(a.type)) {
      throw new HistoryParseError(
        file,
        b.type === "ExecutionRedriven"
          ? `the execution was redriven after it ended (${a.type} at event ${a.id}, ExecutionRedriven at ${b.id}); redrive is not supported by the embedded engine — import a history that was not redriven`
          : `${b.type} comes after the execution ended (${a.type} at event ${a.id}): the file holds more than one history`,
        originOf(b),
      );
    }
  }
  if (!TERMINAL_EVENT_TYPES.has(last.type)) {
    const morePages = pages.some((p) => p.hasNext) && !descendingPages;
    throw new HistoryParseError(
      file,
      `the history ends at event ${last.id} (${last.type}) without ExecutionSucceeded, ExecutionFailed, ExecutionAborted or ExecutionTimedOut: ` +
        (morePages
          ? "the last page is missing (a page in the file has a NextToken) — export every page"
          : "the file is truncated, or the execution was still RUNNING when it was exported. Only finished executions can be replayed: wait for it to end (or stop it with `aws stepfunctions stop-execution`) and export it again"),
      originOf(last),
    );
  }
  const timestamps = kinds.size === 1 ? [...kinds][0]! : "mixed";
  return {
    file,
    events,
    origins,
    layout: {
      source: !pages.every((p) => p.source === pages[0]!.source)
        ? "AWS CLI"
        : pages[0]!.source === "AWS CLI" && timestamps === "epoch seconds"
          ? "AWS API"
          : pages[0]!.source,
      pages: pages.length,
      reverseOrder: descendingPages > 0 && descendingPages === multiEventPages,
      timestamps,
    },
  };
}
