import { createHash } from "node:crypto";
import { createRequire } from "node:module";

/**
 * State-machine definition checker: rejects an invalid definition before it runs, the way AWS CreateStateMachine
 * answers `InvalidDefinition`, but listing every problem with its JSON path, state name and what to do.
 *
 * Two sources, merged and de-duplicated:
 * - `asl-validator` (v4): JSON-schema checks of every field plus its own transition/terminal checks. Its schemas are
 *   compiled once here (the library recompiles them on every call, ~70 ms) and two of its false positives on
 *   definitions that real AWS accepted are patched (see {@link patchSchemas}).
 * - our lint: rules the validator misses or reports without a location (transitions, reachability, End/Next, Retry
 *   and Catch limits, `States.ALL` placement, Choice rules, Wait, QueryLanguage field rules, intrinsic syntax,
 *   aws-sdk action names), each reported at the field that is wrong.
 */

/** One thing wrong with a definition. */
export interface DefinitionProblem {
  /** JSON path into the definition, e.g. `$.States.Poll.Retry[0].BackoffRate`. */
  path: string;
  /** Name of the state the path is inside (for nested Map/Parallel machines: the innermost state). */
  state?: string;
  /** What is wrong and what to do about it. */
  message: string;
  /** Who found it: the `asl-validator` library or our own lint. */
  source: "asl-validator" | "lint";
}

/**
 * Thrown by {@link assertValidDefinition}. The message lists every problem on its own line as
 * `<file>: <path> (state '<name>'): <message>` so that a failing test or CLI run shows all of them at once.
 */
export class InvalidDefinitionError extends Error {
  override readonly name = "InvalidDefinitionError";
  constructor(
    readonly problems: DefinitionProblem[],
    readonly file?: string,
  ) {
    super(problems.map((p) => formatProblem(p, file)).join("\n"));
  }
}

/** Formats one problem as a line of {@link InvalidDefinitionError}'s message. */
function formatProblem(p: DefinitionProblem, file: string | undefined): string {
  const where = p.state === undefined ? p.path : `${p.path} (state '${p.state}')`;
  return `${file === undefined ? "" : `${file}: `}${where}: ${p.message}`;
}

/**
 * Checks a state-machine definition (a parsed object, or the JSON text AWS would receive) and returns every problem;
 * `[]` means valid. Results are cached by a hash of the definition's canonical JSON, so checking the same machine
 * again (every scenario, every run) costs a hash, not a validation.
 */
export function checkDefinition(definition: unknown): DefinitionProblem[] {
  let value = definition;
  if (typeof definition === "string") {
    try {
      value = JSON.parse(definition);
    } catch (err) {
      return [
        lintProblem([], undefined, `the definition is not valid JSON (${(err as Error).message}); fix the syntax`),
      ];
    }
  }
  let key: string;
  try {
    key = createHash("sha256").update(canonicalJson(value)).digest("hex");
  } catch (err) {
    return [lintProblem([], undefined, `the definition is not JSON data: ${(err as Error).message}`)];
  }
  const cached = CACHE.get(key);
  if (cached !== undefined) {
    STATS.cacheHits++;
    return [...cached];
  }
  const problems = Object.freeze(computeProblems(value).map((p) => Object.freeze(p)));
  if (CACHE.size >= CACHE_LIMIT) CACHE.delete(CACHE.keys().next().value as string);
  CACHE.set(key, problems);
  return [...problems];
}

/** Throws {@link InvalidDefinitionError} listing every problem when the definition is invalid. */
export function assertValidDefinition(definition: unknown, file?: string): void {
  const problems = checkDefinition(definition);
  if (problems.length > 0) throw new InvalidDefinitionError(problems, file);
}

/** Counters for benchmarks and tests: how often asl-validator really ran and how often the cache answered. */
export function definitionCheckStats(): { aslValidatorCalls: number; cacheHits: number; cacheSize: number } {
  return { ...STATS, cacheSize: CACHE.size };
}

const CACHE_LIMIT = 1000;
const CACHE = new Map<string, readonly DefinitionProblem[]>();
const STATS = { aslValidatorCalls: 0, cacheHits: 0 };

/** JSON with object keys sorted, so that key order does not change the cache key. */
function canonicalJson(value: unknown, seen = new Set<object>()): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  if (seen.has(value)) throw new Error("it contains a cycle");
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) out = `[${value.map((v) => canonicalJson(v, seen)).join(",")}]`;
  else {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined && typeof obj[k] !== "function")
      .sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], seen)}`).join(",")}}`;
  }
  seen.delete(value);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

type Segment = string | number;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `["States","Poll","Retry",0]` → `$.States.Poll.Retry[0]`; names that are not identifiers use `['…']`. */
function formatPath(segments: readonly Segment[]): string {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
  }
  return out;
}

/** Name of the innermost state that `segments` point into (walking machines: root, Branches[i], ItemProcessor). */
function stateAt(root: unknown, segments: readonly Segment[]): string | undefined {
  let state: string | undefined;
  let node: unknown = root;
  let inMachine = true;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (inMachine && seg === "States" && typeof next === "string") {
      state = next;
      node = isObject(node) && isObject(node.States) ? node.States[next] : undefined;
      i++;
      inMachine = false;
      continue;
    }
    inMachine = false;
    if (seg === "Branches" && typeof next === "number") {
      node = isObject(node) && Array.isArray(node.Branches) ? node.Branches[next] : undefined;
      i++;
      inMachine = true;
      continue;
    }
    if (seg === "ItemProcessor" || seg === "Iterator") inMachine = true;
    node = Array.isArray(node) ? node[seg as number] : isObject(node) ? node[seg as string] : undefined;
  }
  return state;
}

function lintProblem(segments: readonly Segment[], state: string | undefined, message: string): Problem {
  return { path: formatPath(segments), ...(state === undefined ? {} : { state }), message, source: "lint" };
}

/** A problem plus identities (`unreachable:X`) used to drop asl-validator's reports of the same issue. */
type Problem = DefinitionProblem & { keys?: string[] };

// ---------------------------------------------------------------------------------------------------------------
// Orchestration

