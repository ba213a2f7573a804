/**
 * The awsQuery protocol as SNS speaks it (the protocol @aws-sdk/client-sns 3.x uses): form-encoded requests with
 * `Attributes.entry.N.key`, `MessageAttributes.entry.N.Value.DataType`, `Tags.member.N.Key`, and XML responses
 * `<OpResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><OpResult>…</OpResult><ResponseMetadata>…`.
 */
import type { EmulatorRequest, EmulatorResponse } from "../types";
import { queryFormToTree, type QueryTree } from "../query-form";
import { xmlEscape } from "../errors";

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

/** A string map rendered as `<entry><key/><value/></entry>` (awsQuery map serialisation). */
export class XmlMap {
  constructor(readonly entries: Record<string, string>) {}
}

/** A value a result may hold: text, a nested structure, a `<member>` list, or a map. */
export type XmlValue = string | number | boolean | XmlMap | XmlValue[] | { [key: string]: XmlValue | undefined };

type Tree = QueryTree;

/** The request's form parameters (body and query string), merged. */
export function formParams(req: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0) for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) params.set(k, v);
  return params;
}

function indexed(node: Tree): (Tree | string)[] {
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k]!);
}

/** Parsed awsQuery input: strings, nested objects, lists (`member`), maps (`entry`). */
export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

function convert(node: Tree | string): QueryValue {
  if (typeof node === "string") return node;
  if (typeof node.entry === "object") {
    const map: Record<string, QueryValue> = {};
    for (const e of indexed(node.entry)) {
      if (typeof e === "string") continue;
      const key = e.key ?? e.Name;
      const value = e.value ?? e.Value;
      if (typeof key === "string" && value !== undefined) map[key] = convert(value);
    }
    return map;
  }
  if (typeof node.member === "object") return indexed(node.member).map(convert);
  const out: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(node)) out[k] = convert(v);
  return out;
}

/** Turns the form into the operation name and an input object shaped like the API's (maps as objects, lists as arrays). */
export function parseQuery(params: URLSearchParams): { action: string; input: Record<string, QueryValue> } {
  return { action: params.get("Action") ?? "", input: convert(queryFormToTree(params)) as Record<string, QueryValue> };
}

/** XML text, keeping carriage returns (a parser would fold a literal CR into LF). */
function text(value: string | number | boolean): string {
  return xmlEscape(String(value)).replace(/\r/g, "&#xD;");
}

function valueXml(value: XmlValue): string {
  if (value instanceof XmlMap) {
    return Object.entries(value.entries)
      .map(([k, v]) => `<entry><key>${text(k)}</key><value>${text(v)}</value></entry>`)
      .join("");
  }
  if (Array.isArray(value)) return value.map((v) => `<member>${valueXml(v)}</member>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${valueXml(v!)}</${k}>`)
      .join("");
  }
  return text(value);
}

/** A successful awsQuery response; `result` undefined for operations without output (DeleteTopic, Unsubscribe…). */
export function queryResponse(
  action: string,
  result: Record<string, XmlValue | undefined> | undefined,
  requestId: string,
): EmulatorResponse {
  const inner = result === undefined ? "" : `<${action}Result>${valueXml(result as XmlValue)}</${action}Result>`;
  return {
    status: 200,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body:
      `<?xml version="1.0"?>\n<${action}Response xmlns="${XMLNS}">${inner}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}
