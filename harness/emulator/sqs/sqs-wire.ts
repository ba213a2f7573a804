/**
 * The two wire protocols SQS speaks, reduced to one shape: the current SDKs use awsJson1_0 (`X-Amz-Target:
 * AmazonSQS.<Op>`, JSON in and out, errors "query compatible"), older SDKs and the AWS CLI v1 the awsQuery form
 * protocol (`Action=<Op>&Attribute.1.Name=...`, XML out). Requests of both become the JSON input object; results are
 * the JSON output object, rendered back in the protocol the request came in.
 */
import type { EmulatorRequest, EmulatorResponse } from "../types";
import { queryFormToTree, type QueryTree } from "../query-form";
import { AwsServiceError, xmlEscape } from "../errors";

/** `json` = awsJson1_0 (current SDKs), `query` = awsQuery (older SDKs, AWS CLI v1). */
export type SqsProtocol = "json" | "query";

const XMLNS = "http://queue.amazonaws.com/doc/2012-11-05/";

/** Error codes whose awsQuery code differs from the awsJson one (what AWS puts in `x-amzn-query-error`). */
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue",
  QueueNameExists: "QueueAlreadyExists",
  InvalidParameterValueException: "InvalidParameterValue",
  MissingRequiredParameterException: "MissingParameter",
  AccessDeniedException: "AccessDenied",
  BatchEntryIdsNotDistinct: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
  BatchRequestTooLong: "AWS.SimpleQueueService.BatchRequestTooLong",
  EmptyBatchRequest: "AWS.SimpleQueueService.EmptyBatchRequest",
  InvalidBatchEntryId: "AWS.SimpleQueueService.InvalidBatchEntryId",
  MessageNotInflight: "AWS.SimpleQueueService.MessageNotInflight",
  PurgeQueueInProgress: "AWS.SimpleQueueService.PurgeQueueInProgress",
  QueueDeletedRecently: "AWS.SimpleQueueService.QueueDeletedRecently",
  TooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
  UnsupportedOperation: "AWS.SimpleQueueService.UnsupportedOperation",
};

/** Errors AWS reports in the generic coral namespace rather than `com.amazonaws.sqs`. */
const CORAL_ERRORS = new Set(["InvalidParameterValueException", "MissingRequiredParameterException"]);

/** The awsQuery error code for an awsJson one (`QueueDoesNotExist` → `AWS.SimpleQueueService.NonExistentQueue`). */
export function sqsQueryErrorCode(code: string): string {
  return QUERY_CODES[code] ?? code;
}

/** Which protocol a request uses, or `undefined` when it is neither. */
export function detectProtocol(req: EmulatorRequest): SqsProtocol | undefined {
  if ((req.headers["x-amz-target"] ?? "").startsWith("AmazonSQS.")) return "json";
  if (req.query.has("Action")) return "query";
  if ((req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return "query";
  return undefined;
}

/** A parsed request: the operation name and its input in the awsJson shape. */
export interface SqsCall {
  protocol: SqsProtocol;
  operation: string;
  input: Record<string, unknown>;
}

/** Parses either protocol into the awsJson input shape; throws an `AwsServiceError` for a malformed body. */
export function parseSqsRequest(req: EmulatorRequest, protocol: SqsProtocol): SqsCall {
  if (protocol === "json") {
    const operation = (req.headers["x-amz-target"] ?? "").slice("AmazonSQS.".length);
    let input: unknown = {};
    const text = req.body.toString("utf8").trim();
    if (text) {
      try {
        input = JSON.parse(text);
      } catch {
        throw new AwsServiceError("SerializationException", "The request body is not valid JSON.", 400);
      }
    }
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new AwsServiceError("SerializationException", "The request body must be a JSON object.", 400);
    }
    return { protocol, operation, input: input as Record<string, unknown> };
  }
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0) {
    for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) params.set(k, v);
  }
  const operation = params.get("Action") ?? "";
  const input = queryToInput(params);
  // Old clients POST to the queue URL itself and may leave QueueUrl out of the form.
  if (input.QueueUrl === undefined && /^\/(queue\/[^/]+\/)?\d{12}\/[^/]+$/.test(req.path)) {
    input.QueueUrl = `http://${req.host || "localhost"}${req.path}`;
  }
  return { protocol, operation, input };
}

