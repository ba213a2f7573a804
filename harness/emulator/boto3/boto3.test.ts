import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";

/**
 * boto3 (botocore: its own protocol code, checksum defaults and addressing rules, different from the SDK v3 the
 * harness uses) against the emulators. `boto3_suite.py` makes the calls the pipeline and its users make, the way boto3
 * makes them by default, and prints one JSON line per check; each check's expectation is what AWS does, so a failure
 * here is an incompatibility of an emulator. Runs when `python3` (or `$BOTO3_SUITE_PYTHON`) imports boto3 (CI installs
 * Debian's `python3-boto3`); otherwise the suite reports itself skipped, with the reason in its title. The script is
 * version-aware (botocore 1.29 speaks awsQuery to SQS and sends no default checksums; current ones awsJson1_0 and
 * CRC32): it must pass under both, and its first record names the botocore version and the features it assumed.
 */

/** One line of the script's output. */
interface CheckResult {
  service: string;
  check: string;
  ok: boolean;
  detail: string;
}

const SERVICES = ["s3", "sqs", "sns", "lambda", "athena", "stepfunctions"] as const;
const SCRIPT = join(__dirname, "boto3_suite.py");
const PYTHON = process.env.BOTO3_SUITE_PYTHON || "python3";
/** Python start-up plus ~100 checks take ~1.5 s here; generous for two busy CI cores. */
const SUITE_TIMEOUT_MS = 60_000;

/** The host's environment without any AWS setting or config file, so that nothing but the suite configures boto3. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
  };
}

/** `boto3 1.43.11 / botocore 1.43.11`, or why the suite cannot run. */
function probe(): { versions: string } | { skip: string } {
  try {
    const out = execFileSync(
      PYTHON,
      ["-c", "import boto3, botocore; print(f'boto3 {boto3.__version__} / botocore {botocore.__version__}')"],
      { encoding: "utf8", env: pythonEnv(), timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] },
    );
    return { versions: out.trim() };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") return { skip: `${PYTHON} not found` };
    const last = (err.stderr ?? "").trim().split("\n").pop() ?? "";
    return { skip: `${PYTHON} cannot import boto3${last ? ` (${last})` : ""}` };
  }
}

/** Runs the script against `endpoint` without blocking this process (the edge answers from it). */
function runSuite(endpoint: string): Promise<{ results: CheckResult[]; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, endpoint], { env: pythonEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), SUITE_TIMEOUT_MS - 5_000);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      const results: CheckResult[] = [];
      for (const line of Buffer.concat(out).toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          results.push(JSON.parse(line) as CheckResult);
        } catch {
          results.push({ service: "suite", check: "output line is JSON", ok: false, detail: line.slice(0, 300) });
        }
      }
      resolve({ results, code, stderr });
    });
  });
}

const probed = probe();
const title =
  "versions" in probed
    ? `boto3 conformance (${probed.versions}) against the emulators`
    : `boto3 conformance against the emulators (skipped: ${probed.skip})`;

if ("skip" in probed && process.env.TESTBED_REQUIRE_BOTO3 === "1") {
  // `.ci/run` installs boto3 and sets this: on the project's CI the suite can never skip.
  describe("boto3 conformance against the emulators", () => {
    it("runs (TESTBED_REQUIRE_BOTO3=1)", () => {
      throw new Error(`${probed.skip}: install python3-boto3 or point BOTO3_SUITE_PYTHON at a python that has boto3`);
    });
  });
} else if ("skip" in probed) {
  // A fully skipped file shows no titles in jest's summary; say it where it is seen.
  console.warn(`${title}: install it (Debian: apt-get install -y python3-boto3) or set BOTO3_SUITE_PYTHON`);
}

("versions" in probed ? describe : describe.skip)(title, () => {
  let edge: StartedEdge | undefined;
  let run: { results: CheckResult[]; code: number | null; stderr: string };

  beforeAll(async () => {
    edge = await startEmulators();
    run = await runSuite(edge.endpoint);
  }, SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await edge?.close();
  });

  it("the script ran to the end and printed only check records", () => {
    // Exit 0: every check passed; 1: some failed (the per-service tests say which). Anything else is a crash.
    expect({ code: run.code, stderr: run.code === 0 || run.code === 1 ? "" : run.stderr }).toEqual({
      code: run.results.every((r) => r.ok) ? 0 : 1,
      stderr: "",
    });
    const malformed = run.results.filter(
      (r) =>
        typeof r.service !== "string" ||
        typeof r.check !== "string" ||
        typeof r.ok !== "boolean" ||
        typeof r.detail !== "string",
    );
    expect(malformed).toEqual([]);
    expect([...new Set(run.results.map((r) => r.service))].sort()).toEqual([...SERVICES].sort());
    // The script judged by the same botocore the probe found (the first record names it and its features).
    const botocore = "versions" in probed ? /botocore (\S+)/.exec(probed.versions)?.[1] : undefined;
    expect(run.results[0]?.detail).toContain(`[botocore ${botocore}: `);
  });

  it.each(SERVICES)("%s: every boto3 check passes", (service) => {
    const mine = run.results.filter((r) => r.service === service);
    expect(mine.length).toBeGreaterThan(5);
    expect(mine.filter((r) => !r.ok).map((r) => `${r.check} — ${r.detail}`)).toEqual([]);
  });
});
