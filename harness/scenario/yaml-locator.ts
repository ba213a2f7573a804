import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from "yaml";

/** A field path: mapping keys and list indexes, outermost first. */
export type FieldPath = ReadonlyArray<string | number>;

/** Where a problem is shown: the value, the key naming it (unknown keys), or the mapping it is missing from. */
export type Anchor = "value" | "key" | "parent";

export interface Position {
  line: number;
  column: number;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `expect.s3[1].equals`, `mocks["My State"][0]`, `expect.lambda.run-athena-query`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/**
 * Maps field paths of a parsed YAML document back to `line:column` of their nodes, so a problem found in the
 * plain JavaScript value (by zod or by a cross-field check) points into the file.
 */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** 1-based line and column of a source offset. */
  at(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where to show a problem at `path`. A path that leads nowhere (a missing key) resolves to the deepest node that
   * exists on it, i.e. the mapping the key is missing from.
   */
  locate(path: FieldPath, anchor: Anchor): Position {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    let parent: unknown = undefined;
    const target = anchor === "parent" ? path.slice(0, -1) : path;
    for (const seg of target) {
      if (isAlias(node)) node = node.resolve(this.doc);
      let next: unknown;
      let nextPair: Pair | undefined;
      if (isMap(node)) {
        nextPair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (nextPair === undefined) break;
        next = nextPair.value;
      } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
        next = node.items[seg];
        nextPair = undefined;
      } else {
        break;
      }
      parent = node;
      node = next;
      pair = nextPair;
      if (node === null || node === undefined) break;
    }
    const keyNode = pair?.key as Node | undefined;
    if (anchor === "key" && keyNode?.range) return this.at(keyNode.range[0]);
    const valueNode = node as Node | null | undefined;
    // An empty value (`key:`) has a zero-width range after the colon; the key is the better place to point at.
    const empty = isScalar(valueNode) && valueNode.value === null && valueNode.range?.[0] === valueNode.range?.[1];
    if (valueNode?.range && !empty) return this.at(valueNode.range[0]);
    if (keyNode?.range) return this.at(keyNode.range[0]);
    const container = parent as Node | undefined;
    if (container?.range) return this.at(container.range[0]);
    const root = this.doc.contents as Node | null;
    return root?.range ? this.at(root.range[0]) : { line: 1, column: 1 };
  }
}
