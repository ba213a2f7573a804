import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  PurgeQueueInProgress,
} from "@aws-sdk/client-sqs";
import { VirtualClock } from "../../common/clock";
import { startEdge } from "../edge";
import type { StartedEdge } from "../edge";
import { clientConfig } from "../test-clients";
import { md5OfMessageAttributes } from "./sqs-checksums";
import { LONG_POLL_STEP_MS, SqsEmulator, sqsService } from "./sqs-emulator";

const START = Date.UTC(2024, 0, 2, 3, 4, 5);

let edge: StartedEdge;
let clock: VirtualClock;
let sqs: SQSClient;

beforeEach(async () => {
  clock = new VirtualClock(START);
  edge = await startEdge({ clock, services: [sqsService()] });
  sqs = new SQSClient(clientConfig(edge));
});

afterEach(async () => {
  sqs.destroy();
  await edge.close();
});

async function createQueue(name: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl!;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

/** Waits (real time, bounded) until the virtual clock has a sleeper, i.e. a long poll is parked on it. */
async function untilParked(): Promise<void> {
  for (let i = 0; i < 500 && clock.pendingTimers() === 0; i++) await new Promise((r) => setTimeout(r, 2));
  if (clock.pendingTimers() === 0) throw new Error("the long poll never parked on the clock");
}

describe("queues", () => {
  it("creates idempotently, resolves names and URLs, lists by prefix, deletes", async () => {
    const url = await createQueue("orders", { VisibilityTimeout: "45" });
    expect(url).toBe(`${edge.endpoint}/000000000000/orders`);
    expect(await createQueue("orders", { VisibilityTimeout: "45" })).toBe(url);
    const conflict = await rejection(createQueue("orders", { VisibilityTimeout: "10" }));
    expect(conflict).toBeInstanceOf(QueueNameExists);
    expect(conflict.message).toBe(
      "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
    );

    await createQueue("orders-dlq");
    await createQueue("billing");
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "billing" }))).QueueUrl).toBe(
      `${edge.endpoint}/000000000000/billing`,
    );
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "orders" }))).QueueUrls).toEqual([
      url,
      `${edge.endpoint}/000000000000/orders-dlq`,
    ]);
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 2 }));
    expect(page.QueueUrls).toHaveLength(2);
    const rest = await sqs.send(new ListQueuesCommand({ MaxResults: 2, NextToken: page.NextToken }));
    expect(rest.QueueUrls).toEqual([`${edge.endpoint}/000000000000/orders-dlq`]);
    expect(rest.NextToken).toBeUndefined();

    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "orders" }))).QueueUrls).toHaveLength(1);
  });

  it("reports AWS's default attributes and computed counters, and accepts a Policy", async () => {
    const url = await createQueue("attrs");
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    expect(Attributes).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesDelayed: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
      CreatedTimestamp: String(START / 1000),
      DelaySeconds: "0",
      LastModifiedTimestamp: String(START / 1000),
      MaximumMessageSize: "1048576",
      MessageRetentionPeriod: "345600",
      QueueArn: "arn:aws:sqs:us-east-1:000000000000:attrs",
      ReceiveMessageWaitTimeSeconds: "0",
      SqsManagedSseEnabled: "true",
      VisibilityTimeout: "30",
    });
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sqs:SendMessage" }],
    });
    clock.advance(5000);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy, DelaySeconds: "3" } }));
    const after = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["Policy", "DelaySeconds", "LastModifiedTimestamp"],
      }),
    );
    expect(after.Attributes).toEqual({
      Policy: policy,
      DelaySeconds: "3",
      LastModifiedTimestamp: String(START / 1000 + 5),
    });

    const bad = await rejection(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: "99999" } })),
    );
    expect(bad.name).toBe("InvalidAttributeValue");
    const unknown = await rejection(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Colour" as any] })),
    );
    expect(unknown.name).toBe("InvalidAttributeName");
    expect(unknown.message).toBe("Unknown Attribute Colour.");
  });

  it("maps a missing queue to the SDK's QueueDoesNotExist, with AWS's query code", async () => {
    const err = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" })));
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err.name).toBe("QueueDoesNotExist");
    expect(err.message).toBe("The specified queue does not exist.");
    expect(err.Code).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(err.$metadata.httpStatusCode).toBe(400);

    const send = await rejection(
      sqs.send(new SendMessageCommand({ QueueUrl: `${edge.endpoint}/000000000000/nope`, MessageBody: "x" })),
    );
    expect(send).toBeInstanceOf(QueueDoesNotExist);
  });

  it("keeps tags given at creation", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "tagged", tags: { team: "data" } }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ team: "data" });
  });

  it("refuses FIFO queues with a clear error instead of half-emulating them", async () => {
    const err = await rejection(createQueue("jobs.fifo", { FifoQueue: "true" }));
    expect(err.name).toBe("UnsupportedOperation");
    expect(err.message).toMatch(/FIFO queues are not emulated/);
  });
});