function computeProblems(value: unknown): DefinitionProblem[] {
  // What AWS would receive: the JSON text. Keys whose value is undefined (or a function) do not exist in it.
  const definition: unknown = JSON.parse(JSON.stringify(value) ?? "null");
  if (!isObject(definition)) {
    return [lintProblem([], undefined, "a state machine definition must be a JSON object with StartAt and States")];
  }
  const lint = lintDefinition(definition);
  let asl: Problem[];
  try {
    asl = aslValidatorProblems(definition, lint);
  } catch (err) {
    if (err instanceof AslValidatorLayoutError) throw err;
    // asl-validator assumes a roughly well-formed machine; when it crashes, our lint has already said why.
    asl =
      lint.length > 0
        ? []
        : [
            {
              path: "$",
              message: `asl-validator could not check this definition: ${(err as Error).message}`,
              source: "asl-validator",
            },
          ];
  }
  // asl-validator problems that our lint already reports: same issue (key), same path, or inside a field our lint
  // flagged (a lint problem about a whole state or machine does not hide other problems inside it).
  const keys = new Set(lint.flatMap((p) => p.keys ?? []));
  const containers = new Set<string>(["$"]);
  const collect = (machine: unknown, at: Segment[]): void => {
    containers.add(formatPath(at));
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      containers.add(formatPath([...at, "States", name]));
      for (const [nested, nestedPath] of nestedMachines(state, [...at, "States", name])) collect(nested, nestedPath);
    }
  };
  collect(definition, []);
  const lintPaths = lint.map((p) => p.path);
  const covered = (p: Problem): boolean =>
    (p.keys ?? []).some((k) => keys.has(k)) ||
    lintPaths.some(
      (lp) => p.path === lp || (!containers.has(lp) && (p.path.startsWith(`${lp}.`) || p.path.startsWith(`${lp}[`))),
    );
  const seen = new Set<string>();
  const out: DefinitionProblem[] = [];
  for (const p of [...lint, ...asl.filter((a) => !covered(a))]) {
    const id = `${p.path}\u0000${p.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const { keys: _keys, ...problem } = p;
    out.push(problem);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Our lint

type QueryLanguage = "JSONPath" | "JSONata";

interface LintContext {
  readonly out: Problem[];
  readonly topLanguage: QueryLanguage;
  /** How the top-level language was chosen, for messages. */
  readonly topOrigin: string;
  /** Every state name anywhere in the definition → where it is, to explain cross-machine transitions. */
  readonly allStates: Map<string, Segment[]>;
}

const STATE_TYPES = ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"];

/** Fields only JSONPath states may use, with the JSONata replacement to suggest. */
const JSONPATH_ONLY: Record<string, string> = {
  InputPath: "read the input as $states.input inside Arguments",
  Parameters: "use Arguments",
  ResultSelector: "use Output (the result is $states.result)",
  ResultPath: "use Output or Assign",
  OutputPath: "use Output",
  ItemsPath: "use Items",
  SecondsPath: 'use Seconds with "{% … %}"',
  TimestampPath: 'use Timestamp with "{% … %}"',
  ErrorPath: 'use Error with "{% … %}"',
  CausePath: 'use Cause with "{% … %}"',
  TimeoutSecondsPath: 'use TimeoutSeconds with "{% … %}"',
  HeartbeatSecondsPath: 'use HeartbeatSeconds with "{% … %}"',
  ToleratedFailureCountPath: 'use ToleratedFailureCount with "{% … %}"',
  ToleratedFailurePercentagePath: 'use ToleratedFailurePercentage with "{% … %}"',
  MaxConcurrencyPath: 'use MaxConcurrency with "{% … %}"',
  MaxItemsPath: 'use MaxItems with "{% … %}"',
  MaxItemsPerBatchPath: 'use MaxItemsPerBatch with "{% … %}"',
  MaxInputBytesPerBatchPath: 'use MaxInputBytesPerBatch with "{% … %}"',
  Variable: 'write the test as "Condition": "{% … %}"',
};

/** Fields only JSONata states may use, with the JSONPath replacement to suggest. */
const JSONATA_ONLY: Record<string, string> = {
  Arguments: "use Parameters",
  Output: "use ResultSelector/OutputPath",
  Condition: "use Variable with a comparison operator",
  Items: "use ItemsPath",
};

const COMPARISON_OPERATORS = new Set<string>([
  ...["String", "Numeric", "Timestamp"].flatMap((t) =>
    ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"].flatMap((op) => [
      `${t}${op}`,
      `${t}${op}Path`,
    ]),
  ),
  "BooleanEquals",
  "BooleanEqualsPath",
  "StringMatches",
  "IsNull",
  "IsPresent",
  "IsNumeric",
  "IsString",
  "IsBoolean",
  "IsTimestamp",
]);
const BOOLEAN_OPERATORS = ["And", "Or", "Not"];

function lintDefinition(definition: Json): Problem[] {
  const raw = definition.QueryLanguage;
  const out: Problem[] = [];
  const topLanguage: QueryLanguage = raw === "JSONata" ? "JSONata" : "JSONPath";
  if (raw !== undefined && raw !== "JSONPath" && raw !== "JSONata") {
    out.push(
      lintProblem(
        ["QueryLanguage"],
        undefined,
        `QueryLanguage must be "JSONPath" or "JSONata", not ${JSON.stringify(raw)}`,
      ),
    );
  }
  const allStates = new Map<string, Segment[]>();
  collectStates(definition, [], allStates);
  const ctx: LintContext = {
    out,
    topLanguage,
    topOrigin: raw === undefined ? "the default query language" : "set by the top-level QueryLanguage",
    allStates,
  };
  lintMachine(definition, [], undefined, ctx);
  return out;
}

function collectStates(machine: unknown, at: Segment[], into: Map<string, Segment[]>): void {
  if (!isObject(machine) || !isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    const path = [...at, "States", name];
    if (!into.has(name)) into.set(name, path);
    for (const [nested, nestedPath] of nestedMachines(state, path)) collectStates(nested, nestedPath, into);
  }
}

/** The machines nested in a Parallel (Branches) or Map (ItemProcessor / legacy Iterator) state. */
function nestedMachines(state: unknown, at: Segment[]): Array<[unknown, Segment[]]> {
  if (!isObject(state)) return [];
  const out: Array<[unknown, Segment[]]> = [];
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    state.Branches.forEach((b, i) => out.push([b, [...at, "Branches", i]]));
  }
  if (state.Type === "Map") {
    for (const field of ["ItemProcessor", "Iterator"]) {
      if (state[field] !== undefined) out.push([state[field], [...at, field]]);
    }
  }
  return out;
}

interface Transition {
  target: unknown;
  at: Segment[];
}

function lintMachine(machine: unknown, at: Segment[], enclosing: string | undefined, ctx: LintContext): void {
  const report = (path: Segment[], message: string, ...keys: string[]): void => {
    ctx.out.push({ ...lintProblem(path, enclosing, message), keys });
  };
  if (!isObject(machine)) {
    report(at, "a state machine must be an object with StartAt and States");
    return;
  }
  const states = machine.States;
  if (!isObject(states)) {
    report([...at, "States"], "States must be an object that maps state names to states");
    return;
  }
  const names = Object.keys(states);
  const startAt = machine.StartAt;
  let start: string | undefined;
  if (typeof startAt !== "string") {
    report([...at, "StartAt"], `StartAt must be the name of the first state (one of: ${names.join(", ")})`);
  } else if (!(startAt in states)) {
    report(
      [...at, "StartAt"],
      `StartAt '${startAt}' is not a state of this machine${elsewhere(startAt, ctx)}${suggest(startAt, names)}`,
      `missing-target:${startAt}`,
      `terminal:${formatPath(at)}`,
      // Without a start, every state of this machine is "unreachable" to asl-validator: a consequence, not news.
      ...names.map((n) => `unreachable:${n}`),
    );
  } else start = startAt;

  const edges = new Map<string, string[]>();
  for (const name of names) {
    const statePath = [...at, "States", name];
    const transitions = lintState(name, states[name], statePath, at, ctx);
    const targets: string[] = [];
    for (const t of transitions) {
      if (typeof t.target !== "string") continue;
      if (t.target in states) targets.push(t.target);
      else {
        ctx.out.push({
          ...lintProblem(
            t.at,
            name,
            `transition target '${t.target}' is not a state of this machine${elsewhere(t.target, ctx)}${suggest(t.target, names)}`,
          ),
          keys: [`missing-target:${t.target}`, `terminal:${formatPath(at)}`],
        });
      }
    }
    edges.set(name, targets);
  }

  if (start !== undefined) {
    const reached = new Set<string>([start]);
    const queue = [start];
    while (queue.length > 0) {
      for (const next of edges.get(queue.shift()!) ?? []) {
        if (!reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    for (const name of names) {
      if (reached.has(name)) continue;
      ctx.out.push({
        ...lintProblem(
          [...at, "States", name],
          name,
          `state '${name}' is unreachable: no path of Next/Default/Choices/Catch leads to it from StartAt '${start}'; connect it or remove it`,
        ),
        keys: [`unreachable:${name}`],
      });
    }
  }
}

/** Explains a missing target that exists in another (nested or enclosing) machine. */
function elsewhere(target: string, ctx: LintContext): string {
  const path = ctx.allStates.get(target);
  return path === undefined
    ? ""
    : ` (a state '${target}' exists at ${formatPath(path)}, but states can only transition within their own States block)`;
}

/** "; did you mean 'X'?" for a close name (same letters in another case, or a typo or two in a long name), else "". */
function suggest(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.min(2, Math.floor(name.length / 3))
    ? `; did you mean '${best}'?`
    : "";
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const isInteger = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Lints one state and returns its outgoing transitions (checked by the caller against the machine's States). */
function lintState(name: string, state: unknown, at: Segment[], machineAt: Segment[], ctx: LintContext): Transition[] {
  const report = (path: Segment[], message: string, ...keys: string[]): void => {
    ctx.out.push({ ...lintProblem(path, name, message), keys });
  };
  if (!isObject(state)) {
    report(at, `a state must be an object with a Type (one of ${STATE_TYPES.join(", ")})`);
    return [];
  }
  const type = state.Type;
  if (typeof type !== "string" || !STATE_TYPES.includes(type)) {
    report(
      [...at, "Type"],
      `Type must be one of ${STATE_TYPES.join(", ")}, not ${JSON.stringify(type)}${typeof type === "string" ? suggest(type, STATE_TYPES) : ""}`,
    );
  }

  // Query language: the state's own field, else the top level's.
  const own = state.QueryLanguage;
  let language = ctx.topLanguage;
  let origin = ctx.topOrigin;
  if (own !== undefined) {
    if (own !== "JSONPath" && own !== "JSONata") {
      report([...at, "QueryLanguage"], `QueryLanguage must be "JSONPath" or "JSONata", not ${JSON.stringify(own)}`);
    } else {
      language = own;
      origin = "set by the state's QueryLanguage";
      if (own === "JSONPath" && ctx.topLanguage === "JSONata") {
        report(
          [...at, "QueryLanguage"],
          "a JSONPath state is not allowed in a state machine whose top-level QueryLanguage is JSONata (AWS rejects it); " +
            'convert this state to JSONata, or drop the top-level QueryLanguage and set "QueryLanguage": "JSONata" on the JSONata states',
        );
      }
    }
  }
  const languageField = (path: Segment[], field: string): void => {
    const jsonPathOnly =
      field === "Parameters" && type === "Map" && path.length === at.length + 1
        ? "use ItemSelector (Parameters is its old JSONPath name)"
        : JSONPATH_ONLY[field];
    const jsonataOnly = JSONATA_ONLY[field];
    if (language === "JSONata" && jsonPathOnly !== undefined) {
      report(path, `'${field}' is a JSONPath field, but state '${name}' uses JSONata (${origin}); ${jsonPathOnly}`);
    } else if (language === "JSONPath" && jsonataOnly !== undefined) {
      report(
        path,
        `'${field}' is a JSONata field, but state '${name}' uses JSONPath (${origin}); ${jsonataOnly}, or set "QueryLanguage": "JSONata" on the state`,
      );
    }
  };
  for (const field of Object.keys(state)) {
    if (field !== "Variable" && field !== "Condition") languageField([...at, field], field);
  }
  for (const container of ["ItemReader", "ResultWriter"]) {
    const c = state[container];
    if (!isObject(c)) continue;
    for (const field of ["Parameters", "Arguments"]) if (field in c) languageField([...at, container, field], field);
    if (isObject(c.ReaderConfig) && "MaxItemsPath" in c.ReaderConfig) {
      languageField([...at, container, "ReaderConfig", "MaxItemsPath"], "MaxItemsPath");
    }
  }
  if (isObject(state.ItemBatcher)) {
    for (const field of ["MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"]) {
      if (field in state.ItemBatcher) languageField([...at, "ItemBatcher", field], field);
    }
  }

  const transitions: Transition[] = [];
  lintTerminal(state, type, at, machineAt, report, transitions);

  if (type === "Task" || type === "Parallel" || type === "Map") {
    lintRetry(state.Retry, [...at, "Retry"], report);
    lintCatch(state.Catch, [...at, "Catch"], report, transitions, languageField, language);
  }
  if (language === "JSONPath" && (type === "Pass" || type === "Task" || type === "Parallel" || type === "Map")) {
    lintResultPath(state.ResultPath, [...at, "ResultPath"], report);
  }
  if (type === "Task") lintTask(state, at, report);
  if (type === "Choice") lintChoice(state, at, report, transitions, languageField, language);
  if (type === "Wait") {
    const present = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"].filter((f) => f in state);
    if (present.length !== 1) {
      report(
        at,
        `a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found ${present.length === 0 ? "none" : present.join(" and ")})`,
        `wait:${name}`,
      );
    }
  }
  if (language === "JSONPath") lintPayloadFields(state, at, report);

  for (const [nested, nestedPath] of nestedMachines(state, at)) lintMachine(nested, nestedPath, name, ctx);
  if (type === "Parallel" && (!Array.isArray(state.Branches) || state.Branches.length === 0)) {
    report([...at, "Branches"], "a Parallel state needs a non-empty Branches array of state machines");
  }
  return transitions;
}

type Report = (path: Segment[], message: string, ...keys: string[]) => void;

/**
 * Succeed/Fail/Choice have neither Next nor End; other states exactly one. Problems here carry the key
 * `terminal:<machine>` because asl-validator then also says the machine "is missing a terminal state".
 */
function lintTerminal(
  state: Json,
  type: unknown,
  at: Segment[],
  machineAt: Segment[],
  report: Report,
  transitions: Transition[],
): void {
  const terminalKey = `terminal:${formatPath(machineAt)}`;
  const name = at[at.length - 1] as string;
  if (type === "Succeed" || type === "Fail" || type === "Choice") {
    const why =
      type === "Choice"
        ? "a Choice state moves on through its Choices and Default"
        : `a ${type} state ends the execution (or branch)`;
    for (const field of ["Next", "End"]) {
      if (field in state) report([...at, field], `${why}; remove '${field}'`);
    }
    return;
  }
  if ("End" in state && state.End !== true) {
    report(
      [...at, "End"],
      `End must be true when present (it is ${JSON.stringify(state.End)}); to continue, use Next instead`,
      terminalKey,
    );
  }
  if ("Next" in state && state.End === true) {
    report(
      at,
      "a state cannot have both Next and End; keep Next to continue or End: true to finish",
      `end-next:${name}`,
    );
  } else if (!("Next" in state) && !("End" in state)) {
    report(
      at,
      'the state needs "Next": "<state>" to continue or "End": true to finish',
      `end-next:${name}`,
      terminalKey,
    );
  }
  if ("Next" in state) {
    if (typeof state.Next !== "string") report([...at, "Next"], "Next must be the name of a state");
    transitions.push({ target: state.Next, at: [...at, "Next"] });
  }
}

/** `States.ALL` must be alone in its ErrorEquals and in the last retrier/catcher; ErrorEquals must not be empty. */
function lintErrorEquals(list: unknown[], at: Segment[], what: "retrier" | "catcher", report: Report): void {
  list.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const errors = entry.ErrorEquals;
    if (!Array.isArray(errors)) return; // schema: ErrorEquals is required
    if (errors.length === 0) {
      report([...at, i, "ErrorEquals"], 'ErrorEquals must list at least one error name (e.g. "States.ALL")');
    }
    if (!errors.includes("States.ALL")) return;
    if (errors.length > 1) {
      report(
        [...at, i, "ErrorEquals"],
        `'States.ALL' must appear alone in ErrorEquals; move the other error names to an earlier ${what}`,
      );
    }
    if (i !== list.length - 1) {
      report([...at, i, "ErrorEquals"], `the ${what} with 'States.ALL' must be the last one; move it after the others`);
    }
  });
}

function lintRetry(retry: unknown, at: Segment[], report: Report): void {
  if (retry === undefined || !Array.isArray(retry)) return; // not an array: the schema reports it
  lintErrorEquals(retry, at, "retrier", report);
  retry.forEach((r, i) => {
    if (!isObject(r)) return;
    const field = (f: string): Segment[] => [...at, i, f];
    const { MaxAttempts, IntervalSeconds, BackoffRate, MaxDelaySeconds, JitterStrategy } = r;
    if (MaxAttempts !== undefined && !(isInteger(MaxAttempts) && MaxAttempts >= 0 && MaxAttempts <= 99999999)) {
      report(
        field("MaxAttempts"),
        `MaxAttempts must be an integer from 0 (never retry) to 99999999, not ${JSON.stringify(MaxAttempts)}`,
      );
    }
    if (
      IntervalSeconds !== undefined &&
      !(isInteger(IntervalSeconds) && IntervalSeconds >= 1 && IntervalSeconds <= 99999999)
    ) {
      report(
        field("IntervalSeconds"),
        `IntervalSeconds must be an integer from 1 to 99999999, not ${JSON.stringify(IntervalSeconds)}`,
      );
    }
    if (BackoffRate !== undefined && !(typeof BackoffRate === "number" && BackoffRate >= 1)) {
      report(
        field("BackoffRate"),
        `BackoffRate must be a number >= 1.0 (the multiplier applied to IntervalSeconds on each retry), not ${JSON.stringify(BackoffRate)}`,
      );
    }
    if (
      MaxDelaySeconds !== undefined &&
      !(isInteger(MaxDelaySeconds) && MaxDelaySeconds >= 1 && MaxDelaySeconds <= 31622400)
    ) {
      report(
        field("MaxDelaySeconds"),
        `MaxDelaySeconds must be an integer from 1 to 31622400, not ${JSON.stringify(MaxDelaySeconds)}`,
      );
    }
    if (JitterStrategy !== undefined && JitterStrategy !== "FULL" && JitterStrategy !== "NONE") {
      report(field("JitterStrategy"), `JitterStrategy must be "FULL" or "NONE", not ${JSON.stringify(JitterStrategy)}`);
    }
  });
}

function lintCatch(
  catchers: unknown,
  at: Segment[],
  report: Report,
  transitions: Transition[],
  languageField: (path: Segment[], field: string) => void,
  language: QueryLanguage,
): void {
  if (catchers === undefined || !Array.isArray(catchers)) return;
  lintErrorEquals(catchers, at, "catcher", report);
  catchers.forEach((c, i) => {
    if (!isObject(c)) return;
    for (const field of ["ResultPath", "Output"]) if (field in c) languageField([...at, i, field], field);
    if (language === "JSONPath") lintResultPath(c.ResultPath, [...at, i, "ResultPath"], report);
    if (!("Next" in c)) report([...at, i], "a catcher needs Next: the state to go to when it catches an error");
    else transitions.push({ target: c.Next, at: [...at, i, "Next"] });
  });
}

function lintResultPath(resultPath: unknown, at: Segment[], report: Report): void {
  if (resultPath === undefined || resultPath === null) return;
  if (typeof resultPath !== "string" || !resultPath.startsWith("$") || resultPath.startsWith("$$")) {
    report(
      at,
      `ResultPath must be a reference path into the state input starting with '$' (e.g. "$.result"), or null to discard the result; got ${JSON.stringify(resultPath)}`,
    );
  }
}

function lintTask(state: Json, at: Segment[], report: Report): void {
  const { TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat } = state;
  for (const [field, value] of [
    ["TimeoutSeconds", timeout],
    ["HeartbeatSeconds", heartbeat],
  ] as const) {
    if (typeof value === "number" && !(isInteger(value) && value > 0 && value <= 99999999)) {
      report([...at, field], `${field} must be a positive integer (at most 99999999), not ${value}`);
    }
  }
  if (
    typeof timeout === "number" &&
    typeof heartbeat === "number" &&
    heartbeat > 0 &&
    timeout > 0 &&
    heartbeat >= timeout
  ) {
    report(
      [...at, "HeartbeatSeconds"],
      `HeartbeatSeconds (${heartbeat}) must be smaller than TimeoutSeconds (${timeout}); raise TimeoutSeconds or lower HeartbeatSeconds`,
    );
  }
  if (typeof state.Resource === "string") lintSdkResource(state.Resource, [...at, "Resource"], report);
}

/** Checks `arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]` against the installed SDK clients. */
function lintSdkResource(resource: string, at: Segment[], report: Report): void {
  const m = /^arn:aws[a-z-]*:states:::aws-sdk:([^:]+):(.*)$/.exec(resource);
  if (!m) return;
  const service = m[1]!;
  let action = m[2]!;
  if (action.endsWith(".waitForTaskToken")) action = action.slice(0, -".waitForTaskToken".length);
  else if (action.endsWith(".sync")) {
    report(
      at,
      "aws-sdk integrations do not support '.sync' (only request-response and '.waitForTaskToken'); remove the suffix",
    );
    return;
  }
  const known = sdkActions(service);
  if (!/^[a-z][A-Za-z0-9]*$/.test(action)) {
    const camel = action.length > 0 ? action[0]!.toLowerCase() + action.slice(1) : action;
    report(
      at,
      `aws-sdk action '${service}:${action}' is not a camelCase API operation name (e.g. 'getObject')${known ? suggest(camel, known) : camel !== action && /^[a-z][A-Za-z0-9]*$/.test(camel) ? `; did you mean '${camel}'?` : ""}`,
    );
    return;
  }
  if (known && !known.has(action)) {
    report(
      at,
      `'${action}' is not an operation of the ${service} API (checked against @aws-sdk/client-${service})${suggest(action, known)}`,
    );
  }
}

const SDK_ACTIONS = new Map<string, ReadonlySet<string> | null>();

/**
 * camelCase operation names of an AWS service, derived from the `*Command` classes its installed
 * `@aws-sdk/client-<service>` exports (loaded lazily, once); `null` when no client is installed (any name passes).
 */
function sdkActions(service: string): ReadonlySet<string> | null {
  const cached = SDK_ACTIONS.get(service);
  if (cached !== undefined) return cached;
  let actions: Set<string> | null = null;
  if (/^[a-z0-9-]+$/.test(service)) {
    try {
      const client = nodeRequire(`@aws-sdk/client-${service}`) as Record<string, unknown>;
      actions = new Set(
        Object.keys(client)
          .filter((k) => /^[A-Z][A-Za-z0-9]*Command$/.test(k) && typeof client[k] === "function")
          .map((k) => k[0]!.toLowerCase() + k.slice(1, -"Command".length)),
      );
      if (actions.size === 0) actions = null;
    } catch {
      actions = null; // client not installed: accept any camelCase name
    }
  }
  SDK_ACTIONS.set(service, actions);
  return actions;
}

function lintChoice(
  state: Json,
  at: Segment[],
  report: Report,
  transitions: Transition[],
  languageField: (path: Segment[], field: string) => void,
  language: QueryLanguage,
): void {
  const choices = state.Choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    report([...at, "Choices"], "a Choice state needs a non-empty Choices array of rules");
  } else {
    choices.forEach((rule, i) =>
      lintChoiceRule(rule, [...at, "Choices", i], true, report, transitions, languageField, language),
    );
  }
  if ("Default" in state) transitions.push({ target: state.Default, at: [...at, "Default"] });
}

function lintChoiceRule(
  rule: unknown,
  at: Segment[],
  top: boolean,
  report: Report,
  transitions: Transition[],
  languageField: (path: Segment[], field: string) => void,
  language: QueryLanguage,
): void {
  if (!isObject(rule)) {
    report(at, "a Choice rule must be an object");
    return;
  }
  if (top) {
    if (!("Next" in rule)) report(at, "a top-level Choice rule needs Next: the state to go to when it matches");
    else transitions.push({ target: rule.Next, at: [...at, "Next"] });
  } else if ("Next" in rule) {
    report([...at, "Next"], "a rule nested in And/Or/Not must not have Next; only the top-level rule transitions");
  }
  for (const field of ["Variable", "Condition", "Output"]) if (field in rule) languageField([...at, field], field);
  const operators = Object.keys(rule).filter((k) => COMPARISON_OPERATORS.has(k) || BOOLEAN_OPERATORS.includes(k));
  if (language === "JSONata") {
    for (const op of operators) {
      report(
        [...at, op],
        `'${op}' is a JSONPath Choice operator, but this state uses JSONata; write the test as "Condition": "{% … %}"`,
      );
    }
    if (top && !("Condition" in rule))
      report(at, 'a JSONata Choice rule needs "Condition": "{% <boolean expression> %}"');
    return;
  }
  if (operators.length === 0) {
    report(
      at,
      "the Choice rule has no comparison operator; add one (e.g. StringEquals, NumericGreaterThan, IsPresent) or And/Or/Not",
    );
    return;
  }
  if (operators.length > 1) {
    report(
      at,
      `the Choice rule has ${operators.length} comparison operators (${operators.join(", ")}); a rule has exactly one — combine several with And/Or`,
    );
    return;
  }
  const op = operators[0]!;
  const value = rule[op];
  if (op === "And" || op === "Or") {
    if (!Array.isArray(value) || value.length === 0)
      report([...at, op], `${op} must be a non-empty array of Choice rules`);
    else
      value.forEach((r, i) => lintChoiceRule(r, [...at, op, i], false, report, transitions, languageField, language));
    return;
  }
  if (op === "Not") {
    lintChoiceRule(value, [...at, op], false, report, transitions, languageField, language);
    return;
  }
  if (!("Variable" in rule)) {
    report(at, `the Choice rule uses ${op} but has no Variable; add "Variable": "$.field" naming the value to test`);
  } else if (typeof rule.Variable !== "string" || !rule.Variable.startsWith("$")) {
    report(
      [...at, "Variable"],
      `Variable must be a path starting with '$' (e.g. "$.status"), not ${JSON.stringify(rule.Variable)}`,
    );
  }
  if (op.endsWith("Path") && (typeof value !== "string" || !value.startsWith("$"))) {
    report(
      [...at, op],
      `${op} compares against the value at a path, so it must start with '$' (e.g. "$.expected"); to compare with a literal use ${op.slice(0, -4)}`,
    );
  }
}

/**
 * In the payload templates of a JSONPath state (Parameters, ResultSelector, ItemSelector, Assign, ItemReader and
 * ResultWriter Parameters, ItemBatcher BatchInput), every `"<key>.$"` value is a path, a context path, a variable or
 * an intrinsic call. Other fields (notably Pass `Result`) are literal JSON where `.$` means nothing.
 */
function lintPayloadFields(state: Json, at: Segment[], report: Report): void {
  const walk = (value: unknown, path: Segment[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      if (!k.endsWith(".$")) {
        walk(v, p);
        continue;
      }
      if (typeof v !== "string") {
        report(
          p,
          `the value of '${k}' must be a string: a path ($…), context path ($$…), variable ($name) or intrinsic function (States.…)`,
        );
      } else if (/^\s*States\./.test(v)) {
        const error = intrinsicSyntaxError(v.trim());
        if (error !== undefined) report(p, `invalid intrinsic function call: ${error}`);
      } else if (!v.startsWith("$")) {
        report(
          p,
          `the value of '${k}' must be a path ($…), context path ($$…), variable ($name) or intrinsic function (States.…); for a literal string drop the '.$' suffix`,
        );
      }
    }
  };
  const templates: Array<[unknown, Segment[]]> = [];
  for (const field of ["Parameters", "ResultSelector", "ItemSelector", "Assign"])
    templates.push([state[field], [...at, field]]);
  for (const [container, field] of [
    ["ItemReader", "Parameters"],
    ["ResultWriter", "Parameters"],
    ["ItemBatcher", "BatchInput"],
  ] as const) {
    const c = state[container];
    if (isObject(c)) templates.push([c[field], [...at, container, field]]);
  }
  for (const list of ["Choices", "Catch"]) {
    const entries = state[list];
    if (Array.isArray(entries))
      entries.forEach((e, i) => isObject(e) && templates.push([e.Assign, [...at, list, i, "Assign"]]));
  }
  for (const [value, path] of templates) if (value !== undefined) walk(value, path);
}

const INTRINSICS = [
  "Format",
  "StringToJson",
  "JsonToString",
  "Array",
  "ArrayPartition",
  "ArrayContains",
  "ArrayRange",
  "ArrayGetItem",
  "ArrayLength",
  "ArrayUnique",
  "Base64Encode",
  "Base64Decode",
  "Hash",
  "JsonMerge",
  "MathRandom",
  "MathAdd",
  "StringSplit",
  "UUID",
].map((n) => `States.${n}`);

/**
 * Syntax check of an intrinsic call (`States.Format('{} x', $.a, States.Array(1))`): known function name, balanced
 * parentheses, terminated `'…'` literals (backslash escapes), comma-separated arguments. `undefined` when well formed.
 */
function intrinsicSyntaxError(text: string): string | undefined {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i} of ${JSON.stringify(text)}`);
  };
  const ws = (): void => {
    while (text[i] === " " || text[i] === "\t") i++;
  };
  const call = (): void => {
    const m = /^States\.[A-Za-z0-9]+/.exec(text.slice(i));
    if (!m) fail("expected a function name States.<Name>");
    const fn = m![0];
    if (!INTRINSICS.includes(fn)) {
      throw new Error(`unknown intrinsic function '${fn}'${suggest(fn, INTRINSICS)} (known: ${INTRINSICS.join(", ")})`);
    }
    i += fn.length;
    ws();
    if (text[i] !== "(") fail(`expected '(' after ${fn}`);
    i++;
    ws();
    if (text[i] === ")") {
      i++;
      return;
    }
    for (;;) {
      argument();
      ws();
      if (text[i] === ",") {
        i++;
        ws();
        continue;
      }
      if (text[i] === ")") {
        i++;
        return;
      }
      fail(i >= text.length ? `missing ')' to close ${fn}(` : `expected ',' or ')' but found '${text[i]}'`);
    }
  };
  const argument = (): void => {
    const c = text[i];
    if (c === "'") {
      const start = i;
      i++;
      while (i < text.length && text[i] !== "'") i += text[i] === "\\" ? 2 : 1;
      if (i >= text.length) {
        i = start;
        fail("unterminated string literal (close it with ')");
      }
      i++;
    } else if (text.startsWith("States.", i)) call();
    else if (c === "$") {
      let depth = 0;
      let quote: string | undefined;
      while (i < text.length) {
        const ch = text[i]!;
        if (quote) {
          if (ch === "\\") i++;
          else if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === "[" || ch === "(") depth++;
        else if (ch === "]" || ch === ")") {
          if (depth === 0) break;
          depth--;
        } else if (ch === "," && depth === 0) break;
        i++;
      }
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (!m)
        fail(
          i >= text.length
            ? "missing argument"
            : `unexpected '${c}' (arguments are 'strings', numbers, paths or States.… calls)`,
        );
      i += m![0].length;
    }
  };
  try {
    call();
    ws();
    if (i < text.length) fail(`unexpected text after the closing ')'`);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// asl-validator

/**
 * asl-validator's files are not laid out as validate.ts expects (a different major version). The schema compile
 * cache depends on them; update {@link loadAslValidator} for the new layout.
 */
export class AslValidatorLayoutError extends Error {
  override readonly name = "AslValidatorLayoutError";
}

interface AslError {
  "Error code": string;
  Message: string;
  schemaError?: { instancePath: string; schemaPath: string };
}
type AslChecker = (definition: unknown, options: unknown) => AslError[];
interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  addFormat(name: string, format: (value: string) => boolean): unknown;
  getSchema(id: string): AjvValidate | undefined;
  compile(schema: object): AjvValidate;
}

