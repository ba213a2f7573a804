import { parseAthenaCsv } from "./athena-results";

/** The five states of an Athena query execution (`QueryExecutionStatus.State`). */
export type QueryState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

/** States after which a query never changes again. */
export type TerminalState = "SUCCEEDED" | "FAILED" | "CANCELLED";

export const QUERY_STATES: readonly QueryState[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];

export function isTerminal(state: QueryState): state is TerminalState {
  return state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED";
}

/**
 * How a scripted query moves through its `states`.
 * - `"per-call"`: one step per status poll. The first `GetQueryExecution` (or `BatchGetQueryExecution` entry) returns
 *   `states[0]`, the n-th (0-based) returns `states[min(n, states.length - 1)]`. Other reads (`GetQueryResults`,
 *   `ListQueryExecutions`, the control plane) see the state of the last poll without moving it.
 * - `{ everyMs }`: by the emulator clock, `states[min(floor((now - submitted) / everyMs), states.length - 1)]`, so a
 *   virtual clock decides when the query finishes, however often (or rarely) it is polled.
 */
export type ScriptAdvance = "per-call" | { everyMs: number };

/** What a FAILED query reports in `Status.StateChangeReason` and `Status.AthenaError`. */
export interface ScriptFailure {
  /** `StateChangeReason` and `AthenaError.ErrorMessage`, e.g. `TABLE_NOT_FOUND: line 1:15: Table ... does not exist`. */
  reason: string;
  /** `AthenaError.ErrorCategory`: 1 system, 2 user, 3 other. Default 2. */
  errorCategory?: 1 | 2 | 3;
  /** `AthenaError.ErrorType` (Athena's error catalog, e.g. 1301 table not found). Default 1000. */
  errorType?: number;
  /** `AthenaError.Retryable`. Default false. */
  retryable?: boolean;
}

/** A result column: a name, or a name and an Athena type (`varchar`, `bigint`, `decimal(10,2)`, ...). */
export type ScriptColumn = string | { name: string; type?: string };

/**
 * The rows a SUCCEEDED query returns. Values are strings as Athena renders them (`VarCharValue`); `null` is SQL NULL.
 * Numbers and booleans are accepted and turned into strings. `{ csv }` takes an Athena-style (or plain) CSV whose
 * first line is the header; there an unquoted empty field is NULL and `""` is the empty string, as in Athena's files.
 */
export type ScriptResult =
  { columns: ScriptColumn[]; rows: Array<Array<string | number | boolean | null>> } | { csv: string };

/** The life of one query, chosen when `StartQueryExecution` is called. */
export interface QueryScript {
  /** Non-empty; QUEUED steps, then RUNNING steps, then at most one terminal state, which must come last. */
  states: QueryState[];
  /** Default `"per-call"`. */
  advance?: ScriptAdvance;
  /** Required when the last state is FAILED, refused otherwise. */
  failure?: ScriptFailure;
  /** Only with a final SUCCEEDED; default: the result of `SELECT 1` (column `_col0`, integer, one row `1`). */
  result?: ScriptResult;
  /** `Statistics.DataScannedInBytes`; default 0. */
  dataScannedInBytes?: number;
}

export interface ResolvedColumn {
  name: string;
  /** Lower-cased Athena type, possibly with parameters (`varchar`, `decimal(10,2)`). */
  type: string;
}

export interface ResolvedResult {
  columns: ResolvedColumn[];
  rows: Array<Array<string | null>>;
}

/** A validated script with every default filled in. */
export interface ResolvedScript {
  states: QueryState[];
  advance: ScriptAdvance;
  failure?: Required<ScriptFailure>;
  result?: ResolvedResult;
  dataScannedInBytes: number;
}

/** A script body the emulator refuses; `path` names the offending field (`script.states[2]`). */
export class AthenaScriptError extends Error {
  override readonly name = "AthenaScriptError";
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** What a SUCCEEDED query without an explicit `result` returns: the result of `SELECT 1`. */
export const DEFAULT_RESULT: ResolvedResult = { columns: [{ name: "_col0", type: "integer" }], rows: [["1"]] };

/** The built-in default script: QUEUED, RUNNING, SUCCEEDED, one step per poll, `SELECT 1`'s result. */
export const DEFAULT_SCRIPT: QueryScript = { states: ["QUEUED", "RUNNING", "SUCCEEDED"], advance: "per-call" };

const SCRIPT_FIELDS = ["states", "advance", "failure", "result", "dataScannedInBytes"];
const FAILURE_FIELDS = ["reason", "errorCategory", "errorType", "retryable"];
const TYPE_PATTERN = /^[a-z][a-z0-9_ ]*(\([a-z0-9_ ,()]*\))?( with time zone)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value) : typeof value;
}

