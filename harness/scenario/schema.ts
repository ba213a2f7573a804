/**
 * The YAML surface of a scenario file (format version 1, `scenarios/FORMAT.md`) as a zod schema: strict (unknown
 * keys are errors), durations turned into milliseconds, `times` defaulted to 1. It is the single source of truth
 * for both the loader (`loader.ts`, which adds what a schema cannot know: state names, fixture files, cross-field
 * rules) and the JSON Schema editors use (`scenarios/scenario.schema.json`, from {@link buildScenarioJsonSchema}).
 *
 * Issues raised by custom checks carry `params.suggestion` when an obvious fix exists; the loader shows it as
 * "(did you mean …?)".
 */
import { z } from "zod";
import { ATHENA_OPERATIONS } from "../emulator/athena/athena-emulator";
import type { PipelineConfig } from "../deploy/pipeline-config";

/** `QueryExecution.Status.State` values a script may step through. */
export const ATHENA_STATES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
/** Lambdas of the pipeline, by their logical names (the deployed names come from the deploy config). */
export const LAMBDA_FUNCTIONS = ["run-athena-query", "start-pipeline"] as const;
export { ATHENA_OPERATIONS };
/** Terminal execution statuses (`DescribeExecution.status`) a scenario can expect. */
export const EXECUTION_STATUSES = ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"] as const;
/** `${…}` placeholders allowed in S3 expectation strings, filled in once the execution is known. */
export const S3_PLACEHOLDERS = ["executionName", "executionArn", "queryExecutionId"] as const;
/** Deployment settings a scenario may override (names of resources, not ARNs or roles). */
export const DEPLOY_KEYS = [
  "dataBucket",
  "rawPrefix",
  "rawSuffix",
  "productionBucket",
  "productionPrefix",
  "athenaResultsBucket",
  "athenaResultsPrefix",
  "athenaDatabase",
  "athenaTable",
  "athenaWorkGroup",
  "failureTopicName",
  "failureQueueName",
] as const satisfies ReadonlyArray<keyof PipelineConfig>;

/** Athena's default lifecycle, used when `athena` is given without `states`. */
export const DEFAULT_ATHENA_STATES = ["QUEUED", "RUNNING", "SUCCEEDED"] as const;

/** `params` of a custom issue that knows the likely fix. */
function suggesting(suggestion: string | undefined): { params?: { suggestion: string } } {
  return suggestion === undefined ? {} : { params: { suggestion } };
}

// ---------------------------------------------------------------------------------------------------------------
// Durations

/** `1h30m`, `10s`, `500ms`, `1.5s`: units in descending order, each at most once. */
export const DURATION_PATTERN =
  "^(?=\\d)(?:(\\d+(?:\\.\\d+)?)h)?(?:(\\d+(?:\\.\\d+)?)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+(?:\\.\\d+)?)ms)?$";
const DURATION_RE = new RegExp(DURATION_PATTERN);

/** Milliseconds of a duration string (`"1h30m"` → 5400000), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const [, h = "0", min = "0", s = "0", ms = "0"] = m;
  return Math.round(Number(h) * 3_600_000 + Number(min) * 60_000 + Number(s) * 1000 + Number(ms));
}

const UNIT_WORDS: Record<string, string> = {
  ms: "ms",
  msec: "ms",
  msecs: "ms",
  millis: "ms",
  millisecond: "ms",
  milliseconds: "ms",
  s: "s",
  sec: "s",
  secs: "s",
  second: "s",
  seconds: "s",
  m: "m",
  min: "m",
  mins: "m",
  minute: "m",
  minutes: "m",
  h: "h",
  hr: "h",
  hrs: "h",
  hour: "h",
  hours: "h",
};

/** The duration someone meant by `10 sec`, `5 minutes`, `"30"`, if it can be told. */
export function suggestDuration(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return `${trimmed}s`;
  let rebuilt = "";
  let rest = trimmed;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*(?:and\s+)?/.exec(rest);
    const unit = m ? UNIT_WORDS[m[2]!] : undefined;
    if (!m || unit === undefined) return undefined;
    rebuilt += `${m[1]}${unit}`;
    rest = rest.slice(m[0].length);
  }
  return rebuilt !== text && parseDuration(rebuilt) !== undefined ? rebuilt : undefined;
}