describe("messages", () => {
  it("returns AWS's MD5s for body and attributes, and filters attributes by name on receive", async () => {
    const url = await createQueue("md5");
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "derp",
        MessageAttributes: {
          ccc: { DataType: "String", StringValue: "testjunk" },
          aaa: { DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) },
          zzz: { DataType: "Number", StringValue: "0230.01" },
          öther_encodings: { DataType: "String", StringValue: "Tüst" },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe("58fd9edd83341c29f1aebba81c31e257");
    expect(sent.MD5OfMessageAttributes).toBe("8ae21a7957029ef04146b42aeaa18a22");
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const all = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["All"], VisibilityTimeout: 0 }),
    );
    const m = all.Messages![0]!;
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.Body).toBe("derp");
    expect(m.MD5OfBody).toBe("58fd9edd83341c29f1aebba81c31e257");
    expect(m.MD5OfMessageAttributes).toBe("8ae21a7957029ef04146b42aeaa18a22");
    expect(m.MessageAttributes!.aaa).toEqual({ DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) });
    expect(m.MessageAttributes!["öther_encodings"]).toEqual({ DataType: "String", StringValue: "Tüst" });

    const some = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["zzz", "ccc"], VisibilityTimeout: 0 }),
    );
    expect(Object.keys(some.Messages![0]!.MessageAttributes!).sort()).toEqual(["ccc", "zzz"]);
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(none.Messages![0]!.MessageAttributes).toBeUndefined();
    expect(none.Messages![0]!.MD5OfMessageAttributes).toBeUndefined();
    expect(none.Messages![0]!.Attributes).toBeUndefined();
  });

  it("selects attributes by a `prefix.*` pattern, hashing only what it returns", async () => {
    const url = await createQueue("prefix");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: {
          "order.id": { DataType: "String", StringValue: "42" },
          "order.total": { DataType: "Number", StringValue: "9.5" },
          orderly: { DataType: "String", StringValue: "no" },
        },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["order.*"] }),
    );
    expect(Object.keys(Messages![0]!.MessageAttributes!).sort()).toEqual(["order.id", "order.total"]);
    expect(Messages![0]!.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        "order.id": { DataType: "String", StringValue: "42" },
        "order.total": { DataType: "Number", StringValue: "9.5" },
      }),
    );
  });

  it("reports system attributes on the clock: SentTimestamp, receive count, first receive", async () => {
    const url = await createQueue("sys");
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "hello" }));
    clock.advance(1500);
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["All"], VisibilityTimeout: 10 }),
    );
    expect(first.Messages![0]!.Attributes).toEqual({
      SenderId: "test",
      SentTimestamp: String(START),
      ApproximateReceiveCount: "1",
      ApproximateFirstReceiveTimestamp: String(START + 1500),
    });
    clock.advance(10_000);
    const second = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"],
      }),
    );
    expect(second.Messages![0]!.Attributes).toEqual({
      ApproximateReceiveCount: "2",
      ApproximateFirstReceiveTimestamp: String(START + 1500),
    });
  });

  it("hides received messages for the visibility timeout, measured on the clock", async () => {
    const url = await createQueue("vis", { VisibilityTimeout: "30" });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "a" }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const counts = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "1" });

    clock.advance(29_999);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    clock.advance(1);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 5 }));
    expect(again.Messages![0]!.MessageId).toBe(got.Messages![0]!.MessageId);
    expect(again.Messages![0]!.ReceiptHandle).not.toBe(got.Messages![0]!.ReceiptHandle);

    // Any handle the message was received with can end its visibility early (LocalStack's AWS-validated test).
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: got.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(third.Messages).toHaveLength(1);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages![0]!.ReceiptHandle }));
    // Deleting again succeeds; changing visibility of a deleted message does not.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages![0]!.ReceiptHandle }));
    const gone = await rejection(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: third.Messages![0]!.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(gone).toBeInstanceOf(SQSServiceException);
    expect(gone.name).toBe("InvalidParameterValue");
    expect(gone.message).toBe(
      `Value ${third.Messages![0]!.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    );
    clock.advance(60_000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it("rejects receipt handles it did not mint", async () => {
    const url = await createQueue("handles");
    const err = await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })));
    expect(err).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(err.message).toBe('The input receipt handle "garbage" is not a valid receipt handle.');

    const other = await createQueue("other");
    await sqs.send(new SendMessageCommand({ QueueUrl: other, MessageBody: "x" }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: other }));
    const cross = await rejection(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages![0]!.ReceiptHandle })),
    );
    expect(cross).toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it("delays messages by DelaySeconds and counts them as delayed meanwhile", async () => {
    const url = await createQueue("delay");
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "later", DelaySeconds: 5 }));
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }),
    );
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: "1" });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    clock.advance(5000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!.Body).toBe("later");
  });

  it("validates bodies and receive parameters with AWS's messages", async () => {
    const url = await createQueue("validate", { MaximumMessageSize: "1024" });
    const empty = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "" })));
    expect(empty.name).toBe("MissingParameter");
    expect(empty.message).toBe("The request must contain the parameter MessageBody.");
    const big = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x".repeat(1025) })));
    expect(big.message).toBe("One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
    const control = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "bell\u0007" })));
    expect(control.name).toBe("InvalidMessageContents");
    const tooMany = await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(tooMany.message).toBe(
      "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
    );
    const wait = await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })));
    expect(wait.message).toBe(
      "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.",
    );
    const attr = await rejection(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "x",
          MessageAttributes: { e: { DataType: "String", StringValue: "" } },
        }),
      ),
    );
    expect(attr.message).toBe("Message (user) attribute 'e' must contain a non-empty value of type 'String'.");
  });

  it("sends and deletes in batches, reporting per-entry failures", async () => {
    const url = await createQueue("batch");
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: "one", MessageAttributes: { n: { DataType: "Number", StringValue: "1" } } },
          { Id: "b", MessageBody: "two" },
          { Id: "c", MessageBody: "" },
        ],
      }),
    );
    expect(sent.Successful!.map((s) => s.Id)).toEqual(["a", "b"]);
    expect(sent.Successful![1]!.MD5OfMessageBody).toBe("b8a9f715dbb64fd5c56e7783c6820a61");
    expect(sent.Failed).toEqual([
      {
        Id: "c",
        SenderFault: true,
        Code: "MissingRequiredParameterException",
        Message: "The request must contain the parameter MessageBody.",
      },
    ]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(Messages!.map((m) => m.Body)).toEqual(["one", "two"]);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages!.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    clock.advance(60_000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it("purges once per 60 seconds of clock time", async () => {
    const url = await createQueue("purge");
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const err = await rejection(sqs.send(new PurgeQueueCommand({ QueueUrl: url })));
    expect(err).toBeInstanceOf(PurgeQueueInProgress);
    expect(err.message).toBe("Only one PurgeQueue operation on purge is allowed every 60 seconds.");
    clock.advance(60_000);
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  });

  it("moves a message to the dead-letter queue once received more than maxReceiveCount times", async () => {
    const dlq = await createQueue("work-dlq");
    const url = await createQueue("work", {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:work-dlq",
        maxReceiveCount: 2,
      }),
    });
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
    for (let i = 0; i < 2; i++) {
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
      clock.advance(1000);
    }
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ["All"] }));
    expect(moved.Messages![0]!.MessageId).toBe(MessageId);
    expect(moved.Messages![0]!.Attributes!.DeadLetterQueueSourceArn).toBe("arn:aws:sqs:us-east-1:000000000000:work");
  });
});

describe("long polling on the virtual clock", () => {
  it("returns as soon as a message is sent, without virtual time passing", async () => {
    const url = await createQueue("lp");
    // Hold the clock so that it cannot run the 20 s out while the send travels over HTTP.
    let release!: () => void;
    const held = clock.hold(new Promise<void>((r) => (release = r)));
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await untilParked();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake up" }));
    const { Messages } = await waiting;
    expect(Messages![0]!.Body).toBe("wake up");
    expect(clock.now()).toBe(START);
    release();
    await held;
  });

  it("times out after WaitTimeSeconds of virtual time, at once in real time", async () => {
    const url = await createQueue("lp-timeout");
    const startedAt = Date.now();
    const result = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    expect(result.Messages).toBeUndefined();
    expect(clock.now()).toBe(START + 20_000);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it("uses the queue's ReceiveMessageWaitTimeSeconds and wakes when a delayed message becomes visible", async () => {
    const url = await createQueue("lp-delay", { ReceiveMessageWaitTimeSeconds: "20" });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "soon", DelaySeconds: 7 }));
    clock.advance(300);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(Messages![0]!.Body).toBe("soon");
    expect(clock.now()).toBe(START + 7000);
  });

  it("returns empty when the queue is deleted under a waiting poll", async () => {
    const url = await createQueue("lp-deleted");
    let release!: () => void;
    const held = clock.hold(new Promise<void>((r) => (release = r)));
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await untilParked();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect((await waiting).Messages).toBeUndefined();
    expect(clock.now() - START).toBeLessThan(LONG_POLL_STEP_MS);
    release();
    await held;
  });
});

describe("in-process API and control plane", () => {
  it("accepts SNS deliveries by queue ARN and peeks without receiving", async () => {
    const url = await createQueue("peek");
    const emulator = edge.service<SqsEmulator>("sqs");
    expect(emulator.sendMessageInternal("arn:aws:sqs:us-east-1:000000000000:missing", "x")).toBeUndefined();
    const delivered = emulator.sendMessageInternal("arn:aws:sqs:us-east-1:000000000000:peek", "from sns", {
      kind: { DataType: "String", StringValue: "alert" },
      blob: { DataType: "Binary", BinaryValue: Buffer.from("hi").toString("base64") },
    });
    expect(delivered?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "second" }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url })); // "from sns" goes in flight

    const peek = async () =>
      (await (await fetch(`${edge.endpoint}/_testbed/sqs/messages?QueueUrl=${encodeURIComponent(url)}`)).json()) as any;
    const first = await peek();
    expect(first.Messages.map((m: any) => [m.Body, m.State, m.Attributes.ApproximateReceiveCount])).toEqual([
      ["from sns", "in-flight", "1"],
      ["second", "visible", "0"],
    ]);
    expect(first.Messages[0].MessageAttributes).toEqual({
      kind: { DataType: "String", StringValue: "alert" },
      blob: { DataType: "Binary", BinaryValue: "aGk=" },
    });
    expect((await peek()).Messages[1].Attributes.ApproximateReceiveCount).toBe("0");

    const missing = await fetch(`${edge.endpoint}/_testbed/sqs/messages`);
    expect(missing.status).toBe(400);
  });
});

describe("awsQuery protocol (older SDKs, AWS CLI v1)", () => {
  const form = (body: Record<string, string>) =>
    fetch(`${edge.endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization:
          "AWS4-HMAC-SHA256 Credential=test/20240102/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
      },
      body: new URLSearchParams({ Version: "2012-11-05", ...body }),
    });

  it("creates, sends and receives with XML responses", async () => {
    const created = await form({
      Action: "CreateQueue",
      QueueName: "legacy",
      "Attribute.1.Name": "VisibilityTimeout",
      "Attribute.1.Value": "60",
    });
    expect(created.status).toBe(200);
    const url = /<QueueUrl>([^<]+)<\/QueueUrl>/.exec(await created.text())![1]!;
    expect(url).toBe(`${edge.endpoint}/000000000000/legacy`);

    const sent = await (
      await form({
        Action: "SendMessage",
        QueueUrl: url,
        MessageBody: "<derp & co>",
        "MessageAttribute.1.Name": "timestamp",
        "MessageAttribute.1.Value.DataType": "Number",
        "MessageAttribute.1.Value.StringValue": "1493147359900",
      })
    ).text();
    expect(sent).toContain("<MD5OfMessageAttributes>235c5c510d26fb653d073faed50ae77c</MD5OfMessageAttributes>");

    const received = await (
      await form({ Action: "ReceiveMessage", QueueUrl: url, "AttributeName.1": "All", "MessageAttributeName.1": "All" })
    ).text();
    expect(received).toMatch(
      /^<\?xml version="1.0"\?>\n<ReceiveMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><ReceiveMessageResult><Message>/,
    );
    expect(received).toContain("<Body>&lt;derp &amp; co&gt;</Body>");
    expect(received).toContain("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>");
    expect(received).toContain(
      "<MessageAttribute><Name>timestamp</Name><Value><StringValue>1493147359900</StringValue><DataType>Number</DataType></Value></MessageAttribute>",
    );
  });

  // botocore's query parser (1.29, Debian's python3-boto3) requires the result element of operations with an output
  // shape even when it is empty; operations without one have none.
  it("keeps the empty result element of operations with an output, and none for the others", async () => {
    const created = await form({ Action: "CreateQueue", QueueName: "empty-results" });
    const url = /<QueueUrl>([^<]+)<\/QueueUrl>/.exec(await created.text())![1]!;
    const empty = await (await form({ Action: "ReceiveMessage", QueueUrl: url })).text();
    expect(empty).toContain("<ReceiveMessageResponse xmlns=");
    expect(empty).toContain("<ReceiveMessageResult></ReceiveMessageResult><ResponseMetadata>");
    const tags = await (await form({ Action: "ListQueueTags", QueueUrl: url })).text();
    expect(tags).toContain("<ListQueueTagsResult></ListQueueTagsResult>");
    const purged = await (await form({ Action: "PurgeQueue", QueueUrl: url })).text();
    expect(purged).toMatch(/<PurgeQueueResponse [^>]+><ResponseMetadata>/);
    expect(purged).not.toContain("PurgeQueueResult");
  });

  it("answers errors with the query codes and wording", async () => {
    const res = await form({ Action: "GetQueueUrl", QueueName: "ghost" });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
    expect(body).toContain("<Message>The specified queue does not exist for this wsdl version.</Message>");
    expect(body).toContain("<Type>Sender</Type>");
  });
});
