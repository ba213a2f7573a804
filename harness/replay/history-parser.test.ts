import { formatAwsHistory } from "./aws-history-format";
import { FIXTURES, readFixture, type FixtureName } from "./fixtures";
import { HistoryParseError, parseHistory, type ParsedHistory } from "./history-parser";

const parse = (name: FixtureName) => parseHistory(readFixture(name), FIXTURES[name]);

/** The error a text gets, as message text (fails the test when it parses). */
function refusal(text: string, file = "h.json"): HistoryParseError {
  try {
    parseHistory(text, file);
  } catch (e) {
    if (e instanceof HistoryParseError) return e;
    throw e;
  }
  throw new Error("expected a HistoryParseError");
}

function ids(h: ParsedHistory): number[] {
  return h.events.map((e) => e.id);
}

describe("the fixtures, each in its AWS format", () => {
  it.each([
    ["success", { source: "AWS CLI", pages: 1, reverseOrder: false, timestamps: "ISO 8601" }, 67, "ExecutionSucceeded"],
    [
      "queryFailed",
      { source: "AWS SDK", pages: 1, reverseOrder: false, timestamps: "ISO 8601" },
      46,
      "ExecutionFailed",
    ],
    [
      "queryCancelled",
      { source: "AWS CLI", pages: 1, reverseOrder: true, timestamps: "ISO 8601" },
      57,
      "ExecutionFailed",
    ],
    [
      "lambdaThrottled",
      { source: "AWS CLI", pages: 2, reverseOrder: false, timestamps: "ISO 8601" },
      51,
      "ExecutionSucceeded",
    ],
    [
      "copyFailed",
      { source: "AWS API", pages: 1, reverseOrder: false, timestamps: "epoch seconds" },
      49,
      "ExecutionFailed",
    ],
  ] as const)("%s parses into events 1…N in order", (name, layout, count, last) => {
    const h = parse(name);
    expect(h.layout).toEqual(layout);
    expect(ids(h)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(h.events[0]!.type).toBe("ExecutionStarted");
    expect(h.events[count - 1]!.type).toBe(last);
    for (let i = 1; i < count; i++) {
      expect(h.events[i]!.timestamp.getTime()).toBeGreaterThanOrEqual(h.events[i - 1]!.timestamp.getTime());
    }
  });

  it("keeps AWS's field names and JSON-string payloads", () => {
    const h = parse("lambdaThrottled");
    const failed = h.events.find((e) => e.type === "TaskFailed")!;
    expect(failed["taskFailedEventDetails"]).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
      error: "Lambda.TooManyRequestsException",
      cause: expect.stringMatching(
        /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
      ),
    });
    const scheduled = h.events.find((e) => e.type === "TaskScheduled")!["taskScheduledEventDetails"] as Record<
      string,
      unknown
    >;
    expect(scheduled["region"]).toBe("eu-west-1");
    expect(typeof scheduled["parameters"]).toBe("string");
    expect(JSON.parse(scheduled["parameters"] as string)).toMatchObject({
      FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:healthcare-run-athena-query",
    });
  });

  it("reads the CLI's offset timestamps and the wire's epoch seconds as the same instants", () => {
    const cli = parse("success");
    expect(cli.events[0]!.timestamp.toISOString()).toBe("2024-11-26T09:14:03.217Z");
    const wire = parse("copyFailed");
    expect(wire.events[0]!.timestamp.toISOString()).toBe("2024-11-30T11:45:59.006Z");
  });
});

