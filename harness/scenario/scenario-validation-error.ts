/**
 * One problem in a scenario file, located precisely enough for an editor to jump to it
 * (`scenarios/retry.scenario.yaml:12:7`).
 */
export interface ScenarioProblem {
  /** The file as given (relative to the working directory when it lies inside it, else absolute). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Field path such as `expect.s3[1].equals`; empty for problems of the file as a whole (YAML syntax). */
  path: string;
  /** What is wrong, in words a scenario author understands. */
  message: string;
  /** The likely intended value (`pathIncludes`, `SUCCEEDED`, `"3"`), shown as "(did you mean …?)". */
  suggestion?: string;
}

/** `file:line:col  path: message (did you mean `x`?)`. */
export function formatProblem(p: ScenarioProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const what = p.path ? `${p.path}: ${p.message}` : p.message;
  return `${where}  ${what}${p.suggestion === undefined ? "" : ` (did you mean \`${p.suggestion}\`?)`}`;
}

/**
 * Scenario files that cannot be run. Carries every problem of every file that was loaded, so one run of the loader
 * shows the author everything to fix; nothing is half-loaded.
 */
export class ScenarioValidationError extends Error {
  override readonly name = "ScenarioValidationError";
  constructor(readonly problems: ScenarioProblem[]) {
    const files = new Set(problems.map((p) => p.file)).size;
    const header =
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in ` +
      `${files} scenario file${files === 1 ? "" : "s"}:`;
    super([header, ...problems.map(formatProblem)].join("\n"));
  }
}
