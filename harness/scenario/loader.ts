/**
 * Loads `*.scenario.yaml` files into the {@link Scenario} model. Every file is validated completely (YAML syntax,
 * schema, state names, fixtures, cross-field rules, unique names across files) before anything is returned; all
 * problems of all files are thrown together as one {@link ScenarioValidationError}, each with `file:line:column`,
 * the field path and, where obvious, the fix.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { LineCounter, parseDocument, visit, type Document, type YAMLError } from "yaml";
import type { PipelineConfig } from "../deploy/pipeline-config";
import { crossCheck, startFormOf, type LoadedFixture } from "./cross-checks";
import {
  describeValue,
  dropExplainedMissingKeys,
  problemsFromIssues,
  recordKnownKeys,
  type PathProblem,
} from "./issue-translator";
import {
  DEFAULT_ATHENA_STATES,
  ScenarioFileSchema,
  StartInputSchema,
  StartTriggerSchema,
  type ScenarioFile,
} from "./schema";
import { ScenarioValidationError, type ScenarioProblem } from "./scenario-validation-error";
import type {
  ActionSpec,
  AthenaScriptSpec,
  Expectations,
  FaultSpec,
  MockStep,
  S3Expectation,
  Scenario,
  StartSpec,
} from "./types";
import { formatPath, YamlLocator, type Position } from "./yaml-locator";

export { ScenarioValidationError, formatProblem, type ScenarioProblem } from "./scenario-validation-error";

export interface LoadScenarioOptions {
  /**
   * State names of the definition the scenarios run against; names in `mocks`, `retries`, `path*` and
   * `actions[].when.stateEntered` must be among them. An empty list turns the check off.
   */
  knownStates: readonly string[];
  /** Base for relative paths and for how files are shown in problems; default `process.cwd()`. */
  cwd?: string;
}

interface FileResult {
  file: string;
  display: string;
  problems: ScenarioProblem[];
  scenario?: Scenario;
  /** The scenario name and where it is written, for the duplicate check across files. */
  name?: { value: string; at: Position };
}

/**
 * Loads and validates scenario files.
 * @throws ScenarioValidationError listing every problem of every file; nothing is returned unless all are valid.
 */
export async function loadScenarioFiles(paths: readonly string[], options: LoadScenarioOptions): Promise<Scenario[]> {
  const cwd = options.cwd ?? process.cwd();
  const files = [...new Set(paths.map((p) => resolve(cwd, p)))];
  const results = await Promise.all(
    files.map(async (file): Promise<FileResult> => {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        const display = displayPath(file, cwd);
        const code = (e as NodeJS.ErrnoException).code;
        const why =
          code === "ENOENT"
            ? "the file does not exist"
            : code === "EISDIR"
              ? "this is a directory"
              : `cannot read the file (${code ?? String(e)})`;
        return { file, display, problems: [{ file: display, line: 1, column: 1, path: "", message: why }] };
      }
      return checkText(text, file, options);
    }),
  );

  const byName = new Map<string, FileResult[]>();
  for (const r of results) {
    if (r.name === undefined) continue;
    byName.set(r.name.value, [...(byName.get(r.name.value) ?? []), r]);
  }
  for (const [name, owners] of byName) {
    if (owners.length < 2) continue;
    for (const r of owners) {
      const others = owners
        .filter((o) => o !== r)
        .map((o) => `${o.display}:${o.name!.at.line}:${o.name!.at.column}`)
        .join(", ");
      r.problems.push({
        file: r.display,
        ...r.name!.at,
        path: "name",
        message: `scenario name \`${name}\` is also used by ${others}; names must be unique`,
      });
      r.problems.sort(byPosition);
    }
  }

  const problems = results.flatMap((r) => r.problems);
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  return results.map((r) => r.scenario!);
}

/**
 * Loads one scenario from text (`file` names it in problems and anchors its fixtures; it need not exist).
 * @throws ScenarioValidationError listing every problem.
 */
export async function loadScenarioText(text: string, file: string, options: LoadScenarioOptions): Promise<Scenario> {
  const result = await checkText(text, resolve(options.cwd ?? process.cwd(), file), options);
  if (result.problems.length > 0) throw new ScenarioValidationError(result.problems);
  return result.scenario!;
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function byPosition(a: ScenarioProblem, b: ScenarioProblem): number {
  return a.line - b.line || a.column - b.column;
}

/** Where an unclosed quoted scalar opened: yaml reports the end of the input, which is rarely near the mistake. */
function openingQuote(doc: Document, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
      if (quoted && node.range && node.range[0] <= offset && node.range[1] >= offset - 1) start = node.range[0];
    },
  });
  return start;
}