describe("layouts of the same history", () => {
  const base = parse("lambdaThrottled").events;
  const same = (text: string) => expect(parseHistory(text, "h.json").events).toEqual(base);

  it.each([
    ["CLI, one page", { style: "cli" }],
    ["CLI, --reverse-order", { style: "cli", reverseOrder: true }],
    ["CLI, --reverse-order in 3 pages", { style: "cli", reverseOrder: true, pageSize: 20 }],
    ["CLI pages concatenated without a separator", { style: "cli", pageSize: 10, separator: "" }],
    ["SDK output in pages", { style: "sdk", pageSize: 17 }],
    ["wire format, epoch seconds", { style: "wire" }],
  ] as const)("%s", (_label, format) => same(formatAwsHistory(base, format)));

  it("an array of pages, in any page order", () => {
    const pages = formatAwsHistory(base, { style: "sdk", pageSize: 20 })
      .trim()
      .split(/\n(?=\{)/)
      .map((t) => JSON.parse(t) as unknown);
    same(JSON.stringify([pages[2], pages[0], pages[1]]));
  });

  it("a bare array of events (the console's export)", () => {
    const doc = JSON.parse(formatAwsHistory(base, { style: "cli" })) as { events: unknown[] };
    same(JSON.stringify(doc.events));
  });

  it("timestamps as ISO without a zone, or epoch milliseconds, are taken as UTC", () => {
    const doc = JSON.parse(formatAwsHistory(base, { style: "sdk" })) as { events: Array<Record<string, unknown>> };
    doc.events.forEach((e, i) => {
      e["timestamp"] = i % 2 ? String(e["timestamp"]).replace("Z", "") : Date.parse(String(e["timestamp"]));
    });
    expect(parseHistory(JSON.stringify(doc), "h.json").layout.timestamps).toBe("mixed");
    same(JSON.stringify(doc));
  });
});

describe("bad history files get precise errors", () => {
  const good = readFixture("lambdaThrottled");
  const events = () => parse("lambdaThrottled").events;
  const cli = (evs: ReturnType<typeof events>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ events: JSON.parse(formatAwsHistory(evs, { style: "cli" })).events, ...extra }, null, 4);

  it("an empty file", () => {
    expect(refusal("  \n").message).toBe(
      "h.json: the file is empty; export it with `aws stepfunctions get-execution-history --execution-arn <arn> --output json > history.json`",
    );
  });

  it("not JSON: the CLI's text output, with line:column", () => {
    const e = refusal("EVENTS\t2024-11-26T10:00:00+00:00\t1\t0\tExecutionStarted\n");
    expect(e.message).toMatch(
      /^h\.json:1:1: not JSON: found "E" where a JSON object or array should start \(is it the CLI's text or table output\?/,
    );
  });

  it("a syntax error, at its line and column", () => {
    const lines = good.split("\n");
    const i = lines.findIndex((l) => l.includes('"type": "TaskScheduled"'));
    lines[i] = lines[i]!.replace('"type": "TaskScheduled",', '"type": "TaskScheduled"');
    const e = refusal(lines.join("\n"));
    expect(e.where).toEqual({ line: i + 2, column: 13 });
    expect(e.message).toBe(`h.json:${i + 2}:13: expected \`,\` or \`}\` after a property value, found "\\""`);
  });

  it("a truncated file (a download cut short)", () => {
    const e = refusal(good.slice(0, Math.floor(good.length / 2)));
    expect(e.message).toMatch(
      /^h\.json:\d+:\d+: the file ends inside the JSON document that starts at line \d+:1 \(\d+ brackets still open\): the file is truncated; export it with/,
    );
  });

  it("a truncated history: the last page left out", () => {
    const twoPages = formatAwsHistory(events(), { style: "cli", pageSize: 30 });
    const first = twoPages.slice(0, twoPages.indexOf("\n{"));
    expect(refusal(first).message).toBe(
      "h.json (event id 30, page 1, events[29]): the history ends at event 30 (TaskStateExited) without ExecutionSucceeded, ExecutionFailed, ExecutionAborted or ExecutionTimedOut: the last page is missing (a page in the file has a NextToken) — export every page",
    );
  });

  it("an execution still RUNNING is refused, with what to do", () => {
    const e = refusal(cli(events().slice(0, 20)));
    expect(e.message).toMatch(
      /event 20 \(ChoiceStateEntered\) without ExecutionSucceeded.*the execution was still RUNNING when it was exported\. Only finished executions can be replayed: wait for it to end \(or stop it with `aws stepfunctions stop-execution`\)/,
    );
  });

  it("a truncated history: the first page left out", () => {
    const e = refusal(cli(events().slice(26)));
    expect(e.message).toBe(
      "h.json (event id 27, page 1, events[0]): the history starts at event id 27 (TaskScheduled), not at 1 (ExecutionStarted): the first page(s) are missing — export the whole history, every page",
    );
  });

  it("an event missing in the middle", () => {
    const evs = events().filter((e) => e.id !== 42);
    expect(refusal(cli(evs)).message).toBe(
      "h.json (event id 43, page 1, events[41]): event ids jump from 41 to 43: event 42 is missing (a page left out when the pages were put together?)",
    );
  });

  it("the same page written twice", () => {
    const text = formatAwsHistory(events(), { style: "cli", pageSize: 26 });
    const [p1] = text.split(/\n(?=\{)/);
    expect(refusal(`${p1}\n${p1}\n`).message).toMatch(
      /^h\.json \(event id 1, page 2, events\[0\]\): event id 1 appears twice \(page 1, events\[0\] and page 2, events\[0\]\)/,
    );
  });

  it("events out of order within a page cannot be trusted", () => {
    const evs = events();
    const swapped = [...evs.slice(0, 10), evs[11]!, evs[10]!, ...evs.slice(12)];
    const doc = { events: swapped.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() })) };
    expect(refusal(JSON.stringify(doc)).message).toBe(
      "h.json (event id 11, page 1, events[11]): events out of order: id 11 follows id 12 in a page whose ids ascend; a page is in ascending id order, or descending with --reverse-order, so this order cannot be trusted",
    );
  });

  it("pages of two executions mixed: ids line up but timestamps go back", () => {
    const evs = events();
    const later = evs.slice(30).map((e) => ({ ...e, timestamp: new Date(e.timestamp.getTime() - 86_400_000) }));
    const e = refusal(formatAwsHistory([...evs.slice(0, 30), ...later], { style: "cli", pageSize: 30 }));
    expect(e.message).toMatch(
      /^h\.json \(event id 31, page 2, events\[0\]\): events out of order: event 31 \(\w+\) is timestamped 2024-11-28T.*before event 30 .*ids and timestamps disagree, so the order cannot be recovered/,
    );
  });

  it.each([
    [{ executionArn: "arn:…", status: "FAILED", startDate: "…" }, "`describe-execution` output"],
    [{ executions: [] }, "`list-executions` output"],
    [{ StartAt: "A", States: {} }, "a state machine definition (pass it with --definition)"],
    [{ foo: 1, bar: 2 }, "an object with keys foo, bar"],
  ])("the wrong JSON: %j", (value, what) => {
    expect(refusal(JSON.stringify(value)).message).toBe(
      `h.json:1:1: expected GetExecutionHistory output (an object with \`events\`), got ${what}; export it with \`aws stepfunctions get-execution-history --execution-arn <arn> --output json > history.json\``,
    );
  });

  it.each([
    [{ id: 1, type: "ExecutionStarted", previousEventId: 0, timestamp: "yesterday" }, /`timestamp` must be ISO 8601/],
    [{ id: "1", type: "ExecutionStarted", timestamp: 1 }, /`id` must be a positive integer, got "1"/],
    [{ id: 1, type: "ExecutionBegan", timestamp: 1.7e9 }, /unknown event type 'ExecutionBegan'/],
    [
      { id: 2, type: "PassStateEntered", previousEventId: 5, timestamp: 1.7e9 },
      /`previousEventId` 5 is not an earlier event than 2/,
    ],
    [
      { id: 2, type: "PassStateEntered", previousEventId: 1, timestamp: 1.7e9 },
      /PassStateEntered needs `stateEnteredEventDetails\.name`/,
    ],
  ])("a malformed event %j", (event, problem) => {
    expect(refusal(JSON.stringify({ events: [event] })).message).toMatch(problem);
  });

  it("a redriven execution", () => {
    const evs = events();
    const last = evs[evs.length - 1]!;
    const redriven = { ...last, id: last.id + 1, previousEventId: last.id, type: "ExecutionRedriven" };
    expect(refusal(cli([...evs, redriven])).message).toMatch(
      /the execution was redriven after it ended \(ExecutionSucceeded at event 51, ExecutionRedriven at 52\); redrive is not supported/,
    );
  });
});
