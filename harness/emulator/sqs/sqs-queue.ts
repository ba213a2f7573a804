import { randomUUID } from "node:crypto";
import { AwsServiceError } from "../errors";
import type { SqsAttributeValue } from "./sqs-checksums";

/** A message as the queue holds it. Times are milliseconds on the emulator's clock. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Record<string, SqsAttributeValue>;
  readonly systemAttributes: Record<string, SqsAttributeValue>;
  readonly senderId: string;
  readonly sentAt: number;
  /** When the message may next be received: `sentAt + DelaySeconds`, then `receive time + VisibilityTimeout`. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Every handle a receive minted for this message; any of them deletes it or changes its visibility. */
  readonly receiptHandles: Set<string>;
  deadLetterQueueSourceArn?: string;
}

/** Where a message stands at a given instant (what GetQueueAttributes counts). */
export type MessageState = "visible" | "in-flight" | "delayed";

/** Attribute defaults of a new standard queue, as GetQueueAttributes(All) reports them on AWS today. */
export const DEFAULT_QUEUE_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: "0",
  MaximumMessageSize: "1048576",
  MessageRetentionPeriod: "345600",
  ReceiveMessageWaitTimeSeconds: "0",
  VisibilityTimeout: "30",
  SqsManagedSseEnabled: "true",
};

/** Attributes a caller may set, with their allowed integer range where AWS enforces one. */
export const SETTABLE_QUEUE_ATTRIBUTES: Readonly<Record<string, readonly [number, number] | null>> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1048576],
  MessageRetentionPeriod: [60, 1209600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43200],
  Policy: null,
  RedrivePolicy: null,
  RedriveAllowPolicy: null,
  KmsMasterKeyId: null,
  KmsDataKeyReusePeriodSeconds: [60, 86400],
  SqsManagedSseEnabled: null,
};

/** Attributes SQS computes; GetQueueAttributes accepts them, Create/SetQueueAttributes reject them. */
export const COMPUTED_QUEUE_ATTRIBUTES = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesDelayed",
  "ApproximateNumberOfMessagesNotVisible",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
] as const;

/** One standard queue: its attributes, its messages in send order, and the long polls waiting on it. */
export class SqsQueue {
  readonly arn: string;
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string> = {};
  messages: StoredMessage[] = [];
  lastPurgeAt: number | undefined;
  deleted = false;
  private readonly handles = new Map<string, StoredMessage>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly region: string,
    readonly accountId: string,
    readonly createdAt: number,
  ) {
    this.arn = `arn:aws:sqs:${region}:${accountId}:${name}`;
    const seconds = String(Math.floor(createdAt / 1000));
    this.attributes = { ...DEFAULT_QUEUE_ATTRIBUTES, CreatedTimestamp: seconds, LastModifiedTimestamp: seconds };
  }

  numberAttribute(name: string): number {
    return Number(this.attributes[name] ?? DEFAULT_QUEUE_ATTRIBUTES[name] ?? "0");
  }

  stateOf(message: StoredMessage, now: number): MessageState {
    if (message.visibleAt <= now) return "visible";
    return message.receiveCount === 0 ? "delayed" : "in-flight";
  }

  /** Drops messages older than MessageRetentionPeriod (SQS deletes them silently). */
  expire(now: number): void {
    const retentionMs = this.numberAttribute("MessageRetentionPeriod") * 1000;
    const kept = this.messages.filter((m) => m.sentAt + retentionMs > now);
    if (kept.length !== this.messages.length) {
      for (const m of this.messages) if (!kept.includes(m)) this.forget(m);
      this.messages = kept;
    }
  }

  count(state: MessageState, now: number): number {
    this.expire(now);
    return this.messages.filter((m) => this.stateOf(m, now) === state).length;
  }

  /** The earliest future instant at which some message becomes visible (a long poll wakes then). */
  nextVisibleAt(now: number): number | undefined {
    let next: number | undefined;
    for (const m of this.messages)
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    return next;
  }

  enqueue(message: StoredMessage): void {
    this.messages.push(message);
    this.notify();
  }

  /** Mints a receipt handle that names this queue (so a handle from another queue is rejected as AWS does). */
  mintHandle(message: StoredMessage, now: number): string {
    const handle = Buffer.from(`${randomUUID()} ${this.arn} ${message.messageId} ${now}`, "utf8").toString("base64");
    message.receiptHandles.add(handle);
    this.handles.set(handle, message);
    return handle;
  }

  /** Throws `ReceiptHandleIsInvalid` unless the handle is one this queue could have minted. */
  checkHandle(handle: string): void {
    const decoded = /^[A-Za-z0-9+/]+=*$/.test(handle) ? Buffer.from(handle, "base64").toString("utf8") : "";
    if (decoded.split(" ")[1] !== this.arn) {
      throw new AwsServiceError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
        404,
      );
    }
  }

  /** The live message a handle points to, or `undefined` once it was deleted, purged or expired. */
  messageFor(handle: string): StoredMessage | undefined {
    return this.handles.get(handle);
  }

  remove(message: StoredMessage): void {
    this.messages = this.messages.filter((m) => m !== message);
    this.forget(message);
  }

  purge(): void {
    for (const m of this.messages) this.forget(m);
    this.messages = [];
  }

  private forget(message: StoredMessage): void {
    for (const h of message.receiptHandles) this.handles.delete(h);
    message.receiptHandles.clear();
  }

  /** Resolves at the next send, visibility release, purge or deletion: a long poll then looks again. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
