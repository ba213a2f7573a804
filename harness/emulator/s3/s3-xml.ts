import { XMLParser, XMLValidator } from "fast-xml-parser";
import { AwsServiceError, xmlEscape } from "../errors";

/** The namespace every S3 response document carries. */
export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** `<?xml …?><root xmlns="…">inner</root>`, the envelope of every S3 XML response. */
export function xmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}

/** One element with escaped text; nothing at all when the value is `undefined`. */
export function el(tag: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${tag}>${xmlEscape(String(value))}</${tag}>`;
}

/** A parsed element: text for a leaf, child elements by name (always arrays) for a structure. */
export type XmlNode = string | { [tag: string]: XmlNode[] | string };

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: () => true,
  textNodeName: "#text",
});

export function malformedXml(): AwsServiceError {
  return new AwsServiceError(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
  );
}

/** Parses a request body whose root must be `root`; anything else is S3's `MalformedXML`. */
export function parseXmlBody(body: Buffer, root: string): XmlNode {
  const text = body.toString("utf8");
  if (text.trim() === "" || XMLValidator.validate(text) !== true) throw malformedXml();
  const doc = parser.parse(text) as Record<string, XmlNode[] | string>;
  const nodes = doc[root];
  if (!Array.isArray(nodes) || nodes.length !== 1) throw malformedXml();
  return nodes[0]!;
}

/** Child elements named `tag` (structures only; text children are ignored). */
export function children(node: XmlNode | undefined, tag: string): XmlNode[] {
  if (node === undefined || typeof node === "string") return [];
  const found = node[tag];
  return Array.isArray(found) ? found : [];
}

/** Text of the single child `tag`, `""` for an empty element, `undefined` when absent. */
export function childText(node: XmlNode | undefined, tag: string): string | undefined {
  const found = children(node, tag);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw malformedXml();
  const child = found[0]!;
  if (typeof child === "string") return child;
  if (Object.keys(child).some((k) => k !== "#text")) throw malformedXml();
  const text = child["#text"];
  return typeof text === "string" ? text : "";
}
