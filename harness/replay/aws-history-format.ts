/**
 * Writes history events the way AWS tools write them, for fixtures and tests of the importer: the AWS CLI v2's JSON
 * (`timestamp` first, ISO 8601 with microseconds and an offset, 4-space indent, `NextToken` between pages), the
 * JavaScript SDK's `GetExecutionHistoryCommand` output passed through `JSON.stringify` (`$metadata`, `nextToken`,
 * ISO timestamps ending in Z) and the raw JSON protocol (epoch seconds in Java's scientific notation,
 * `1.732615200123E9`). Pages may be reversed (`--reverse-order`) and concatenated.
 */
import type { HistoryEvent } from "../engine/types";

export interface AwsHistoryFormat {
  style: "cli" | "sdk" | "wire";
  /** Newest first, as `--reverse-order` / `reverseOrder: true` return them. */
  reverseOrder?: boolean;
  /** Split into pages of this many events (each page a document with a next token but the last). */
  pageSize?: number;
  /** Between concatenated pages (default a newline). */
  separator?: string;
  /** For the SDK's `$metadata.requestId` and the page tokens. */
  requestId?: (page: number) => string;
}

const CLI_KEYS = ["timestamp", "type", "id", "previousEventId"];

/** `2024-11-26T10:00:00.123000+00:00`: how the AWS CLI v2 prints timestamps (iso8601, UTC here). */
export function cliTimestamp(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

/** `1.732615200123E9`: epoch seconds as the Step Functions JSON protocol sends them. */
export function wireTimestamp(d: Date): string {
  const seconds = d.getTime() / 1000;
  const digits = String(seconds).replace(".", "");
  const exponent = String(Math.floor(seconds)).length - 1;
  const mantissa = `${digits[0]}.${digits.slice(1) || "0"}`.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ".0");
  return `${mantissa}E${exponent}`;
}

function token(page: number, options: AwsHistoryFormat): string {
  const id = options.requestId?.(page) ?? `page-${page}`;
  // Real tokens are long opaque base64 strings.
  return Buffer.from(`{"v":1,"page":${page + 1},"id":"${id}"}`).toString("base64") + "AAAAAQ==";
}

function orderEvent(e: HistoryEvent, style: AwsHistoryFormat["style"]): Record<string, unknown> {
  const rest = Object.entries(e).filter(([k]) => !CLI_KEYS.includes(k));
  if (style === "cli") {
    return Object.fromEntries([...CLI_KEYS.map((k) => [k, (e as Record<string, unknown>)[k]]), ...rest]);
  }
  // The SDK and the wire list members in model order (alphabetical).
  return Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));
}

/** The text of a history file as the chosen AWS tool would write it. */
export function formatAwsHistory(events: readonly HistoryEvent[], options: AwsHistoryFormat): string {
  const ordered = [...events].sort((a, b) => (options.reverseOrder ? b.id - a.id : a.id - b.id));
  const size = options.pageSize ?? Math.max(1, ordered.length);
  const pages: HistoryEvent[][] = [];
  for (let i = 0; i < ordered.length; i += size) pages.push(ordered.slice(i, i + size));
  const docs = pages.map((page, p) => {
    const last = p === pages.length - 1;
    const stamp = new Map<string, string>();
    const evs = page.map((e) => {
      const o = orderEvent(e, options.style);
      const key = `__ts_${e.id}__`;
      stamp.set(
        key,
        options.style === "cli"
          ? JSON.stringify(cliTimestamp(e.timestamp))
          : options.style === "sdk"
            ? JSON.stringify(e.timestamp.toISOString())
            : wireTimestamp(e.timestamp),
      );
      o["timestamp"] = key;
      return o;
    });
    let doc: Record<string, unknown>;
    if (options.style === "cli") doc = { events: evs, ...(last ? {} : { NextToken: token(p, options) }) };
    else if (options.style === "sdk") {
      doc = {
        $metadata: {
          httpStatusCode: 200,
          requestId: options.requestId?.(p) ?? `00000000-0000-4000-8000-${String(p).padStart(12, "0")}`,
          attempts: 1,
          totalRetryDelay: 0,
        },
        events: evs,
        ...(last ? {} : { nextToken: token(p, options) }),
      };
    } else doc = { events: evs, ...(last ? {} : { nextToken: token(p, options) }) };
    const text = JSON.stringify(doc, null, options.style === "cli" ? 4 : options.style === "sdk" ? 2 : undefined);
    return text.replace(/"__ts_\d+__"/g, (m) => stamp.get(m.slice(1, -1))!);
  });
  return docs.join(options.separator ?? "\n") + "\n";
}
