/**
 * Splits a file into the JSON documents it holds — one (`aws … get-execution-history > h.json`), or several written
 * one after another (paginated output appended page by page: `{"events":…}{"events":…}` or one per line) — and
 * parses each, with `line:column` for every syntax error. `JSON.parse` words its errors differently on every Node
 * version and often gives no position, so positions come from a small checker of our own, run only on failure.
 */

/** A position in the text, 1-based. */
export interface TextPosition {
  line: number;
  column: number;
}

/** One parsed document and where it starts. */
export interface JsonDocument {
  value: unknown;
  start: TextPosition;
  /** Offset of the first character (after leading whitespace). */
  offset: number;
}

/** The text is not one or more JSON documents; says where and what. */
export class JsonDocumentsError extends Error {
  override readonly name = "JsonDocumentsError";
  constructor(
    readonly problem: string,
    readonly position: TextPosition,
    /** The text ended inside a document (a cut-off download or copy). */
    readonly truncated = false,
  ) {
    super(`${position.line}:${position.column}: ${problem}`);
  }
}

/** Line and column of an offset. */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return "the end of the file";
  if (c === "\n") return "a line break";
  return JSON.stringify(c);
}

/**
 * Finds where the document starting at `from` ends: the offset after its closing bracket. Strings are skipped so
 * brackets inside them do not count. Throws for a stray closing bracket or a text that ends inside the document.
 */
function documentEnd(text: string, from: number): number {
  const stack: string[] = [];
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      if (i >= text.length) break;
    } else if (c === "{" || c === "[") {
      stack.push(c);
    } else if (c === "}" || c === "]") {
      const open = stack.pop();
      if (open === undefined || (open === "{") !== (c === "}")) {
        throw new JsonDocumentsError(`unexpected ${describeChar(c)}: it closes nothing`, positionAt(text, i));
      }
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  const p = positionAt(text, from);
  throw new JsonDocumentsError(
    `the file ends inside the JSON document that starts at line ${p.line}:${p.column} (${stack.length} bracket${stack.length === 1 ? "" : "s"} still open): the file is truncated`,
    positionAt(text, text.length),
    true,
  );
}

/**
 * Where a JSON text first goes wrong and what was expected there, or undefined when it is valid JSON. A small
 * recursive-descent checker; it does not build values.
 */
export function findJsonSyntaxError(text: string, base = 0): { offset: number; problem: string } | undefined {
  let i = base;
  const fail = (problem: string): never => {
    throw { offset: i, problem };
  };
  const ws = () => {
    while (isSpace(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`expected \`${word}\`, found ${describeChar(text[i])}`);
      i++;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail("the string is not closed before the end of the file");
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("a \\u escape needs four hex digits");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape \\${e ?? ""} in a string`);
      } else if (c.charCodeAt(0) < 0x20) {
        fail("a control character (e.g. a raw line break) inside a string; JSON strings escape them");
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail(`expected a value, found ${describeChar(text[i])}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${describeChar(text[i])}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected \`:\` after the property name, found ${describeChar(text[i])}`);
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected \`,\` or \`}\` after a property value, found ${describeChar(text[i])}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected \`,\` or \`]\` after an array element, found ${describeChar(text[i])}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describeChar(text[i])} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (e && typeof e === "object" && "offset" in e) return e as { offset: number; problem: string };
    throw e;
  }
}

/**
 * Every JSON document in `text`, in order. Each must be an object or an array (what the AWS CLI and SDK write).
 * @throws JsonDocumentsError with the position of the first problem (not JSON, a syntax error, a truncated file).
 */
export function parseJsonDocuments(text: string): JsonDocument[] {
  const docs: JsonDocument[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (isSpace(text[i])) i++;
    if (i >= text.length) break;
    const c = text[i];
    if (c !== "{" && c !== "[") {
      const first = docs.length === 0;
      throw new JsonDocumentsError(
        first
          ? `not JSON: found ${describeChar(c)} where a JSON object or array should start`
          : `unexpected ${describeChar(c)} after the JSON document that ends before it (only JSON documents may follow one another)`,
        positionAt(text, i),
      );
    }
    const end = documentEnd(text, i);
    const slice = text.slice(i, end);
    let value: unknown;
    try {
      value = JSON.parse(slice);
    } catch (e) {
      const found = findJsonSyntaxError(text.slice(0, end), i);
      const offset = found?.offset ?? i;
      throw new JsonDocumentsError(
        found?.problem ?? `not valid JSON (${(e as Error).message})`,
        positionAt(text, Math.min(offset, end)),
      );
    }
    docs.push({ value, start: positionAt(text, i), offset: i });
    i = end;
  }
  return docs;
}
