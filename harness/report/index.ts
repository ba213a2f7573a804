/**
 * Scenario reporters: console progress and results, JUnit XML, JSON, and a self-contained HTML report with the
 * execution graph. `createReporters` is the entry point for the CLI; the renderers are exported for tools that
 * re-render a saved JSON report.
 */
export { createReporters, ReporterSpecError, type ReporterSpec } from "./create-reporters";
export { ConsoleReporter, type ConsoleReporterOptions, type ReporterIo } from "./console-reporter";
export { JunitReporter, renderJunit } from "./junit-reporter";
export { JsonReporter, parseRunSummaryJson, renderRunSummaryJson, RunSummaryJsonError } from "./json-reporter";
export { HtmlReporter, renderHtmlReport } from "./html-reporter";
export { renderGraphSvg } from "./graph-svg";
export { layoutDefinition } from "./graph-layout";
export { traceExecution, type ExecutionTrace } from "./execution-trace";
export { buildTimeline, foldRepeats, renderTimeline, type TimelineLine } from "./timeline";
export { ReportWriteError } from "./atomic-write";
