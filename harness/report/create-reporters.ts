import type { Reporter } from "../runner/types";
import { ConsoleReporter, type ReporterIo } from "./console-reporter";
import { HtmlReporter } from "./html-reporter";
import { JsonReporter } from "./json-reporter";
import { JunitReporter } from "./junit-reporter";

/** One requested report: its kind and, for file reports, where to write it. */
export interface ReporterSpec {
  kind: "console" | "junit" | "json" | "html";
  /** File path; required for `junit` and `html`, optional for `json` (stdout when absent), unused for `console`. */
  output?: string;
}

/** A report was requested in a way that cannot work; says which one and what to pass instead. */
export class ReporterSpecError extends Error {
  override readonly name = "ReporterSpecError";
}

/**
 * The reporters for a run, in the order given. Checked up front (before any scenario runs) so a missing output path
 * is reported immediately, not after a ten-minute run.
 */
export function createReporters(specs: ReporterSpec[], io: ReporterIo): Reporter[] {
  const kinds = new Set(["console", "junit", "json", "html"]);
  const seenOutputs = new Map<string, number>();
  return specs.map((spec, i) => {
    const where = `report #${i + 1} (${String(spec.kind)})`;
    if (!kinds.has(spec.kind)) {
      throw new ReporterSpecError(`${where}: unknown kind '${String(spec.kind)}'; use console, junit, json or html`);
    }
    if (spec.output !== undefined) {
      if (spec.output.trim() === "") throw new ReporterSpecError(`${where}: output path is empty`);
      const prev = seenOutputs.get(spec.output);
      if (prev !== undefined) {
        throw new ReporterSpecError(
          `${where}: output ${spec.output} is also used by report #${prev}; give each its own file`,
        );
      }
      seenOutputs.set(spec.output, i + 1);
    }
    switch (spec.kind) {
      case "console":
        if (spec.output !== undefined)
          throw new ReporterSpecError(`${where}: the console report writes to the terminal; drop the output path`);
        return new ConsoleReporter(io);
      case "junit":
        if (spec.output === undefined)
          throw new ReporterSpecError(`${where}: needs an output file, e.g. reports/junit.xml`);
        return new JunitReporter(spec.output);
      case "json":
        return new JsonReporter(spec.output, (t) => io.stdout(t));
      case "html":
        if (spec.output === undefined)
          throw new ReporterSpecError(`${where}: needs an output file, e.g. reports/report.html`);
        return new HtmlReporter(spec.output);
    }
  });
}
