import { randomUUID } from "node:crypto";
import type { ServiceFactory } from "../edge";
import { AwsServiceError } from "../errors";
import type { SqsInternal } from "../internal-apis";
import { ACCOUNT_ID } from "../types";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { md5OfBody, md5OfMessageAttributes } from "./sqs-checksums";
import type { SqsAttributeValue } from "./sqs-checksums";
import { COMPUTED_QUEUE_ATTRIBUTES, SETTABLE_QUEUE_ATTRIBUTES, SqsQueue } from "./sqs-queue";
import type { StoredMessage } from "./sqs-queue";
import { detectProtocol, parseSqsRequest, renderSqsError, renderSqsResult } from "./sqs-wire";
import type { SqsCall, SqsProtocol } from "./sqs-wire";

type Input = Record<string, unknown>;
type Output = Record<string, unknown> | undefined;

/** Wire shape of a message attribute (JSON: `BinaryValue` in base64). */
interface WireAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/**
 * Long polls re-check the queue at least this often (clock time). They also wake at once on a send and at the
 * instant the next message becomes visible; the step only bounds the stray timer a woken poll leaves on a virtual
 * clock (the `Clock` interface cannot cancel a sleep), so that it never drags virtual time forward by more than this.
 */
export const LONG_POLL_STEP_MS = 1000;

const MAX_BATCH_ENTRIES = 10;
// eslint-disable-next-line no-control-regex -- the characters SQS allows are defined by code point
const VALID_BODY = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const SYSTEM_ATTRIBUTE_NAMES = [
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
] as const;

function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError("InvalidParameterValueException", message, 400);
}

function optionalInt(input: Input, field: string): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n))
    throw invalidParameter(`Value ${String(v)} for parameter ${field} is invalid. Reason: must be an integer.`);
  return n;
}

function requiredString(input: Input, field: string): string {
  const v = input[field];
  if (typeof v !== "string" || v === "") {
    throw new AwsServiceError(
      "MissingRequiredParameterException",
      `The request must contain the parameter ${field}.`,
      400,
    );
  }
  return v;
}