type Tree = QueryTree;

/** The numbered members of a flattened list, in index order. */
function members(node: Tree | string | undefined): (Tree | string)[] {
  if (node === undefined || typeof node === "string") return [];
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k]!);
}

function str(node: Tree | string | undefined): string | undefined {
  return typeof node === "string" ? node : undefined;
}

function nameValueMap(node: Tree | string | undefined, keyName: string, valueName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of members(node)) {
    if (typeof m === "string") continue;
    const k = str(m[keyName]);
    if (k !== undefined) out[k] = str(m[valueName]) ?? "";
  }
  return out;
}

function messageAttributes(node: Tree | string | undefined): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const m of members(node)) {
    if (typeof m === "string") continue;
    const name = str(m.Name);
    const value = m.Value;
    if (name === undefined || typeof value !== "object") continue;
    const attr: Record<string, string> = {};
    for (const field of ["DataType", "StringValue", "BinaryValue"]) {
      const v = str(value[field]);
      if (v !== undefined) attr[field] = v;
    }
    out[name] = attr;
  }
  return Object.keys(out).length ? out : undefined;
}

const NUMBER_FIELDS = new Set([
  "DelaySeconds",
  "MaxNumberOfMessages",
  "VisibilityTimeout",
  "WaitTimeSeconds",
  "MaxResults",
]);
const SCALAR_FIELDS = [
  "QueueName",
  "QueueUrl",
  "QueueOwnerAWSAccountId",
  "QueueNamePrefix",
  "NextToken",
  "MessageBody",
  "ReceiptHandle",
  "MessageDeduplicationId",
  "MessageGroupId",
  "ReceiveRequestAttemptId",
  "Id",
  ...NUMBER_FIELDS,
];

function scalars(tree: Tree, into: Record<string, unknown>): void {
  for (const field of SCALAR_FIELDS) {
    const v = str(tree[field]);
    if (v === undefined) continue;
    into[field] = NUMBER_FIELDS.has(field) && /^-?\d+$/.test(v) ? Number(v) : v;
  }
}

function entry(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  scalars(tree, out);
  const attrs = messageAttributes(tree.MessageAttribute);
  if (attrs) out.MessageAttributes = attrs;
  return out;
}

function queryToInput(params: URLSearchParams): Record<string, unknown> {
  const tree = queryFormToTree(params);
  const input: Record<string, unknown> = {};
  scalars(tree, input);
  if (tree.Attribute !== undefined) input.Attributes = nameValueMap(tree.Attribute, "Name", "Value");
  if (tree.Tag !== undefined) input.tags = nameValueMap(tree.Tag, "Key", "Value");
  if (tree.TagKey !== undefined) input.TagKeys = members(tree.TagKey).filter((m) => typeof m === "string");
  for (const list of ["AttributeName", "MessageAttributeName", "MessageSystemAttributeName"]) {
    if (tree[list] !== undefined) input[`${list}s`] = members(tree[list]).filter((m) => typeof m === "string");
  }
  const attrs = messageAttributes(tree.MessageAttribute);
  if (attrs) input.MessageAttributes = attrs;
  for (const batch of [
    "SendMessageBatchRequestEntry",
    "DeleteMessageBatchRequestEntry",
    "ChangeMessageVisibilityBatchRequestEntry",
  ]) {
    if (tree[batch] !== undefined) {
      input.Entries = members(tree[batch]).flatMap((m) => (typeof m === "string" ? [] : [entry(m)]));
    }
  }
  return input;
}

/** SQS operations whose awsQuery response has a result element (an output shape in the service model). */
const QUERY_RESULT_OPERATIONS = new Set([
  "CreateQueue",
  "GetQueueUrl",
  "ListQueues",
  "ReceiveMessage",
  "SendMessage",
  "SendMessageBatch",
  "DeleteMessageBatch",
  "ChangeMessageVisibilityBatch",
  "GetQueueAttributes",
  "ListQueueTags",
  "ListDeadLetterSourceQueues",
  "StartMessageMoveTask",
  "CancelMessageMoveTask",
  "ListMessageMoveTasks",
]);

