import { StatesError } from "./errors";

/**
 * Service integrations: how a Task's `Resource` is called. The engine parses the resource, records the AWS history
 * events for it, applies mocks, and hands un-mocked calls to a {@link ServiceIntegration} chosen by an
 * {@link IntegrationResolver}. In-memory integrations serve tests and the `exec` command; the emulator plugs in
 * integrations that call the loopback services over the wire.
 */
export type ParsedResource =
  | {
      kind: "service";
      /** `lambda`, `sns`, `aws-sdk:s3`, … (history `resourceType`). */
      resourceType: string;
      /** `invoke`, `publish`, `copyObject`, `invoke.waitForTaskToken`, … (history `resource`). */
      resourceName: string;
      /** `lambda`, `sns`, `s3`, … */
      service: string;
      /** The API action as written (`invoke`, `copyObject`). */
      action: string;
      sdk: boolean;
      pattern: "request" | "sync" | "sync:2" | "waitForTaskToken";
    }
  | { kind: "lambda-function"; functionArn: string }
  | { kind: "activity"; activityArn: string };

/** Parses a Task `Resource`; `undefined` when it is not a recognised resource ARN. */
export function parseResource(resource: string): ParsedResource | undefined {
  const svc =
    /^arn:[^:]+:states:[^:]*:[^:]*:(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync:2|sync|waitForTaskToken))?$/.exec(
      resource,
    );
  if (svc) {
    const sdk = Boolean(svc[1]);
    const service = svc[2]!;
    const action = svc[3]!;
    const pattern = (svc[4] ?? "request") as "request" | "sync" | "sync:2" | "waitForTaskToken";
    return {
      kind: "service",
      sdk,
      service,
      action,
      pattern,
      resourceType: sdk ? `aws-sdk:${service}` : service,
      resourceName: svc[4] ? `${action}.${svc[4]}` : action,
    };
  }
  if (/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(resource)) {
    return { kind: "lambda-function", functionArn: resource };
  }
  if (/^arn:[^:]+:states:[^:]+:\d{12}:activity:.+$/.test(resource)) return { kind: "activity", activityArn: resource };
  return undefined;
}

/** One call of a Task state to its integration. */
export interface IntegrationCall {
  resource: string;
  parsed: ParsedResource;
  /** The effective parameters (Parameters / Arguments result). */
  parameters: unknown;
  stateName: string;
  executionArn: string;
  region: string;
  accountId: string;
  /** Set for `.waitForTaskToken`: the token the callee must answer with. */
  taskToken?: string;
}

/** Performs the call: resolves with the Task result, rejects with a {@link StatesError} named as AWS names it. */
export interface ServiceIntegration {
  invoke(call: IntegrationCall): Promise<unknown>;
}

/** Picks the integration for a call; `undefined` = none available (the Task fails with a clear States.Runtime). */
export type IntegrationResolver = (call: IntegrationCall) => ServiceIntegration | undefined;

/** A function that answers one `service:action` in memory (tests, `exec`, benchmarks). */
export type InMemoryHandler = (parameters: any, call: IntegrationCall) => unknown;

/**
 * In-memory integrations keyed by `service:action` (`lambda:invoke`, `s3:copyObject`, `sns:publish`) or by a legacy
 * Lambda function ARN. A handler may throw a {@link StatesError} to fail the Task with that error name.
 */
export class InMemoryIntegrations {
  private readonly handlers = new Map<string, InMemoryHandler>();

  on(key: string, handler: InMemoryHandler): this {
    this.handlers.set(key, handler);
    return this;
  }

  readonly resolve: IntegrationResolver = (call) => {
    const key =
      call.parsed.kind === "service"
        ? `${call.parsed.service}:${call.parsed.action}`
        : call.parsed.kind === "lambda-function"
          ? call.parsed.functionArn
          : call.parsed.activityArn;
    const handler = this.handlers.get(key);
    if (!handler) return undefined;
    return {
      invoke: async (c) => {
        try {
          return await handler(c.parameters, c);
        } catch (e) {
          if (e instanceof StatesError) throw e;
          throw new StatesError("States.TaskFailed", e instanceof Error ? e.message : String(e));
        }
      },
    };
  };
}

/** Tries several resolvers in order. */
export function chainResolvers(...resolvers: Array<IntegrationResolver | undefined>): IntegrationResolver {
  return (call) => {
    for (const r of resolvers) {
      const found = r?.(call);
      if (found) return found;
    }
    return undefined;
  };
}
