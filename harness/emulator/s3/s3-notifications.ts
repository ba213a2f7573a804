import { randomUUID } from "node:crypto";
import { AwsServiceError } from "../errors";
import { el, malformedXml, children, childText } from "./s3-xml";
import type { XmlNode } from "./s3-xml";
import { s3UrlEncode } from "./s3-names";

/** Where S3 delivers an event: the three destination kinds of a `NotificationConfiguration`. */
export type DestinationKind = "lambda" | "queue" | "topic";

export interface FilterRule {
  /** S3 normalises the rule name's case on the way in (`prefix` → `Prefix`). */
  name: "Prefix" | "Suffix";
  value: string;
}

export interface NotificationDestination {
  kind: DestinationKind;
  id: string;
  arn: string;
  events: string[];
  filterRules: FilterRule[];
}

/** A bucket's notification configuration as stored (and persisted as JSON). */
export interface NotificationConfiguration {
  destinations: NotificationDestination[];
  eventBridge: boolean;
}

export const EMPTY_NOTIFICATION_CONFIGURATION: NotificationConfiguration = { destinations: [], eventBridge: false };

/** XML element names of each destination kind (the SDK models `LambdaFunctionConfigurations` as `CloudFunction…`). */
const XML_NAMES: Record<DestinationKind, { config: string; arn: string }> = {
  lambda: { config: "CloudFunctionConfiguration", arn: "CloudFunction" },
  queue: { config: "QueueConfiguration", arn: "Queue" },
  topic: { config: "TopicConfiguration", arn: "Topic" },
};

const ARN_PATTERNS: Record<DestinationKind, RegExp> = {
  lambda: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/,
  queue: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/,
  topic: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/,
};

/** The event types S3 accepts in a notification configuration (the `Event` enum of the S3 API). */
export const SUPPORTED_EVENTS: ReadonlySet<string> = new Set([
  "s3:ReducedRedundancyLostObject",
  "s3:ObjectCreated:*",
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*",
  "s3:ObjectRestore:Post",
  "s3:ObjectRestore:Completed",
  "s3:ObjectRestore:Delete",
  "s3:Replication:*",
  "s3:Replication:OperationFailedReplication",
  "s3:Replication:OperationNotTracked",
  "s3:Replication:OperationMissedThreshold",
  "s3:Replication:OperationReplicatedAfterThreshold",
  "s3:LifecycleTransition",
  "s3:IntelligentTiering",
  "s3:ObjectAcl:Put",
  "s3:LifecycleExpiration:*",
  "s3:LifecycleExpiration:Delete",
  "s3:LifecycleExpiration:DeleteMarkerCreated",
  "s3:ObjectTagging:*",
  "s3:ObjectTagging:Put",
  "s3:ObjectTagging:Delete",
]);

function invalidArgument(message: string, name?: string, value?: string): AwsServiceError {
  const extra: Record<string, string> = {};
  if (name !== undefined) extra["ArgumentName"] = name;
  if (value !== undefined) extra["ArgumentValue"] = value;
  return new AwsServiceError("InvalidArgument", message, 400, "Sender", extra);
}

/**
 * Parses and validates a `PutBucketNotificationConfiguration` body the way S3 does: ARNs must parse, events must be
 * known, filter rule names are `prefix`/`suffix` in any case (stored capitalised), one rule of each at most, and two
 * configurations may not overlap (a shared event type with overlapping prefixes and suffixes).
 */
export function parseNotificationConfiguration(root: XmlNode): NotificationConfiguration {
  const destinations: NotificationDestination[] = [];
  for (const kind of ["topic", "queue", "lambda"] as const) {
    for (const node of children(root, XML_NAMES[kind].config)) {
      const arn = childText(node, XML_NAMES[kind].arn);
      if (arn === undefined) throw malformedXml();
      if (!ARN_PATTERNS[kind].test(arn)) {
        throw invalidArgument("The ARN could not be parsed", XML_NAMES[kind].arn, arn);
      }
      const events = children(node, "Event").map((e) => (typeof e === "string" ? e : ""));
      if (events.length === 0) throw malformedXml();
      for (const event of events) {
        if (!SUPPORTED_EVENTS.has(event))
          throw invalidArgument("The event is not supported for notifications", "Event", event);
      }
      const filterRules: FilterRule[] = [];
      for (const filter of children(node, "Filter")) {
        for (const s3Key of children(filter, "S3Key")) {
          for (const rule of children(s3Key, "FilterRule")) {
            const rawName = childText(rule, "Name") ?? "";
            const value = childText(rule, "Value") ?? "";
            const name =
              rawName.toLowerCase() === "prefix" ? "Prefix" : rawName.toLowerCase() === "suffix" ? "Suffix" : undefined;
            if (!name) throw invalidArgument("filter rule name must be either prefix or suffix", "FilterRule", rawName);
            if (filterRules.some((r) => r.name === name)) {
              throw invalidArgument(
                `Cannot specify more than one ${name.toLowerCase()} rule in a filter.`,
                "FilterRule",
                rawName,
              );
            }
            filterRules.push({ name, value });
          }
        }
      }
      const id = childText(node, "Id") || Buffer.from(randomUUID()).toString("base64");
      destinations.push({ kind, id, arn, events, filterRules });
    }
  }
  for (let i = 0; i < destinations.length; i++) {
    for (let j = i + 1; j < destinations.length; j++) {
      if (overlaps(destinations[i]!, destinations[j]!)) {
        throw invalidArgument(
          "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.",
        );
      }
    }
  }
  return { destinations, eventBridge: children(root, "EventBridgeConfiguration").length > 0 };
}

