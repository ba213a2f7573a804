import type { Scenario } from "./types";

/** A loaded-scenario value for tests: the defaults the loader fills in, overridden by `over`. */
export function testScenario(name: string, over: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    name,
    file: `/virtual/${name}.scenario.yaml`,
    tags: [],
    deploy: {},
    start: { kind: "input", input: {} },
    faults: [],
    mocks: {},
    actions: [],
    expect: {},
    ...over,
  };
}
