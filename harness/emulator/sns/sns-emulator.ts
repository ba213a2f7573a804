import { randomUUID } from "node:crypto";
import type { ServiceFactory } from "../edge";
import { AwsServiceError } from "../errors";
import type { LambdaInternal, SqsInternal } from "../internal-apis";
import { ACCOUNT_ID } from "../types";
import type { EmulatorContext, EmulatorRequest, EmulatorResponse, ServiceEmulator } from "../types";
import { EmailOutbox } from "./email-outbox";
import { FilterPolicyError, matchesMessageAttributes, matchesMessageBody, parseFilterPolicy } from "./filter-policy";
import type { FilterPolicyScope } from "./filter-policy";
import { lambdaEvent, notificationEnvelope, signingKey } from "./sns-envelope";
import type { NotificationFields, SnsMessageAttribute } from "./sns-envelope";
import { XmlMap, formParams, parseQuery, queryResponse } from "./sns-wire";
import type { QueryValue, XmlValue } from "./sns-wire";

/** Options of {@link snsService}. */
export interface SnsServiceOptions {
  /**
   * Where email / email-json deliveries are written as `.eml` files. Default: a temp directory created on the first
   * email and removed when the edge closes (`GET /_testbed/sns/outbox` tells where it is).
   */
  outboxDir?: string;
}

/** One Publish (or PublishBatch entry) as the control plane reports it. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, SnsMessageAttribute>;
  /** ISO-8601 on the emulator's clock. */
  timestamp: string;
  /** What happened per subscription, in subscription order. */
  deliveries: Delivery[];
}

/** The outcome of delivering one message to one subscription. */
export interface Delivery {
  subscriptionArn: string;
  protocol: string;
  endpoint: string;
  status: "delivered" | "filtered-out" | "failed";
  /** Why delivery failed, or the `.eml` file written for email protocols. */
  detail?: string;
}

interface Topic {
  arn: string;
  name: string;
  region: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  subscriptionArns: string[];
  deletedSubscriptions: number;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  filterPolicy?: Record<string, unknown>;
}

type Input = Record<string, QueryValue>;
type Result = Record<string, XmlValue | undefined> | undefined;

const PROTOCOLS = new Set(["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"]);
const DELIVERED_PROTOCOLS = ["sqs", "lambda", "email", "email-json"];
const SUBSCRIPTION_ATTRIBUTES = new Set([
  "DeliveryPolicy",
  "FilterPolicy",
  "FilterPolicyScope",
  "RawMessageDelivery",
  "RedrivePolicy",
  "SubscriptionRoleArn",
  "ReplayPolicy",
]);
const TOPIC_ATTRIBUTES = new Set([
  "DeliveryPolicy",
  "DisplayName",
  "Policy",
  "TracingConfig",
  "KmsMasterKeyId",
  "SignatureVersion",
  "ArchivePolicy",
  "DataProtectionPolicy",
]);
const FEEDBACK_ATTRIBUTE = /^(Application|HTTP|Lambda|SQS|Firehose)(Success|Failure)Feedback(RoleArn|SampleRate)$/;
const MAX_MESSAGE_BYTES = 262144;
// eslint-disable-next-line no-control-regex -- a Subject must not contain line breaks or control characters
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const PAGE_SIZE = 100;
/** The outbox subject when Publish gives none (what AWS's emails show). */
const DEFAULT_EMAIL_SUBJECT = "AWS Notification Message";

function invalid(message: string): AwsServiceError {
  return new AwsServiceError("InvalidParameter", message, 400);
}

function str(input: Input, field: string): string | undefined {
  const v = input[field];
  return typeof v === "string" ? v : undefined;
}

function stringMap(v: QueryValue | undefined): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]));
}

