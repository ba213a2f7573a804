/**
 * `npm run emulators [-- --port 4566] [--real-time]`: the edge with every emulator, standalone, until Ctrl-C.
 */
import { parseArgs } from "node:util";
import { RealClock, VirtualClock } from "../common/clock";
import { startEmulators } from "./emulators";

// The AWS SDK (used by Task integrations) prints a multi-line warning on Node 20 about releases after January 2027;
// the README says it once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        "real-time": { type: "boolean" },
        "mock-config": { type: "string" },
        "s3-dir": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      "Usage: npm run emulators [-- --port 4566] [--real-time] [--mock-config <MockConfigFile.json>] [--s3-dir <dir>]\n" +
        "  --s3-dir keeps S3 objects in that directory (default: memory), so they survive a restart.\n",
    );
    return 0;
  }
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: --port must be 0-65535, got '${values.port}'\n`);
    return 2;
  }
  let mockConfig: string | undefined;
  if (values["mock-config"]) {
    const { readFileSync } = await import("node:fs");
    try {
      mockConfig = readFileSync(values["mock-config"], "utf8");
    } catch (e) {
      process.stderr.write(`error: cannot read --mock-config '${values["mock-config"]}': ${(e as Error).message}\n`);
      return 2;
    }
  }
  let edge;
  try {
    edge = await startEmulators({
      port,
      clock: values["real-time"] ? new RealClock() : new VirtualClock(),
      ...(mockConfig ? { stepFunctions: { mockConfig } } : {}),
      ...(values["s3-dir"] ? { s3DataDir: values["s3-dir"] } : {}),
      log: (m) => process.stderr.write(`${m}\n`),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === "EADDRINUSE"
        ? `error: port ${port} is in use (is LocalStack running?); pass --port 0 for a free one\n`
        : `error: ${(e as Error).message}\n`,
    );
    return 2;
  }
  process.stdout.write(
    `pipeline-testbed emulators listening on ${edge.endpoint} (${values["real-time"] ? "real" : "virtual"} time)\n` +
      `services: states, s3, sns, sqs, lambda, athena; control plane: ${edge.endpoint}/_testbed/health\n\n` +
      `try:  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \\\n` +
      `      aws --endpoint-url ${edge.endpoint} s3 mb s3://demo\n` +
      `Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stdout.write("\nstopping…\n");
  await edge.close();
  return 0;
}

main().then((c) => (process.exitCode = c));
