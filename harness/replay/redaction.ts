/**
 * Replaces sensitive values (patient data) before an imported scenario is written. Values are chosen by JSONPath
 * (`--redact '$.patient.ssn'`, applied to the execution input and to every mocked Task output) or by regular
 * expression (`--redact-pattern`, applied to every string), and the same original always becomes the same token
 * (`<redacted:1>`) everywhere — in documents and inside texts such as error causes that embed it — so the replay
 * still reproduces the recorded path: the definition sees consistent (if meaningless) values.
 */
import { JSONPath } from "jsonpath-plus";

/** A `--redact` JSONPath or `--redact-pattern` regular expression that cannot be used. */
export class RedactionSpecError extends Error {
  override readonly name = "RedactionSpecError";
}

/** Shortest string original replaced inside longer strings; shorter ones are replaced only as whole values. */
const MIN_SUBSTRING = 4;

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A JSON string's content as it appears between the quotes. */
function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * One redaction session: register originals (from JSONPaths or patterns) and replace them consistently. Documents
 * first ({@link redactDocument}), then texts ({@link redactText}), so a text is cleaned of every original any
 * document gave up.
 */
export class Redactor {
  private readonly tokens = new Map<string, string>();
  private readonly originals: Array<{ value: unknown; token: string }> = [];
  private readonly patterns: RegExp[];
  /** How many values each `--redact` path matched, over all documents. */
  readonly matches = new Map<string, number>();

  constructor(
    readonly paths: readonly string[] = [],
    patterns: readonly string[] = [],
  ) {
    for (const p of paths) {
      if (!p.startsWith("$")) {
        throw new RedactionSpecError(
          `--redact '${p}' is not a JSONPath: it must start with \`$\` (e.g. '$.patient.ssn')`,
        );
      }
      try {
        JSONPath({ path: p, json: {}, wrap: true });
      } catch (e) {
        throw new RedactionSpecError(`--redact '${p}' is not a valid JSONPath: ${(e as Error).message}`);
      }
      this.matches.set(p, 0);
    }
    this.patterns = patterns.map((p) => {
      try {
        return new RegExp(p, "g");
      } catch (e) {
        throw new RedactionSpecError(
          `--redact-pattern '${p}' is not a valid regular expression: ${(e as Error).message}`,
        );
      }
    });
  }

  /** True when nothing is to be redacted. */
  get empty(): boolean {
    return this.paths.length === 0 && this.patterns.length === 0;
  }

  /** Distinct values replaced so far. */
  get count(): number {
    return this.originals.length;
  }

  /** The token for an original value (the same value always gets the same token). */
  tokenFor(value: unknown): string {
    const key = canonical(value);
    let token = this.tokens.get(key);
    if (token === undefined) {
      token = `<redacted:${this.originals.length + 1}>`;
      this.tokens.set(key, token);
      this.originals.push({ value, token });
    }
    return token;
  }

  /**
   * Registers the values at the JSONPaths in `doc` without changing it (for texts that are JSON, e.g. a Lambda
   * error's cause: the text is then cleaned by {@link redactText}, keeping its exact formatting).
   */
  collect(doc: unknown): void {
    for (const path of this.paths) {
      const hits = JSONPath({ path, json: doc as object, resultType: "value", wrap: true }) as unknown[];
      for (const v of hits) {
        if (v === undefined) continue;
        this.tokenFor(v);
        this.matches.set(path, (this.matches.get(path) ?? 0) + 1);
      }
    }
  }

  /** A copy of `doc` with the values at the JSONPaths, and pattern matches in strings, replaced by their tokens. */
  redactDocument<T>(doc: T): T {
    if (this.empty) return doc;
    const copy = structuredClone(doc) as unknown;
    let root = copy;
    for (const path of this.paths) {
      const hits = JSONPath({ path, json: root as object, resultType: "all", wrap: true }) as Array<{
        value: unknown;
        parent: unknown;
        parentProperty: string | number | null;
      }>;
      // Deepest first, so replacing a parent does not hide a child that is also selected.
      for (const h of hits.reverse()) {
        if (h.value === undefined) continue;
        const token = this.tokenFor(h.value);
        this.matches.set(path, (this.matches.get(path) ?? 0) + 1);
        if (h.parent === null || h.parentProperty === null) root = token;
        else (h.parent as Record<string | number, unknown>)[h.parentProperty] = token;
      }
    }
    return this.replaceStrings(root) as T;
  }

  /** Applies every registered original and every pattern to the strings inside a value (after JSONPaths ran). */
  private replaceStrings(v: unknown): unknown {
    if (typeof v === "string") return this.redactText(v, { wholeValue: true });
    if (Array.isArray(v)) return v.map((x) => this.replaceStrings(x));
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.replaceStrings(x)]));
    }
    return v;
  }

  /**
   * A text with every registered original replaced — as itself, as JSON string content (inside an embedded JSON
   * document) and, for non-string originals, as a JSON value — then every pattern match.
   */
  redactText(text: string, options: { wholeValue?: boolean } = {}): string {
    if (this.empty) return text;
    let out = text;
    for (const { value, token } of this.originals) {
      if (typeof value === "string") {
        if (value === "") continue;
        if (out === value) {
          out = token;
          continue;
        }
        if (value.length < MIN_SUBSTRING) continue;
        out = out.split(value).join(token);
        const inner = jsonInner(value);
        if (inner !== value) out = out.split(inner).join(token);
        // Doubly embedded (a JSON document inside a JSON string), as in causes that carry a serialized payload.
        const twice = jsonInner(inner);
        if (twice !== inner) out = out.split(twice).join(token);
      } else if (!options.wholeValue || typeof value !== "object") {
        const json = JSON.stringify(value);
        if (json === undefined || json.length < MIN_SUBSTRING) continue;
        out = out.replace(
          new RegExp(`(?<=[:\\[,]\\s*)${escapeRegExp(json)}(?=\\s*[,}\\]])`, "g"),
          JSON.stringify(token),
        );
      }
    }
    for (const re of this.patterns) {
      out = out.replace(re, (m) => (m === "" ? m : this.tokenFor(m)));
    }
    return out;
  }

  /** `--redact` paths that matched nothing (probably a typo). */
  unmatchedPaths(): string[] {
    return [...this.matches].filter(([, n]) => n === 0).map(([p]) => p);
  }
}