interface AslRuntime {
  readonly validator: (definition: unknown) => { isValid: boolean; errors: AslError[] };
  readonly schemaModule: { jsonSchemaErrors: AslChecker };
  readonly compiledSchemaErrors: AslChecker;
  /** An all-errors Ajv over the same (patched) schemas, compiled on first need, to explain schema failures. */
  explainer(): AjvInstance;
}

const nodeRequire = createRequire(__filename);
let runtime: AslRuntime | undefined;

const SCHEMA_NAMES = [
  "common",
  "paths",
  "jsonata",
  "choice",
  "fail",
  "parallel",
  "pass",
  "base-state-machine",
  "state-machine",
  "state",
  "succeed",
  "task",
  "wait",
  "map",
  "errors",
];
const SCHEMA_BASE = "http://asl-validator.cloud/";

/**
 * Loads asl-validator and compiles its schemas once. asl-validator's public function builds a new Ajv and compiles
 * 15 schemas on every call (~70 ms); everything else it does is cheap. So we keep its public function and, for the
 * duration of each (synchronous) call, swap its schema step (`checks/json-schema-errors`) for the same checks run
 * by an Ajv compiled once here with the same schemas, formats and options.
 */
function loadAslValidator(): AslRuntime {
  if (runtime) return runtime;
  let main: string;
  try {
    main = nodeRequire.resolve("asl-validator");
  } catch (err) {
    throw new AslValidatorLayoutError(`asl-validator is not installed: ${(err as Error).message}`);
  }
  const req = createRequire(main);
  const layout = (what: string): never => {
    throw new AslValidatorLayoutError(
      `asl-validator at ${main} does not have the v4 layout harness/engine/validate.ts expects (${what}); ` +
        "update loadAslValidator() for the installed version",
    );
  };
  let validator: unknown, schemaModule: unknown, schemas: object[], ajvModule: any, ajvFormats: any;
  let pathValidator: any, jsonata: any, formats: any;
  try {
    validator = req(main);
    schemaModule = req("./checks/json-schema-errors");
    schemas = patchSchemas(SCHEMA_NAMES.map((n) => structuredClone(req(`./schemas/${n}.json`)) as Json));
    ajvModule = req("ajv");
    ajvFormats = req("ajv-formats");
    pathValidator = req("asl-path-validator");
    jsonata = req("jsonata");
    formats = req("./checks/formats");
  } catch (err) {
    return layout((err as Error).message);
  }
  const descriptor = Object.getOwnPropertyDescriptor(schemaModule, "jsonSchemaErrors");
  if (typeof validator !== "function" || typeof descriptor?.value !== "function" || !descriptor.writable) {
    return layout("checks/json-schema-errors.js no longer exports a replaceable jsonSchemaErrors");
  }
  const Ajv = ajvModule.default ?? ajvModule;
  const addFormats = ajvFormats.default ?? ajvFormats;

  const build = (allErrors: boolean): AjvInstance => {
    const ajv = new Ajv({ schemas: structuredClone(schemas), allowUnionTypes: true, allErrors }) as AjvInstance;
    addFormats(ajv);
    // The same custom formats asl-validator registers with its default options (checkPaths, checkArn).
    const jsonataParses = (value: string): boolean => {
      let expr = value.trim();
      expr = expr.startsWith("{%") ? expr.slice(2) : expr;
      expr = expr.endsWith("%}") ? expr.slice(0, -2) : expr;
      try {
        jsonata(expr);
        return true;
      } catch {
        return false;
      }
    };
    ajv.addFormat("jsonata_string", jsonataParses);
    ajv.addFormat("maybe_jsonata_string", (v) => (/^\{%|%\}$/.test(v.trim()) ? jsonataParses(v) : true));
    pathValidator.registerAll(ajv);
    ajv.addFormat("asl_arn", formats.isArnFormatValid);
    return ajv;
  };
  const ajv = build(false);
  const validate = ajv.getSchema(`${SCHEMA_BASE}state-machine.json#`);
  if (!validate) return layout("state-machine.json schema not found");
  const original = descriptor.value as AslChecker;
  const compiledSchemaErrors: AslChecker = (definition, options) => {
    const o = options as { checkPaths?: unknown; checkArn?: unknown } | undefined;
    if (o && (o.checkPaths !== true || o.checkArn !== true)) return original(definition, options);
    return validate(definition) ? [] : selectSchemaErrors(validate.errors ?? []);
  };
  let explainer: AjvInstance | undefined;
  runtime = {
    validator: validator as AslRuntime["validator"],
    schemaModule: schemaModule as AslRuntime["schemaModule"],
    compiledSchemaErrors,
    explainer: () => (explainer ??= build(true)),
  };
  return runtime;
}

