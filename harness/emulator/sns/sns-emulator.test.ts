import { createVerify } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import type { MessageAttributeValue } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { VirtualClock } from "../../common/clock";
import { startEdge } from "../edge";
import type { ServiceFactory, StartedEdge } from "../edge";
import type { LambdaInternal } from "../internal-apis";
import { clientConfig } from "../test-clients";
import type { ServiceEmulator } from "../types";
import { sqsService } from "../sqs/sqs-emulator";
import { canonicalNotificationString } from "./sns-envelope";
import { snsService } from "./sns-emulator";
import type { PublishedMessage } from "./sns-emulator";

const START = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const ISO_START = "2024-01-02T03:04:05.678Z";

interface Invocation {
  fn: string;
  payload: any;
  options: { async?: boolean } | undefined;
}

/** A stand-in for the Lambda emulator at the in-process boundary: records what SNS invokes. */
function recordingLambda(invocations: Invocation[]): ServiceFactory {
  return () => {
    const svc: ServiceEmulator & LambdaInternal = {
      name: "lambda",
      async handle() {
        return { status: 501 };
      },
      reset() {},
      async invokeInternal(fn, payload, options) {
        if (fn.endsWith(":missing")) {
          // What the Lambda emulator answers for an asynchronous invoke of a function that does not exist.
          return { statusCode: 404, payload: '{"errorType":"ResourceNotFoundException"}', executedVersion: "$LATEST" };
        }
        invocations.push({ fn, payload, options });
        return { statusCode: 202, payload: "", executedVersion: "$LATEST" };
      },
      functionExists: () => true,
    };
    return svc;
  };
}

let edge: StartedEdge;
let clock: VirtualClock;
let sns: SNSClient;
let sqs: SQSClient;
let outboxDir: string;
let invocations: Invocation[];

beforeEach(async () => {
  clock = new VirtualClock(START);
  outboxDir = await mkdtemp(join(tmpdir(), "sns-test-outbox-"));
  invocations = [];
  edge = await startEdge({ clock, services: [snsService({ outboxDir }), sqsService(), recordingLambda(invocations)] });
  sns = new SNSClient(clientConfig(edge));
  sqs = new SQSClient(clientConfig(edge));
});

afterEach(async () => {
  sns.destroy();
  sqs.destroy();
  await edge.close();
  await rm(outboxDir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

async function topic(name: string, attributes?: Record<string, string>): Promise<string> {
  return (await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }))).TopicArn!;
}

/** Creates a queue and subscribes it; returns the queue URL and the subscription ARN. */
async function queueSubscription(
  topicArn: string,
  queueName: string,
  attributes?: Record<string, string>,
): Promise<{ url: string; subscriptionArn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
      Attributes: attributes,
    }),
  );
  return { url, subscriptionArn: SubscriptionArn! };
}

async function bodies(url: string): Promise<string[]> {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  return (Messages ?? []).map((m) => m.Body!);
}

async function published(): Promise<PublishedMessage[]> {
  return ((await (await fetch(`${edge.endpoint}/_testbed/sns/messages`)).json()) as any).messages;
}

describe("topics", () => {
  it("creates idempotently, lists, reports and updates attributes, deletes", async () => {
    const arn = await topic("alerts");
    expect(arn).toBe("arn:aws:sns:us-east-1:000000000000:alerts");
    expect(await topic("alerts")).toBe(arn);
    await topic("other");
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([
      { TopicArn: arn },
      { TopicArn: "arn:aws:sns:us-east-1:000000000000:other" },
    ]);

    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: "DisplayName", AttributeValue: "Ops" }),
    );
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    expect(Attributes).toMatchObject({
      DisplayName: "Ops",
      Owner: "000000000000",
      SubscriptionsConfirmed: "0",
      SubscriptionsPending: "0",
      SubscriptionsDeleted: "0",
      TopicArn: arn,
    });
    expect(JSON.parse(Attributes!.Policy!).Statement[0].Resource).toBe(arn);

    const conflict = await rejection(topic("alerts", { DisplayName: "Different" }));
    expect(conflict).toBeInstanceOf(InvalidParameterException);
    expect(conflict.message).toBe(
      "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
    );
    const badName = await rejection(topic("no spaces allowed"));
    expect(badName).toBeInstanceOf(InvalidParameterException);
    expect(badName.message).toBe("Invalid parameter: Topic Name");

    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: arn })); // idempotent
    const gone = await rejection(sns.send(new GetTopicAttributesCommand({ TopicArn: arn })));
    expect(gone).toBeInstanceOf(NotFoundException);
    expect(gone.message).toBe("Topic does not exist");
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it("rejects malformed topic ARNs with AWS's wording", async () => {
    const err = await rejection(sns.send(new PublishCommand({ TopicArn: "not-an-arn", Message: "x" })));
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1");
  });
});

