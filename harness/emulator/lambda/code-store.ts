import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { AwsServiceError } from "../errors";

/** AWS's limit on the unzipped size of a deployment package (250 MB). */
export const MAX_UNZIPPED_CODE_BYTES = 262_144_000;
/** AWS's limit on a zip uploaded inline in CreateFunction / UpdateFunctionCode (50 MB). */
export const MAX_ZIPPED_CODE_BYTES = 52_428_800;

/** A deployment package as Lambda reports it: the zip, its base64 SHA-256 and its size. */
export interface DeploymentPackage {
  zip: Buffer;
  /** Base64 SHA-256 of the zip, as `CodeSha256` reports it. */
  sha256: string;
  size: number;
}

/** Checks a zip the way CreateFunction does and returns its files (path → bytes). */
export function unpackDeploymentPackage(zip: Buffer): { pkg: DeploymentPackage; files: Map<string, Uint8Array> } {
  if (zip.length > MAX_ZIPPED_CODE_BYTES) {
    throw new AwsServiceError(
      "RequestEntityTooLargeException",
      `Zipped size must be smaller than ${MAX_ZIPPED_CODE_BYTES} bytes`,
      413,
    );
  }
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.length), {
      filter: (file) => {
        total += file.originalSize;
        if (total >= MAX_UNZIPPED_CODE_BYTES) {
          throw new AwsServiceError(
            "InvalidParameterValueException",
            `Unzipped size must be smaller than ${MAX_UNZIPPED_CODE_BYTES} bytes`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof AwsServiceError) throw e;
    throw new AwsServiceError(
      "InvalidParameterValueException",
      "Could not unzip uploaded file. Please check your file, then try to upload again.",
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith("/")) continue;
    const normalized = path.posix.normalize(name.replace(/\\/g, "/"));
    if (normalized.startsWith("../") || normalized === ".." || path.posix.isAbsolute(normalized)) {
      throw new AwsServiceError(
        "InvalidParameterValueException",
        `Could not unzip uploaded file: entry '${name}' points outside the package. Please check your file, then try to upload again.`,
      );
    }
    files.set(normalized, data);
  }
  return {
    pkg: { zip, sha256: createHash("sha256").update(zip).digest("base64"), size: zip.length },
    files,
  };
}

/**
 * Where extracted deployment packages live: one temporary root per emulator, one directory per code version
 * (`<root>/<function>-<n>/`, the function's `LAMBDA_TASK_ROOT`), and `<root>/node_modules` linked to the project's
 * `node_modules`. Node resolves bare specifiers by walking up from the importing file, so a handler's
 * `require("@aws-sdk/client-s3")` / `import "@aws-sdk/client-s3"` falls back to the project's copy after the
 * package's own `node_modules` — as AWS's Node.js runtimes ship the SDK v3 outside the package.
 */
export class CodeStore {
  private root: string | undefined;
  private seq = 0;

  /**
   * @param nodeModulesDir the project's `node_modules` (linked as the fallback for bare imports); skipped when absent.
   * @param parentDir where the temporary root is created (default: the OS temp dir).
   */
  constructor(
    readonly nodeModulesDir: string | undefined,
    private readonly parentDir: string = os.tmpdir(),
  ) {}

  /** Writes a package's files to a fresh directory and returns it. */
  extract(functionName: string, files: Map<string, Uint8Array>): string {
    const dir = path.join(this.ensureRoot(), `${functionName}-${++this.seq}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, data] of files) {
      const target = path.join(dir, ...name.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
    return dir;
  }

  /** A path inside the root that does not exist (used to point the SDK's config files away from the host's ~/.aws). */
  missingFile(name: string): string {
    return path.join(this.ensureRoot(), `.${name}-absent`);
  }

  remove(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Removes every extracted package and the root itself. */
  close(): void {
    if (this.root) fs.rmSync(this.root, { recursive: true, force: true });
    this.root = undefined;
  }

  private ensureRoot(): string {
    if (this.root) return this.root;
    const root = fs.mkdtempSync(path.join(this.parentDir, "pipeline-testbed-lambda-"));
    if (this.nodeModulesDir && fs.existsSync(this.nodeModulesDir)) {
      // 'junction' makes this work on Windows without symlink privileges; POSIX ignores the type.
      fs.symlinkSync(this.nodeModulesDir, path.join(root, "node_modules"), "junction");
    }
    this.root = root;
    return root;
  }
}
