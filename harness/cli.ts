#!/usr/bin/env -S npx tsx
/** Entry point of `npm run scenario`: the only place besides the config resolver that reads process.env. */
import { runCli } from "./cli/main";

// The AWS SDK prints a multi-line warning on Node 20 about releases after January 2027; the README says it once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  color,
  isTTY: Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb",
  cwd: process.cwd(),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