const DURATION_HELP = 'write e.g. "500ms", "10s", "5m", "1h30m", or a number of seconds';

function durationSchema(description: string, positive: boolean) {
  const seconds = positive ? z.number().positive() : z.number().min(0);
  const text = z
    .string()
    .superRefine((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(value)} is not a duration; ${DURATION_HELP}`,
          ...suggesting(suggestDuration(value)),
        });
      } else if (positive && ms === 0) {
        ctx.addIssue({ code: "custom", message: "a duration must be longer than 0" });
      }
    })
    .meta({ pattern: DURATION_PATTERN });
  return z
    .union([seconds, text], { error: `expected a duration; ${DURATION_HELP}` })
    .meta({ description: `${description} A duration: "500ms", "10s", "5m", "1h30m", or a number of seconds.` })
    .transform((value) => (typeof value === "number" ? Math.round(value * 1000) : parseDuration(value)!));
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** A state name of the definition; `generate-schema.ts` narrows it to the real names for editors. */
export const StateNameSchema = z.string().min(1).meta({ id: "stateName", description: "A state of the definition." });

/** A JavaScript regular expression (as `new RegExp(source)` takes it, unanchored). */
const RegexSchema = z
  .string()
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^Invalid/, "invalid") });
    }
  })
  .meta({ format: "regex", description: "A JavaScript regular expression; it may match anywhere in the text." });

/** Issues for values JSON cannot carry (`.inf`, `.nan`, binary), found anywhere inside `value`. */
function checkJsonValue(value: unknown, ctx: z.RefinementCtx, path: Array<string | number> = []): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      ctx.addIssue({ code: "custom", path, message: `${String(value)} is not a JSON number` });
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, ctx, [...path, i]));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkJsonValue(v, ctx, [...path, k]);
    return;
  }
  ctx.addIssue({ code: "custom", path, message: "not a JSON value (strings, numbers, true/false, null, lists, maps)" });
}

function jsonValue(description: string) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (v !== undefined) checkJsonValue(v, ctx);
    })
    .meta({ description });
}

/** A text expectation: exact text, `{ pattern }` or `{ contains }`. */
export const TextMatcherSchema = z
  .union(
    [
      z.string(),
      z.strictObject({ pattern: RegexSchema }),
      z.strictObject({ contains: z.string().meta({ description: "Text that must occur." }) }),
    ],
    { error: "expected text, { pattern: <regex> } or { contains: <text> }" },
  )
  .meta({ id: "textMatcher", description: "Exact text, or { pattern: <regex> }, or { contains: <text> }." });

const times = (what: string) =>
  z
    .number()
    .int()
    .min(1)
    .default(1)
    .meta({ description: `How many ${what} in a row (default 1).` });

const count = (description: string) => z.number().int().min(0).meta({ description });

const fixturePath = (description: string) => z.string().min(1).meta({ description });

/** `[a-z0-9][a-z0-9-]*`; suggests the slug of what was written. */
const ScenarioNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    if (/^[a-z0-9][a-z0-9-]*$/.test(name)) return;
    const slug = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
    ctx.addIssue({
      code: "custom",
      message: "a scenario name uses only a-z, 0-9 and -, and starts with a letter or digit",
      ...suggesting(slug.length > 0 && slug !== name ? slug : undefined),
    });
  })
  .meta({
    pattern: "^[a-z0-9][a-z0-9-]*$",
    description: "Unique scenario name; also the MockConfigFile test case name.",
  });

// StartExecution's rules for execution names (API reference, `name`): 1-80 characters, none of these.
// eslint-disable-next-line no-control-regex -- control characters are exactly what AWS forbids here
const EXECUTION_NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff]/u;

const ExecutionNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    if (name.length === 0 || name.length > 80) {
      ctx.addIssue({ code: "custom", message: `an execution name has 1 to 80 characters, this one ${name.length}` });
    } else if (EXECUTION_NAME_FORBIDDEN.test(name)) {
      ctx.addIssue({
        code: "custom",
        message:
          "StartExecution refuses names with whitespace, brackets < > { } [ ], wildcards ? *, " +
          'special characters " # % \\ ^ | ~ ` $ & , ; : / or control characters',
        ...suggesting(name.replace(new RegExp(EXECUTION_NAME_FORBIDDEN.source, "gu"), "-")),
      });
    }
  })
  .meta({
    pattern: '^[^\\s<>{}\\[\\]?*"#%\\\\^|~`$&,;:/\\u0000-\\u001f\\u007f-\\u009f]{1,80}$',
    description: "Execution name (StartExecution `name`); default: a generated UUID.",
  });