/**
 * asl-validator's way of picking which Ajv errors to show (re-implemented so that results match its own schema
 * step): keep the errors at the deepest instance path; where a `oneOf` failed at a path, keep only the `oneOf`
 * error there; drop repeats of the same instance/schema path.
 */
function selectSchemaErrors(errors: AjvError[]): AslError[] {
  const depth = (e: AjvError): number => e.instancePath.split("/").length;
  const deepest = Math.max(...errors.map(depth));
  const selected = errors.filter((e) => depth(e) === deepest);
  const oneOfPaths = new Set(selected.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: AslError[] = [];
  for (const e of selected) {
    if (e.keyword !== "oneOf" && oneOfPaths.has(e.instancePath)) continue;
    const schemaPath = decodeURIComponent(e.schemaPath);
    const id = `${e.instancePath}\u0000${schemaPath}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      "Error code": "SCHEMA_VALIDATION_FAILED",
      Message: `${e.instancePath} is invalid. ${e.message ?? ""}`,
      schemaError: { instancePath: e.instancePath, schemaPath },
    });
  }
  return out;
}

/**
 * Corrections to asl-validator 4.0.0's schemas for definitions that real AWS accepted (all found by running the
 * conformance corpus, every definition of which AWS CreateStateMachine accepted):
 *
 * 1. JSONata `Output` may be any JSON value. The schema allows only a `{% … %}` string or an object, so it rejected
 *    `"Output": 0.1`, `"Output": 0`, `"Output": "string literal"` (Pass) and a literal string `Output` on a Choice
 *    state. Now: JSONata string | template object | number/boolean/null | array of template values | other string.
 * 2. In a JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign), the elements of an array are
 *    literal values like any field without `.$`. The schema required each element to be an object, array, number,
 *    boolean or a string not starting with `{% ` — rejecting `null` and `"{% $x %}"` elements (test_assign
 *    BASE_VAR: `"constant_lst": [null, 0, …, "{% $varname %}", …]`). Now array elements accept any JSON value and
 *    objects inside them are still checked as templates.
 */
function patchSchemas(schemas: Json[]): Json[] {
  const byId = (name: string): Json => {
    const schema = schemas.find((s) => s.$id === `${SCHEMA_BASE}${name}.json#`);
    const definitions = schema?.definitions;
    if (!isObject(definitions)) throw new Error(`schema ${name}.json has no definitions`);
    return definitions;
  };
  const jsonataDefs = byId("jsonata");
  if (!isObject(jsonataDefs.output)) throw new Error("jsonata.json has no definitions.output");
  jsonataDefs.output = {
    anyOf: [
      { $ref: "#/definitions/jsonata" },
      { $ref: "#/definitions/_jsonata_template_object" },
      { type: ["number", "boolean", "null"] },
      { type: "array", items: { $ref: "#/definitions/jsonata_template" } },
      { $ref: "#/definitions/not_jsonata" },
    ],
  };
  // An empty string is a literal like any other non-`{% %}` string (asl-validator's pattern requires a character).
  if (!isObject(jsonataDefs.not_jsonata)) throw new Error("jsonata.json has no definitions.not_jsonata");
  jsonataDefs.not_jsonata = { ...jsonataDefs.not_jsonata, pattern: "^(?!\\{% )(.*)(?! %\\})$" };
  // AWS accepts a JSON boolean as a Choice rule's Condition (recorded: `"Condition": true` takes that branch).
  if (!isObject(jsonataDefs.condition)) throw new Error("jsonata.json has no definitions.condition");
  jsonataDefs.condition = { anyOf: [{ $ref: "#/definitions/jsonata" }, { type: "boolean" }] };
  // AWS accepts a fractional ToleratedFailurePercentage (recorded: 0.5); the schema says integer.
  const mapDefs = byId("map");
  if (!isObject(mapDefs.ToleratedFailurePercentage)) throw new Error("map.json has no ToleratedFailurePercentage");
  mapDefs.ToleratedFailurePercentage = { type: "number", minimum: 0, maximum: 100 };
  // AWS accepts ReaderConfig.MaxItems 0, meaning no limit (recorded: test_base_scenarios csv_max_items[0]).
  if (!isObject(mapDefs.MaxItems)) throw new Error("map.json has no MaxItems");
  mapDefs.MaxItems = { ...mapDefs.MaxItems, minimum: 0 };
  // AWS documents a ResultWriter with only WriterConfig (transform the results without writing them to S3); the
  // schema requires Resource. Either will do.
  const mapSchema = schemas.find((sc) => sc.$id === `${SCHEMA_BASE}map.json#`);
  let writers = 0;
  const relaxWriters = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(relaxWriters);
    if (!isObject(node)) return;
    const writer = isObject(node.properties) ? node.properties.ResultWriter : undefined;
    if (isObject(writer) && Array.isArray(writer.required) && writer.required.includes("Resource")) {
      delete writer.required;
      writer.anyOf = [{ required: ["Resource"] }, { required: ["WriterConfig"] }];
      writers++;
    }
    Object.values(node).forEach(relaxWriters);
  };
  relaxWriters(mapSchema);
  if (writers === 0) throw new Error("map.json ResultWriter definitions changed");
  const pathDefs = byId("paths");
  const template = pathDefs._payload_template_object;
  const payload = pathDefs.asl_payload_template;
  if (!isObject(template) || !isObject(payload) || !Array.isArray(payload.oneOf)) {
    throw new Error("paths.json payload template definitions changed");
  }
  pathDefs._payload_template_array_item = {
    oneOf: [
      { type: ["number", "boolean", "string", "null"] },
      { type: "array", items: { $ref: "#/definitions/_payload_template_array_item" } },
      { $ref: "#/definitions/_payload_template_object" },
    ],
  };
  const arrayItems = { type: "array", items: { $ref: "#/definitions/_payload_template_array_item" } };
  const patterns = template.patternProperties;
  if (!isObject(patterns)) throw new Error("paths.json _payload_template_object has no patternProperties");
  let patched = 0;
  for (const rule of Object.values(patterns)) {
    if (isObject(rule) && Array.isArray(rule.oneOf)) {
      rule.oneOf = rule.oneOf.map((alt) => (isObject(alt) && alt.type === "array" ? (patched++, arrayItems) : alt));
    }
  }
  payload.oneOf = payload.oneOf.map((alt) => (isObject(alt) && alt.type === "array" ? (patched++, arrayItems) : alt));
  if (patched !== 2) throw new Error("paths.json array alternatives changed");
  return schemas;
}

/** Runs asl-validator (compiled-once schemas) on a deep clone — it writes QueryLanguage into every state. */
function aslValidatorProblems(definition: Json, lint: Problem[]): Problem[] {
  const rt = loadAslValidator();
  const clone = structuredClone(definition);
  STATS.aslValidatorCalls++;
  const module = rt.schemaModule;
  const original = module.jsonSchemaErrors;
  module.jsonSchemaErrors = rt.compiledSchemaErrors;
  let result: { isValid: boolean; errors: AslError[] };
  try {
    result = rt.validator(clone);
  } finally {
    module.jsonSchemaErrors = original;
  }
  if (result.isValid) return [];
  const schemaErrors = result.errors.filter((e) => e.schemaError !== undefined);
  const out: Problem[] = result.errors
    .filter((e) => e.schemaError === undefined)
    .map((e) => mapCheckError(e, definition));
  if (schemaErrors.length > 0) {
    // asl-validator shows only the deepest schema errors, often as a bare "must match exactly one schema in oneOf".
    // Re-check each state against the schema of its own Type and query language to say which field is wrong.
    const explained = explainSchemaErrors(rt, clone);
    out.push(...explained);
    const explainedStates = new Set([...explained, ...lint].map((p) => p.state));
    for (const e of schemaErrors) {
      const segments = pointerToSegments(e.schemaError!.instancePath, definition);
      const state = stateAt(definition, segments);
      // Never lose a rejection: keep asl-validator's own message where nothing else explains that state (or, outside
      // any state, the top level).
      if (explainedStates.has(state)) continue;
      // A state whose QueryLanguage is not JSONPath/JSONata fails every schema; our lint names the bad value.
      const language = stateNode(clone, segments)?.QueryLanguage;
      if (state !== undefined && language !== "JSONPath" && language !== "JSONata") continue;
      out.push({
        path: formatPath(segments),
        ...(state === undefined ? {} : { state }),
        message: `${e.Message.replace(/^\S* is invalid\. /, "")} (asl-validator schema ${e.schemaError!.schemaPath})`,
        source: "asl-validator",
      });
    }
  }
  return out;
}

/** The state object that `segments` point into (see {@link stateAt}). */
function stateNode(root: unknown, segments: readonly Segment[]): Json | undefined {
  const state = stateAt(root, segments);
  if (state === undefined) return undefined;
  let node: unknown = root;
  let found: unknown;
  for (let i = 0; i < segments.length; i++) {
    node = Array.isArray(node) ? node[segments[i] as number] : isObject(node) ? node[segments[i] as string] : undefined;
    if (segments[i] === state && segments[i - 1] === "States") found = node;
  }
  return isObject(found) ? found : undefined;
}

/** `/States/A/Retry/0` → segments, numbers only where the definition has an array. */
function pointerToSegments(pointer: string, root: unknown): Segment[] {
  if (pointer === "") return [];
  const out: Segment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(token)) {
      out.push(Number(token));
      node = node[Number(token)];
    } else {
      out.push(token);
      node = isObject(node) ? node[token] : undefined;
    }
  }
  return out;
}

