import type { Clock } from "../common/clock";
import type { HistoryEvent } from "./types";

/**
 * Records AWS-shaped history events. Ids are global and increasing per execution; `previousEventId` points at the
 * event that caused this one (the previous event in the same branch of control), as in AWS histories. Which event
 * that is follows AWS's recordings, not a simple chain: some events are "side" events that the next one skips
 * (`MapIterationSucceeded`, `MapStateSucceeded`, `ParallelStateSucceeded`, `…StateAborted`), and a Map's iterations
 * chain per worker. The interpreter decides; see `harness/engine/history-aws.test.ts` for the recorded rules.
 */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  /** Called synchronously after each event is recorded (scenario actions, live progress). */
  listener: ((event: HistoryEvent) => void) | undefined;
  constructor(private readonly clock: Clock) {}

  /** Appends an event and returns its id. `details` is keyed by the AWS field name (e.g. `stateEnteredEventDetails`). */
  add(type: string, previousEventId: number, details?: Record<string, unknown>): number {
    const id = this.events.length + 1;
    const event: HistoryEvent = { timestamp: new Date(this.clock.now()), type, id, previousEventId };
    if (details) Object.assign(event, details);
    this.events.push(event);
    this.listener?.(event);
    return id;
  }

  get lastId(): number {
    return this.events.length;
  }
}

/** The AWS name of a state's entered/exited event, e.g. `Task` → `TaskStateEntered`. */
export function stateEventType(stateType: string, phase: "Entered" | "Exited"): string {
  return `${stateType}State${phase}`;
}
