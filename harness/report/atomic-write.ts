import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let counter = 0;

/**
 * Writes `data` to `path` so that readers never see a half-written file: the text goes to a temporary file in the
 * same directory (same filesystem, so the rename is atomic) which then replaces `path`. Parent directories are
 * created. The temporary file is removed when anything fails.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  counter += 1;
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter}.tmp`);
  try {
    await writeFile(tmp, data, "utf8");
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new ReportWriteError(path, e);
  }
}

/** A report file could not be written; names the file and keeps the underlying error as `cause`. */
export class ReportWriteError extends Error {
  override readonly name = "ReportWriteError";
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `could not write report ${path}: ${cause instanceof Error ? cause.message : String(cause)} ` +
        `(check that the directory is writable, or choose another --output path)`,
      { cause },
    );
  }
}
