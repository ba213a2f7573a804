import { XMLValidator } from "fast-xml-parser";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StateMachineDefinition } from "../engine/types";
import type { ScenarioRunResult } from "../runner/types";
import { HtmlReporter, renderHtmlReport } from "./html-reporter";
import {
  allFixtures,
  failingPath,
  HAPPY_PATH,
  HistoryBuilder,
  passingResult,
  PIPELINE,
  summaryOf,
} from "./test-fixtures";

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** The `<section>` of each scenario, by name. */
function sections(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of html.split('<section class="scenario ').slice(1)) {
    const name = /<\/span> (.*?) <span class="tag">/.exec(part)![1]!;
    out.set(unescape(name), part.slice(0, part.indexOf("</section>")));
  }
  return out;
}

/** Graph nodes of an HTML fragment: state name → class list. */
function nodes(fragment: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of fragment.matchAll(/<g class="(node [^"]*)" data-state="([^"]*)"/g)) {
    out.set(unescape(m[2]!), m[1]!.split(" "));
  }
  return out;
}

function withClass(ns: Map<string, string[]>, cls: string): string[] {
  return [...ns]
    .filter(([, c]) => c.includes(cls))
    .map(([n]) => n)
    .sort();
}

/** Edges of an HTML fragment: `from→to` → class list (first occurrence). */
function edges(fragment: string): Array<{ key: string; classes: string[]; body: string }> {
  return [...fragment.matchAll(/<g class="(edge [^"]*)" data-from="([^"]*)" data-to="([^"]*)">([\s\S]*?)<\/g>/g)].map(
    (m) => ({ key: `${unescape(m[2]!)}→${unescape(m[3]!)}`, classes: m[1]!.split(" "), body: m[4]! }),
  );
}

