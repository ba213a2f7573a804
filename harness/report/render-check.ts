/**
 * Renders an HTML report in headless Chromium and checks the screenshot: a PNG of the requested size that is not
 * blank and shows the graph's highlight colours (blue taken path, red failed states). It proves the page renders
 * offline (no network: Chromium is started with networking off) and that the inline SVG and styles apply.
 *
 * Run: `npx tsx harness/report/render-check.ts [screenshot.png]` — renders a report generated from the test
 * fixtures. Chromium is looked up as `chromium`, `chromium-browser`, `google-chrome` on PATH, or taken from
 * `TESTBED_CHROMIUM`. Exit codes: 0 ok, 1 the check failed, 2 Chromium is missing.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";

/** No Chromium binary was found; says how to install one. */
export class ChromiumMissingError extends Error {
  override readonly name = "ChromiumMissingError";
  constructor() {
    super(
      "chromium is not installed (looked for chromium, chromium-browser, google-chrome on PATH and TESTBED_CHROMIUM). " +
        "Install it (Debian: `apt-get update && apt-get install -y chromium`) or set TESTBED_CHROMIUM=/path/to/chrome.",
    );
  }
}

/** The screenshot is missing, malformed, blank, or lacks the colours of a highlighted graph. */
export class RenderCheckError extends Error {
  override readonly name = "RenderCheckError";
}

/** Finds a Chromium binary: `explicit` (e.g. from TESTBED_CHROMIUM) first, then well-known names on `path`. */
export function findChromium(path: string | undefined, explicit?: string): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

export interface RenderCheckOptions {
  /** The HTML file to render. */
  html: string;
  /** Where the PNG goes. */
  screenshot: string;
  chromium: string;
  width?: number;
  height?: number;
  /** Give up after this long (wall time: Chromium is a real process). Default 60 s. */
  timeoutMs?: number;
}

export interface RenderCheckResult {
  screenshot: string;
  width: number;
  height: number;
  bytes: number;
  /** Share of pixels that are not the page background. */
  inkRatio: number;
  /** Pixels close to the taken-path blue / failed red of the graph stylesheet. */
  bluePixels: number;
  redPixels: number;
}

/** Runs Chromium headless on `html`, then checks the screenshot. */
export async function renderCheck(o: RenderCheckOptions): Promise<RenderCheckResult> {
  const width = o.width ?? 1400;
  const height = o.height ?? 2000;
  const profile = await mkdtemp(join(tmpdir(), "testbed-chromium-"));
  try {
    await rm(o.screenshot, { force: true });
    const args = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      `--screenshot=${resolve(o.screenshot)}`,
      `--window-size=${width},${height}`,
      pathToFileURL(resolve(o.html)).href,
    ];
    const { code, output } = await run(o.chromium, args, o.timeoutMs ?? 60_000);
    if (!existsSync(o.screenshot)) {
      throw new RenderCheckError(`chromium exited with ${code} and wrote no screenshot:\n${output.slice(-2000)}`);
    }
  } finally {
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
  const png = await readFile(o.screenshot);
  const img = decodePng(png);
  if (img.width !== width || img.height !== height) {
    throw new RenderCheckError(`screenshot is ${img.width}×${img.height}, expected ${width}×${height}`);
  }
  const stats = pixelStats(img);
  const result = { screenshot: o.screenshot, width: img.width, height: img.height, bytes: png.length, ...stats };
  if (stats.inkRatio < 0.01)
    throw new RenderCheckError(`screenshot is blank (${(stats.inkRatio * 100).toFixed(2)}% ink)`);
  if (stats.bluePixels < 200)
    throw new RenderCheckError(`no highlighted path visible (${stats.bluePixels} blue pixels)`);
  if (stats.redPixels < 200) throw new RenderCheckError(`no failed state visible (${stats.redPixels} red pixels)`);
  return result;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new RenderCheckError(`chromium did not finish within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RenderCheckError(`could not start ${cmd}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

interface Image {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** A minimal PNG decoder: 8-bit greyscale/RGB/RGBA, not interlaced — what Chromium writes for screenshots. */
export function decodePng(buf: Buffer): Image {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(sig)) throw new RenderCheckError("screenshot is not a PNG file");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  let bitDepth = 0;
  let interlace = 0;
  const idat: Buffer[] = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("ascii", pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8]!;
      colorType = body[9]!;
      interlace = body[12]!;
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new RenderCheckError(
      `unsupported PNG (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace})`,
    );
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : undefined;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = prev ? prev[i]! : 0;
      const c = prev && i >= channels ? prev[i - channels]! : 0;
      const x = line[i]!;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new RenderCheckError(`corrupt PNG: filter ${filter} on row ${y}`);
      }
      out[i] = v & 0xff;
    }
  }
  return { width, height, channels, data };
}

function pixelStats(img: Image): { inkRatio: number; bluePixels: number; redPixels: number } {
  const { data, channels } = img;
  const px = (i: number): [number, number, number] =>
    channels >= 3 ? [data[i]!, data[i + 1]!, data[i + 2]!] : [data[i]!, data[i]!, data[i]!];
  const [br, bg, bb] = px(0);
  let ink = 0;
  let blue = 0;
  let red = 0;
  const n = img.width * img.height;
  for (let k = 0; k < n; k++) {
    const [r, g, b] = px(k * channels);
    if (Math.abs(r - br) + Math.abs(g - bg) + Math.abs(b - bb) > 30) ink++;
    // #1d5fd6 (taken path) and #d03030 (failed), with anti-aliasing slack.
    if (Math.abs(r - 0x1d) < 40 && Math.abs(g - 0x5f) < 40 && Math.abs(b - 0xd6) < 40) blue++;
    if (Math.abs(r - 0xd0) < 40 && Math.abs(g - 0x30) < 40 && Math.abs(b - 0x30) < 40) red++;
  }
  return { inkRatio: ink / n, bluePixels: blue, redPixels: red };
}

/** Writes a report from the test fixtures (failing scenario first, so its graph is on screen) and checks it. */
export async function checkGeneratedReport(o: {
  chromium: string;
  dir: string;
  screenshot?: string;
}): Promise<RenderCheckResult & { html: string }> {
  const { allFixtures, summaryOf } = await import("./test-fixtures");
  const { renderHtmlReport } = await import("./html-reporter");
  const [passing, failing, error, notObservable] = allFixtures();
  const html = join(o.dir, "report.html");
  await writeFile(html, renderHtmlReport([summaryOf([failing!, passing!, error!, notObservable!])]));
  const result = await renderCheck({
    html,
    screenshot: o.screenshot ?? join(o.dir, "report.png"),
    chromium: o.chromium,
  });
  return { ...result, html };
}

async function main(argv: string[]): Promise<number> {
  const chromium = findChromium(process.env.PATH, process.env.TESTBED_CHROMIUM);
  if (!chromium) {
    process.stderr.write(`render-check: ${new ChromiumMissingError().message}\n`);
    return 2;
  }
  const dir = await mkdtemp(join(tmpdir(), "testbed-report-"));
  try {
    const r = await checkGeneratedReport({ chromium, dir, screenshot: argv[0] ?? join(dir, "report.png") });
    process.stdout.write(
      `render-check: ok — ${r.screenshot} ${r.width}×${r.height}, ${r.bytes} bytes, ` +
        `${(r.inkRatio * 100).toFixed(1)}% ink, ${r.bluePixels} path-blue and ${r.redPixels} failure-red pixels\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`render-check: FAILED — ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    if (argv[0] === undefined) process.stdout.write(`render-check: files kept in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