function stringList(input: Input, field: string): string[] {
  const v = input[field];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function stringMap(input: Input, field: string): Record<string, string> {
  const v = input[field];
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}

function accessKeyOf(req: EmulatorRequest): string | undefined {
  return /Credential=([^/]+)\//.exec(req.headers["authorization"] ?? "")?.[1];
}

/**
 * The SQS emulator: standard queues in memory, every time (delays, visibility timeouts, retention, long polls) on the
 * edge's clock. Speaks awsJson1_0 (current SDKs) and awsQuery (old SDKs, AWS CLI v1), and renders its own errors so
 * that the JSON protocol carries the `x-amzn-query-error` header AWS sends. FIFO queues are refused with a clear error.
 */
export class SqsEmulator implements ServiceEmulator, SqsInternal {
  readonly name = "sqs";
  /** Queues by `<region>/<name>`. */
  private queues = new Map<string, SqsQueue>();
  private closed = false;

  constructor(private readonly ctx: EmulatorContext) {}

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const detected = detectProtocol(req);
    const protocol: SqsProtocol = detected ?? "json";
    try {
      if (!detected) {
        throw new AwsServiceError(
          "InvalidAction",
          "SQS requests must be awsJson1_0 (X-Amz-Target: AmazonSQS.<Operation>) or awsQuery (Action=<Operation>)",
          400,
        );
      }
      const call = parseSqsRequest(req, protocol);
      const output = await this.dispatch(call, req);
      return renderSqsResult(call, output, requestId);
    } catch (e) {
      if (!(e instanceof AwsServiceError)) throw e;
      // Same code over awsQuery, with the wording that protocol has always used.
      const err =
        e.code === "QueueDoesNotExist" && protocol === "query"
          ? new AwsServiceError(e.code, "The specified queue does not exist for this wsdl version.", e.status)
          : e;
      return renderSqsError(protocol, err, requestId);
    }
  }

  private dispatch(call: SqsCall, req: EmulatorRequest): Promise<Output> | Output {
    const input = call.input;
    switch (call.operation) {
      case "CreateQueue":
        return this.createQueue(input, req);
      case "GetQueueUrl":
        return { QueueUrl: this.urlOf(this.queueByName(req.region, requiredString(input, "QueueName")), req) };
      case "ListQueues":
        return this.listQueues(input, req);
      case "DeleteQueue":
        return this.deleteQueue(input, req);
      case "GetQueueAttributes":
        return this.getQueueAttributes(input, req);
      case "SetQueueAttributes":
        return this.setQueueAttributes(input, req);
      case "PurgeQueue":
        return this.purgeQueue(input, req);
      case "TagQueue": {
        const queue = this.queueByUrl(input, req);
        Object.assign(queue.tags, stringMap(input, input.Tags !== undefined ? "Tags" : "tags"));
        return undefined;
      }
      case "UntagQueue": {
        const queue = this.queueByUrl(input, req);
        for (const k of stringList(input, "TagKeys")) delete queue.tags[k];
        return undefined;
      }
      case "ListQueueTags": {
        const queue = this.queueByUrl(input, req);
        return Object.keys(queue.tags).length ? { Tags: { ...queue.tags } } : {};
      }
      case "SendMessage":
        return this.sendMessage(input, req);
      case "SendMessageBatch":
        return this.sendMessageBatch(input, req);
      case "ReceiveMessage":
        return this.receiveMessage(input, req);
      case "DeleteMessage":
        this.deleteMessage(this.queueByUrl(input, req), requiredString(input, "ReceiptHandle"));
        return undefined;
      case "DeleteMessageBatch":
        return this.batch(input, req, (queue, e) => this.deleteMessage(queue, requiredString(e, "ReceiptHandle")));
      case "ChangeMessageVisibility":
        this.changeVisibility(this.queueByUrl(input, req), input);
        return undefined;
      case "ChangeMessageVisibilityBatch":
        return this.batch(input, req, (queue, e) => this.changeVisibility(queue, e));
      default:
        throw new AwsServiceError(
          call.operation ? "UnsupportedOperation" : "InvalidAction",
          call.operation
            ? `SQS operation ${call.operation} is not implemented by the pipeline-testbed emulator`
            : "The request names no SQS operation",
          400,
        );
    }
  }

  // ---- queues ----

  private key(region: string, name: string): string {
    return `${region}/${name}`;
  }

  private urlOf(queue: SqsQueue, req?: EmulatorRequest): string {
    const base = req?.host ? `http://${req.host}` : this.ctx.endpoint();
    return `${base}/${queue.accountId}/${queue.name}`;
  }

  private queueByName(region: string, name: string): SqsQueue {
    const queue = this.queues.get(this.key(region, name));
    if (!queue) throw new AwsServiceError("QueueDoesNotExist", "The specified queue does not exist.", 400);
    return queue;
  }

  /** Resolves `QueueUrl` by its last two path segments (`/<account>/<name>`), whatever host it names. */
  private queueByUrl(input: Input, req: EmulatorRequest): SqsQueue {
    const url = requiredString(input, "QueueUrl");
    const match = /(?:\/queue\/([a-z0-9-]+))?\/(\d{12})\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
    if (!match) {
      throw new AwsServiceError("InvalidAddress", `The address ${url} is not valid for this endpoint.`, 404);
    }
    return this.queueByName(match[1] ?? req.region, decodeURIComponent(match[3]!));
  }

  private validateAttributes(attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (
        name === "FifoQueue" ||
        name === "ContentBasedDeduplication" ||
        name === "DeduplicationScope" ||
        name === "FifoThroughputLimit"
      ) {
        throw new AwsServiceError(
          "UnsupportedOperation",
          `${name}: FIFO queues are not emulated by pipeline-testbed; use a standard queue or the localstack target`,
          400,
        );
      }
      if (!(name in SETTABLE_QUEUE_ATTRIBUTES)) {
        throw new AwsServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`, 400);
      }
      const range = SETTABLE_QUEUE_ATTRIBUTES[name];
      if (range && !(/^\d+$/.test(value) && Number(value) >= range[0] && Number(value) <= range[1])) {
        throw new AwsServiceError("InvalidAttributeValue", `Invalid value for the parameter ${name}.`, 400);
      }
      if (name === "RedrivePolicy" && value !== "") this.validateRedrivePolicy(value);
    }
  }

  private validateRedrivePolicy(value: string): void {
    let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      policy = JSON.parse(value) as typeof policy;
    } catch {
      throw new AwsServiceError(
        "InvalidAttributeValue",
        "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.",
        400,
      );
    }
    if (typeof policy.deadLetterTargetArn !== "string") {
      throw invalidParameter("The required parameter 'deadLetterTargetArn' is missing");
    }
    const count = Number(policy.maxReceiveCount);
    if (policy.maxReceiveCount === undefined)
      throw invalidParameter("The required parameter 'maxReceiveCount' is missing");
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw invalidParameter(
        `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(policy.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
      );
    }
  }

  private createQueue(input: Input, req: EmulatorRequest): Output {
    const name = requiredString(input, "QueueName");
    const attributes = stringMap(input, "Attributes");
    if (attributes.FifoQueue !== undefined || name.endsWith(".fifo")) {
      throw new AwsServiceError(
        "UnsupportedOperation",
        `Queue ${name}: FIFO queues are not emulated by pipeline-testbed; use a standard queue or the localstack target`,
        400,
      );
    }
    if (!/^[a-zA-Z0-9_-]{1,80}$/.test(name)) {
      throw invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    }
    if (attributes.Policy === "") delete attributes.Policy;
    this.validateAttributes(attributes);
    const existing = this.queues.get(this.key(req.region, name));
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if (existing.attributes[k] !== v) {
          throw new AwsServiceError(
            "QueueNameExists",
            `A queue already exists with the same name and a different value for attribute ${k}`,
            400,
          );
        }
      }
      return { QueueUrl: this.urlOf(existing, req) };
    }
    const queue = new SqsQueue(name, req.region, ACCOUNT_ID, this.ctx.clock.now());
    Object.assign(queue.attributes, attributes);
    Object.assign(queue.tags, stringMap(input, "tags"));
    this.queues.set(this.key(req.region, name), queue);
    return { QueueUrl: this.urlOf(queue, req) };
  }

  private listQueues(input: Input, req: EmulatorRequest): Output {
    const prefix = typeof input.QueueNamePrefix === "string" ? input.QueueNamePrefix : "";
    const urls = [...this.queues.values()]
      .filter((q) => q.region === req.region && q.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((q) => this.urlOf(q, req));
    const max = optionalInt(input, "MaxResults");
    if (max !== undefined && (max < 1 || max > 1000)) {
      throw invalidParameter(`Value ${max} for parameter MaxResults is invalid. Reason: must be between 1 and 1000.`);
    }
    let start = 0;
    if (typeof input.NextToken === "string" && input.NextToken) {
      start = Number(Buffer.from(input.NextToken, "base64").toString("utf8"));
      if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid NextToken value.");
    }
    if (urls.length === 0) return {};
    if (max === undefined) return { QueueUrls: urls };
    const page = urls.slice(start, start + max);
    const next = start + max < urls.length ? Buffer.from(String(start + max)).toString("base64") : undefined;
    return next ? { QueueUrls: page, NextToken: next } : { QueueUrls: page };
  }

  private deleteQueue(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    this.queues.delete(this.key(queue.region, queue.name));
    queue.deleted = true;
    queue.purge();
    queue.notify();
    return undefined;
  }

  private getQueueAttributes(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    const names = stringList(input, "AttributeNames");
    if (names.length === 0) return {};
    const all = this.queueAttributes(queue);
    const wanted = names.includes("All") ? Object.keys(all) : names;
    const out: Record<string, string> = {};
    for (const name of wanted) {
      if (!(name in SETTABLE_QUEUE_ATTRIBUTES) && !(COMPUTED_QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
        throw new AwsServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`, 400);
      }
      if (all[name] !== undefined) out[name] = all[name];
    }
    return Object.keys(out).length ? { Attributes: out } : {};
  }

  private queueAttributes(queue: SqsQueue): Record<string, string> {
    const now = this.ctx.clock.now();
    const values: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(queue.count("visible", now)),
      ApproximateNumberOfMessagesDelayed: String(queue.count("delayed", now)),
      ApproximateNumberOfMessagesNotVisible: String(queue.count("in-flight", now)),
      QueueArn: queue.arn,
    };
    return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private setQueueAttributes(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    const attributes = stringMap(input, "Attributes");
    for (const name of Object.keys(attributes)) {
      if ((COMPUTED_QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
        throw new AwsServiceError("InvalidAttributeName", `Unknown Attribute ${name}.`, 400);
      }
    }
    this.validateAttributes(attributes);
    for (const [k, v] of Object.entries(attributes)) {
      if (v === "" && (k === "Policy" || k === "RedrivePolicy" || k === "RedriveAllowPolicy"))
        delete queue.attributes[k];
      else queue.attributes[k] = v;
    }
    queue.attributes.LastModifiedTimestamp = String(Math.floor(this.ctx.clock.now() / 1000));
    return undefined;
  }

  private purgeQueue(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    const now = this.ctx.clock.now();
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < 60_000) {
      throw new AwsServiceError(
        "PurgeQueueInProgress",
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
        403,
      );
    }
    queue.lastPurgeAt = now;
    queue.purge();
    return undefined;
  }

  // ---- messages ----

  private decodeAttributes(raw: unknown, where = "MessageAttributes"): Record<string, SqsAttributeValue> {
    const out: Record<string, SqsAttributeValue> = {};
    if (raw === undefined || raw === null) return out;
    if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParameter(`${where} must be a map.`);
    for (const [name, value] of Object.entries(raw as Record<string, WireAttribute>)) {
      if (name.length >= 256) throw invalidParameter("Message (user) attribute names must be shorter than 256 Bytes");
      if (!/^[\u00c0-\u017fa-zA-Z0-9_.-]+$/.test(name)) {
        throw invalidParameter(
          "Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ",
        );
      }
      if (/^(aws\.|amazon\.|\.)/i.test(name) || name.endsWith(".")) {
        throw invalidParameter(
          "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
        );
      }
      const type = value?.DataType;
      if (!type) throw invalidParameter("Missing required parameter DataType");
      if (!/^(String|Number|Binary)/.test(type)) {
        throw invalidParameter(
          `Type for parameter MessageAttributes.Attribute_name.DataType must be prefixed with "String", "Binary", or "Number", but was: ${type}`,
        );
      }
      if (type.startsWith("Binary")) {
        if (!value.BinaryValue) {
          throw invalidParameter(`Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`);
        }
        out[name] = { DataType: type, BinaryValue: Buffer.from(value.BinaryValue, "base64") };
      } else {
        const kind = type.startsWith("Number") ? "Number" : "String";
        if (!value.StringValue) {
          throw invalidParameter(
            `Message (user) attribute '${name}' must contain a non-empty value of type '${kind}'.`,
          );
        }
        if (kind === "Number" && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.StringValue)) {
          throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
        }
        if (!VALID_BODY.test(value.StringValue)) {
          throw invalidParameter(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
          );
        }
        out[name] = { DataType: type, StringValue: value.StringValue };
      }
    }
    return out;
  }

  private static encodeAttributes(attrs: Record<string, SqsAttributeValue>): Record<string, WireAttribute> {
    const out: Record<string, WireAttribute> = {};
    for (const [name, a] of Object.entries(attrs)) {
      out[name] =
        a.BinaryValue !== undefined
          ? { BinaryValue: Buffer.from(a.BinaryValue).toString("base64"), DataType: a.DataType }
          : { StringValue: a.StringValue ?? "", DataType: a.DataType };
    }
    return out;
  }

  private static attributesSize(attrs: Record<string, SqsAttributeValue>): number {
    let size = 0;
    for (const [name, a] of Object.entries(attrs)) {
      size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
      size += a.BinaryValue ? a.BinaryValue.length : Buffer.byteLength(a.StringValue ?? "");
    }
    return size;
  }

  /** Validates and enqueues one message; shared by SendMessage, SendMessageBatch and SNS delivery. */
  private put(
    queue: SqsQueue,
    body: string,
    attributes: Record<string, SqsAttributeValue>,
    options: { delaySeconds?: number; systemAttributes?: Record<string, SqsAttributeValue>; senderId: string },
  ): StoredMessage {
    if (body === "") {
      throw new AwsServiceError(
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageBody.",
        400,
      );
    }
    if (!VALID_BODY.test(body)) {
      throw new AwsServiceError(
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        400,
      );
    }
    const max = queue.numberAttribute("MaximumMessageSize");
    if (Buffer.byteLength(body) + SqsEmulator.attributesSize(attributes) > max) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    const delay = options.delaySeconds ?? queue.numberAttribute("DelaySeconds");
    if (delay < 0 || delay > 900) {
      throw invalidParameter(`Value ${delay} for parameter DelaySeconds is invalid. Reason: Must be >= 0 and <= 900.`);
    }
    const now = this.ctx.clock.now();
    queue.expire(now);
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5OfBody(body),
      messageAttributes: attributes,
      systemAttributes: options.systemAttributes ?? {},
      senderId: options.senderId,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      receiptHandles: new Set(),
    };
    queue.enqueue(message);
    return message;
  }

  private sendResult(message: StoredMessage): Record<string, unknown> {
    const out: Record<string, unknown> = { MD5OfMessageBody: message.md5OfBody };
    const attrsMd5 = md5OfMessageAttributes(message.messageAttributes);
    if (attrsMd5) out.MD5OfMessageAttributes = attrsMd5;
    const systemMd5 = md5OfMessageAttributes(message.systemAttributes);
    if (systemMd5) out.MD5OfMessageSystemAttributes = systemMd5;
    out.MessageId = message.messageId;
    return out;
  }

  private sendOne(queue: SqsQueue, input: Input, req: EmulatorRequest): StoredMessage {
    if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      // Standard queues accept MessageGroupId (fair queues) but not deduplication ids.
      if (input.MessageDeduplicationId !== undefined) {
        throw invalidParameter(
          `Value ${String(input.MessageDeduplicationId)} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      }
    }
    const body = typeof input.MessageBody === "string" ? input.MessageBody : "";
    const systemAttributes = this.decodeAttributes(input.MessageSystemAttributes, "MessageSystemAttributes");
    return this.put(queue, body, this.decodeAttributes(input.MessageAttributes), {
      delaySeconds: optionalInt(input, "DelaySeconds"),
      systemAttributes,
      senderId: accessKeyOf(req) ?? ACCOUNT_ID,
    });
  }

  private sendMessage(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    return this.sendResult(this.sendOne(queue, input, req));
  }

  private checkBatch(entries: unknown): Input[] {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new AwsServiceError(
        "EmptyBatchRequest",
        "There should be at least one SendMessageBatchRequestEntry in the request.",
        400,
      );
    }
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new AwsServiceError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
        400,
      );
    }
    const ids = new Set<string>();
    for (const e of entries as Input[]) {
      const id = typeof e.Id === "string" ? e.Id : "";
      if (!/^[a-zA-Z0-9_-]{1,80}$/.test(id)) {
        throw new AwsServiceError(
          "InvalidBatchEntryId",
          "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
          400,
        );
      }
      if (ids.has(id)) {
        throw new AwsServiceError("BatchEntryIdsNotDistinct", `Id ${id} repeated.`, 400);
      }
      ids.add(id);
    }
    return entries as Input[];
  }

  private sendMessageBatch(input: Input, req: EmulatorRequest): Output {
    const queue = this.queueByUrl(input, req);
    const entries = this.checkBatch(input.Entries);
    const total = entries.reduce(
      (n, e) => n + Buffer.byteLength(typeof e.MessageBody === "string" ? e.MessageBody : ""),
      0,
    );
    const limit = 1048576;
    if (total > limit) {
      throw new AwsServiceError(
        "BatchRequestTooLong",
        `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`,
        400,
      );
    }
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const e of entries) {
      try {
        successful.push({ Id: e.Id, ...this.sendResult(this.sendOne(queue, e, req)) });
      } catch (err) {
        if (!(err instanceof AwsServiceError)) throw err;
        failed.push({ Id: e.Id, SenderFault: true, Code: err.code, Message: err.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private batch(input: Input, req: EmulatorRequest, action: (queue: SqsQueue, entry: Input) => void): Output {
    const queue = this.queueByUrl(input, req);
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const e of this.checkBatch(input.Entries)) {
      try {
        action(queue, e);
        successful.push({ Id: e.Id });
      } catch (err) {
        if (!(err instanceof AwsServiceError)) throw err;
        failed.push({ Id: e.Id, SenderFault: true, Code: err.code, Message: err.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private deleteMessage(queue: SqsQueue, handle: string): void {
    queue.checkHandle(handle);
    const message = queue.messageFor(handle);
    // Deleting with a handle of a message already deleted succeeds, as on AWS.
    if (message) queue.remove(message);
  }

  private changeVisibility(queue: SqsQueue, input: Input): void {
    const handle = requiredString(input, "ReceiptHandle");
    const timeout = optionalInt(input, "VisibilityTimeout");
    queue.checkHandle(handle);
    if (timeout === undefined || timeout < 0 || timeout > 43200) {
      throw invalidParameter(
        `Value ${String(timeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    }
    const message = queue.messageFor(handle);
    if (!message) {
      throw invalidParameter(
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    const now = this.ctx.clock.now();
    // A message whose visibility already ran out is left alone (AWS answers 200 and changes nothing).
    if (queue.stateOf(message, now) !== "in-flight") return;
    message.visibleAt = now + timeout * 1000;
    if (timeout === 0) queue.notify();
  }

  private async receiveMessage(input: Input, req: EmulatorRequest): Promise<Output> {
    const queue = this.queueByUrl(input, req);
    const max = optionalInt(input, "MaxNumberOfMessages") ?? 1;
    if (max < 1 || max > 10) {
      throw invalidParameter(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const wait = optionalInt(input, "WaitTimeSeconds") ?? queue.numberAttribute("ReceiveMessageWaitTimeSeconds");
    if (wait < 0 || wait > 20) {
      throw invalidParameter(
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    }
    const visibility = optionalInt(input, "VisibilityTimeout") ?? queue.numberAttribute("VisibilityTimeout");
    if (visibility < 0 || visibility > 43200) {
      throw invalidParameter(
        `Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    }
    const systemNames = [...stringList(input, "MessageSystemAttributeNames"), ...stringList(input, "AttributeNames")];
    const attributeNames = stringList(input, "MessageAttributeNames");

    const clock = this.ctx.clock;
    const deadline = clock.now() + wait * 1000;
    let changed: Promise<void> | undefined;
    for (;;) {
      const received = this.collect(queue, max, visibility);
      const now = clock.now();
      if (received.length > 0 || now >= deadline || queue.deleted || this.closed) {
        if (received.length === 0) return {};
        return {
          Messages: received.map(({ message, handle }) => this.toWire(message, handle, systemNames, attributeNames)),
        };
      }
      const until = Math.min(deadline, queue.nextVisibleAt(now) ?? Infinity, now + LONG_POLL_STEP_MS);
      let woke = false;
      changed ??= queue.changed().then(() => {
        woke = true;
      });
      await Promise.race([clock.sleep(until - now), changed]);
      if (woke) changed = undefined;
    }
  }

  /** Takes up to `max` visible messages, oldest first, moving over-received ones to the dead-letter queue. */
  private collect(queue: SqsQueue, max: number, visibility: number): { message: StoredMessage; handle: string }[] {
    const now = this.ctx.clock.now();
    queue.expire(now);
    const out: { message: StoredMessage; handle: string }[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.moveToDeadLetterQueue(queue, message)) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibility * 1000;
      out.push({ message, handle: queue.mintHandle(message, now) });
    }
    return out;
  }

  private moveToDeadLetterQueue(queue: SqsQueue, message: StoredMessage): boolean {
    const raw = queue.attributes.RedrivePolicy;
    if (!raw) return false;
    const policy = JSON.parse(raw) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    if (message.receiveCount < Number(policy.maxReceiveCount)) return false;
    const target = this.queueByArn(policy.deadLetterTargetArn);
    if (!target) {
      this.ctx.log(`sqs: dead-letter queue ${policy.deadLetterTargetArn} of ${queue.arn} does not exist; message kept`);
      return false;
    }
    queue.remove(message);
    message.deadLetterQueueSourceArn = queue.arn;
    message.visibleAt = this.ctx.clock.now();
    target.enqueue(message);
    return true;
  }

  private toWire(
    message: StoredMessage,
    handle: string,
    systemNames: string[],
    attributeNames: string[],
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {
      MessageId: message.messageId,
      ReceiptHandle: handle,
      MD5OfBody: message.md5OfBody,
      Body: message.body,
    };
    const system = this.systemAttributes(message);
    const wantAll = systemNames.includes("All");
    const picked = Object.fromEntries(Object.entries(system).filter(([k]) => wantAll || systemNames.includes(k)));
    if (Object.keys(picked).length) out.Attributes = picked;
    const attrs = Object.fromEntries(
      Object.entries(message.messageAttributes).filter(([name]) =>
        attributeNames.some(
          (p) => p === "All" || p === ".*" || p === name || (p.endsWith(".*") && name.startsWith(p.slice(0, -1))),
        ),
      ),
    );
    const md5 = md5OfMessageAttributes(attrs);
    if (md5) {
      out.MD5OfMessageAttributes = md5;
      out.MessageAttributes = SqsEmulator.encodeAttributes(attrs);
    }
    return out;
  }

  private systemAttributes(message: StoredMessage): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of SYSTEM_ATTRIBUTE_NAMES) {
      switch (name) {
        case "SenderId":
          out[name] = message.senderId;
          break;
        case "SentTimestamp":
          out[name] = String(message.sentAt);
          break;
        case "ApproximateReceiveCount":
          out[name] = String(message.receiveCount);
          break;
        case "ApproximateFirstReceiveTimestamp":
          if (message.firstReceivedAt !== undefined) out[name] = String(message.firstReceivedAt);
          break;
        case "AWSTraceHeader":
          if (message.systemAttributes.AWSTraceHeader?.StringValue) {
            out[name] = message.systemAttributes.AWSTraceHeader.StringValue;
          }
          break;
        case "DeadLetterQueueSourceArn":
          if (message.deadLetterQueueSourceArn) out[name] = message.deadLetterQueueSourceArn;
          break;
      }
    }
    return out;
  }

  private queueByArn(arn: string): SqsQueue | undefined {
    const m = /^arn:aws[a-z-]*:sqs:([^:]+):(\d{12}):(.+)$/.exec(arn);
    return m ? this.queues.get(this.key(m[1]!, m[3]!)) : undefined;
  }

  // ---- in-process API ----

  /** SNS delivery: enqueues on the queue with that ARN; `undefined` when it does not exist (SNS drops the message). */
  sendMessageInternal(
    queueArn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
  ): { messageId: string } | undefined {
    const queue = this.queueByArn(queueArn);
    if (!queue) return undefined;
    const message = this.put(queue, body, this.decodeAttributes(attributes ?? {}), { senderId: ACCOUNT_ID });
    return { messageId: message.messageId };
  }

  // ---- control plane ----

  /**
   * `GET /_testbed/sqs/messages?QueueUrl=<url>` lists every message of a queue (visible, in flight and delayed) without
   * receiving it, like LocalStack's `/_aws/sqs/messages`: no receive count, visibility or first-receive time changes.
   */
  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    const json = (status: number, value: unknown): EmulatorResponse => ({
      status,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(value),
    });
    if (subpath !== "messages" || req.method !== "GET") {
      return json(404, {
        error: `no control endpoint ${req.method} /_testbed/sqs/${subpath}; try GET /_testbed/sqs/messages?QueueUrl=<queue url>`,
      });
    }
    const url = req.query.get("QueueUrl");
    if (!url) return json(400, { error: "GET /_testbed/sqs/messages needs ?QueueUrl=<queue url>" });
    const name = /\/(\d{12})\/([^/?#]+)\/?$/.exec(url)?.[2];
    const region = req.query.get("Region");
    const queue = [...this.queues.values()].find(
      (q) => q.name === (name ? decodeURIComponent(name) : undefined) && (!region || q.region === region),
    );
    if (!queue) return json(404, { error: `no queue at ${url}` });
    const now = this.ctx.clock.now();
    queue.expire(now);
    return json(200, {
      QueueUrl: this.urlOf(queue),
      Messages: queue.messages.map((m) => {
        const attrs = md5OfMessageAttributes(m.messageAttributes);
        return {
          MessageId: m.messageId,
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          Attributes: this.systemAttributes(m),
          ...(attrs
            ? { MD5OfMessageAttributes: attrs, MessageAttributes: SqsEmulator.encodeAttributes(m.messageAttributes) }
            : {}),
          State: queue.stateOf(m, now),
          VisibleAt: new Date(m.visibleAt).toISOString(),
        };
      }),
    });
  }

  reset(): void {
    for (const q of this.queues.values()) {
      q.deleted = true;
      q.notify();
    }
    this.queues.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reset();
  }
}

/** Edge factory: `startEdge({ services: [sqsService()] })`. */
export function sqsService(): ServiceFactory {
  return (ctx) => new SqsEmulator(ctx);
}