function yamlProblem(
  error: YAMLError,
  text: string,
  doc: Document,
  locator: YamlLocator,
  display: string,
): ScenarioProblem {
  const quote = error.code === "MISSING_CHAR" ? openingQuote(doc, error.pos[0]) : undefined;
  const at = locator.at(quote ?? error.pos[0]);
  let message: string;
  switch (error.code) {
    case "DUPLICATE_KEY": {
      const key = /^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^:#\n]*?))\s*:/.exec(text.slice(error.pos[0]));
      const name = key?.[1] ?? key?.[2] ?? key?.[3];
      message = `duplicate key${name ? ` \`${name}\`` : ""}: a key may appear only once in a mapping`;
      break;
    }
    case "TAB_AS_INDENT":
      message = "YAML does not allow tabs for indentation; indent with spaces";
      break;
    case "MULTIPLE_DOCS":
      message = "a scenario file holds one YAML document; remove the `---` separator or split the file";
      break;
    case "TAG_RESOLVE_FAILED":
      message = `${error.message}; scenario files use plain YAML values, without tags`;
      break;
    default:
      message = `YAML syntax: ${error.message}`;
  }
  return { file: display, ...at, path: "", message };
}

/** Validates one file's text completely and builds its scenario when nothing is wrong. */
async function checkText(text: string, file: string, options: LoadScenarioOptions): Promise<FileResult> {
  const display = displayPath(file, options.cwd ?? process.cwd());
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const locator = new YamlLocator(doc, lineCounter);
  const result: FileResult = { file, display, problems: [] };
  const fail = (problems: ScenarioProblem[]): FileResult => ({ ...result, problems: problems.sort(byPosition) });

  if (doc.errors.length > 0) {
    return fail([...doc.errors, ...doc.warnings].map((e) => yamlProblem(e, text, doc, locator, display)));
  }
  const problems = doc.warnings.map((e) => yamlProblem(e, text, doc, locator, display));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return fail([
      ...problems,
      { file: display, ...aliasPosition(doc, locator), path: "", message: `YAML: ${(e as Error).message}` },
    ]);
  }
  if (data === null || data === undefined) {
    const message = "the file is empty; a scenario needs at least `version: 1`, `name`, `start` and `expect`";
    return fail([...problems, { file: display, line: 1, column: 1, path: "", message }]);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    const message = `expected a mapping of scenario fields (version, name, start, expect, …), got ${describeValue(data)}`;
    return fail([...problems, { file: display, ...locator.locate([], "value"), path: "", message }]);
  }
  const name = (data as Record<string, unknown>)["name"];
  if (typeof name === "string") result.name = { value: name, at: locator.locate(["name"], "value") };

  const parsed = ScenarioFileSchema.safeParse(data, { error: recordKnownKeys });
  const checked = await crossCheck(data, {
    dir: resolve(file, ".."),
    knownStates: options.knownStates,
    display: (f) => displayPath(f, options.cwd ?? process.cwd()),
  });
  let schemaProblems = parsed.success ? [] : problemsFromIssues(parsed.error.issues, data);
  // Inside `start`, judge the keys by the form they show rather than by whichever form zod's union reported.
  const start = (data as Record<string, unknown>)["start"];
  const form = startFormOf(start);
  if (!parsed.success && form !== undefined) {
    schemaProblems = schemaProblems.filter((p) => !(p.path[0] === "start" && p.path.length > 1));
    if (form !== "mixed") {
      const formSchema = form === "trigger" ? StartTriggerSchema : StartInputSchema;
      const formResult = formSchema.safeParse(start, { error: recordKnownKeys });
      if (!formResult.success) schemaProblems.push(...problemsFromIssues(formResult.error.issues, start, ["start"]));
    }
  }
  const pathProblems: PathProblem[] = [...schemaProblems, ...checked.problems];
  for (const p of dropExplainedMissingKeys(pathProblems)) {
    problems.push({
      file: display,
      ...locator.locate(p.path, p.anchor),
      path: formatPath(p.path),
      message: p.message,
      ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
    });
  }
  if (!parsed.success && problems.length === 0) {
    // Never reached while every issue maps to a problem; if one slips through, refuse loudly rather than half-load.
    const message = `invalid scenario: ${parsed.error.issues.map((i) => `${formatPath(i.path as Array<string | number>)}: ${i.message}`).join("; ")}`;
    problems.push({ file: display, line: 1, column: 1, path: "", message });
  }
  if (problems.length > 0 || !parsed.success) return fail(problems);
  return { ...result, scenario: toScenario(parsed.data, file, checked.fixtures) };
}

function aliasPosition(doc: Document, locator: YamlLocator): Position {
  let at: Position = { line: 1, column: 1 };
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined && node.range) {
        at = locator.at(node.range[0]);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

/** Object without its undefined-valued keys (the model never carries `key: undefined`). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function fixtureAt(fixtures: Map<string, LoadedFixture>, path: string): LoadedFixture {
  const f = fixtures.get(path);
  if (f === undefined) throw new Error(`internal: fixture ${path} was not read`);
  return f;
}

function toScenario(f: ScenarioFile, file: string, fixtures: Map<string, LoadedFixture>): Scenario {
  let start: StartSpec;
  if ("trigger" in f.start) {
    const s = f.start;
    const fixture = s.fixture === undefined ? undefined : fixtureAt(fixtures, "start.fixture");
    start = compact({
      kind: "s3" as const,
      key: s.key,
      body: fixture?.content ?? s.body ?? "",
      fixtureFile: fixture?.file,
      duplicateEvent: s.duplicateEvent,
      uploadTwice: s.uploadTwice,
    });
  } else {
    start = compact({
      kind: "input" as const,
      input: f.start.input === undefined ? {} : f.start.input,
      name: f.start.name,
    });
  }

  let athena: AthenaScriptSpec | undefined;
  if (f.athena) {
    const a = f.athena;
    let result: AthenaScriptSpec["result"];
    if (a.result !== undefined) {
      if ("fixture" in a.result) {
        const csv = fixtureAt(fixtures, "athena.result.fixture");
        result = { csv: csv.content, csvFile: csv.file };
      } else {
        result = { columns: a.result.columns, rows: a.result.rows };
      }
    }
    athena = compact({
      states: a.states ?? [...DEFAULT_ATHENA_STATES],
      advanceEveryMs: a.advanceEvery,
      failure: a.failure && compact({ ...a.failure }),
      result,
      queryExecutionId: a.queryExecutionId,
    });
  }

  const faults: FaultSpec[] = (f.faults ?? []).map((x) =>
    "lambda" in x
      ? compact({
          service: "lambda" as const,
          function: x.lambda,
          error: x.error,
          message: x.message,
          times: x.times,
          status: x.status,
        })
      : compact({
          service: "athena" as const,
          operation: x.athena,
          error: x.error,
          message: x.message,
          times: x.times,
          status: x.status,
        }),
  );

  const mocks: Record<string, MockStep[]> = {};
  for (const [state, steps] of Object.entries(f.mocks ?? {})) {
    mocks[state] = steps.map((s): MockStep =>
      "Throw" in s
        ? { Throw: { Error: s.Throw.Error, Cause: s.Throw.Cause }, times: s.times }
        : { Return: s.Return, times: s.times },
    );
  }

  const actions: ActionSpec[] = (f.actions ?? []).map((a) => ({
    when: { stateEntered: a.when.stateEntered, occurrence: a.when.occurrence },
    do: { stop: compact({ error: a.stop.error, cause: a.stop.cause }) },
  }));

  const e = f.expect;
  const s3 = e.s3?.map((x, i): S3Expectation => {
    let equals: S3Expectation["equals"];
    if (x.equals !== undefined) {
      if ("fixture" in x.equals) {
        const fx = fixtureAt(fixtures, `expect.s3[${i}].equals.fixture`);
        equals = { fixture: x.equals.fixture, fixtureFile: fx.file, content: fx.content };
      } else if ("object" in x.equals) {
        equals = { object: compact({ bucket: x.equals.object.bucket, key: x.equals.object.key }) };
      } else {
        equals = { athenaResult: true };
      }
    }
    return compact({
      bucket: x.bucket,
      key: x.key,
      prefix: x.prefix,
      exists: x.exists,
      count: x.count,
      equals,
      contains: x.contains,
      matches: x.matches,
    });
  });
  const expect: Expectations = compact({
    status: e.status,
    error: e.error,
    cause: e.cause,
    path: e.path,
    pathIncludes: e.pathIncludes,
    pathExcludes: e.pathExcludes,
    retries: e.retries,
    s3,
    sns:
      e.sns &&
      compact({
        count: e.sns.count,
        messages: e.sns.messages?.map((m) => compact({ subject: m.subject, message: m.message })),
      }),
    lambda: e.lambda && compact({ ...e.lambda }),
    output: e.output,
    duration: e.duration && compact({ minMs: e.duration.min, maxMs: e.duration.max }),
    executions: e.executions,
  });

  return compact({
    version: 1 as const,
    name: f.name,
    description: f.description,
    file,
    tags: f.tags ?? [],
    deploy: compact({ ...(f.deploy ?? {}) }) as Partial<PipelineConfig>,
    start,
    athena,
    faults,
    mocks,
    actions,
    expect,
    timeoutMs: f.timeout,
  });
}
