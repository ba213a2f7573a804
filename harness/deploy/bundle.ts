import { build, version as esbuildVersion } from "esbuild";
import { zipSync } from "fflate";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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

/**
 * What a bundle depends on: the handler folder's sources, the lockfile (which pins everything bundled from
 * node_modules) and the esbuild version. Cheap to compute; used as the on-disk cache key.
 */
function bundleKey(root: string, name: LambdaName): string {
  const h = createHash("sha256").update(`esbuild ${esbuildVersion}\n`);
  const dir = join(root, "lambdas", name);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs|json)$/.test(e.name) && !/\.test\.ts$/.test(e.name))
        h.update(`${p}\n`).update(readFileSync(p));
    }
  };
  walk(dir);
  const lock = join(root, "package-lock.json");
  if (existsSync(lock)) h.update(readFileSync(lock));
  return h.digest("hex").slice(0, 24);
}

/** Bundles one handler with esbuild into a deployable zip (cached per process and on disk under node_modules/.cache). */
export function bundleLambda(name: LambdaName, root: string = PROJECT_ROOT): Promise<LambdaBundle> {
  const key = `${root}:${name}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const entry = join(root, "lambdas", name, "handler.ts");
      if (!existsSync(entry)) throw new Error(`no Lambda handler at ${entry}`);
      const cacheDir = join(root, "node_modules", ".cache", "pipeline-testbed");
      const cached = join(cacheDir, `${name}-${bundleKey(root, name)}.zip`);
      if (existsSync(cached)) {
        const zip = new Uint8Array(readFileSync(cached));
        return { name, zip, handler: "index.handler" as const, bytes: zip.length };
      }
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
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        writeFileSync(tmp, zip);
        renameSync(tmp, cached);
      } catch {
        /* a read-only node_modules only costs the cache */
      }
      return { name, zip, handler: "index.handler" as const, bytes: zip.length };
    })();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