/** An S3 object key: 1 to 1024 bytes of UTF-8. */
const S3KeySchema = z
  .string()
  .min(1)
  .superRefine((key, ctx) => {
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > 1024) ctx.addIssue({ code: "custom", message: `an S3 key has at most 1024 bytes, this one ${bytes}` });
  });

/** A string that may use `${executionName}`, `${executionArn}`, `${queryExecutionId}`. */
const S3TemplateSchema = z
  .string()
  .superRefine((text, ctx) => {
    for (const m of text.matchAll(/\$\{([^}]*)\}?/g)) {
      const [whole, name = ""] = m;
      if (!whole.endsWith("}")) {
        ctx.addIssue({ code: "custom", message: `\`${whole}\` is not closed with }` });
      } else if (!(S3_PLACEHOLDERS as readonly string[]).includes(name)) {
        const near = S3_PLACEHOLDERS.find((p) => p.toLowerCase() === name.toLowerCase().replace(/[^a-z]/g, ""));
        ctx.addIssue({
          code: "custom",
          message: `unknown placeholder \`${whole}\`; available: ${S3_PLACEHOLDERS.map((p) => `\${${p}}`).join(", ")}`,
          ...suggesting(near === undefined ? undefined : text.replace(whole, `\${${near}}`)),
        });
      }
    }
  })
  .meta({ description: "May use ${executionName}, ${executionArn} and ${queryExecutionId}." });

/** The error code as the service sends it; Step Functions adds the `Lambda.` / `Athena.` prefix itself. */
const ServiceErrorCodeSchema = z
  .string()
  .superRefine((code, ctx) => {
    const prefixed = /^(?:Lambda|Athena|States)\.(.+)$/.exec(code);
    if (prefixed) {
      ctx.addIssue({
        code: "custom",
        message:
          "a fault takes the service's own error code; Step Functions adds the prefix " +
          "(TooManyRequestsException becomes Lambda.TooManyRequestsException)",
        ...suggesting(prefixed[1]),
      });
    } else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(code)) {
      ctx.addIssue({ code: "custom", message: "expected a service error code such as TooManyRequestsException" });
    }
  })
  .meta({ description: "The service's error code, e.g. TooManyRequestsException." });

// ---------------------------------------------------------------------------------------------------------------
// Sections

const DeploySchema = z
  .strictObject(
    Object.fromEntries(DEPLOY_KEYS.map((k) => [k, z.string().optional()])) as Record<
      (typeof DEPLOY_KEYS)[number],
      z.ZodOptional<z.ZodString>
    >,
  )
  .meta({ description: "Overrides of the deployment config (resource names)." });

export const StartInputSchema = z
  .strictObject({
    input: jsonValue("Execution input (any JSON value); default {}.").optional(),
    name: ExecutionNameSchema.optional(),
  })
  .meta({ title: "StartExecution", description: "Start with StartExecution." });

export const StartTriggerSchema = z
  .strictObject({
    trigger: z.literal("s3").meta({ description: "Upload a data file; the S3 trigger Lambda starts the run." }),
    key: S3KeySchema.meta({ description: "Key under the raw prefix (the prefix is added when missing)." }),
    fixture: fixturePath("File with the object's contents, relative to the scenario file.").optional(),
    body: z.string().meta({ description: "The object's contents, inline." }).optional(),
    duplicateEvent: z.boolean().meta({ description: "S3 delivers the same event twice." }).optional(),
    uploadTwice: z.boolean().meta({ description: "The same object is PUT again." }).optional(),
  })
  .meta({ title: "S3 trigger", oneOf: [{ required: ["fixture"] }, { required: ["body"] }] });

const StartSchema = z
  .union([StartInputSchema, StartTriggerSchema], {
    error: "expected a mapping: `input`/`name` (StartExecution) or `trigger: s3` with `key` and `fixture` or `body`",
  })
  .meta({ description: "How the execution starts: exactly one of the two forms." });