describe("HtmlReporter", () => {
  const html = renderHtmlReport([summaryOf(allFixtures())]);
  const bySection = sections(html);

  it("is one well-formed document", () => {
    expect(XMLValidator.validate(html)).toBe(true);
    expect(html.startsWith("<!DOCTYPE html>\n<html")).toBe(true);
    expect([...bySection.keys()]).toEqual(["success", "athena-query-fails", "docker-only", "copy-lands-in-production"]);
  });

  it("is self-contained: no external URL, stylesheet, script or image", () => {
    expect(html).not.toMatch(/\b(?:src|href|xlink:href|action|srcset)\s*=\s*(?!["']?#)/i);
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toMatch(/url\(\s*(?!["']?#)/i);
    expect(html).not.toMatch(/@import|<link\b|<img\b|<iframe\b|<object\b|<embed\b/i);
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<style\b/g)).toHaveLength(1);
  });

  it("draws one graph per scenario with a definition, with one node per state", () => {
    for (const [name, s] of bySection) {
      const svgs = s.match(/<svg class="graph"/g) ?? [];
      expect({ name, svgs: svgs.length }).toEqual({ name, svgs: name === "docker-only" ? 0 : 1 });
      if (name !== "docker-only") expect([...nodes(s).keys()].sort()).toEqual(Object.keys(PIPELINE.States).sort());
    }
  });

  it("highlights exactly the visited states of the failing run, with failed, retried and terminal marks", () => {
    const ns = nodes(bySection.get("athena-query-fails")!);
    const visited = [...new Set(failingPath())].sort();
    expect(withClass(ns, "visited")).toEqual(visited);
    expect(withClass(ns, "unvisited")).toEqual(
      Object.keys(PIPELINE.States)
        .filter((n) => !visited.includes(n))
        .sort(),
    );
    expect(withClass(ns, "failed")).toEqual(["PipelineFailed"]);
    expect(withClass(ns, "retried")).toEqual(["NotifyFailureSNS", "RunAthenaQueryLambda"]);
    expect(withClass(ns, "terminal")).toEqual(["PipelineFailed"]);
  });

  it("shows visit counts on revisited states and on the loop edge", () => {
    const s = bySection.get("athena-query-fails")!;
    const wait = /<g class="node [^"]*" data-state="WaitBeforePoll"[\s\S]*?<\/g><\/g>/.exec(s)![0];
    expect(wait).toContain(">×5</text>");
    const loop = edges(s).find((e) => e.key === "CountPoll→WaitBeforePoll")!;
    expect(loop.classes).toEqual(expect.arrayContaining(["back", "taken"]));
    expect(loop.body).toContain(">×4</text>");
  });

  it("emphasises exactly the taken transitions; Catch edges are dashed-class and untaken here", () => {
    const es = edges(bySection.get("athena-query-fails")!);
    const taken = es.filter((e) => e.classes.includes("taken")).map((e) => e.key);
    const path = failingPath();
    const expected = new Set([
      `⟨start⟩→${path[0]}`,
      ...path.slice(1).map((s, i) => `${path[i]}→${s}`),
      "PipelineFailed→⟨end⟩",
    ]);
    expect(new Set(taken)).toEqual(expected);
    const catches = es.filter((e) => e.classes.includes("catch"));
    expect(catches).toHaveLength(3);
    expect(catches.some((e) => e.classes.includes("taken"))).toBe(false);
  });

  it("highlights the happy path and marks Success as terminal on the passing run", () => {
    const ns = nodes(bySection.get("success")!);
    expect(withClass(ns, "visited")).toEqual([...new Set(HAPPY_PATH)].sort());
    expect(withClass(ns, "failed")).toEqual([]);
    expect(withClass(ns, "terminal")).toEqual(["Success"]);
  });

  it("shows failed expectations with expected vs actual, not-observable ones distinctly, and the timeline", () => {
    const s = bySection.get("athena-query-fails")!;
    expect(s).toContain('<span class="note">first difference at index 8 (expected 10 items, actual 23 items)</span>');
    expect(s).toContain('<span class="minus">- [ 8] CopyResultsToProduction   ← first difference</span>');
    expect(s).toContain('<span class="minus">expected: &quot;SUCCEEDED&quot;</span>');
    expect(s).toContain('<details class="timeline" open="open">');
    expect(s).toMatch(/<tr class="retry" data-state="RunAthenaQueryLambda"><td class="t">\+00:01\.3<\/td>/);
    const no = bySection.get("copy-lands-in-production")!;
    expect(no).toContain('<tr class="not-observable"><td class="st">○ not observable on embedded</td>');
    expect(html).toContain("1 expectation not observable (not counted as passes)");
    expect(bySection.get("docker-only")).toContain("TargetUnavailableError: target &#39;localstack&#39;");
  });

  it("escapes a <script> injection in a cause and in a state name", () => {
    expect(html).not.toContain('<script>alert("pwned")</script>');
    expect(html).toContain("&lt;script&gt;alert(\\&quot;pwned\\&quot;)&lt;/script&gt;");

    const evil = `<script>alert('x')</script>"`;
    const definition: StateMachineDefinition = {
      StartAt: evil,
      States: { [evil]: { Type: "Pass", Next: "Done" }, Done: { Type: "Succeed" } },
    };
    const h = new HistoryBuilder().start().pass("Pass", evil);
    h.enter("Succeed", "Done").exit("Succeed", "Done");
    h.succeed();
    const base = passingResult();
    const r: ScenarioRunResult = {
      ...base,
      scenario: { ...base.scenario, name: `<img src=x onerror=alert(1)>`, description: "<b>bold</b>" },
      definition,
      execution: { ...base.execution!, history: h.events },
      executions: [],
    };
    const page = renderHtmlReport([summaryOf([r])]);
    expect(XMLValidator.validate(page)).toBe(true);
    expect(page.match(/<script\b/g)).toHaveLength(1);
    expect(page).not.toMatch(/<img\b|<b>bold/);
    const ns = nodes(page);
    expect([...ns.keys()].sort()).toEqual(["Done", evil].sort());
    expect(withClass(ns, "visited")).toEqual(["Done", evil].sort());
    expect(page).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;");
  });

  it("draws nested Map/Parallel states as boxes with their inner states as nodes", () => {
    const definition: StateMachineDefinition = {
      StartAt: "FanOut",
      States: {
        FanOut: {
          Type: "Parallel",
          Branches: [
            { StartAt: "A", States: { A: { Type: "Pass", End: true } } },
            {
              StartAt: "M",
              States: {
                M: {
                  Type: "Map",
                  ItemProcessor: { StartAt: "C", States: { C: { Type: "Pass", End: true } } },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    };
    const page = renderHtmlReport([summaryOf([{ ...passingResult(), definition }])]);
    const ns = nodes(page);
    expect([...ns.keys()].sort()).toEqual(["A", "C", "FanOut", "M"]);
    expect(withClass(ns, "container")).toEqual(["FanOut", "M"]);
    expect(page.match(/<g class="branch"/g)).toHaveLength(3);
  });

  it("writes the file atomically into a new directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "html-report-"));
    try {
      const out = join(dir, "reports", "index.html");
      await new HtmlReporter(out).onRunEnd(summaryOf(allFixtures()));
      expect(await readFile(out, "utf8")).toBe(html);
      expect(await readdir(join(dir, "reports"))).toEqual(["index.html"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
