import { build } from "esbuild";
import { zipSync } from "fflate";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The project's Lambda handlers: `lambdas/<name>/handler.ts`, deployed with handler `index.handler`. */
export const LAMBDA_NAMES = ["run-athena-query", "start-pipeline"] as const;
export type LambdaName = (typeof LAMBDA_NAMES)[number];

export const PROJECT_ROOT = resolve(__dirname, "..", "..");

export interface LambdaBundle {
  name: LambdaName;
  /** Deployment package: a zip with `index.js` (CommonJS, node20, AWS SDK v3 bundled in). */
  zip: Uint8Array;
  handler: "index.handler";
  bytes: number;
}

const cache = new Map<string, Promise<LambdaBundle>>();

/** Bundles one handler with esbuild into a deployable zip (cached per process). */
export function bundleLambda(name: LambdaName, root: string = PROJECT_ROOT): Promise<LambdaBundle> {
  const key = `${root}:${name}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const entry = join(root, "lambdas", name, "handler.ts");
      if (!existsSync(entry)) throw new Error(`no Lambda handler at ${entry}`);
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        write: false,
        minify: false,
        sourcemap: false,
        legalComments: "none",
        logLevel: "silent",
      });
      const code = out.outputFiles[0]!.contents;
      const zip = zipSync({ "index.js": code }, { level: 6, mtime: new Date(Date.UTC(2024, 0, 1)) });
      return { name, zip, handler: "index.handler" as const, bytes: zip.length };
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