function ruleValue(d: NotificationDestination, name: FilterRule["name"]): string {
  return d.filterRules.find((r) => r.name === name)?.value ?? "";
}

function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const family = (e: string) => e.slice(0, e.lastIndexOf(":"));
  return (a.endsWith(":*") && family(a) === family(b)) || (b.endsWith(":*") && family(a) === family(b));
}

function overlaps(a: NotificationDestination, b: NotificationDestination): boolean {
  if (!a.events.some((ea) => b.events.some((eb) => eventsOverlap(ea, eb)))) return false;
  const pa = ruleValue(a, "Prefix");
  const pb = ruleValue(b, "Prefix");
  const sa = ruleValue(a, "Suffix");
  const sb = ruleValue(b, "Suffix");
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** `GetBucketNotificationConfiguration` body content (inside `<NotificationConfiguration>`). */
export function notificationConfigurationXml(config: NotificationConfiguration): string {
  const order: DestinationKind[] = ["topic", "queue", "lambda"];
  let out = "";
  for (const kind of order) {
    for (const d of config.destinations.filter((x) => x.kind === kind)) {
      const names = XML_NAMES[kind];
      const filter = d.filterRules.length
        ? `<Filter><S3Key>${d.filterRules.map((r) => `<FilterRule>${el("Name", r.name)}${el("Value", r.value)}</FilterRule>`).join("")}</S3Key></Filter>`
        : "";
      out += `<${names.config}>${el("Id", d.id)}${el(names.arn, d.arn)}${d.events.map((e) => el("Event", e)).join("")}${filter}</${names.config}>`;
    }
  }
  if (config.eventBridge) out += "<EventBridgeConfiguration></EventBridgeConfiguration>";
  return out;
}

/**
 * Whether a destination wants an event: its event list names it or its family wildcard (`s3:ObjectCreated:*`), and
 * the key passes the prefix/suffix rules. S3 matches the rules against the URL-encoded key (its documentation asks
 * for special characters in rule values to be URL-encoded).
 */
export function destinationMatches(d: NotificationDestination, eventName: string, encodedKey: string): boolean {
  const full = `s3:${eventName}`;
  const wildcard = `${full.slice(0, full.lastIndexOf(":"))}:*`;
  if (!d.events.includes(full) && !d.events.includes(wildcard)) return false;
  return d.filterRules.every((r) =>
    r.name === "Prefix" ? encodedKey.startsWith(r.value) : encodedKey.endsWith(r.value),
  );
}

/** What happened to which object, for one S3 event record. */
export interface S3EventDetails {
  /** Without the `s3:` prefix: `ObjectCreated:Put`, `ObjectCreated:Copy`, `ObjectRemoved:Delete`. */
  eventName: string;
  region: string;
  /** Epoch milliseconds (from the injected clock). */
  time: number;
  bucket: string;
  key: string;
  /** Created events only. */
  size?: number;
  /** Unquoted MD5 hex; created events only. */
  eTag?: string;
  sequencer: string;
  requestId: string;
  hostId: string;
  /** Canonical user id of the bucket owner. */
  ownerId: string;
  accountId: string;
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * The event S3 sends to a Lambda (or SQS/SNS) destination: `{ Records: [record] }` with `eventVersion` 2.1, the
 * bucket's region, an ISO timestamp, and the URL-encoded key (spaces as `+`)
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 */
export function s3EventPayload(details: S3EventDetails, configurationId: string): { Records: unknown[] } {
  const object: Record<string, unknown> = { key: s3UrlEncode(details.key) };
  if (details.size !== undefined) object["size"] = details.size;
  if (details.eTag !== undefined) object["eTag"] = details.eTag;
  object["sequencer"] = details.sequencer;
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: details.region,
        eventTime: new Date(details.time).toISOString(),
        eventName: details.eventName,
        userIdentity: { principalId: `AWS:${details.accountId}` },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": details.requestId, "x-amz-id-2": details.hostId },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId,
          bucket: {
            name: details.bucket,
            ownerIdentity: { principalId: details.ownerId },
            arn: `arn:${partitionOf(details.region)}:s3:::${details.bucket}`,
          },
          object,
        },
      },
    ],
  };
}