describe("subscriptions", () => {
  it("subscribes idempotently, lists, reports attributes, unsubscribes", async () => {
    const arn = await topic("subs");
    const { url: _url, subscriptionArn } = await queueSubscription(arn, "subs-q", { RawMessageDelivery: "True" });
    expect(subscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:subs:[0-9a-f-]{36}$/);
    const again = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:000000000000:subs-q" }),
    );
    expect(again.SubscriptionArn).toBe(subscriptionArn);

    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })))
      .Attributes;
    expect(attrs).toMatchObject({
      ConfirmationWasAuthenticated: "true",
      Endpoint: "arn:aws:sqs:us-east-1:000000000000:subs-q",
      Owner: "000000000000",
      PendingConfirmation: "false",
      Protocol: "sqs",
      RawMessageDelivery: "true",
      SubscriptionArn: subscriptionArn,
      TopicArn: arn,
    });
    expect(attrs!.FilterPolicy).toBeUndefined();

    const { SubscriptionArn: mailArn } = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "ops@example.com" }),
    );
    const summary = {
      Owner: "000000000000",
      Protocol: "email",
      Endpoint: "ops@example.com",
      SubscriptionArn: mailArn,
      TopicArn: arn,
    };
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions).toContainEqual(
      summary,
    );
    expect((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions).toHaveLength(2);
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!.SubscriptionsConfirmed).toBe(
      "2",
    );

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: mailArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: mailArn })); // idempotent
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions).toHaveLength(1);
    const missing = await rejection(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: mailArn })));
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.message).toBe("Subscription does not exist");
  });

  it("validates protocols, endpoints and attributes", async () => {
    const arn = await topic("validate");
    const proto = await rejection(
      sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "carrier-pigeon", Endpoint: "x" })),
    );
    expect(proto.message).toBe("Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon");
    const http = await rejection(
      sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "https", Endpoint: "https://x" })),
    );
    expect(http).toBeInstanceOf(InvalidParameterException);
    expect(http.message).toMatch(/does not deliver to 'https' endpoints/);
    const sqsArn = await rejection(
      sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "sqs", Endpoint: "my-queue" })),
    );
    expect(sqsArn.message).toBe("Invalid parameter: SQS endpoint ARN");
    const noTopic = await rejection(
      sns.send(new SubscribeCommand({ TopicArn: `${arn}-missing`, Protocol: "email", Endpoint: "a@b.c" })),
    );
    expect(noTopic).toBeInstanceOf(NotFoundException);
    const raw = await rejection(
      sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: "sqs",
          Endpoint: "arn:aws:sqs:us-east-1:000000000000:q",
          Attributes: { RawMessageDelivery: "yes" },
        }),
      ),
    );
    expect(raw.message).toBe(
      "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [yes]. Must be true or false.",
    );
    const unknownAttr = await rejection(
      sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "a@b.c", Attributes: { Colour: "red" } }),
      ),
    );
    expect(unknownAttr.message).toBe("Invalid parameter: Attributes Reason: AttributeName");
  });
});