const AthenaFailureSchema = z
  .strictObject({
    reason: z.string().min(1).meta({ description: "StateChangeReason and AthenaError.ErrorMessage." }),
    errorCategory: z
      .literal([1, 2, 3])
      .meta({ description: "AthenaError.ErrorCategory: 1 system, 2 user, 3 other (default 2)." })
      .optional(),
    errorType: z.number().int().min(0).meta({ description: "AthenaError.ErrorType (default 1000)." }).optional(),
    retryable: z.boolean().meta({ description: "AthenaError.Retryable (default false)." }).optional(),
  })
  .meta({ description: "What the FAILED query reports." });

const AthenaResultSchema = z
  .union(
    [
      z.strictObject({
        columns: z.array(z.string().min(1)).min(1).meta({ description: "Column names." }),
        rows: z
          .array(z.array(z.string()))
          .default([])
          .meta({ description: "Rows of values as Athena renders them (strings: quote numbers)." }),
      }),
      z.strictObject({
        fixture: fixturePath("CSV file (header row first), relative to the scenario file."),
      }),
    ],
    { error: "expected { columns, rows } or { fixture: <csv file> }" },
  )
  .meta({ description: "Result of the SUCCEEDED query." });

const AthenaSchema = z
  .strictObject({
    states: z
      .array(z.enum(ATHENA_STATES))
      .min(1)
      .meta({
        description: "One step per GetQueryExecution call; the last state sticks. Default QUEUED, RUNNING, SUCCEEDED.",
      })
      .optional(),
    advanceEvery: durationSchema("Advance one step per this much (virtual) time instead of per call.", true).optional(),
    failure: AthenaFailureSchema.optional(),
    result: AthenaResultSchema.optional(),
    queryExecutionId: z
      .string()
      .min(1)
      .max(128)
      .meta({ description: "Pre-register the query under this id (for a mocked Lambda)." })
      .optional(),
  })
  .meta({ description: "The scripted Athena query." });

const faultFields = {
  error: ServiceErrorCodeSchema,
  message: z.string().meta({ description: "Error message (default: the service's usual text)." }).optional(),
  times: times("calls fail"),
  status: z.number().int().min(400).max(599).meta({ description: "HTTP status (default: the service's)." }).optional(),
};

const FaultSchema = z
  .union(
    [
      z.strictObject({
        lambda: z.enum(LAMBDA_FUNCTIONS).meta({ description: "The Lambda whose Invoke fails." }),
        ...faultFields,
      }),
      z.strictObject({
        athena: z.enum(ATHENA_OPERATIONS).meta({ description: "The Athena operation that fails." }),
        ...faultFields,
      }),
    ],
    { error: "expected a mapping with `lambda: <function>` or `athena: <operation>`, and `error`" },
  )
  .meta({ description: "Fail the first `times` matching calls of an emulated service." });

const MockStepSchema = z
  .union(
    [
      z.strictObject({ Return: jsonValue("The mocked result of the Task."), times: times("invocations") }),
      z.strictObject({
        Throw: z
          .strictObject({ Error: z.string().min(1), Cause: z.string() })
          .meta({ description: "The mocked failure." }),
        times: times("invocations"),
      }),
    ],
    { error: "expected a mapping with `Return: <value>` or `Throw: { Error, Cause }`" },
  )
  .meta({ description: "One mocked response (MockConfigFile vocabulary)." });

const ActionSchema = z
  .strictObject({
    when: z.strictObject({
      stateEntered: StateNameSchema,
      occurrence: z.number().int().min(1).default(1).meta({ description: "The n-th entry of the state (default 1)." }),
    }),
    stop: z
      .strictObject({
        error: z.string().max(256).meta({ description: "StopExecution error (at most 256 characters)." }).optional(),
        cause: z
          .string()
          .max(32768)
          .meta({ description: "StopExecution cause (at most 32768 characters)." })
          .optional(),
      })
      .meta({ description: "StopExecution." }),
  })
  .meta({ description: "Do something when a state is entered." });

