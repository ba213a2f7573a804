import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Engine } from "./engine";
import type { ExecutionResult, StateMachineDefinition } from "./types";

/**
 * Runs conformance cases (executions recorded against real AWS; format in shared/conformance/README.md) on the
 * embedded engine and compares the results, treating the snapshot library's placeholder tokens as wildcards.
 */
export interface ConformanceCase {
  id: string;
  definition: StateMachineDefinition;
  input: unknown;
  expected: { status: "SUCCEEDED"; output: unknown } | { status: "FAILED"; error: string | null; cause: string | null };
  features: string[];
  nondeterministic: boolean;
  stateMachineType?: "EXPRESS" | "STANDARD";
  placeholders?: string[];
  /** How the result was recorded; `sync_response` means the execution was started with StartSyncExecution. */
  verification?: { recordKind?: string };
}

export interface CaseOutcome {
  id: string;
  file: string;
  passed: boolean;
  features: string[];
  nondeterministic: boolean;
  expected: ConformanceCase["expected"];
  actual: ExecutionResult | { status: "ERROR"; message: string };
  /** Why it failed (first mismatch), when it did. */
  reason?: string;
}

/** Loads every `*.json` case under `dir` (not recursive); throws a clear error for unreadable files. */
export function loadCases(dir: string): Array<{ file: string; testCase: ConformanceCase }> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".json"))
      .sort();
  } catch (e) {
    throw new Error(`cannot read conformance directory '${dir}': ${(e as Error).message}`, { cause: e });
  }
  return names.map((n) => {
    const file = join(dir, n);
    let testCase: ConformanceCase;
    try {
      testCase = JSON.parse(readFileSync(file, "utf8")) as ConformanceCase;
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    if (!testCase || typeof testCase !== "object" || !testCase.definition || !testCase.expected) {
      throw new Error(`${file}: not a conformance case (needs "definition" and "expected")`);
    }
    return { file, testCase };
  });
}

/** Placeholder tokens the snapshot library wrote instead of real values. */
const TOKEN = /<[A-Za-z_:0-9-]+>|\b111111111111\b|\bsnf_role_arn\b|\bsfn_role_arn\b/g;
const WHOLE_VALUE_TOKENS = new Set(["date", "timestamp", "start-time", "entered-time", "RandomNumberGenerated"]);
const NO_TOKENS: ReadonlySet<string> = new Set();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Does the actual value match the recorded one, with placeholders as wildcards? `caseTokens` are the case's own
 * `placeholders` (test-specific rewrites such as `generated-uuid`): a value equal to one of them matches any value.
 */
export function matchesExpected(
  expected: unknown,
  actual: unknown,
  lenient: boolean,
  caseTokens: ReadonlySet<string> = NO_TOKENS,
): boolean {
  if (typeof expected === "string") {
    if (lenient && (WHOLE_VALUE_TOKENS.has(expected) || caseTokens.has(expected))) return actual !== undefined;
    if (typeof actual !== "string") {
      if (lenient && /^<[^>]+>$/.test(expected)) return actual !== undefined;
      return false;
    }
    if (expected === actual) return true;
    if (!lenient) return false;
    TOKEN.lastIndex = 0;
    if (!TOKEN.test(expected)) return false;
    const pattern = expected.split(TOKEN).map(escapeRegex).join("[\\s\\S]*?");
    return new RegExp(`^${pattern}$`).test(actual);
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => matchesExpected(e, actual[i], lenient, caseTokens))
    );
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const ek = Object.keys(expected);
    const ak = Object.keys(actual);
    if (ek.length !== ak.length) return false;
    return ek.every(
      (k) => Object.hasOwn(actual, k) && matchesExpected((expected as any)[k], (actual as any)[k], lenient, caseTokens),
    );
  }
  return expected === actual;
}

/** Runs one case on a fresh engine (virtual time, fixed seed). */
export async function runCase(file: string, c: ConformanceCase): Promise<CaseOutcome> {
  const base = {
    id: c.id,
    file,
    features: c.features ?? [],
    nondeterministic: Boolean(c.nondeterministic),
    expected: c.expected,
  };
  let actual: ExecutionResult;
  try {
    const engine = new Engine({ seed: 1 });
    ({ result: actual } = await engine.run(c.definition, {
      input: c.input,
      stateMachineName: "ConformanceStateMachine",
      ...(c.stateMachineType ? { type: c.stateMachineType } : {}),
      ...(c.verification?.recordKind === "sync_response" ? { startedBy: "StartSyncExecution" as const } : {}),
    }));
  } catch (e) {
    return {
      ...base,
      passed: false,
      actual: { status: "ERROR", message: (e as Error).message },
      reason: `engine error: ${(e as Error).message}`,
    };
  }
  const lenient =
    Boolean(c.nondeterministic) ||
    (c.placeholders?.length ?? 0) > 0 ||
    JSON.stringify(c.expected).includes("<json-input");
  const exp = c.expected;
  const tokens = new Set(c.placeholders ?? []);
  let reason: string | undefined;
  if (actual.status !== exp.status) {
    reason = `status ${actual.status} (expected ${exp.status})`;
  } else if (exp.status === "SUCCEEDED") {
    if (!matchesExpected(exp.output, (actual as { output: unknown }).output, lenient, tokens))
      reason = "output differs";
  } else {
    const a = actual as { error?: string; cause?: string };
    if (!matchesExpected(exp.error ?? undefined, a.error, lenient, tokens)) reason = "error differs";
    else if (!matchesExpected(exp.cause ?? undefined, a.cause, lenient, tokens)) reason = "cause differs";
  }
  return { ...base, passed: reason === undefined, actual, ...(reason ? { reason } : {}) };
}

export interface ConformanceSummary {
  passed: number;
  failed: number;
  /** Per feature: [passed, total]. */
  byFeature: Record<string, [number, number]>;
  deterministicJsonPath: [number, number];
  deterministicJsonata: [number, number];
  outcomes: CaseOutcome[];
}

/** Runs every case in `dir`. `onCase` reports progress. */
export async function runConformance(
  dir: string,
  onCase?: (o: CaseOutcome, i: number, n: number) => void,
): Promise<ConformanceSummary> {
  const cases = loadCases(dir);
  const outcomes: CaseOutcome[] = [];
  for (const [i, { file, testCase }] of cases.entries()) {
    const o = await runCase(file, testCase);
    outcomes.push(o);
    onCase?.(o, i, cases.length);
  }
  const byFeature: Record<string, [number, number]> = {};
  const dj: [number, number] = [0, 0];
  const dn: [number, number] = [0, 0];
  for (const o of outcomes) {
    for (const f of o.features) {
      const slot = (byFeature[f] ??= [0, 0]);
      slot[1]++;
      if (o.passed) slot[0]++;
    }
    if (!o.nondeterministic) {
      const slot = o.features.includes("JSONata") ? dn : dj;
      slot[1]++;
      if (o.passed) slot[0]++;
    }
  }
  const passed = outcomes.filter((o) => o.passed).length;
  return {
    passed,
    failed: outcomes.length - passed,
    byFeature,
    deterministicJsonPath: dj,
    deterministicJsonata: dn,
    outcomes,
  };
}
