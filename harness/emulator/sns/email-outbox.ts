/**
 * Where email and email-json deliveries go: one RFC 5322 `.eml` file per delivery in a directory, so that a test or a
 * person can open exactly what the subscriber would have received. Nothing is sent anywhere.
 */
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One email as SNS would send it. */
export interface OutboxEmail {
  /** Display name of the sender: the topic's DisplayName, else "AWS Notifications" (AWS's default). */
  fromName: string;
  to: string;
  subject: string;
  /** Epoch milliseconds (the emulator's clock). */
  date: number;
  body: string;
  /** Goes into the Message-ID and the file name. */
  messageId: string;
}

const SENDER = "no-reply@sns.amazonaws.com";

/** `Tue, 02 Jan 2024 03:04:05 +0000`. */
export function rfc5322Date(epochMs: number): string {
  return new Date(epochMs).toUTCString().replace(/GMT$/, "+0000");
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** An RFC 2047 encoded-word when the text is not plain printable ASCII. */
function headerText(s: string): string {
  return isAscii(s) ? s : `=?UTF-8?B?${Buffer.from(s, "utf8").toString("base64")}?=`;
}

function quotedPrintable(text: string): string {
  const bytes = Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8");
  let out = "";
  let line = "";
  const push = (token: string) => {
    if (line.length + token.length > 75) {
      out += `${line}=\r\n`;
      line = "";
    }
    line += token;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d && bytes[i + 1] === 0x0a) {
      out += `${line}\r\n`;
      line = "";
      i++;
      continue;
    }
    const printable = (b >= 33 && b <= 126 && b !== 61) || (b === 32 && bytes[i + 1] !== 0x0d && i + 1 < bytes.length);
    push(printable ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`);
  }
  return out + line;
}

/** Renders the email as RFC 5322 text with CRLF line ends; 8bit UTF-8 unless a line exceeds 998 octets. */
export function renderEml(email: OutboxEmail): string {
  const body = email.body.replace(/\r?\n/g, "\r\n");
  const longLine = body.split("\r\n").some((l) => Buffer.byteLength(l) > 998);
  const headers = [
    `From: ${headerText(email.fromName)} <${SENDER}>`,
    `To: ${email.to}`,
    `Subject: ${headerText(email.subject)}`,
    `Date: ${rfc5322Date(email.date)}`,
    `Message-ID: <${email.messageId}@sns.amazonaws.com>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    `Content-Transfer-Encoding: ${longLine ? "quoted-printable" : isAscii(body.replace(/[\r\n\t]/g, "")) ? "7bit" : "8bit"}`,
  ];
  return `${headers.join("\r\n")}\r\n\r\n${longLine ? quotedPrintable(email.body) : body}\r\n`;
}

/** A directory of `.eml` files; the default one is a temp directory made on first use and removed on dispose. */
export class EmailOutbox {
  private dir: string | undefined;
  private creating: Promise<string> | undefined;
  private sequence = 0;

  constructor(private readonly configuredDir?: string) {
    this.dir = configuredDir;
  }

  /** The directory, if it exists yet (the default one is only created by the first email). */
  get directory(): string | undefined {
    return this.dir;
  }

  private async ensureDir(): Promise<string> {
    if (this.dir) {
      await mkdir(this.dir, { recursive: true });
      return this.dir;
    }
    this.creating ??= mkdtemp(join(tmpdir(), "pipeline-testbed-sns-outbox-"));
    this.dir = await this.creating;
    return this.dir;
  }

  /** Writes one email; returns the file path. Files are numbered so that a directory listing is delivery order. */
  async write(email: OutboxEmail): Promise<string> {
    const dir = await this.ensureDir();
    this.sequence += 1;
    const safeTo = email.to.replace(/[^A-Za-z0-9@._-]/g, "_");
    const file = join(dir, `${String(this.sequence).padStart(4, "0")}-${email.messageId}-${safeTo}.eml`);
    await writeFile(file, renderEml(email), "utf8");
    return file;
  }

  /** Removes the temp directory this outbox created (a configured directory is left alone). */
  async dispose(): Promise<void> {
    if (!this.configuredDir && this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = this.configuredDir;
    this.creating = undefined;
  }
}
