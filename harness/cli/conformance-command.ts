import { runConformance } from "../engine/conformance";
import { UsageError, type CliIO } from "./io";

/** `conformance [dir] [--json]`: runs a corpus directory; closing line `N passed, M failed`. */
export async function conformanceCommand(
  args: { dir?: string; json?: boolean; verbose?: boolean },
  io: CliIO,
): Promise<number> {
  const dir = args.dir ?? "../shared/conformance/visible";
  let summary;
  try {
    summary = await runConformance(dir, (o, i, n) => {
      if (!args.json && io.color && i % 50 === 0) io.stderr(`\r${i}/${n}…`);
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.json) {
    io.stdout(
      JSON.stringify({
        passed: summary.passed,
        failed: summary.failed,
        byFeature: summary.byFeature,
        deterministicJsonPath: summary.deterministicJsonPath,
        deterministicJsonata: summary.deterministicJsonata,
        cases: summary.outcomes.map((o) => ({
          id: o.id,
          file: o.file,
          passed: o.passed,
          reason: o.reason,
          expected: o.expected,
          actual: o.actual,
        })),
      }) + "\n",
    );
    return summary.failed === 0 ? 0 : 1;
  }
  if (io.color) io.stderr("\r");
  for (const o of summary.outcomes.filter((x) => !x.passed)) {
    io.stdout(`✗ ${o.id}\n    ${o.file}\n    ${o.reason}\n`);
    io.stdout(`    expected: ${JSON.stringify(o.expected).slice(0, 400)}\n`);
    io.stdout(`    actual:   ${JSON.stringify(o.actual).slice(0, 400)}\n`);
  }
  const pct = ([p, t]: [number, number]) => (t === 0 ? "n/a" : `${p}/${t} (${((100 * p) / t).toFixed(1)}%)`);
  io.stdout(`\nper feature:\n`);
  for (const [f, [p, t]] of Object.entries(summary.byFeature).sort()) {
    if (p !== t || args.verbose) io.stdout(`  ${f.padEnd(40)} ${p}/${t}\n`);
  }
  io.stdout(`  (features not listed pass every case)\n`);
  io.stdout(`deterministic JSONPath cases: ${pct(summary.deterministicJsonPath)}\n`);
  io.stdout(`deterministic JSONata cases:  ${pct(summary.deterministicJsonata)}\n`);
  io.stdout(`${summary.passed} passed, ${summary.failed} failed\n`);
  return summary.failed === 0 ? 0 : 1;
}
