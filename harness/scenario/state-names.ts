/**
 * State names of a state machine definition, the vocabulary scenarios use in `mocks`, `retries`, `path`, … .
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Every state name of a definition (parsed JSON), including those inside Parallel branches and Map processors,
 * in definition order. Scenario paths and mocks may name any of them.
 */
export function stateNamesOf(definition: unknown): string[] {
  const names: string[] = [];
  const visit = (machine: unknown) => {
    if (!isRecord(machine) || !isRecord(machine["States"])) return;
    for (const [name, state] of Object.entries(machine["States"])) {
      names.push(name);
      if (!isRecord(state)) continue;
      if (Array.isArray(state["Branches"])) state["Branches"].forEach(visit);
      visit(state["Iterator"]);
      visit(state["ItemProcessor"]);
    }
  };
  visit(definition);
  return [...new Set(names)];
}