const S3ExpectationSchema = z
  .strictObject({
    bucket: S3TemplateSchema.optional(),
    key: S3TemplateSchema.optional(),
    prefix: S3TemplateSchema.optional(),
    exists: z.boolean().optional(),
    count: count("Number of objects under `prefix`.").optional(),
    equals: z
      .union(
        [
          z.strictObject({ athenaResult: z.literal(true).meta({ description: "Equal to the Athena result CSV." }) }),
          z.strictObject({ fixture: fixturePath("File, relative to the scenario file.") }),
          z.strictObject({
            object: z.strictObject({ bucket: S3TemplateSchema.optional(), key: S3TemplateSchema }),
          }),
        ],
        { error: "expected { athenaResult: true }, { fixture: <file> } or { object: { bucket, key } }" },
      )
      .optional(),
    contains: z.string().optional(),
    matches: RegexSchema.optional(),
  })
  .meta({
    description: "An S3 object expectation: `key` (with exists/equals/contains/matches) or `prefix` with count.",
  });

const ExpectSchema = z
  .strictObject({
    status: z.enum(EXECUTION_STATUSES).optional(),
    error: TextMatcherSchema.optional(),
    cause: TextMatcherSchema.optional(),
    path: z.array(StateNameSchema).meta({ description: "The exact ordered list of states entered." }).optional(),
    pathIncludes: z
      .array(StateNameSchema)
      .meta({ description: "States entered in this order (others may come between)." })
      .optional(),
    pathExcludes: z.array(StateNameSchema).meta({ description: "States that must never be entered." }).optional(),
    retries: z
      .record(StateNameSchema, count("Retried attempts."))
      .meta({ description: "Retried attempts per state." })
      .optional(),
    s3: z.array(S3ExpectationSchema).optional(),
    sns: z
      .strictObject({
        count: count("Messages published to the failure topic.").optional(),
        messages: z
          .array(
            z.strictObject({
              subject: TextMatcherSchema.optional(),
              message: jsonValue("JSON subset of the (JSON) message.").optional(),
            }),
          )
          .optional(),
      })
      .optional(),
    lambda: z
      .strictObject({
        "run-athena-query": count("Invocations.").optional(),
        "start-pipeline": count("Invocations.").optional(),
      })
      .meta({ description: "Invocations per Lambda." })
      .optional(),
    output: jsonValue("JSON subset of the execution output.").optional(),
    duration: z
      .strictObject({
        min: durationSchema("Lower bound.", false).optional(),
        max: durationSchema("Upper bound.", false).optional(),
      })
      .meta({ description: "Bounds on the simulated execution time." })
      .optional(),
    executions: count("Executions started (trigger scenarios).").optional(),
  })
  .meta({ description: "What must happen; at least one expectation." });

/** A whole scenario file as written (format version 1). */
export const ScenarioFileSchema = z
  .strictObject({
    version: z.literal(1).meta({ description: "Format version: 1." }),
    name: ScenarioNameSchema,
    description: z.string().meta({ description: "What this scenario proves." }).optional(),
    tags: z.array(z.string().min(1)).meta({ description: "For selection." }).optional(),
    deploy: DeploySchema.optional(),
    start: StartSchema,
    athena: AthenaSchema.optional(),
    faults: z.array(FaultSchema).optional(),
    mocks: z
      .record(StateNameSchema, z.array(MockStepSchema).min(1))
      .meta({ description: "Mocked responses per Task state, in order (MockConfigFile semantics)." })
      .optional(),
    actions: z.array(ActionSchema).optional(),
    expect: ExpectSchema,
    timeout: durationSchema("Wall-time budget on real-time (Docker) targets.", true).optional(),
  })
  .meta({ title: "pipeline-testbed scenario (format version 1)" });

/** A scenario file after schema validation (durations in ms, defaults filled), before fixtures are read. */
export type ScenarioFile = z.output<typeof ScenarioFileSchema>;

/**
 * The JSON Schema (draft-07, which yaml-language-server implements fully) of the scenario file. `stateNames`, when
 * given, become an enum on every state-name field so editors complete and check them.
 */
export function buildScenarioJsonSchema(stateNames: readonly string[] = []): Record<string, unknown> {
  return z.toJSONSchema(ScenarioFileSchema, {
    target: "draft-07",
    io: "input",
    override: (ctx) => {
      if (ctx.zodSchema === StateNameSchema && stateNames.length > 0) {
        (ctx.jsonSchema as Record<string, unknown>)["enum"] = [...stateNames];
      }
    },
  }) as Record<string, unknown>;
}
