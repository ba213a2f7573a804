/**
 * Which scenario files a command line means: nothing (all of them), files, directories, globs, or scenario names.
 * Node 20 has no `fs.glob`, so globs (`*`, `**`, `?`) are matched here.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { nearest } from "./nearest";
import type { Scenario } from "./types";

/** The suffix that marks a scenario file. */
export const SCENARIO_SUFFIX = ".scenario.yaml";

/** Arguments that do not name anything, or names no loaded scenario has. */
export class ScenarioSelectionError extends Error {
  override readonly name = "ScenarioSelectionError";
  constructor(
    message: string,
    /** The command-line arguments at fault. */
    readonly args: string[],
  ) {
    super(message);
  }
}

export interface FindScenarioOptions {
  /** Base for relative arguments. */
  cwd: string;
  /** Where scenario files live (`scenarios/`); searched when no argument is given and for names. */
  scenariosDir: string;
}

export interface ScenarioSelection {
  /**
   * Every file to load (absolute, sorted, unique): those the arguments select, plus, when `names` is non-empty,
   * every scenario file under `scenariosDir` so the names can be matched.
   */
  files: string[];
  /** Files selected by path, directory or glob (absolute); all of `files` when no argument was given. */
  selectedFiles: string[];
  /** Arguments taken as scenario names, to match with {@link selectScenarios} once the files are loaded. */
  names: string[];
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const SKIPPED_DIRS = new Set(["node_modules"]);

/**
 * Regular expression for a glob over `/`-separated relative paths: `*` (within one segment), `?` (one character
 * except `/`) and `**` (any number of whole segments, including none).
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const segmentStart = i === 0 || glob[i - 1] === "/";
    if (c === "*" && glob[i + 1] === "*" && segmentStart && glob[i + 2] === "/") {
      re += "(?:[^/]+/)*";
      i += 2;
    } else if (c === "*" && glob[i + 1] === "*" && segmentStart && i + 2 === glob.length) {
      re += ".*";
      i += 1;
    } else if (c === "*") {
      re += "[^/]*";
      while (glob[i + 1] === "*") i++;
    } else if (c === "?") {
      re += "[^/]";
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

function isGlob(arg: string): boolean {
  return /[*?]/.test(arg);
}

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

/** Every file under `dir` (absolute), skipping `node_modules` and hidden directories. */
async function walk(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith(".")) out.push(...(await walk(full)));
    } else if (e.isFile()) {
      out.push(full);
    }
  }
  return out;
}

/** Every `*.scenario.yaml` under `dir`, recursively, sorted. */
export async function listScenarioFiles(dir: string): Promise<string[]> {
  return (await walk(dir)).filter((f) => f.endsWith(SCENARIO_SUFFIX)).sort();
}

async function kindOf(path: string): Promise<"file" | "dir" | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

async function matchGlob(arg: string, cwd: string): Promise<string[]> {
  const pattern = toPosix(arg);
  const segments = pattern.split("/");
  const firstGlob = segments.findIndex(isGlob);
  const baseText = segments.slice(0, firstGlob).join("/");
  const base = baseText === "" && pattern.startsWith("/") ? "/" : resolve(cwd, baseText || ".");
  const matcher = globToRegExp(segments.slice(firstGlob).join("/"));
  return (await walk(base))
    .filter((f) => f.endsWith(SCENARIO_SUFFIX) && matcher.test(toPosix(relative(base, f))))
    .sort();
}

function show(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * Resolves command-line arguments to scenario files. Each argument is, in this order: an existing file or
 * directory (relative to `cwd`, then to `scenariosDir`), a glob (only `*.scenario.yaml` files match), or a scenario
 * name (`[a-z0-9][a-z0-9-]*`, matched after loading). No arguments: every scenario under `scenariosDir`.
 * @throws ScenarioSelectionError naming every argument that selects nothing, with what exists.
 */
export async function findScenarioFiles(
  args: readonly string[],
  options: FindScenarioOptions,
): Promise<ScenarioSelection> {
  const scenariosDir = resolve(options.cwd, options.scenariosDir);
  const all = await listScenarioFiles(scenariosDir);
  if (args.length === 0) return { files: all, selectedFiles: all, names: [] };

  const selected = new Set<string>();
  const names: string[] = [];
  const problems: string[] = [];
  const bad: string[] = [];
  for (const arg of args) {
    if (isGlob(arg)) {
      const matches = await matchGlob(arg, options.cwd);
      if (matches.length === 0) {
        bad.push(arg);
        problems.push(`no ${SCENARIO_SUFFIX} file matches the glob \`${arg}\``);
      }
      matches.forEach((m) => selected.add(m));
      continue;
    }
    let found = false;
    for (const candidate of [resolve(options.cwd, arg), resolve(scenariosDir, arg)]) {
      const kind = await kindOf(candidate);
      if (kind === "file") {
        selected.add(candidate);
      } else if (kind === "dir") {
        const inside = await listScenarioFiles(candidate);
        if (inside.length === 0) {
          bad.push(arg);
          problems.push(`directory \`${arg}\` holds no ${SCENARIO_SUFFIX} file`);
        }
        inside.forEach((f) => selected.add(f));
      } else {
        continue;
      }
      found = true;
      break;
    }
    if (found) continue;
    if (NAME.test(arg)) {
      names.push(arg);
      continue;
    }
    bad.push(arg);
    const shown = all.map((f) => show(f, options.cwd));
    const near =
      nearest(arg, shown) ??
      nearest(
        arg,
        all.map((f) => relative(scenariosDir, f)),
      );
    problems.push(
      `\`${arg}\` is not a scenario file, directory, glob or scenario name` +
        (near === undefined ? "" : ` (did you mean \`${near}\`?)`),
    );
  }
  if (problems.length > 0) {
    const listing =
      all.length === 0
        ? `There are no ${SCENARIO_SUFFIX} files under ${show(scenariosDir, options.cwd)}.`
        : `Scenario files under ${show(scenariosDir, options.cwd)}:\n${all.map((f) => `  ${show(f, options.cwd)}`).join("\n")}`;
    throw new ScenarioSelectionError([...problems, listing].join("\n"), bad);
  }
  const selectedFiles = [...selected].sort();
  const files = names.length > 0 ? [...new Set([...selectedFiles, ...all])].sort() : selectedFiles;
  return { files, selectedFiles, names };
}

/**
 * The loaded scenarios a selection means: those from selected files plus those named.
 * @throws ScenarioSelectionError for names no loaded scenario has, listing the names that exist.
 */
export function selectScenarios(scenarios: readonly Scenario[], selection: ScenarioSelection): Scenario[] {
  const existing = scenarios.map((s) => s.name);
  const unknown = selection.names.filter((n) => !existing.includes(n));
  if (unknown.length > 0) {
    const lines = unknown.map((n) => {
      const near = nearest(n, existing);
      return `no scenario is named \`${n}\`${near === undefined ? "" : ` (did you mean \`${near}\`?)`}`;
    });
    const listing = existing.length === 0 ? "There are no scenarios." : `Scenarios: ${[...existing].sort().join(", ")}`;
    throw new ScenarioSelectionError([...lines, listing].join("\n"), unknown);
  }
  const files = new Set(selection.selectedFiles);
  const names = new Set(selection.names);
  return scenarios.filter((s) => files.has(s.file) || names.has(s.name));
}
