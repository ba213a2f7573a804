import type { EmulatorResponse } from "./types";

/** A request the emulator refuses; each protocol helper turns it into that protocol's error shape. */
export class AwsServiceError extends Error {
  override readonly name = "AwsServiceError";
  constructor(
    /** The AWS error code the SDK maps to a modelled exception (`NoSuchKey`, `ResourceNotFoundException`, …). */
    readonly code: string,
    message: string,
    readonly status: number = 400,
    /** `Sender` or `Receiver` (awsQuery / restXml error `Type`). */
    readonly fault: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
    /** Extra fields some shapes carry (S3 `<Key>`, `<BucketName>`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The operation exists in AWS but the emulator does not implement it. */
export function notImplemented(service: string, operation: string): AwsServiceError {
  return new AwsServiceError(
    "NotImplemented",
    `${service} operation ${operation} is not implemented by the pipeline-testbed emulator`,
    501,
  );
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

/** awsJson1_0 / awsJson1_1 error body, as the SDK's JSON protocols parse it (`__type`). */
export function jsonError(err: AwsServiceError, requestId: string): EmulatorResponse {
  return {
    status: err.status,
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": err.code,
    },
    body: JSON.stringify({ __type: err.code, message: err.message }),
  };
}

/** restJson1 error (Lambda): `x-amzn-errortype` header plus a JSON body with `Type` and `message`. */
export function restJsonError(err: AwsServiceError, requestId: string): EmulatorResponse {
  return {
    status: err.status,
    headers: {
      "content-type": "application/json",
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": err.code,
    },
    body: JSON.stringify({ Type: err.fault === "Sender" ? "User" : "Service", message: err.message }),
  };
}

/** awsQuery error (SNS, old SQS): `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`. */
export function queryError(err: AwsServiceError, requestId: string): EmulatorResponse {
  return {
    status: err.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body:
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>` +
      `<Type>${err.fault}</Type><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>` +
      `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** restXml error (S3): `<Error><Code/><Message/>…<RequestId/></Error>`; HEAD responses carry no body. */
export function s3Error(err: AwsServiceError, requestId: string, method: string): EmulatorResponse {
  const extra = Object.entries(err.extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  return {
    status: err.status,
    headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
    body:
      method === "HEAD"
        ? ""
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(err.code)}</Code>` +
          `<Message>${xmlEscape(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`,
  };
}
