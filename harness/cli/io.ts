/** Where a CLI command writes; injected so commands are testable functions. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is a terminal that honours colour (not NO_COLOR, not piped). */
  color: boolean;
  /** True when stderr is a terminal (live progress lines are rewritten in place there); default: `color`. */
  isTTY?: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Bad input or usage: exit code 2, message printed without a stack trace. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes: 0 ok, 1 a scenario/expectation failed, 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
