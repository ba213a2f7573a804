import { existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Where the AWS-recorded conformance corpus is for tests: `TESTBED_CONFORMANCE_DIR`, else `../shared/conformance/visible`
 * beside the repository (as on the project's CI). The corpus is not public, so elsewhere (e.g. GitHub Actions) the
 * corpus suites skip with the reason in their title — unless `TESTBED_REQUIRE_CORPUS=1` (set by `.ci/run`), where a
 * missing corpus fails the run instead.
 */
export const CORPUS_DIR =
  process.env.TESTBED_CONFORMANCE_DIR ?? resolve(__dirname, "..", "..", "..", "shared", "conformance", "visible");
export const CORPUS_PRESENT = existsSync(CORPUS_DIR);

/** `describe` for suites that need the corpus: runs, fails loudly (required), or skips with the reason in the title. */
export function describeCorpus(title: string, fn: () => void): void {
  if (CORPUS_PRESENT) {
    describe(title, fn);
  } else if (process.env.TESTBED_REQUIRE_CORPUS === "1") {
    describe(title, () => {
      it("needs the conformance corpus", () => {
        throw new Error(
          `conformance corpus not found at ${CORPUS_DIR} (TESTBED_REQUIRE_CORPUS=1): put ../shared beside the repository or set TESTBED_CONFORMANCE_DIR`,
        );
      });
    });
  } else {
    console.warn(`conformance corpus not found at ${CORPUS_DIR}: skipping "${title}"`);
    describe.skip(`${title} (skipped: conformance corpus not found at ${CORPUS_DIR})`, fn);
  }
}