/** Renders an operation's awsJson output in the request's protocol. */
export function renderSqsResult(
  call: SqsCall,
  output: Record<string, unknown> | undefined,
  requestId: string,
): EmulatorResponse {
  if (call.protocol === "json") {
    return {
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
      body: JSON.stringify(output ?? {}),
    };
  }
  const op = call.operation;
  // Operations with an output shape always carry their `<OpResult>` wrapper, empty or not (an empty ReceiveMessage is
  // `<ReceiveMessageResult/>`): botocore's query parser (e.g. 1.29) fails without it. The others have none.
  const result = QUERY_RESULT_OPERATIONS.has(op)
    ? `<${op}Result>${output && Object.keys(output).length > 0 ? resultXml(op, output) : ""}</${op}Result>`
    : "";
  return {
    status: 200,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body:
      `<?xml version="1.0"?>\n<${op}Response xmlns="${XMLNS}">${result}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`,
  };
}

/** XML text, keeping carriage returns (an XML parser would fold a literal CR into LF). */
function text(value: unknown): string {
  return xmlEscape(String(value)).replace(/\r/g, "&#xD;");
}

function el(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

function resultXml(op: string, output: Record<string, unknown>): string {
  let xml = "";
  for (const [key, value] of Object.entries(output)) {
    if (value === undefined || value === null) continue;
    switch (key) {
      case "QueueUrls":
        xml += (value as string[]).map((u) => el("QueueUrl", text(u))).join("");
        break;
      case "Attributes":
        xml += attributeXml(value as Record<string, string>);
        break;
      case "Tags":
        xml += Object.entries(value as Record<string, string>)
          .map(([k, v]) => el("Tag", el("Key", text(k)) + el("Value", text(v))))
          .join("");
        break;
      case "Messages":
        xml += (value as Record<string, unknown>[]).map((m) => el("Message", messageXml(m))).join("");
        break;
      case "Successful":
        xml += (value as Record<string, unknown>[]).map((e) => el(`${op}ResultEntry`, flatXml(e))).join("");
        break;
      case "Failed":
        xml += (value as Record<string, unknown>[]).map((e) => el("BatchResultErrorEntry", flatXml(e))).join("");
        break;
      default:
        xml += el(key, text(value));
    }
  }
  return xml;
}

function attributeXml(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => el("Attribute", el("Name", text(k)) + el("Value", text(v))))
    .join("");
}

function flatXml(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => el(k, text(v)))
    .join("");
}

function messageXml(m: Record<string, unknown>): string {
  let xml = "";
  for (const [key, value] of Object.entries(m)) {
    if (value === undefined) continue;
    if (key === "Attributes") xml += attributeXml(value as Record<string, string>);
    else if (key === "MessageAttributes") {
      xml += Object.entries(value as Record<string, Record<string, string>>)
        .map(([name, attr]) => el("MessageAttribute", el("Name", text(name)) + el("Value", flatXml(attr))))
        .join("");
    } else xml += el(key, text(value));
  }
  return xml;
}

/**
 * Renders an error the way SQS does: for awsJson a `__type` with the shape id plus the `x-amzn-query-error` header
 * carrying the awsQuery code (the SDK maps `AWS.SimpleQueueService.NonExistentQueue` to `QueueDoesNotExist` through
 * it); for awsQuery the classic `<ErrorResponse>` with the query code.
 */
export function renderSqsError(protocol: SqsProtocol, err: AwsServiceError, requestId: string): EmulatorResponse {
  const queryCode = sqsQueryErrorCode(err.code);
  if (protocol === "json") {
    const namespace = CORAL_ERRORS.has(err.code) ? "com.amazon.coral.service" : "com.amazonaws.sqs";
    return {
      status: err.status,
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-requestid": requestId,
        "x-amzn-query-error": `${queryCode};${err.fault}`,
      },
      body: JSON.stringify({ __type: `${namespace}#${err.code}`, message: err.message }),
    };
  }
  return {
    status: err.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body:
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${err.fault}</Type>` +
      `<Code>${text(queryCode)}</Code><Message>${text(err.message)}</Message><Detail/></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
