import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { checkGeneratedReport, decodePng, findChromium, RenderCheckError } from "./render-check";

const chromium = findChromium(process.env.PATH, process.env.TESTBED_CHROMIUM);
const hasChromium = chromium !== undefined;
if (!hasChromium) {
  console.warn(
    "\n!!! harness/report/render-check.test.ts: chromium is NOT installed — the headless rendering check of the HTML " +
      "report is SKIPPED. Install it (Debian: apt-get install -y chromium) or set TESTBED_CHROMIUM to run it. !!!\n",
  );
}

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "render-check-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe("render check", () => {
  (hasChromium ? it : it.skip)(
    `renders the generated report in headless Chromium: legible, not blank, path and failures highlighted${
      hasChromium ? "" : " (skipped: chromium not installed)"
    }`,
    async () => {
      const r = await checkGeneratedReport({ chromium: chromium!, dir });
      expect(r).toMatchObject({ width: 1400, height: 2000 });
      expect(r.inkRatio).toBeGreaterThan(0.03);
      expect(r.bluePixels).toBeGreaterThan(1000);
      expect(r.redPixels).toBeGreaterThan(1000);
    },
    60_000,
  );

  it("finds Chromium on PATH or from an explicit path", async () => {
    const fake = join(dir, "chromium");
    await writeFile(fake, "#!/bin/sh\n");
    await chmod(fake, 0o755);
    expect(findChromium(`/nonexistent:${dir}`)).toBe(fake);
    expect(findChromium("/nonexistent")).toBeUndefined();
    expect(findChromium(dir, join(dir, "missing"))).toBeUndefined();
    expect(findChromium(undefined, fake)).toBe(fake);
  });

  it("decodes PNG rows with every filter type", () => {
    const width = 3;
    const height = 5;
    const pixels = Buffer.from(Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + 11) % 256));
    const decoded = decodePng(encodePng(width, height, pixels));
    expect(decoded).toMatchObject({ width, height, channels: 3 });
    expect([...decoded.data]).toEqual([...pixels]);
  });

  it("rejects files that are not PNGs", () => {
    expect(() => decodePng(Buffer.from("<html>not a png</html>, long enough to pass the length check"))).toThrow(
      RenderCheckError,
    );
  });
});

/** A PNG encoder for the test: RGB, row y uses filter y % 5 (none, sub, up, average, Paeth). CRCs left zero. */
function encodePng(width: number, height: number, rgb: Buffer): Buffer {
  const stride = width * 3;
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    rows.push(filter);
    for (let i = 0; i < stride; i++) {
      const x = rgb[y * stride + i]!;
      const a = i >= 3 ? rgb[y * stride + i - 3]! : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= 3 ? rgb[(y - 1) * stride + i - 3]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter]!;
      rows.push((x - pred) & 0xff);
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, Buffer.from(type, "ascii"), body, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