function arnParts(arn: string | undefined, param: string): string[] {
  const parts = (arn ?? "").split(":");
  if (parts.length < 6 || parts[0] !== "arn") {
    throw invalid(`Invalid parameter: ${param} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  }
  return parts;
}

function defaultTopicPolicy(arn: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Effect: "Allow",
        Sid: "__default_statement_ID",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": ACCOUNT_ID } },
      },
    ],
  });
}

function page<T>(items: T[], token: string | undefined): { items: T[]; next?: string } {
  const start = token ? Number(Buffer.from(token, "base64").toString("utf8")) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalid("Invalid parameter: NextToken");
  const slice = items.slice(start, start + PAGE_SIZE);
  const next = start + PAGE_SIZE < items.length ? Buffer.from(String(start + PAGE_SIZE)).toString("base64") : undefined;
  return next ? { items: slice, next } : { items: slice };
}

/**
 * The SNS emulator: topics and subscriptions in memory, awsQuery on the wire. Publish delivers synchronously, before
 * it answers, in subscription order (AWS delivers asynchronously; doing it in-line keeps runs deterministic): to SQS
 * through {@link SqsInternal}, to Lambda through {@link LambdaInternal} (InvocationType Event), to email / email-json
 * as `.eml` files in the outbox. Subscriptions are confirmed at once, email ones included (AWS would wait for the
 * recipient to click the confirmation link). Protocols it cannot deliver to (http, https, sms, application, firehose)
 * are refused at Subscribe. FIFO topics are refused at CreateTopic.
 */
export class SnsEmulator implements ServiceEmulator {
  readonly name = "sns";
  private topics = new Map<string, Topic>();
  private subscriptions = new Map<string, Subscription>();
  private published: PublishedMessage[] = [];
  private readonly outbox: EmailOutbox;

  constructor(
    private readonly ctx: EmulatorContext,
    options: SnsServiceOptions = {},
  ) {
    this.outbox = new EmailOutbox(options.outboxDir);
    void signingKey(); // warm the key up in the background; the first Publish would otherwise wait for it
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const { action, input } = parseQuery(formParams(req));
    const requestId = randomUUID();
    const result = await this.ctx.clock.hold(this.dispatch(action, input, req));
    return queryResponse(action, result, requestId);
  }

  private async dispatch(action: string, input: Input, req: EmulatorRequest): Promise<Result> {
    switch (action) {
      case "CreateTopic":
        return this.createTopic(input, req);
      case "DeleteTopic":
        return this.deleteTopic(input, req);
      case "ListTopics": {
        const arns = [...this.topics.values()].filter((t) => t.region === req.region).map((t) => t.arn);
        const p = page(arns, str(input, "NextToken"));
        return { Topics: p.items.map((arn) => ({ TopicArn: arn })), NextToken: p.next };
      }
      case "GetTopicAttributes":
        return { Attributes: new XmlMap(this.topicAttributes(this.topic(str(input, "TopicArn"), req))) };
      case "SetTopicAttributes":
        return this.setTopicAttributes(input, req);
      case "Subscribe":
        return this.subscribe(input, req);
      case "ConfirmSubscription":
        this.topic(str(input, "TopicArn"), req);
        throw invalid("Invalid parameter: Token");
      case "Unsubscribe":
        return this.unsubscribe(input);
      case "ListSubscriptions": {
        const subs = [...this.subscriptions.values()].filter((s) => this.topics.get(s.topicArn)?.region === req.region);
        const p = page(subs, str(input, "NextToken"));
        return { Subscriptions: p.items.map((s) => this.subscriptionSummary(s)), NextToken: p.next };
      }
      case "ListSubscriptionsByTopic": {
        const topic = this.topic(str(input, "TopicArn"), req);
        const subs = topic.subscriptionArns.map((arn) => this.subscriptions.get(arn)!);
        const p = page(subs, str(input, "NextToken"));
        return { Subscriptions: p.items.map((s) => this.subscriptionSummary(s)), NextToken: p.next };
      }
      case "GetSubscriptionAttributes":
        return {
          Attributes: new XmlMap(this.subscriptionAttributes(this.subscription(str(input, "SubscriptionArn")))),
        };
      case "SetSubscriptionAttributes":
        return this.setSubscriptionAttributes(input);
      case "Publish":
        return this.publish(input, req);
      case "PublishBatch":
        return this.publishBatch(input, req);
      case "TagResource": {
        const topic = this.topic(str(input, "ResourceArn"), req, "ResourceArn");
        for (const t of Array.isArray(input.Tags) ? input.Tags : []) {
          const tag = stringMap(t);
          if (tag.Key !== undefined) topic.tags[tag.Key] = tag.Value ?? "";
        }
        return {};
      }
      case "UntagResource": {
        const topic = this.topic(str(input, "ResourceArn"), req, "ResourceArn");
        for (const k of Array.isArray(input.TagKeys) ? input.TagKeys : [])
          if (typeof k === "string") delete topic.tags[k];
        return {};
      }
      case "ListTagsForResource": {
        const topic = this.topic(str(input, "ResourceArn"), req, "ResourceArn");
        return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
      }
      default:
        throw new AwsServiceError(
          action ? "InvalidAction" : "MissingAction",
          action
            ? `SNS operation ${action} is not implemented by the pipeline-testbed emulator`
            : "The request names no SNS Action",
          400,
        );
    }
  }

  // ---- topics ----

  private topic(arn: string | undefined, req: EmulatorRequest, param = "TopicArn"): Topic {
    const parts = arnParts(arn, param);
    if (parts[3] !== req.region) throw invalid(`Invalid parameter: ${param}`);
    const topic = this.topics.get(arn!);
    if (!topic) throw new AwsServiceError("NotFound", "Topic does not exist", 404);
    return topic;
  }

  private createTopic(input: Input, req: EmulatorRequest): Result {
    const name = str(input, "Name") ?? "";
    const attributes = stringMap(input.Attributes);
    if (attributes.FifoTopic?.toLowerCase() === "true" || name.endsWith(".fifo")) {
      throw invalid(
        `Invalid parameter: Topic Name Reason: FIFO topics are not emulated by pipeline-testbed (${name}); use a standard topic or the localstack target`,
      );
    }
    delete attributes.FifoTopic;
    if (!/^[a-zA-Z0-9_-]{1,256}$/.test(name)) throw invalid("Invalid parameter: Topic Name");
    for (const k of Object.keys(attributes))
      this.checkTopicAttribute(k, attributes[k]!, "Invalid parameter: Attributes Reason: ");
    const arn = `arn:aws:sns:${req.region}:${ACCOUNT_ID}:${name}`;
    const tags: Record<string, string> = {};
    for (const t of Array.isArray(input.Tags) ? input.Tags : []) {
      const tag = stringMap(t);
      if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
    }
    const existing = this.topics.get(arn);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if (existing.attributes[k] !== v) {
          throw invalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes");
        }
      }
      for (const [k, v] of Object.entries(tags)) {
        if (existing.tags[k] !== v)
          throw invalid("Invalid parameter: Tags Reason: Topic already exists with different tags");
      }
      return { TopicArn: arn };
    }
    this.topics.set(arn, {
      arn,
      name,
      region: req.region,
      attributes: {
        DisplayName: "",
        Policy: defaultTopicPolicy(arn),
        EffectiveDeliveryPolicy: JSON.stringify({
          http: {
            defaultHealthyRetryPolicy: {
              minDelayTarget: 20,
              maxDelayTarget: 20,
              numRetries: 3,
              numMaxDelayRetries: 0,
              numNoDelayRetries: 0,
              numMinDelayRetries: 0,
              backoffFunction: "linear",
            },
            disableSubscriptionOverrides: false,
            defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
          },
        }),
        ...attributes,
      },
      tags,
      subscriptionArns: [],
      deletedSubscriptions: 0,
    });
    return { TopicArn: arn };
  }

  private checkTopicAttribute(name: string, value: string, prefix: string): void {
    if (!TOPIC_ATTRIBUTES.has(name) && !FEEDBACK_ATTRIBUTE.test(name)) throw invalid(`${prefix}AttributeName`);
    if (name === "SignatureVersion" && value !== "1" && value !== "2") {
      throw invalid(`${prefix}SignatureVersion: Invalid value [${value}]. Must be 1 or 2.`);
    }
  }

  private topicAttributes(topic: Topic): Record<string, string> {
    return {
      ...topic.attributes,
      Owner: ACCOUNT_ID,
      SubscriptionsConfirmed: String(topic.subscriptionArns.length),
      SubscriptionsPending: "0",
      SubscriptionsDeleted: String(topic.deletedSubscriptions),
      TopicArn: topic.arn,
    };
  }

  private setTopicAttributes(input: Input, req: EmulatorRequest): Result {
    const topic = this.topic(str(input, "TopicArn"), req);
    const name = str(input, "AttributeName") ?? "";
    const value = str(input, "AttributeValue") ?? "";
    if (name === "FifoTopic") throw invalid("Invalid parameter: AttributeName");
    this.checkTopicAttribute(name, value, "Invalid parameter: ");
    topic.attributes[name] = value;
    return undefined;
  }

  private deleteTopic(input: Input, req: EmulatorRequest): Result {
    const arn = str(input, "TopicArn");
    const parts = arnParts(arn, "TopicArn");
    if (parts[3] !== req.region) throw invalid("Invalid parameter: TopicArn");
    const topic = this.topics.get(arn!);
    if (topic) {
      for (const s of topic.subscriptionArns) this.subscriptions.delete(s);
      this.topics.delete(topic.arn);
    }
    return undefined;
  }

  // ---- subscriptions ----

  private subscription(arn: string | undefined): Subscription {
    const sub = arn ? this.subscriptions.get(arn) : undefined;
    if (!sub) throw new AwsServiceError("NotFound", "Subscription does not exist", 404);
    return sub;
  }

  private validateSubscriptionAttribute(
    sub: Pick<Subscription, "protocol" | "attributes">,
    name: string,
    value: string,
    prefix: string,
  ): void {
    if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalid(`${prefix}AttributeName`);
    if (name === "RawMessageDelivery") {
      if (!["true", "false"].includes(value.toLowerCase())) {
        throw invalid(`${prefix}RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
      }
      if (value.toLowerCase() === "true" && !["sqs", "http", "https", "firehose"].includes(sub.protocol)) {
        throw invalid(`${prefix}Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      }
    }
    if (name === "FilterPolicyScope" && value !== "MessageAttributes" && value !== "MessageBody") {
      throw invalid(
        `${prefix}FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
      );
    }
    if (name === "RedrivePolicy") {
      try {
        const target = (JSON.parse(value) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
        if (typeof target !== "string" || target.split(":").length < 6) {
          throw invalid(`${prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn`);
        }
      } catch (e) {
        if (e instanceof AwsServiceError) throw e;
        throw invalid(`${prefix}RedrivePolicy: failed to parse JSON.`);
      }
    }
  }

  private compileFilter(sub: Subscription, prefix: string): void {
    const text = sub.attributes.FilterPolicy;
    if (text === undefined || text === "") {
      sub.filterPolicy = undefined;
      return;
    }
    const scope = (sub.attributes.FilterPolicyScope ?? "MessageAttributes") as FilterPolicyScope;
    try {
      sub.filterPolicy = parseFilterPolicy(text, scope, prefix);
    } catch (e) {
      if (e instanceof FilterPolicyError) throw invalid(e.message);
      throw e;
    }
  }

  private subscribe(input: Input, req: EmulatorRequest): Result {
    const topic = this.topic(str(input, "TopicArn"), req);
    const protocol = str(input, "Protocol") ?? "";
    const endpoint = str(input, "Endpoint");
    if (!endpoint) throw new AwsServiceError("NotFound", "Endpoint not specified in subscription", 404);
    if (!PROTOCOLS.has(protocol)) {
      throw invalid(`Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`);
    }
    if (!DELIVERED_PROTOCOLS.includes(protocol)) {
      throw invalid(
        `Invalid parameter: Protocol Reason: pipeline-testbed's SNS emulator does not deliver to '${protocol}' endpoints (supported: ${DELIVERED_PROTOCOLS.join(", ")})`,
      );
    }
    if (protocol === "sqs" && !/^arn:aws[a-z-]*:sqs:[^:]+:\d{12}:[^:]+$/.test(endpoint)) {
      throw invalid("Invalid parameter: SQS endpoint ARN");
    }
    if (protocol === "lambda" && !/^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/.test(endpoint)) {
      throw invalid("Invalid parameter: Lambda endpoint ARN");
    }
    if ((protocol === "email" || protocol === "email-json") && !/^[^@\s]+@[^@\s]+$/.test(endpoint)) {
      throw invalid("Invalid parameter: Email address");
    }
    const prefix = "Invalid parameter: Attributes Reason: ";
    const attributes = stringMap(input.Attributes);
    for (const [k, v] of Object.entries(attributes)) {
      this.validateSubscriptionAttribute({ protocol, attributes }, k, v, prefix);
      if (k === "RawMessageDelivery") attributes[k] = v.toLowerCase();
    }
    for (const arn of topic.subscriptionArns) {
      const existing = this.subscriptions.get(arn)!;
      if (existing.endpoint === endpoint && existing.protocol === protocol) {
        for (const [k, v] of Object.entries(attributes)) {
          if (existing.attributes[k] !== v) {
            throw invalid(`${prefix}Subscription already exists with different attributes`);
          }
        }
        return { SubscriptionArn: arn };
      }
    }
    const sub: Subscription = {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      attributes: { RawMessageDelivery: "false", ...attributes },
    };
    this.compileFilter(sub, prefix);
    this.subscriptions.set(sub.arn, sub);
    topic.subscriptionArns.push(sub.arn);
    return { SubscriptionArn: sub.arn };
  }

  private unsubscribe(input: Input): Result {
    const arn = str(input, "SubscriptionArn");
    if (!arn) throw invalid("Invalid parameter: SubscriptionArn Reason: no value for required parameter");
    const parts = arnParts(arn, "SubscriptionArn");
    if (parts.length === 6) throw invalid("Invalid parameter: SubscriptionId");
    const sub = this.subscriptions.get(arn);
    if (!sub) return undefined; // Unsubscribe is idempotent
    this.subscriptions.delete(arn);
    const topic = this.topics.get(sub.topicArn);
    if (topic) {
      topic.subscriptionArns = topic.subscriptionArns.filter((a) => a !== arn);
      topic.deletedSubscriptions += 1;
    }
    return undefined;
  }

  private subscriptionSummary(s: Subscription): XmlValue {
    return {
      SubscriptionArn: s.arn,
      Owner: ACCOUNT_ID,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      TopicArn: s.topicArn,
    };
  }

  private subscriptionAttributes(s: Subscription): Record<string, string> {
    const out: Record<string, string> = {
      ConfirmationWasAuthenticated: "true",
      Endpoint: s.endpoint,
      Owner: ACCOUNT_ID,
      PendingConfirmation: "false",
      Protocol: s.protocol,
      SubscriptionArn: s.arn,
      SubscriptionPrincipal: `arn:aws:iam::${ACCOUNT_ID}:root`,
      TopicArn: s.topicArn,
      ...s.attributes,
    };
    if (!s.filterPolicy) {
      delete out.FilterPolicy;
      delete out.FilterPolicyScope;
    } else out.FilterPolicyScope ??= "MessageAttributes";
    return out;
  }

  private setSubscriptionAttributes(input: Input): Result {
    const sub = this.subscription(str(input, "SubscriptionArn"));
    const name = str(input, "AttributeName") ?? "";
    let value = str(input, "AttributeValue") ?? "";
    const prefix = "Invalid parameter: ";
    this.validateSubscriptionAttribute(sub, name, value, prefix);
    if (name === "RawMessageDelivery") value = value.toLowerCase();
    const previous = { ...sub.attributes };
    sub.attributes[name] = value;
    try {
      if (name === "FilterPolicy" || name === "FilterPolicyScope") this.compileFilter(sub, prefix);
    } catch (e) {
      sub.attributes = previous;
      throw e;
    }
    return undefined;
  }

  // ---- publish ----

  private messageAttributes(raw: QueryValue | undefined, batchIndex?: number): Record<string, SnsMessageAttribute> {
    const out: Record<string, SnsMessageAttribute> = {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return out;
    const paramInvalid = (m: string) => new AwsServiceError("ParameterValueInvalid", m, 400);
    for (const [name, v] of Object.entries(raw)) {
      const attr = stringMap(v);
      if (Buffer.byteLength(name) > 256)
        throw paramInvalid("Length of message attribute name must be less than 256 bytes.");
      if (name.startsWith("."))
        throw paramInvalid("Invalid message attribute name starting with character '.' was found.");
      if (name.endsWith(".")) throw paramInvalid("Invalid message attribute name ending with character '.' was found.");
      const bad = [...name].find((c) => !/[A-Za-z0-9._-]/.test(c));
      if (bad) {
        throw paramInvalid(
          `Invalid non-alphanumeric character '#x${bad.codePointAt(0)!.toString(16).toUpperCase()}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
        );
      }
      if (name.includes("..")) throw paramInvalid("Message attribute name can not have successive '.' character.");
      const type = attr.DataType;
      if (type === undefined) {
        const at =
          batchIndex === undefined
            ? `messageAttributes.${name}.member.dataType`
            : `publishBatchRequestEntries.${batchIndex}.member.messageAttributes.${name}.member.dataType`;
        throw new AwsServiceError(
          "ValidationError",
          `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`,
          400,
        );
      }
      if (!/^(String|Number|Binary)(\..+)?$/.test(type)) {
        throw paramInvalid(
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        );
      }
      const field = type.startsWith("Binary") ? "Binary" : "String";
      const value = attr[`${field}Value`];
      if (value === undefined && attr[`${field === "Binary" ? "String" : "Binary"}Value`] !== undefined) {
        throw paramInvalid(`The message attribute '${name}' with type '${type}' must use field '${field}'.`);
      }
      if (!value) {
        throw paramInvalid(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        );
      }
      if (type.startsWith("Number") && !Number.isFinite(Number(value))) {
        throw paramInvalid(`Could not cast message attribute '${name}' value to number.`);
      }
      if (type === "String.Array") {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = undefined;
        }
        if (!Array.isArray(parsed)) {
          throw paramInvalid(`The message attribute '${name}' with type 'String.Array' must contain a JSON array.`);
        }
      }
      out[name] = field === "Binary" ? { DataType: type, BinaryValue: value } : { DataType: type, StringValue: value };
    }
    return out;
  }

  /** Validates one message and resolves what each protocol gets; shared by Publish and PublishBatch entries. */
  private prepare(
    entry: Input,
    batchIndex?: number,
  ): {
    message: string;
    subject?: string;
    structure?: string;
    perProtocol?: Record<string, string>;
    attributes: Record<string, SnsMessageAttribute>;
  } {
    const subject = str(entry, "Subject");
    if (subject !== undefined && (subject === "" || subject.length >= 100 || CONTROL_CHARACTER.test(subject))) {
      throw invalid("Invalid parameter: Subject");
    }
    const message = str(entry, "Message");
    if (message === undefined) {
      throw new AwsServiceError(
        "ValidationError",
        "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
        400,
      );
    }
    if (message === "") throw invalid("Invalid parameter: Empty message");
    const attributes = this.messageAttributes(entry.MessageAttributes, batchIndex);
    let size = Buffer.byteLength(message);
    for (const [k, a] of Object.entries(attributes)) {
      size +=
        Buffer.byteLength(k) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? "");
    }
    if (size > MAX_MESSAGE_BYTES) throw invalid("Invalid parameter: Message too long");
    if (str(entry, "MessageDeduplicationId") !== undefined) {
      throw invalid(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
      );
    }
    const structure = str(entry, "MessageStructure");
    if (structure === undefined) return { message, subject, attributes };
    if (structure !== "json") throw invalid("Invalid parameter: MessageStructure");
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalid("Invalid parameter: Message Structure - JSON message body failed to parse");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw invalid("Invalid parameter: Message Structure - JSON message body failed to parse");
    }
    // Keys with non-string values are ignored, as on AWS.
    const perProtocol = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as Record<
      string,
      string
    >;
    if (perProtocol.default === undefined) {
      throw invalid("Invalid parameter: Message Structure - No default entry in JSON message body");
    }
    return { message, subject, structure, perProtocol, attributes };
  }

  private publishTarget(input: Input, req: EmulatorRequest): Topic {
    if (str(input, "PhoneNumber") !== undefined) {
      throw invalid("Invalid parameter: PhoneNumber Reason: SMS is not emulated by pipeline-testbed");
    }
    const topicArn = str(input, "TopicArn");
    const targetArn = str(input, "TargetArn");
    if (!topicArn && targetArn?.includes(":endpoint/")) {
      throw invalid("Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified");
    }
    return this.topic(topicArn ?? targetArn, req, topicArn ? "TopicArn" : targetArn ? "TargetArn" : "TopicArn");
  }

  private async publish(input: Input, req: EmulatorRequest): Promise<Result> {
    const prepared = this.prepare(input);
    const topic = this.publishTarget(input, req);
    const record = await this.deliver(topic, prepared);
    return { MessageId: record.messageId };
  }

  private async publishBatch(input: Input, req: EmulatorRequest): Promise<Result> {
    const topic = this.topic(str(input, "TopicArn"), req);
    const entries = (
      Array.isArray(input.PublishBatchRequestEntries) ? input.PublishBatchRequestEntries : []
    ) as Input[];
    if (entries.length === 0) {
      throw new AwsServiceError("EmptyBatchRequest", "The batch request doesn't contain any entries.", 400);
    }
    if (entries.length > 10) {
      throw new AwsServiceError(
        "TooManyEntriesInBatchRequest",
        "The batch request contains more entries than permissible.",
        400,
      );
    }
    const ids = entries.map((e) => str(e, "Id") ?? "");
    if (new Set(ids).size !== ids.length) {
      throw new AwsServiceError(
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        400,
      );
    }
    for (const id of ids) {
      if (id.length > 80) {
        throw new AwsServiceError(
          "InvalidBatchEntryId",
          `The Id of a batch entry in the batch request is too long: ${id}`,
          400,
        );
      }
      if (!/^[a-zA-Z0-9_-]+$/.test(id)) {
        throw new AwsServiceError(
          "InvalidBatchEntryId",
          `The Id of a batch entry in the batch request contains an impermissible character: ${id}`,
          400,
        );
      }
    }
    // AWS rejects the whole batch when one entry is malformed, so validate all before delivering any.
    const prepared = entries.map((e, i) => this.prepare(e, i + 1));
    const total = prepared.reduce((n, p) => n + Buffer.byteLength(p.message), 0);
    if (total > MAX_MESSAGE_BYTES) {
      throw new AwsServiceError(
        "BatchRequestTooLong",
        "The length of all the messages put together is more than the limit.",
        400,
      );
    }
    const successful: XmlValue[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const record = await this.deliver(topic, prepared[i]!);
      successful.push({ Id: ids[i]!, MessageId: record.messageId });
    }
    return { Successful: successful, Failed: [] };
  }

  private async deliver(topic: Topic, p: ReturnType<SnsEmulator["prepare"]>): Promise<PublishedMessage> {
    const now = this.ctx.clock.now();
    const record: PublishedMessage = {
      messageId: randomUUID(),
      topicArn: topic.arn,
      ...(p.subject !== undefined ? { subject: p.subject } : {}),
      message: p.message,
      ...(p.structure ? { messageStructure: p.structure } : {}),
      messageAttributes: p.attributes,
      timestamp: new Date(now).toISOString(),
      deliveries: [],
    };
    this.published.push(record);
    for (const arn of [...topic.subscriptionArns]) {
      const sub = this.subscriptions.get(arn);
      if (!sub) continue;
      const content = p.perProtocol ? (p.perProtocol[sub.protocol] ?? p.perProtocol.default!) : p.message;
      const base = { subscriptionArn: sub.arn, protocol: sub.protocol, endpoint: sub.endpoint };
      if (!this.passesFilter(sub, p.attributes, content)) {
        record.deliveries.push({ ...base, status: "filtered-out" });
        continue;
      }
      const fields: NotificationFields = {
        messageId: record.messageId,
        topicArn: topic.arn,
        ...(p.subject !== undefined ? { subject: p.subject } : {}),
        message: content,
        timestamp: record.timestamp,
        signatureVersion: topic.attributes.SignatureVersion === "2" ? "2" : "1",
        signingCertUrl: `${this.ctx.endpoint()}/_testbed/sns/SimpleNotificationService-testbed.pem`,
        unsubscribeUrl: `${this.ctx.endpoint()}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
        messageAttributes: p.attributes,
      };
      try {
        const detail = await this.deliverTo(sub, topic, fields, p.attributes);
        record.deliveries.push({ ...base, status: "delivered", ...(detail ? { detail } : {}) });
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        this.ctx.log(`sns: delivery of ${record.messageId} to ${sub.protocol} ${sub.endpoint} failed: ${detail}`);
        record.deliveries.push({ ...base, status: "failed", detail });
      }
    }
    return record;
  }

  private passesFilter(sub: Subscription, attributes: Record<string, SnsMessageAttribute>, content: string): boolean {
    if (!sub.filterPolicy) return true;
    return sub.attributes.FilterPolicyScope === "MessageBody"
      ? matchesMessageBody(sub.filterPolicy, content)
      : matchesMessageAttributes(sub.filterPolicy, attributes);
  }

  /** Hands one notification to one subscriber; throws when the endpoint cannot take it. Returns a detail to record. */
  private async deliverTo(
    sub: Subscription,
    topic: Topic,
    fields: NotificationFields,
    attributes: Record<string, SnsMessageAttribute>,
  ): Promise<string | undefined> {
    switch (sub.protocol) {
      case "sqs": {
        const sqs = this.ctx.services.get<ServiceEmulator & SqsInternal>("sqs");
        if (!sqs) throw new Error("no sqs service is running in this edge");
        const raw = sub.attributes.RawMessageDelivery === "true";
        const body = raw ? fields.message : await notificationEnvelope(fields);
        const sent = sqs.sendMessageInternal(
          sub.endpoint,
          body,
          raw && Object.keys(attributes).length ? attributes : undefined,
        );
        if (!sent) throw new Error(`queue ${sub.endpoint} does not exist`);
        return undefined;
      }
      case "lambda": {
        const lambda = this.ctx.services.get<ServiceEmulator & LambdaInternal>("lambda");
        if (!lambda) throw new Error("no lambda service is running in this edge");
        const result = await lambda.invokeInternal(sub.endpoint, await lambdaEvent(fields, sub.arn), { async: true });
        if (result.functionError || result.statusCode >= 300) {
          throw new Error(
            `lambda answered ${result.statusCode}${result.functionError ? ` (${result.functionError})` : ""}: ${result.payload}`,
          );
        }
        return undefined;
      }
      case "email":
      case "email-json": {
        const body =
          sub.protocol === "email-json"
            ? await notificationEnvelope(fields)
            : `${fields.message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n` +
              `${this.ctx.endpoint()}/unsubscribe.html?SubscriptionArn=${sub.arn}&Endpoint=${sub.endpoint}\n\n` +
              "Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support";
        return this.outbox.write({
          fromName: topic.attributes.DisplayName || "AWS Notifications",
          to: sub.endpoint,
          subject: fields.subject ?? DEFAULT_EMAIL_SUBJECT,
          date: Date.parse(fields.timestamp),
          body,
          messageId: fields.messageId,
        });
      }
      default:
        throw new Error(`protocol ${sub.protocol} is not delivered by the emulator`);
    }
  }

  // ---- control plane ----

  /** Every Publish so far (PublishBatch entries included), oldest first. */
  publishedMessages(): readonly PublishedMessage[] {
    return this.published;
  }

  /**
   * `GET /_testbed/sns/messages[?TopicArn=…]` lists captured publishes, `DELETE` forgets them;
   * `GET /_testbed/sns/outbox` says where emails are written; the signing key is served at the SigningCertURL.
   */
  async control(subpath: string, req: EmulatorRequest): Promise<EmulatorResponse> {
    const json = (status: number, value: unknown): EmulatorResponse => ({
      status,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(value),
    });
    if (subpath === "messages" && req.method === "GET") {
      const topicArn = req.query.get("TopicArn");
      return json(200, { messages: this.published.filter((m) => !topicArn || m.topicArn === topicArn) });
    }
    if (subpath === "messages" && req.method === "DELETE") {
      const count = this.published.length;
      this.published = [];
      return json(200, { deleted: count });
    }
    if (subpath === "outbox" && req.method === "GET") {
      return json(200, { dir: this.outbox.directory ?? null, created: this.outbox.directory !== undefined });
    }
    if (subpath === "SimpleNotificationService-testbed.pem" && req.method === "GET") {
      const { publicKeyPem } = await signingKey();
      return { status: 200, headers: { "content-type": "application/x-pem-file" }, body: publicKeyPem };
    }
    return json(404, {
      error: `no control endpoint ${req.method} /_testbed/sns/${subpath}`,
      available: ["GET|DELETE /_testbed/sns/messages", "GET /_testbed/sns/outbox"],
    });
  }

  reset(): void {
    this.topics.clear();
    this.subscriptions.clear();
    this.published = [];
  }

  async close(): Promise<void> {
    await this.outbox.dispose();
  }
}

/** Edge factory: `startEdge({ services: [snsService(), sqsService()] })`. */
export function snsService(options?: SnsServiceOptions): ServiceFactory {
  return (ctx) => new SnsEmulator(ctx, options);
}