/** Maps asl-validator's non-schema checks (which name states but give no path) onto the state they name. */
function mapCheckError(e: AslError, definition: Json): Problem {
  const states = new Map<string, Segment[]>();
  const duplicates = new Map<string, Segment[]>();
  const walk = (machine: unknown, at: Segment[]): void => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      const path = [...at, "States", name];
      if (states.has(name)) duplicates.set(name, path);
      else states.set(name, path);
      for (const [nested, nestedPath] of nestedMachines(state, path)) walk(nested, nestedPath);
    }
  };
  walk(definition, []);
  const problem = (segments: Segment[], message: string, key?: string): Problem => {
    const state = stateAt(definition, segments);
    return {
      path: formatPath(segments),
      ...(state === undefined ? {} : { state }),
      message,
      source: "asl-validator",
      ...(key === undefined ? {} : { keys: [key] }),
    };
  };
  const msg = e.Message;
  let m: RegExpExecArray | null;
  if ((m = /^State (.+) is not reachable$/.exec(msg))) {
    return problem(states.get(m[1]!) ?? [], `state '${m[1]}' is not reachable`, `unreachable:${m[1]}`);
  }
  if ((m = /target: (.+)$/.exec(msg))) {
    return problem([], `${msg}; no state of that name is reachable from here`, `missing-target:${m[1]}`);
  }
  if ((m = /^A state with this name already exists: (.+)$/.exec(msg))) {
    return problem(
      duplicates.get(m[1]!) ?? states.get(m[1]!) ?? [],
      `state name '${m[1]}' is used more than once; state names must be unique across the whole definition, nested machines included`,
    );
  }
  if ((m = /^State "(.+?)" MUST contain (exactly|at most) one of (.+)$/.exec(msg))) {
    const name = m[1]!;
    const key =
      e["Error code"] === "WAIT_DURATION"
        ? `wait:${name}`
        : e["Error code"] === "TERMINAL_STATE_WITH_NEXT"
          ? `end-next:${name}`
          : undefined;
    return problem(states.get(name) ?? [], `the state must contain ${m[2]} one of ${m[3]}`, key);
  }
  if ((m = /^State machine fsm(\d+) is missing a terminal state$/.exec(msg))) {
    const machines: Segment[][] = [];
    const collect = (machine: unknown, at: Segment[]): void => {
      machines.push(at);
      if (!isObject(machine) || !isObject(machine.States)) return;
      for (const [name, state] of Object.entries(machine.States)) {
        for (const [nested, nestedPath] of nestedMachines(state, [...at, "States", name])) collect(nested, nestedPath);
      }
    };
    collect(definition, []);
    const at = machines[Number(m[1]) - 1] ?? [];
    return problem(
      at,
      'this state machine has no terminal state; give at least one state "End": true or add a Succeed/Fail state',
      `terminal:${formatPath(at)}`,
    );
  }
  if ((m = /from: (.+)\.\$\.\$$/.exec(msg))) {
    const base = m[1]!;
    return problem(
      findDuplicateField(definition, base) ?? [],
      `fields '${base}' and '${base}.$' both become '${base}' once '.$' is stripped; keep only one of them`,
    );
  }
  return problem([], `${e["Error code"]}: ${msg}`);
}

