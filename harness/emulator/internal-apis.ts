/**
 * In-process APIs the service emulators expose to each other (reached through `EmulatorContext.services`), for the
 * cross-service effects AWS performs itself: S3 event notifications invoking a Lambda, SNS delivering to SQS or Lambda,
 * Athena writing result files to S3. Each emulator class implements the matching interface.
 */

export interface S3Internal {
  /** Stores an object as PutObject would (fires ObjectCreated notifications). */
  putObjectInternal(
    bucket: string,
    key: string,
    body: Buffer,
    options?: { contentType?: string; metadata?: Record<string, string> },
  ): Promise<{ etag: string }>;
  /** Reads an object; `undefined` when the bucket or key does not exist. */
  getObjectInternal(bucket: string, key: string): { body: Buffer; contentType: string; etag: string } | undefined;
  bucketExists(bucket: string): boolean;
}

export interface LambdaInvokeResult {
  /** 200 for RequestResponse, 202 for Event. */
  statusCode: number;
  /** The handler's JSON-serialised result, or the error object when `functionError` is set. */
  payload: string;
  /** `Unhandled` (AWS's value for handler errors, crashes and timeouts) when the invocation failed. */
  functionError?: string;
  executedVersion: string;
}

export interface LambdaInternal {
  /** Invokes a function by name or ARN; `async` = InvocationType Event (returns at once with 202). */
  invokeInternal(
    functionNameOrArn: string,
    payload: unknown,
    options?: { async?: boolean },
  ): Promise<LambdaInvokeResult>;
  functionExists(functionNameOrArn: string): boolean;
}

export interface SqsInternal {
  /** Enqueues a message on a queue given by ARN (SNS delivery). */
  sendMessageInternal(
    queueArn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
  ): { messageId: string } | undefined;
}
