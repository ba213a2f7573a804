import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findScenarioFiles,
  globToRegExp,
  ScenarioSelectionError,
  selectScenarios,
  type ScenarioSelection,
} from "./discover";
import type { Scenario } from "./types";

let root: string;
let scenarios: string;
const files = [
  "happy.scenario.yaml",
  "retry/throttled.scenario.yaml",
  "retry/deep/again.scenario.yaml",
  "failure.scenario.yaml",
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "scenario-discover-"));
  scenarios = join(root, "scenarios");
  for (const f of files) {
    mkdirSync(join(scenarios, f, ".."), { recursive: true });
    writeFileSync(join(scenarios, f), "version: 1\n");
  }
  // Not scenarios: fixtures, the schema, anything under node_modules or a hidden directory.
  mkdirSync(join(scenarios, "fixtures"));
  writeFileSync(join(scenarios, "fixtures", "patients.csv"), "a\n");
  writeFileSync(join(scenarios, "scenario.schema.json"), "{}");
  mkdirSync(join(scenarios, "node_modules", "x"), { recursive: true });
  writeFileSync(join(scenarios, "node_modules", "x", "dep.scenario.yaml"), "");
  mkdirSync(join(scenarios, ".cache"));
  writeFileSync(join(scenarios, ".cache", "old.scenario.yaml"), "");
  mkdirSync(join(root, "empty"));
  writeFileSync(join(root, "loose.yaml"), "version: 1\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const opts = () => ({ cwd: root, scenariosDir: "scenarios" });
const abs = (...rel: string[]) => rel.map((r) => join(scenarios, r));

describe("findScenarioFiles", () => {
  it("selects every *.scenario.yaml under the scenarios directory, recursively and sorted, when given nothing", async () => {
    const all = abs(
      "failure.scenario.yaml",
      "happy.scenario.yaml",
      "retry/deep/again.scenario.yaml",
      "retry/throttled.scenario.yaml",
    );
    expect(await findScenarioFiles([], opts())).toEqual({ files: all, selectedFiles: all, names: [] });
  });

  it("takes existing files (relative to cwd, then to the scenarios directory) and directories", async () => {
    const s = await findScenarioFiles(
      ["scenarios/happy.scenario.yaml", "failure.scenario.yaml", "scenarios/retry", "loose.yaml"],
      opts(),
    );
    const expected = [
      join(root, "loose.yaml"),
      ...abs(
        "failure.scenario.yaml",
        "happy.scenario.yaml",
        "retry/deep/again.scenario.yaml",
        "retry/throttled.scenario.yaml",
      ),
    ].sort();
    expect(s).toEqual({ files: expected, selectedFiles: expected, names: [] });
  });

  it.each([
    ["scenarios/*.scenario.yaml", ["failure.scenario.yaml", "happy.scenario.yaml"]],
    [
      "scenarios/**/*.scenario.yaml",
      [
        "failure.scenario.yaml",
        "happy.scenario.yaml",
        "retry/deep/again.scenario.yaml",
        "retry/throttled.scenario.yaml",
      ],
    ],
    ["scenarios/retry/**", ["retry/deep/again.scenario.yaml", "retry/throttled.scenario.yaml"]],
    ["scenarios/**/a*", ["retry/deep/again.scenario.yaml"]],
    ["scenarios/?appy*", ["happy.scenario.yaml"]],
    ["**/throttled.*", ["retry/throttled.scenario.yaml"]],
  ])("expands the glob %s (only scenario files match)", async (glob, expected) => {
    const s = await findScenarioFiles([glob], opts());
    expect(s.selectedFiles).toEqual(abs(...expected));
    expect(s.names).toEqual([]);
  });

  it("expands an absolute glob", async () => {
    const s = await findScenarioFiles([join(scenarios, "retry", "*.scenario.yaml")], opts());
    expect(s.selectedFiles).toEqual(abs("retry/throttled.scenario.yaml"));
  });

  it("keeps scenario names for later, and loads every file so they can be found", async () => {
    const s = await findScenarioFiles(["happy-path", "scenarios/failure.scenario.yaml"], opts());
    expect(s.names).toEqual(["happy-path"]);
    expect(s.selectedFiles).toEqual(abs("failure.scenario.yaml"));
    expect(s.files).toEqual(
      abs(
        "failure.scenario.yaml",
        "happy.scenario.yaml",
        "retry/deep/again.scenario.yaml",
        "retry/throttled.scenario.yaml",
      ),
    );
  });

  it("refuses arguments that select nothing, naming each and listing what exists", async () => {
    const error = await findScenarioFiles(
      ["scenarios/hapy.scenario.yaml", "nothing/*.yaml", "empty", "Not A Name"],
      opts(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioSelectionError);
    const e = error as ScenarioSelectionError;
    expect(e.name).toBe("ScenarioSelectionError");
    expect(e.args).toEqual(["scenarios/hapy.scenario.yaml", "nothing/*.yaml", "empty", "Not A Name"]);
    expect(e.message.split("\n")).toEqual([
      "`scenarios/hapy.scenario.yaml` is not a scenario file, directory, glob or scenario name (did you mean `scenarios/happy.scenario.yaml`?)",
      "no .scenario.yaml file matches the glob `nothing/*.yaml`",
      "directory `empty` holds no .scenario.yaml file",
      "`Not A Name` is not a scenario file, directory, glob or scenario name",
      "Scenario files under scenarios:",
      "  scenarios/failure.scenario.yaml",
      "  scenarios/happy.scenario.yaml",
      "  scenarios/retry/deep/again.scenario.yaml",
      "  scenarios/retry/throttled.scenario.yaml",
    ]);
  });

  it("says so when the scenarios directory has no scenarios", async () => {
    const error = (await findScenarioFiles(["x.yaml"], { cwd: root, scenariosDir: "empty" }).catch(
      (e: unknown) => e,
    )) as ScenarioSelectionError;
    expect(error.message).toContain("There are no .scenario.yaml files under empty.");
    expect(await findScenarioFiles([], { cwd: root, scenariosDir: "empty" })).toEqual({
      files: [],
      selectedFiles: [],
      names: [],
    });
  });
});

describe("selectScenarios", () => {
  const scenario = (name: string, file: string) => ({ name, file }) as Scenario;
  let loaded: Scenario[];
  beforeAll(() => {
    loaded = [
      scenario("happy-path", join(scenarios, "happy.scenario.yaml")),
      scenario("failure", join(scenarios, "failure.scenario.yaml")),
      scenario("throttled", join(scenarios, "retry/throttled.scenario.yaml")),
    ];
  });

  it("keeps the scenarios of selected files and the named ones, in load order", () => {
    const selection: ScenarioSelection = {
      files: loaded.map((s) => s.file),
      selectedFiles: [join(scenarios, "retry/throttled.scenario.yaml")],
      names: ["happy-path"],
    };
    expect(selectScenarios(loaded, selection).map((s) => s.name)).toEqual(["happy-path", "throttled"]);
  });

  it("refuses names no scenario has, suggesting the nearest and listing all", () => {
    const selection: ScenarioSelection = { files: [], selectedFiles: [], names: ["hapy-path", "zzz"] };
    let error: unknown;
    try {
      selectScenarios(loaded, selection);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioSelectionError);
    expect((error as ScenarioSelectionError).args).toEqual(["hapy-path", "zzz"]);
    expect((error as Error).message.split("\n")).toEqual([
      "no scenario is named `hapy-path` (did you mean `happy-path`?)",
      "no scenario is named `zzz`",
      "Scenarios: failure, happy-path, throttled",
    ]);
  });
});

describe("globToRegExp", () => {
  it.each([
    ["*.yaml", "a.yaml", true],
    ["*.yaml", "d/a.yaml", false],
    ["**/*.yaml", "a.yaml", true],
    ["**/*.yaml", "d/e/a.yaml", true],
    ["d/**/a.yaml", "d/a.yaml", true],
    ["d/**/a.yaml", "d/x/y/a.yaml", true],
    ["d/**/a.yaml", "dd/a.yaml", false],
    ["d/**", "d/x/y", true],
    ["a?c", "abc", true],
    ["a?c", "a/c", false],
    ["a.c", "abc", false],
    ["x**y", "x/y", false],
    ["x**y", "xaby", true],
    ["(a)+[b]", "(a)+[b]", true],
  ])("%s against %s → %s", (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});