/** Path of an object holding both `k` and `k.$` (asl-validator names the field but not where it is). */
function findDuplicateField(value: unknown, base: string, at: Segment[] = []): Segment[] | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findDuplicateField(value[i], base, [...at, i]);
      if (found) return found;
    }
  } else if (isObject(value)) {
    if (base in value && `${base}.$` in value) return [...at, `${base}.$`];
    for (const [k, v] of Object.entries(value)) {
      const found = findDuplicateField(v, base, [...at, k]);
      if (found) return found;
    }
  }
  return undefined;
}

const TYPE_SCHEMA: Record<string, string> = {
  Choice: "choice",
  Fail: "fail",
  Parallel: "parallel",
  Pass: "pass",
  Succeed: "succeed",
  Task: "task",
  Wait: "wait",
  Map: "map",
};
const variantValidators = new Map<string, AjvValidate>();

/**
 * Validates the top level and each state (against the schema of its Type in its query language) with an
 * all-errors Ajv, and turns the errors into one problem per wrong field. `clone` is asl-validator's clone, in which
 * every state already carries its QueryLanguage (the schemas require it).
 */
function explainSchemaErrors(rt: AslRuntime, clone: Json): Problem[] {
  const ajv = rt.explainer();
  const out: Problem[] = [];
  const explain = (
    validate: AjvValidate,
    value: unknown,
    at: Segment[],
    what: string,
    isNested: (p: Segment[]) => boolean,
  ): void => {
    if (validate(value)) return;
    const errors = (validate.errors ?? [])
      .map((e) => ({ e, segments: pointerToSegments(e.instancePath, value) }))
      .filter(({ segments }) => !isNested(segments));
    const below = (a: Segment[], b: Segment[]): boolean => b.length > a.length && a.every((s, i) => b[i] === s);
    // Where a oneOf/anyOf failed, each alternative reports why *it* did not fit (missing fields, wrong type, …): that
    // is noise. Keep errors further down (the real mismatch), else one "no allowed form" per field.
    const alternatives = new Set(
      errors.filter(({ e }) => e.keyword === "oneOf" || e.keyword === "anyOf").map(({ e }) => e.instancePath),
    );
    const kept = errors.filter(({ e, segments }) => {
      if (e.keyword === "oneOf" || e.keyword === "anyOf") return true;
      if (
        alternatives.has(e.instancePath) &&
        ["required", "additionalProperties", "type", "enum", "const", "pattern"].includes(e.keyword)
      ) {
        return false;
      }
      return !(["type", "if", "not"].includes(e.keyword) && errors.some((o) => below(segments, o.segments)));
    });
    const grouped = new Map<string, { segments: Segment[]; phrases: string[] }>();
    for (const { e, segments } of kept) {
      const vague = e.keyword === "oneOf" || e.keyword === "anyOf";
      if (
        vague &&
        kept.some(
          (o) =>
            below(segments, o.segments) ||
            (o.e.instancePath === e.instancePath && o.e.keyword !== "oneOf" && o.e.keyword !== "anyOf"),
        )
      ) {
        continue;
      }
      let target = segments;
      if (e.keyword === "additionalProperties") target = [...segments, String(e.params.additionalProperty)];
      if (e.keyword === "required") target = [...segments, String(e.params.missingProperty)];
      const path = formatPath([...at, ...target]);
      const entry = grouped.get(path) ?? { segments: [...at, ...target], phrases: [] };
      const phrase = describeAjvError(e, what);
      if (!entry.phrases.includes(phrase)) entry.phrases.push(phrase);
      grouped.set(path, entry);
    }
    for (const [path, { segments, phrases }] of grouped) {
      const state = stateAt(clone, segments);
      out.push({
        path,
        ...(state === undefined ? {} : { state }),
        message: phrases.join("; or "),
        source: "asl-validator",
      });
    }
  };

  const top = ajv.getSchema(`${SCHEMA_BASE}state-machine.json#`);
  if (top) explain(top, { ...clone, States: {} }, [], "the state machine", () => false);

  const visit = (machine: unknown, at: Segment[]): void => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      const path = [...at, "States", name];
      if (isObject(state)) {
        const file = typeof state.Type === "string" ? TYPE_SCHEMA[state.Type] : undefined;
        const language = state.QueryLanguage;
        if (file !== undefined && (language === "JSONPath" || language === "JSONata")) {
          const key = `${file}:${language}`;
          let validate = variantValidators.get(key);
          if (!validate) {
            validate = ajv.compile({ $ref: `${SCHEMA_BASE}${file}.json#/oneOf/${language === "JSONPath" ? 0 : 1}` });
            variantValidators.set(key, validate);
          }
          // Errors inside a nested state are explained when that state is visited.
          const nested = (p: Segment[]): boolean =>
            (p[0] === "Branches" && p[2] === "States" && p.length >= 4) ||
            ((p[0] === "ItemProcessor" || p[0] === "Iterator") && p[1] === "States" && p.length >= 3);
          explain(validate, state, path, `a ${language} ${state.Type} state`, nested);
        }
      }
      for (const [nested, nestedPath] of nestedMachines(state, path)) visit(nested, nestedPath);
    }
  };
  visit(clone, []);
  return out;
}

