/** `npm run build:lambdas`: writes dist/lambdas/<name>.zip for every handler (what you would upload to AWS). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleLambda, LAMBDA_NAMES, PROJECT_ROOT } from "./bundle";

async function main(): Promise<void> {
  const dir = join(PROJECT_ROOT, "dist", "lambdas");
  mkdirSync(dir, { recursive: true });
  for (const name of LAMBDA_NAMES) {
    const b = await bundleLambda(name);
    const file = join(dir, `${name}.zip`);
    writeFileSync(file, b.zip);
    process.stdout.write(`${file}  ${(b.bytes / 1024).toFixed(0)} KiB  handler ${b.handler}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`build:lambdas failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