describe("delivery to SQS", () => {
  it("wraps the message in AWS's signed notification envelope", async () => {
    const arn = await topic("orders");
    const { url, subscriptionArn } = await queueSubscription(arn, "orders-q");
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Subject: "Order placed",
        Message: '{"id": 7, "note": "line1\nline2"}',
        MessageAttributes: {
          store: { DataType: "String", StringValue: "example_corp" },
          price: { DataType: "Number", StringValue: "12.5" },
          blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const [body] = await bodies(url);
    expect(body!.startsWith('{\n  "Type" : "Notification",\n  "MessageId" : ')).toBe(true);
    const envelope = JSON.parse(body!);
    expect(Object.keys(envelope)).toEqual([
      "Type",
      "MessageId",
      "TopicArn",
      "Subject",
      "Message",
      "Timestamp",
      "SignatureVersion",
      "Signature",
      "SigningCertURL",
      "UnsubscribeURL",
      "MessageAttributes",
    ]);
    expect(envelope).toMatchObject({
      Type: "Notification",
      MessageId,
      TopicArn: arn,
      Subject: "Order placed",
      Message: '{"id": 7, "note": "line1\nline2"}',
      Timestamp: ISO_START,
      SignatureVersion: "1",
      SigningCertURL: `${edge.endpoint}/_testbed/sns/SimpleNotificationService-testbed.pem`,
      UnsubscribeURL: `${edge.endpoint}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
      MessageAttributes: {
        store: { Type: "String", Value: "example_corp" },
        price: { Type: "Number", Value: "12.5" },
        blob: { Type: "Binary", Value: "AQID" },
      },
    });

    // The signature verifies against the key served at SigningCertURL, over AWS's canonical string.
    const key = await (await fetch(envelope.SigningCertURL)).text();
    const verifier = createVerify("RSA-SHA1");
    verifier.update(
      canonicalNotificationString({
        messageId: envelope.MessageId,
        topicArn: envelope.TopicArn,
        subject: envelope.Subject,
        message: envelope.Message,
        timestamp: envelope.Timestamp,
        signatureVersion: "1",
        signingCertUrl: "",
        unsubscribeUrl: "",
      }),
    );
    expect(verifier.verify(key, envelope.Signature, "base64")).toBe(true);
  });

  it("omits Subject and MessageAttributes when not given, and signs with SHA256 for SignatureVersion 2", async () => {
    const arn = await topic("plain", { SignatureVersion: "2" });
    const { url } = await queueSubscription(arn, "plain-q");
    clock.advance(1000);
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "hello" }));
    const envelope = JSON.parse((await bodies(url))[0]!);
    expect(envelope.Subject).toBeUndefined();
    expect(envelope.MessageAttributes).toBeUndefined();
    expect(envelope.Timestamp).toBe("2024-01-02T03:04:06.678Z");
    expect(envelope.SignatureVersion).toBe("2");
    const key = await (await fetch(envelope.SigningCertURL)).text();
    const verifier = createVerify("RSA-SHA256");
    verifier.update(
      `Message\nhello\nMessageId\n${envelope.MessageId}\nTimestamp\n${envelope.Timestamp}\nTopicArn\n${arn}\nType\nNotification\n`,
    );
    expect(verifier.verify(key, envelope.Signature, "base64")).toBe(true);
  });

  it("delivers the bare message and SQS message attributes with RawMessageDelivery", async () => {
    const arn = await topic("raw");
    const { url } = await queueSubscription(arn, "raw-q", { RawMessageDelivery: "true" });
    await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: "just the text",
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "alert" },
          blob: { DataType: "Binary", BinaryValue: new Uint8Array([9, 8]) },
        },
      }),
    );
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["All"] }));
    expect(Messages![0]!.Body).toBe("just the text");
    expect(Messages![0]!.MessageAttributes).toEqual({
      kind: { DataType: "String", StringValue: "alert" },
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([9, 8]) },
    });
  });

  it("records a failed delivery when the subscribed queue is gone, and still answers Publish", async () => {
    const arn = await topic("orphan");
    await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: "sqs",
        Endpoint: "arn:aws:sqs:us-east-1:000000000000:never-created",
      }),
    );
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: arn, Message: "lost" }));
    const [record] = await published();
    expect(record!.messageId).toBe(MessageId);
    expect(record!.deliveries).toEqual([
      expect.objectContaining({ protocol: "sqs", status: "failed", detail: expect.stringMatching(/does not exist/) }),
    ]);
  });
});

describe("filter policies", () => {
  it("routes by message attributes: exact, prefix, anything-but, numeric, exists, String.Array, $or", async () => {
    const arn = await topic("filtered");
    const policies: Record<string, unknown> = {
      exact: { store: ["example_corp"] },
      prefix: { store: [{ prefix: "ex" }] },
      notBig: { size: [{ "anything-but": ["large", "huge"] }] },
      range: { price: [{ numeric: [">", 0, "<=", 100] }] },
      noColour: { colour: [{ exists: false }] },
      tags: { tags: ["urgent"] },
      either: { $or: [{ store: ["other"] }, { price: [{ numeric: ["=", 250] }] }] },
    };
    const urls: Record<string, string> = {};
    for (const [name, policy] of Object.entries(policies)) {
      urls[name] = (await queueSubscription(arn, `f-${name}`, { FilterPolicy: JSON.stringify(policy) })).url;
    }
    const publish = (label: string, attrs: Record<string, MessageAttributeValue>) =>
      sns.send(new PublishCommand({ TopicArn: arn, Message: label, MessageAttributes: attrs }));
    await publish("m1", {
      store: { DataType: "String", StringValue: "example_corp" },
      size: { DataType: "String", StringValue: "small" },
      price: { DataType: "Number", StringValue: "99.5" },
    });
    await publish("m2", {
      store: { DataType: "String", StringValue: "other" },
      size: { DataType: "String", StringValue: "huge" },
      price: { DataType: "Number", StringValue: "250" },
      colour: { DataType: "String", StringValue: "red" },
      tags: { DataType: "String.Array", StringValue: '["low", "urgent"]' },
    });
    await publish("m3", { price: { DataType: "String", StringValue: "50" } });

    const received: Record<string, string[]> = {};
    for (const [name, url] of Object.entries(urls)) {
      received[name] = (await bodies(url)).map((b) => JSON.parse(b).Message).sort();
    }
    expect(received).toEqual({
      exact: ["m1"],
      prefix: ["m1"],
      notBig: ["m1"], // anything-but needs the attribute to exist
      range: ["m1"], // a String "50" is not a Number
      noColour: ["m1", "m3"],
      tags: ["m2"],
      either: ["m2"],
    });
    const [first] = await published();
    expect(first!.deliveries.filter((d) => d.status === "filtered-out")).toHaveLength(2);
  });

  it("filters on the JSON body with FilterPolicyScope MessageBody, set after subscribing", async () => {
    const arn = await topic("body");
    const { url, subscriptionArn } = await queueSubscription(arn, "body-q");
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: "FilterPolicyScope",
        AttributeValue: "MessageBody",
      }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: "FilterPolicy",
        AttributeValue: JSON.stringify({ detail: { state: ["FAILED"], attempt: [{ numeric: [">=", 2] }] } }),
      }),
    );
    for (const message of [
      { detail: { state: "FAILED", attempt: 3 } },
      { detail: { state: "FAILED", attempt: 1 } },
      { detail: { state: "SUCCEEDED", attempt: 5 } },
    ]) {
      await sns.send(new PublishCommand({ TopicArn: arn, Message: JSON.stringify(message) }));
    }
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "not json" }));
    expect((await bodies(url)).map((b) => JSON.parse(JSON.parse(b).Message))).toEqual([
      { detail: { state: "FAILED", attempt: 3 } },
    ]);
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })))
      .Attributes!;
    expect(attrs.FilterPolicyScope).toBe("MessageBody");
  });

  it("rejects invalid policies with AWS's messages", async () => {
    const arn = await topic("bad-policy");
    const subscribe = (policy: unknown) =>
      rejection(
        sns.send(
          new SubscribeCommand({
            TopicArn: arn,
            Protocol: "email",
            Endpoint: "a@b.c",
            Attributes: { FilterPolicy: JSON.stringify(policy) },
          }),
        ),
      );
    const cases: [unknown, string][] = [
      [{ key: [] }, "FilterPolicy: Empty arrays are not allowed"],
      [{ key: [{ suffix: 100 }] }, "FilterPolicy: suffix match pattern must be a string"],
      [{ key: [{ "wrong-operator": true }] }, "FilterPolicy: Unrecognized match type wrong-operator"],
      [{ key: [{ numeric: [">", 3, "<", 1] }] }, "FilterPolicy: Bottom must be less than top"],
      [{ key: [{ exists: "no" }] }, "FilterPolicy: exists match pattern must be either true or false."],
      [{ key: { nested: ["x"] } }, "Filter policy scope MessageAttributes does not support nested filter policy"],
      [{ a: [1], b: [1], c: [1], d: [1], e: [1], f: [1] }, "FilterPolicy: Filter policy can not have more than 5 keys"],
    ];
    for (const [policy, message] of cases) {
      const err = await subscribe(policy);
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe(`Invalid parameter: Attributes Reason: ${message}`);
    }
  });
});

describe("Publish validation and MessageStructure", () => {
  it("sends each protocol its own message with MessageStructure json", async () => {
    const arn = await topic("structured");
    const { url } = await queueSubscription(arn, "structured-q");
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "ops@example.com" }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: "lambda",
        Endpoint: "arn:aws:lambda:us-east-1:000000000000:function:notify",
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: arn,
        MessageStructure: "json",
        Message: JSON.stringify({ default: "for everyone", sqs: "for queues", lambda: { not: "a string" } }),
      }),
    );
    expect(JSON.parse((await bodies(url))[0]!).Message).toBe("for queues");
    expect(invocations[0]!.payload.Records[0].Sns.Message).toBe("for everyone");
    const [eml] = await readdir(outboxDir);
    expect(await readFile(join(outboxDir, eml!), "utf8")).toContain("\r\n\r\nfor everyone\r\n");
    expect((await published())[0]!.messageStructure).toBe("json");
  });

  it("maps bad input to the SDK's modelled exceptions with AWS's messages", async () => {
    const arn = await topic("strict");
    const cases: [Record<string, unknown>, unknown, string][] = [
      [
        { MessageStructure: "json", Message: '{"sqs": "x"}' },
        InvalidParameterException,
        "Invalid parameter: Message Structure - No default entry in JSON message body",
      ],
      [
        { MessageStructure: "json", Message: "{oops" },
        InvalidParameterException,
        "Invalid parameter: Message Structure - JSON message body failed to parse",
      ],
      [{ Message: "" }, InvalidParameterException, "Invalid parameter: Empty message"],
      [{ Message: "x", Subject: "" }, InvalidParameterException, "Invalid parameter: Subject"],
      [{ Message: "x", Subject: "two\nlines" }, InvalidParameterException, "Invalid parameter: Subject"],
      [{ Message: "x", Subject: "s".repeat(100) }, InvalidParameterException, "Invalid parameter: Subject"],
      [{ Message: "x".repeat(262145) }, InvalidParameterException, "Invalid parameter: Message too long"],
      [
        { Message: "x", MessageAttributes: { attr1: { DataType: "String", StringValue: "" } } },
        InvalidParameterValueException,
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
      ],
      [
        { Message: "x", MessageAttributes: { attr1: { DataType: "Float", StringValue: "1" } } },
        InvalidParameterValueException,
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        { Message: "x", MessageAttributes: { "a..b": { DataType: "String", StringValue: "1" } } },
        InvalidParameterValueException,
        "Message attribute name can not have successive '.' character.",
      ],
    ];
    for (const [input, type, message] of cases) {
      const err = await rejection(sns.send(new PublishCommand({ TopicArn: arn, ...(input as any) })));
      expect(err).toBeInstanceOf(type as any);
      expect(err.message).toBe(message);
    }
    // A 99-character subject with non-ASCII letters is fine (UTF-8 text without control characters).
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "x", Subject: `Größe ${"s".repeat(93)}` }));
    const missing = await rejection(sns.send(new PublishCommand({ TopicArn: `${arn}-gone`, Message: "x" })));
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.message).toBe("Topic does not exist");
  });

  it("publishes by TargetArn and in batches", async () => {
    const arn = await topic("batch");
    const { url } = await queueSubscription(arn, "batch-q", { RawMessageDelivery: "true" });
    await sns.send(new PublishCommand({ TargetArn: arn, Message: "via target" }));
    const batch = await sns.send(
      new PublishBatchCommand({
        TopicArn: arn,
        PublishBatchRequestEntries: [
          { Id: "one", Message: "first" },
          { Id: "two", Message: "second", MessageAttributes: { n: { DataType: "Number", StringValue: "2" } } },
        ],
      }),
    );
    expect(batch.Successful!.map((s) => s.Id)).toEqual(["one", "two"]);
    expect(batch.Failed).toEqual([]);
    expect(await bodies(url)).toEqual(["via target", "first", "second"]);
    const dup = await rejection(
      sns.send(
        new PublishBatchCommand({
          TopicArn: arn,
          PublishBatchRequestEntries: [
            { Id: "a", Message: "1" },
            { Id: "a", Message: "2" },
          ],
        }),
      ),
    );
    expect(dup.name).toBe("BatchEntryIdsNotDistinctException");
  });
});

describe("delivery to Lambda", () => {
  it("invokes asynchronously with AWS's SNS event shape", async () => {
    const arn = await topic("to-lambda");
    const fn = "arn:aws:lambda:us-east-1:000000000000:function:handler";
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: "lambda", Endpoint: fn }),
    );
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: "hi",
        MessageAttributes: { k: { DataType: "String", StringValue: "v" } },
      }),
    );
    expect(invocations).toHaveLength(1);
    const { fn: invoked, payload, options } = invocations[0]!;
    expect(invoked).toBe(fn);
    expect(options).toEqual({ async: true });
    expect(payload).toEqual({
      Records: [
        {
          EventSource: "aws:sns",
          EventVersion: "1.0",
          EventSubscriptionArn: SubscriptionArn,
          Sns: {
            Type: "Notification",
            MessageId,
            TopicArn: arn,
            Subject: null,
            Message: "hi",
            Timestamp: ISO_START,
            SignatureVersion: "1",
            Signature: expect.any(String),
            SigningCertUrl: `${edge.endpoint}/_testbed/sns/SimpleNotificationService-testbed.pem`,
            UnsubscribeUrl: `${edge.endpoint}/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`,
            MessageAttributes: { k: { Type: "String", Value: "v" } },
          },
        },
      ],
    });
    await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: "lambda",
        Endpoint: "arn:aws:lambda:us-east-1:000000000000:function:missing",
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "second" }));
    expect((await published())[1]!.deliveries.map((d) => d.status)).toEqual(["delivered", "failed"]);

    const raw = await rejection(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn,
          AttributeName: "RawMessageDelivery",
          AttributeValue: "true",
        }),
      ),
    );
    expect(raw).toBeInstanceOf(InvalidParameterException);
  });
});

describe("email outbox", () => {
  it("writes one RFC 5322 file per email delivery", async () => {
    const arn = await topic("mail", { DisplayName: "Pipeline" });
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "ops@example.com" }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "email-json", Endpoint: "bot@example.com" }));
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: arn, Subject: "Pipeline failed", Message: "Step X failed.\nSee logs." }),
    );

    const files = (await readdir(outboxDir)).sort();
    expect(files).toEqual([`0001-${MessageId}-ops@example.com.eml`, `0002-${MessageId}-bot@example.com.eml`]);
    const email = await readFile(join(outboxDir, files[0]!), "utf8");
    expect(email).toBe(
      [
        "From: Pipeline <no-reply@sns.amazonaws.com>",
        "To: ops@example.com",
        "Subject: Pipeline failed",
        "Date: Tue, 02 Jan 2024 03:04:05 +0000",
        `Message-ID: <${MessageId}@sns.amazonaws.com>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 7bit",
        "",
        "Step X failed.",
        "See logs.",
        "",
        "--",
        "If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:",
        `${edge.endpoint}/unsubscribe.html?SubscriptionArn=${SubscriptionArn}&Endpoint=ops@example.com`,
        "",
        "Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support",
        "",
      ].join("\r\n"),
    );
    const jsonMail = await readFile(join(outboxDir, files[1]!), "utf8");
    const body = jsonMail.slice(jsonMail.indexOf("\r\n\r\n") + 4).replace(/\r\n/g, "\n");
    expect(JSON.parse(body)).toMatchObject({
      Type: "Notification",
      MessageId,
      Subject: "Pipeline failed",
      Message: "Step X failed.\nSee logs.",
    });

    const outbox = (await (await fetch(`${edge.endpoint}/_testbed/sns/outbox`)).json()) as any;
    expect(outbox).toEqual({ dir: outboxDir, created: true });
    expect((await published())[0]!.deliveries.map((d) => d.detail)).toEqual(files.map((f) => join(outboxDir, f)));
  });

  it("uses AWS's default subject and sender, and a temp outbox that goes away with the edge", async () => {
    await using own = await startEdge({ clock, services: [snsService()] });
    const client = new SNSClient(clientConfig(own));
    const arn = (await client.send(new CreateTopicCommand({ Name: "defaults" }))).TopicArn!;
    const before = (await (await fetch(`${own.endpoint}/_testbed/sns/outbox`)).json()) as any;
    expect(before).toEqual({ dir: null, created: false });
    await client.send(new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "a@example.com" }));
    await client.send(new PublishCommand({ TopicArn: arn, Message: "Grüße" }));
    const { dir } = (await (await fetch(`${own.endpoint}/_testbed/sns/outbox`)).json()) as any;
    const [file] = await readdir(dir);
    const email = await readFile(join(dir, file!), "utf8");
    expect(email).toContain("From: AWS Notifications <no-reply@sns.amazonaws.com>\r\n");
    expect(email).toContain("Subject: AWS Notification Message\r\n");
    expect(email).toContain("Content-Transfer-Encoding: 8bit\r\n");
    expect(email).toContain("\r\n\r\nGrüße\r\n");
    client.destroy();
    await own.close();
    await expect(stat(dir)).rejects.toThrow();
  });
});

