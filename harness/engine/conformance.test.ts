import { CORPUS_DIR, describeCorpus } from "./test-corpus";
import { runConformance, type ConformanceSummary } from "./conformance";

const CORPUS = CORPUS_DIR;

/**
 * Cases known to fail, with the reason. Empty today; a case may only be added here with a reason that names the AWS
 * behaviour we do not reproduce (never to make the suite green).
 */
const KNOWN_FAILURES: Record<string, string> = {};

jest.setTimeout(120_000);

describeCorpus("conformance corpus recorded against AWS", () => {
  let summary: ConformanceSummary;
  beforeAll(async () => {
    summary = await runConformance(CORPUS);
  });

  it("runs every case", () => {
    expect(summary.outcomes.length).toBeGreaterThanOrEqual(500);
  });

  it("passes every case except the documented known failures", () => {
    const unexpected = summary.outcomes
      .filter((o) => !o.passed && !(o.id in KNOWN_FAILURES))
      .map(
        (o) =>
          `${o.id}: ${o.reason}\n  expected ${JSON.stringify(o.expected).slice(0, 300)}\n  actual   ${JSON.stringify(o.actual).slice(0, 300)}`,
      );
    expect(unexpected).toEqual([]);
  });

  it("meets the 95% target on deterministic JSONPath and JSONata cases", () => {
    const [p, t] = summary.deterministicJsonPath;
    const [jp, jt] = summary.deterministicJsonata;
    expect(p / t).toBeGreaterThanOrEqual(0.95);
    expect(jp / jt).toBeGreaterThanOrEqual(0.95);
  });
});