function checkFields(value: Record<string, unknown>, allowed: string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new AthenaScriptError(`${path}.${key}`, `unknown field; expected one of ${allowed.join(", ")}`);
    }
  }
}

/**
 * Validates a script (from a scenario file, the control plane or code) and fills in its defaults.
 * @param where how to name the script in errors (`script`, `defaultScript`, ...).
 * @throws AthenaScriptError naming the field and what is wrong with it.
 */
export function parseScript(input: unknown, where = "script"): ResolvedScript {
  if (!isRecord(input)) throw new AthenaScriptError(where, `expected an object with "states", got ${describe(input)}`);
  checkFields(input, SCRIPT_FIELDS, where);

  const states = parseStates(input["states"], `${where}.states`);
  const last = states[states.length - 1]!;
  const advance = parseAdvance(input["advance"], `${where}.advance`);

  let failure: Required<ScriptFailure> | undefined;
  if (input["failure"] !== undefined) {
    if (last !== "FAILED") {
      throw new AthenaScriptError(
        `${where}.failure`,
        `only a script whose last state is FAILED can fail (last: ${last})`,
      );
    }
    failure = parseFailure(input["failure"], `${where}.failure`);
  } else if (last === "FAILED") {
    throw new AthenaScriptError(
      `${where}.failure`,
      'required when the last state is FAILED: give at least {"reason": "<StateChangeReason>"}',
    );
  }

  let result: ResolvedResult | undefined;
  if (input["result"] !== undefined) {
    if (last !== "SUCCEEDED") {
      throw new AthenaScriptError(
        `${where}.result`,
        `only a script whose last state is SUCCEEDED has a result (last: ${last})`,
      );
    }
    result = parseResult(input["result"], `${where}.result`);
  } else if (last === "SUCCEEDED") {
    result = DEFAULT_RESULT;
  }

  const scanned = input["dataScannedInBytes"] ?? 0;
  if (typeof scanned !== "number" || !Number.isSafeInteger(scanned) || scanned < 0) {
    throw new AthenaScriptError(
      `${where}.dataScannedInBytes`,
      `expected a non-negative integer, got ${describe(scanned)}`,
    );
  }

  return { states, advance, ...(failure && { failure }), ...(result && { result }), dataScannedInBytes: scanned };
}

function parseStates(value: unknown, path: string): QueryState[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new AthenaScriptError(
      path,
      `expected a non-empty array of ${QUERY_STATES.join(" | ")}, got ${describe(value)}`,
    );
  }
  const states: QueryState[] = [];
  value.forEach((state: unknown, i) => {
    if (typeof state !== "string" || !(QUERY_STATES as readonly string[]).includes(state)) {
      throw new AthenaScriptError(
        `${path}[${i}]`,
        `expected one of ${QUERY_STATES.join(", ")}, got ${describe(state)}`,
      );
    }
    const previous = states[i - 1];
    if (previous !== undefined && isTerminal(previous)) {
      throw new AthenaScriptError(
        `${path}[${i}]`,
        `${state} after the terminal state ${previous}; a terminal state must be last`,
      );
    }
    if (state === "QUEUED" && previous === "RUNNING") {
      throw new AthenaScriptError(
        `${path}[${i}]`,
        "QUEUED after RUNNING; Athena never puts a running query back in the queue",
      );
    }
    states.push(state as QueryState);
  });
  return states;
}

function parseAdvance(value: unknown, path: string): ScriptAdvance {
  if (value === undefined || value === "per-call") return "per-call";
  if (isRecord(value)) {
    checkFields(value, ["everyMs"], path);
    const everyMs = value["everyMs"];
    if (typeof everyMs === "number" && Number.isFinite(everyMs) && everyMs > 0) return { everyMs };
    throw new AthenaScriptError(
      `${path}.everyMs`,
      `expected a positive number of milliseconds, got ${describe(everyMs)}`,
    );
  }
  throw new AthenaScriptError(path, `expected "per-call" or {"everyMs": <positive number>}, got ${describe(value)}`);
}

