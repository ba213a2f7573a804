/**
 * Execution histories recorded against AWS, replayed on our engine: event types, ids and `previousEventId` must be
 * AWS's. Fixtures (./fixtures/aws-histories, see its README for sources and license) are LocalStack's AWS-validated
 * snapshots reduced to `{ id, type, previousEventId }` (plus `evaluationFailedEventDetails`, which holds no
 * placeholders). One or two per rule the interpreter implements:
 * - retry: a retried Map/Parallel records no `…StateFailed` between attempts;
 * - evaluation-failed: JSONata errors are recorded as `EvaluationFailed` (and, in a Map, `MapStateFailed`);
 * - map-chain / distributed-map / parallel: how iterations, branches and the group's end events chain;
 * - map-fields: which Map fields are read before / after `MapStateStarted`;
 * - aborts: what a failing iteration/branch does to its siblings (`MapIterationAborted`, `TaskStateAborted`).
 *
 * Where LocalStack masked the ids of concurrent Parallel branch events (`id: null`), only the recorded ids are
 * compared and the masked events' types must occur among ours. Where AWS's own order is wall-clock order
 * (`unordered`), those events are compared as a multiset of (type, type of the previous event).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VirtualClock } from "../common/clock";
import { Engine } from "./engine";
import { StatesError } from "./errors";
import { InMemoryIntegrations } from "./integrations";
import type { HistoryEvent, StateMachineDefinition } from "./types";

interface RecordedEvent {
  id: number | null;
  type: string;
  previousEventId: number | null;
  evaluationFailedEventDetails?: Record<string, unknown>;
}

interface Fixture {
  rule: string;
  why: string;
  source: { test: string; snapshot: string; snapshotKey: string; commit: string };
  definition: StateMachineDefinition;
  input: unknown;
  /** How `lambda:invoke` answers: fail with this error, or never answer ("hang", so that TimeoutSeconds fires). */
  tasks?: { "lambda:invoke": { error: string; cause: string } | "hang" };
  unordered?: { from: number; to: number; why: string };
  events: RecordedEvent[];
}

const DIR = join(__dirname, "fixtures", "aws-histories");
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ""), fixture: JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture }));

/** A virtual clock that does not wait for in-memory task work, so a task that never answers can time out. */
class UnheldClock extends VirtualClock {
  override hold<T>(work: Promise<T>): Promise<T> {
    return work;
  }
}

async function run(fx: Fixture): Promise<HistoryEvent[]> {
  const clock = new UnheldClock(Date.UTC(2024, 0, 1));
  const integrations = new InMemoryIntegrations();
  const lambda = fx.tasks?.["lambda:invoke"];
  if (lambda === "hang") integrations.on("lambda:invoke", () => new Promise(() => {}));
  else if (lambda) {
    integrations.on("lambda:invoke", () => {
      throw new StatesError(lambda.error, lambda.cause);
    });
  }
  const engine = new Engine({ clock, seed: 1, integrations: integrations.resolve });
  const { execution } = await engine.run(fx.definition, { input: fx.input, stateMachineName: "HistoryFixture" });
  return execution.events;
}

const line = (id: number | null, prev: number | null, type: string) => `${id}<${prev}:${type}`;

describe.each(fixtures)("AWS history $name", ({ fixture: fx }) => {
  it(`${fx.rule}: ${fx.why}`, async () => {
    const ours = await run(fx);
    const byId = new Map(ours.map((e) => [e.id, e]));
    const inUnordered = (id: number) => fx.unordered !== undefined && id >= fx.unordered.from && id <= fx.unordered.to;

    // Recorded ids: exactly AWS's type and previousEventId.
    const exact = fx.events.filter((e): e is RecordedEvent & { id: number } => e.id !== null && !inUnordered(e.id));
    expect(
      exact.map((e) => {
        const o = byId.get(e.id);
        return o ? line(o.id, o.previousEventId, o.type) : `${e.id}: missing`;
      }),
    ).toEqual(exact.map((e) => line(e.id, e.previousEventId, e.type)));
    for (const e of exact) {
      if (e.evaluationFailedEventDetails) {
        expect(byId.get(e.id)).toMatchObject({ evaluationFailedEventDetails: e.evaluationFailedEventDetails });
      }
    }

    // Events AWS recorded in wall-clock order: the same events, each after the same kind of event.
    if (fx.unordered) {
      const { from, to } = fx.unordered;
      const typeOf = (events: Array<{ id: number | null; type: string }>, id: number | null) =>
        events.find((e) => e.id === id)?.type ?? "none";
      const shape = (events: Array<{ id: number | null; type: string; previousEventId: number | null }>) =>
        events
          .filter((e) => e.id !== null && e.id >= from && e.id <= to)
          .map((e) => `${e.type} after ${typeOf(events, e.previousEventId)}`)
          .sort();
      expect(shape(ours)).toEqual(shape(fx.events));
    }

    // Masked ids: their types occur among our other events; nothing else may be missing or extra.
    const masked = fx.events.filter((e) => e.id === null).map((e) => e.type);
    const matched = new Set(fx.events.map((e) => e.id));
    const rest = ours.filter((e) => !matched.has(e.id)).map((e) => e.type);
    for (const type of masked) {
      const i = rest.indexOf(type);
      expect(i).toBeGreaterThanOrEqual(0);
      rest.splice(i, 1);
    }
    if (masked.length === 0) expect(ours).toHaveLength(fx.events.length);
  });
});

describe("fixtures", () => {
  it("cover every rule and name their LocalStack source", () => {
    expect(new Set(fixtures.map((f) => f.fixture.rule))).toEqual(
      new Set(["retry", "evaluation-failed", "map-chain", "distributed-map", "map-fields", "parallel", "aborts"]),
    );
    for (const { fixture } of fixtures) {
      expect(fixture.source.commit).toBe("8b9a79f05846835cf4dff63ab7eefdde9df83783");
      expect(fixture.source.snapshotKey.startsWith(`${fixture.source.test}::`)).toBe(true);
    }
  });
});