const FORMAT_NAMES: Record<string, string> = {
  asl_path: "a JSONPath path starting with '$'",
  asl_ref_path: "a reference path starting with '$' (no wildcards, filters or functions)",
  asl_result_path: "a reference path into the state input starting with '$' (not $$ or a variable)",
  asl_payload_template: "a path, context path, variable or well-formed intrinsic function call",
  asl_arn: "an ARN (arn:aws:…)",
  jsonata_string: "a JSONata expression that parses",
  "date-time": "an RFC 3339 timestamp (e.g. 2026-01-01T00:00:00Z)",
};

function describeAjvError(e: AjvError, what: string): string {
  const p = e.params;
  switch (e.keyword) {
    case "additionalProperties":
      return `unknown field '${String(p.additionalProperty)}' for ${what}; remove it or fix its spelling`;
    case "required":
      return `${what} needs the field '${String(p.missingProperty)}'`;
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "type":
      return `must be of type ${String(p.type)}`;
    case "format":
      return `must be ${FORMAT_NAMES[String(p.format)] ?? `in format ${String(p.format)}`}`;
    case "pattern":
      return String(p.pattern).startsWith("^\\{%")
        ? 'must be a JSONata expression written as "{% … %}"'
        : `must match ${String(p.pattern)}`;
    case "oneOf":
    case "anyOf":
      return "does not match any allowed form of this field";
    default:
      return e.message ?? e.keyword;
  }
}