function parseFailure(value: unknown, path: string): Required<ScriptFailure> {
  if (!isRecord(value)) throw new AthenaScriptError(path, `expected an object with "reason", got ${describe(value)}`);
  checkFields(value, FAILURE_FIELDS, path);
  const { reason, errorCategory = 2, errorType = 1000, retryable = false } = value;
  if (typeof reason !== "string" || reason.length === 0) {
    throw new AthenaScriptError(`${path}.reason`, `expected a non-empty string, got ${describe(reason)}`);
  }
  if (errorCategory !== 1 && errorCategory !== 2 && errorCategory !== 3) {
    throw new AthenaScriptError(
      `${path}.errorCategory`,
      `expected 1 (system), 2 (user) or 3 (other), got ${describe(errorCategory)}`,
    );
  }
  if (typeof errorType !== "number" || !Number.isSafeInteger(errorType) || errorType < 0) {
    throw new AthenaScriptError(`${path}.errorType`, `expected a non-negative integer, got ${describe(errorType)}`);
  }
  if (typeof retryable !== "boolean") {
    throw new AthenaScriptError(`${path}.retryable`, `expected true or false, got ${describe(retryable)}`);
  }
  return { reason, errorCategory, errorType, retryable };
}

function parseResult(value: unknown, path: string): ResolvedResult {
  if (!isRecord(value)) {
    throw new AthenaScriptError(
      path,
      `expected {"columns": [...], "rows": [[...]]} or {"csv": "..."}, got ${describe(value)}`,
    );
  }
  if ("csv" in value) {
    checkFields(value, ["csv"], path);
    const csv = value["csv"];
    if (typeof csv !== "string") throw new AthenaScriptError(`${path}.csv`, `expected a string, got ${describe(csv)}`);
    let parsed: { header: string[]; rows: Array<Array<string | null>> };
    try {
      parsed = parseAthenaCsv(csv);
    } catch (e) {
      throw new AthenaScriptError(`${path}.csv`, e instanceof Error ? e.message : String(e));
    }
    return { columns: parsed.header.map((name) => ({ name, type: "varchar" })), rows: parsed.rows };
  }
  checkFields(value, ["columns", "rows"], path);
  const columnsValue = value["columns"];
  if (!Array.isArray(columnsValue) || columnsValue.length === 0) {
    throw new AthenaScriptError(
      `${path}.columns`,
      `expected a non-empty array of names or {name, type}, got ${describe(columnsValue)}`,
    );
  }
  const columns = columnsValue.map((column: unknown, i) => parseColumn(column, `${path}.columns[${i}]`));
  const rowsValue = value["rows"] ?? [];
  if (!Array.isArray(rowsValue))
    throw new AthenaScriptError(`${path}.rows`, `expected an array of rows, got ${describe(rowsValue)}`);
  const rows = rowsValue.map((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new AthenaScriptError(
        `${path}.rows[${r}]`,
        `expected an array of ${columns.length} value(s), one per column, got ${Array.isArray(row) ? `${row.length}` : describe(row)}`,
      );
    }
    return row.map((cell: unknown, c) => {
      if (cell === null || typeof cell === "string") return cell;
      if ((typeof cell === "number" && Number.isFinite(cell)) || typeof cell === "boolean") return String(cell);
      throw new AthenaScriptError(
        `${path}.rows[${r}][${c}]`,
        `expected a string, number, boolean or null, got ${describe(cell)}`,
      );
    });
  });
  return { columns, rows };
}

function parseColumn(value: unknown, path: string): ResolvedColumn {
  if (typeof value === "string") {
    if (value.length === 0) throw new AthenaScriptError(path, "a column name must not be empty");
    return { name: value, type: "varchar" };
  }
  if (!isRecord(value)) throw new AthenaScriptError(path, `expected a name or {name, type}, got ${describe(value)}`);
  checkFields(value, ["name", "type"], path);
  const { name, type = "varchar" } = value;
  if (typeof name !== "string" || name.length === 0) {
    throw new AthenaScriptError(`${path}.name`, `expected a non-empty string, got ${describe(name)}`);
  }
  const normalised = typeof type === "string" ? type.trim().toLowerCase() : type;
  if (typeof normalised !== "string" || !TYPE_PATTERN.test(normalised)) {
    throw new AthenaScriptError(
      `${path}.type`,
      `expected an Athena type such as varchar, bigint, double, decimal(10,2), got ${describe(type)}`,
    );
  }
  return { name, type: normalised };
}
