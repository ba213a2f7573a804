/**
 * What running scenarios produces: one {@link ScenarioRunResult} per scenario and a {@link RunSummary}. Workflow
 * outcomes are values; `outcome: "error"` is reserved for harness failures (deploy failed, target unavailable).
 */
import type { HistoryEvent, StateMachineDefinition } from "../engine/types";
import type { TargetName } from "../targets/target";

export type ExpectationStatus = "passed" | "failed" | "not-observable";

export interface ExpectationResult {
  /** Which expectation: `status`, `path`, `retries.RunAthenaQueryLambda`, `s3[0] healthcare-data/production/…`, … */
  name: string;
  status: ExpectationStatus;
  expected?: unknown;
  actual?: unknown;
  /** One line saying what matched or what did not (and, when not observable, why). */
  message: string;
}

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  status: string;
  error?: string;
  cause?: string;
  output?: unknown;
  /** Epoch ms on the target's clock (virtual on embedded). */
  startDate: number;
  stopDate?: number;
  history: HistoryEvent[];
}

export interface ScenarioRunResult {
  scenario: { name: string; file: string; description?: string; tags: string[] };
  target: TargetName;
  outcome: "passed" | "failed" | "error";
  /** Harness error text (outcome "error"). */
  error?: string;
  /** The execution the expectations were checked against (the first one, for trigger scenarios). */
  execution?: ExecutionRecord;
  /** All executions the scenario started. */
  executions: ExecutionRecord[];
  /** The definition as deployed, for graphs. */
  definition?: StateMachineDefinition;
  expectations: ExpectationResult[];
  /** Wall-clock time the scenario took. */
  wallMs: number;
  /** Simulated execution time (stopDate - startDate of the execution). */
  simulatedMs: number;
}

export interface RunSummary {
  target: TargetName;
  results: ScenarioRunResult[];
  passed: number;
  failed: number;
  errors: number;
  wallMs: number;
  simulatedMs: number;
}

/** Receives progress and results; several may be active at once (console + junit + json + html). */
export interface Reporter {
  onRunStart?(info: { total: number; target: TargetName }): void;
  onScenarioStart?(scenario: { name: string; file: string }): void;
  onScenarioEnd?(result: ScenarioRunResult): void;
  /** Called once at the end; file reporters write their output here (atomically: never a half-written file). */
  onRunEnd(summary: RunSummary): Promise<void> | void;
}
