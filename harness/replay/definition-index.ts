/**
 * What the importer needs to know about a definition: every state (nested ones included) with its type, its Task
 * resource, and the Map/Parallel scopes around it — to check a history against the definition and to judge whether
 * a replay can reproduce the order of events (concurrent branches and iterations interleave differently on every
 * run, and mocked responses are counted per state across them).
 */
import type { StateMachineDefinition } from "../engine/types";

/** One state of a definition. */
export interface IndexedState {
  name: string;
  type: string;
  /** Task `Resource`. */
  resource?: string;
  /** Enclosing Map/Parallel states, outermost first; empty at the top level. */
  scopes: string[];
}

/** One Map or Parallel state. */
export interface IndexedScope {
  name: string;
  type: "Map" | "Parallel";
  /** Map: MaxConcurrency when it is a number (0 = unlimited); undefined when it is computed (a path or JSONata). */
  maxConcurrency?: number;
  /** Map: runs as child executions (distributed), whose events are not in the parent's history. */
  distributed: boolean;
  /** Parallel: number of branches. */
  branches: number;
}

export interface DefinitionIndex {
  states: Map<string, IndexedState>;
  scopes: Map<string, IndexedScope>;
  /** State names that occur more than once (in different branches); their mocked responses share one counter. */
  duplicates: Set<string>;
  queryLanguage: "JSONPath" | "JSONata";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Indexes a parsed definition. */
export function indexDefinition(definition: StateMachineDefinition): DefinitionIndex {
  const states = new Map<string, IndexedState>();
  const scopes = new Map<string, IndexedScope>();
  const duplicates = new Set<string>();
  const visit = (machine: unknown, enclosing: string[]) => {
    if (!isRecord(machine) || !isRecord(machine["States"])) return;
    for (const [name, raw] of Object.entries(machine["States"])) {
      if (!isRecord(raw)) continue;
      const type = String(raw["Type"]);
      if (states.has(name)) duplicates.add(name);
      states.set(name, {
        name,
        type,
        ...(typeof raw["Resource"] === "string" ? { resource: raw["Resource"] } : {}),
        scopes: enclosing,
      });
      if (type === "Parallel" && Array.isArray(raw["Branches"])) {
        scopes.set(name, { name, type, distributed: false, branches: raw["Branches"].length });
        for (const b of raw["Branches"]) visit(b, [...enclosing, name]);
      } else if (type === "Map") {
        const processor = raw["ItemProcessor"] ?? raw["Iterator"];
        const config = isRecord(processor) ? processor["ProcessorConfig"] : undefined;
        const mc = raw["MaxConcurrency"];
        scopes.set(name, {
          name,
          type,
          ...(typeof mc === "number"
            ? { maxConcurrency: mc }
            : mc === undefined && !raw["MaxConcurrencyPath"]
              ? { maxConcurrency: 0 }
              : {}),
          distributed: isRecord(config) && config["Mode"] === "DISTRIBUTED",
          branches: 1,
        });
        visit(processor, [...enclosing, name]);
      }
    }
  };
  visit(definition, []);
  return {
    states,
    scopes,
    duplicates,
    queryLanguage: definition.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath",
  };
}