describe("control plane", () => {
  it("captures every publish, filters by topic, clears on DELETE and on reset", async () => {
    const a = await topic("a");
    const b = await topic("b");
    clock.advance(250);
    await sns.send(new PublishCommand({ TopicArn: a, Message: "to a", Subject: "S" }));
    await sns.send(
      new PublishCommand({
        TopicArn: b,
        Message: "to b",
        MessageAttributes: { x: { DataType: "String", StringValue: "y" } },
      }),
    );
    const all = await published();
    expect(all.map((m) => [m.topicArn, m.message, m.subject, m.timestamp])).toEqual([
      [a, "to a", "S", "2024-01-02T03:04:05.928Z"],
      [b, "to b", undefined, "2024-01-02T03:04:05.928Z"],
    ]);
    expect(all[1]!.messageAttributes).toEqual({ x: { DataType: "String", StringValue: "y" } });
    const onlyB = (await (
      await fetch(`${edge.endpoint}/_testbed/sns/messages?TopicArn=${encodeURIComponent(b)}`)
    ).json()) as any;
    expect(onlyB.messages).toHaveLength(1);

    const del = await fetch(`${edge.endpoint}/_testbed/sns/messages`, { method: "DELETE" });
    expect(await del.json()).toEqual({ deleted: 2 });
    expect(await published()).toEqual([]);

    await sns.send(new PublishCommand({ TopicArn: a, Message: "again" }));
    await fetch(`${edge.endpoint}/_testbed/reset`, { method: "POST" });
    expect(await published()).toEqual([]);
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([]);
  });
});
