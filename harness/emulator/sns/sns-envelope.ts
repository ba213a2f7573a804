/**
 * What SNS hands to subscribers: the JSON notification envelope (SQS, email-json, HTTP) and the Lambda event record,
 * signed the way AWS signs them (SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2, over the canonical string of
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html) with a key made up per process.
 * The public key is served as PEM at the SigningCertURL; it is a bare public key, not an X.509 certificate, so
 * verifiers that insist on a certificate chain (sns-validator) will not accept it.
 */
import { createSign, generateKeyPair } from "node:crypto";
import type { KeyObject } from "node:crypto";

/** A message attribute as Publish received it (`BinaryValue` in base64). */
export interface SnsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** The fields every notification carries. */
export interface NotificationFields {
  messageId: string;
  topicArn: string;
  subject?: string;
  /** The message text chosen for the subscriber's protocol. */
  message: string;
  /** ISO-8601 with milliseconds, from the emulator's clock. */
  timestamp: string;
  signatureVersion: "1" | "2";
  signingCertUrl: string;
  unsubscribeUrl: string;
  messageAttributes?: Record<string, SnsMessageAttribute>;
}

let keyPair: Promise<{ privateKey: KeyObject; publicKeyPem: string }> | undefined;

/** The per-process signing key, generated in the background on first use (about 100 ms for RSA-2048). */
export function signingKey(): Promise<{ privateKey: KeyObject; publicKeyPem: string }> {
  keyPair ??= new Promise((resolve, reject) => {
    generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) reject(err);
      else resolve({ privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
    });
  });
  return keyPair;
}

/** The string AWS signs for a Notification: name/value lines of Message, MessageId, Subject (if any), Timestamp, TopicArn, Type. */
export function canonicalNotificationString(f: NotificationFields): string {
  const pairs: [string, string | undefined][] = [
    ["Message", f.message],
    ["MessageId", f.messageId],
    ["Subject", f.subject],
    ["Timestamp", f.timestamp],
    ["TopicArn", f.topicArn],
    ["Type", "Notification"],
  ];
  return pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join("");
}

async function sign(f: NotificationFields): Promise<string> {
  const { privateKey } = await signingKey();
  const signer = createSign(f.signatureVersion === "2" ? "RSA-SHA256" : "RSA-SHA1");
  signer.update(canonicalNotificationString(f), "utf8");
  return signer.sign(privateKey, "base64");
}

/** `{Type, Value}` per attribute, Binary values staying base64, as SNS renders them in envelopes. */
export function envelopeAttributes(
  attrs: Record<string, SnsMessageAttribute> | undefined,
): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [name, a] of Object.entries(attrs ?? {})) {
    out[name] = { Type: a.DataType, Value: (a.DataType.startsWith("Binary") ? a.BinaryValue : a.StringValue) ?? "" };
  }
  return out;
}

/**
 * The notification envelope, laid out as AWS writes it (`"Key" : value`, two-space indent, one attribute per line),
 * fields in AWS's order: Type, MessageId, TopicArn, Subject (only when given), Message, Timestamp, SignatureVersion,
 * Signature, SigningCertURL, UnsubscribeURL, MessageAttributes (only when any).
 */
export async function notificationEnvelope(f: NotificationFields): Promise<string> {
  const fields: [string, string][] = [
    ["Type", "Notification"],
    ["MessageId", f.messageId],
    ["TopicArn", f.topicArn],
  ];
  if (f.subject !== undefined) fields.push(["Subject", f.subject]);
  fields.push(
    ["Message", f.message],
    ["Timestamp", f.timestamp],
    ["SignatureVersion", f.signatureVersion],
    ["Signature", await sign(f)],
    ["SigningCertURL", f.signingCertUrl],
    ["UnsubscribeURL", f.unsubscribeUrl],
  );
  const lines = fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`);
  const attrs = envelopeAttributes(f.messageAttributes);
  if (Object.keys(attrs).length > 0) {
    const inner = Object.entries(attrs).map(([k, v]) => `    ${JSON.stringify(k)} : ${JSON.stringify(v)}`);
    lines.push(`  "MessageAttributes" : {\n${inner.join(",\n")}\n  }`);
  }
  return `{\n${lines.join(",\n")}\n}`;
}

/**
 * The event a subscribed Lambda function receives (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html): one
 * record whose `Sns` object always has `Subject` (null when absent) and `MessageAttributes` ({} when none), and spells
 * `SigningCertUrl` / `UnsubscribeUrl` with a lower-case "rl", unlike the envelope. `SignatureVersion` is always "1"
 * there, as on AWS.
 */
export async function lambdaEvent(f: NotificationFields, subscriptionArn: string): Promise<unknown> {
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: "Notification",
          MessageId: f.messageId,
          TopicArn: f.topicArn,
          Subject: f.subject ?? null,
          Message: f.message,
          Timestamp: f.timestamp,
          SignatureVersion: "1",
          Signature: await sign({ ...f, signatureVersion: "1" }),
          SigningCertUrl: f.signingCertUrl,
          UnsubscribeUrl: f.unsubscribeUrl,
          MessageAttributes: envelopeAttributes(f.messageAttributes),
        },
      },
    ],
  };
}
