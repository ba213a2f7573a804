/**
 * `npm run bench [-- --json] [-- --seconds N] [-- --only engine,jsonata,...]`: throughput benchmarks.
 * Prints one line per benchmark (JSON with --json).
 */
import { parseArgs } from "node:util";
import { benchEngine } from "./engine-bench";
import { PIPELINE_SHAPED_JSONATA, PIPELINE_SHAPED_JSONPATH } from "./pipeline-shaped";

// The AWS SDK prints a multi-line warning on Node 20 about releases after January 2027; the README says it once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

interface BenchResult {
  bench: string;
  executionsPerSecond: number;
  [k: string]: unknown;
}

const BENCHES: Record<string, (seconds: number) => Promise<BenchResult>> = {
  engine: async (s) => ({ bench: "engine", ...(await benchEngine(PIPELINE_SHAPED_JSONPATH, s)) }),
  "engine-jsonata": async (s) => ({ bench: "engine-jsonata", ...(await benchEngine(PIPELINE_SHAPED_JSONATA, s)) }),
  e2e: async (s) => ({ bench: "e2e", ...(await (await import("./e2e-bench")).benchE2e(s)) }),
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { json: { type: "boolean" }, seconds: { type: "string" }, only: { type: "string" } },
    allowPositionals: false,
  });
  const seconds = values.seconds ? Number(values.seconds) : 3;
  if (!(seconds > 0)) {
    process.stderr.write(`error: --seconds must be a positive number\n`);
    return 2;
  }
  const names = values.only ? values.only.split(",") : Object.keys(BENCHES);
  for (const n of names) {
    const bench = BENCHES[n];
    if (!bench) {
      process.stderr.write(`error: unknown benchmark '${n}' (known: ${Object.keys(BENCHES).join(", ")})\n`);
      return 2;
    }
    if (!values.json) process.stderr.write(`running ${n} for ${seconds}s…\n`);
    const r = await bench(seconds);
    if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
    else {
      const extra = Object.entries(r)
        .filter(([k]) => k !== "bench" && k !== "executionsPerSecond")
        .map(([k, v]) => `${k}=${typeof v === "number" ? Math.round(v * 100) / 100 : String(v)}`)
        .join(" ");
      process.stdout.write(
        `${r.bench.padEnd(16)} ${String(r.executionsPerSecond).padStart(7)} executions/s   ${extra}\n`,
      );
    }
  }
  return 0;
}

main().then(
  (c) => (process.exitCode = c),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
