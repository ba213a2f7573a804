import { parseResource } from "../engine/integrations";
import type { StateDefinition, StateMachineDefinition } from "../engine/types";

/**
 * Least-privilege check of the execution role: derives the IAM actions and resources every Task state needs
 * (from its Resource and its static or `States.Format` parameters), then reports what the policy is missing and what
 * it allows that no Task needs — both by state / statement name. Written by hand: no maintained npm package maps
 * Step Functions Task states to IAM requirements.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/** One permission a Task state needs. `resource` may contain `*` where the value is only known at run time. */
export interface Requirement {
  state: string;
  action: string;
  resource: string;
  why: string;
}

export interface PolicyFinding {
  kind: "missing" | "excess" | "unknown";
  message: string;
  state?: string;
  statement?: string;
}

export interface PolicyContext {
  region: string;
  accountId: string;
  /** Athena work group the pipeline runs queries in (getQueryExecution is authorised on it). */
  athenaWorkGroup: string;
}

function list(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

/** A static string, or a `States.Format('...{}...', …)` template turned into a pattern; undefined if unknowable. */
function valuePattern(params: Record<string, unknown>, key: string): string | undefined {
  const literal = params[key];
  if (typeof literal === "string") return literal;
  const dynamic = params[`${key}.$`];
  if (typeof dynamic === "string") {
    const m = /^States\.Format\('((?:[^'\\]|\\.)*)'/.exec(dynamic);
    if (m) return m[1]!.replace(/\\(.)/g, "$1").replace(/\{\}/g, "*");
    return "*";
  }
  return undefined;
}

function functionArn(nameOrArn: string, ctx: PolicyContext): string {
  if (nameOrArn.startsWith("arn:")) return nameOrArn;
  return `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${nameOrArn}`;
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function allStates(def: { States: Record<string, StateDefinition> }): Array<[string, StateDefinition]> {
  const out: Array<[string, StateDefinition]> = [];
  for (const [name, st] of Object.entries(def.States)) {
    out.push([name, st]);
    for (const b of (st.Branches ?? []) as Array<{ States: Record<string, StateDefinition> }>)
      out.push(...allStates(b));
    const proc = (st.ItemProcessor ?? st.Iterator) as { States: Record<string, StateDefinition> } | undefined;
    if (proc) out.push(...allStates(proc));
  }
  return out;
}

/** What each Task state needs. States whose needs cannot be derived are reported as `unknown` findings. */
export function requirementsOf(
  definition: StateMachineDefinition,
  ctx: PolicyContext,
): { requirements: Requirement[]; unknown: PolicyFinding[] } {
  const requirements: Requirement[] = [];
  const unknown: PolicyFinding[] = [];
  for (const [state, st] of allStates(definition)) {
    if (st.Type !== "Task") continue;
    const parsed = parseResource(String(st.Resource));
    const params = (st.Parameters ?? st.Arguments ?? {}) as Record<string, unknown>;
    if (!parsed) {
      unknown.push({
        kind: "unknown",
        state,
        message: `state '${state}': unrecognised resource '${String(st.Resource)}'`,
      });
      continue;
    }
    if (parsed.kind === "lambda-function") {
      requirements.push({
        state,
        action: "lambda:InvokeFunction",
        resource: parsed.functionArn,
        why: "invokes the function",
      });
      continue;
    }
    if (parsed.kind === "activity") continue;
    const key = `${parsed.service}:${parsed.action}`;
    if (!parsed.sdk && key === "lambda:invoke") {
      const fn = valuePattern(params, "FunctionName");
      requirements.push({
        state,
        action: "lambda:InvokeFunction",
        resource: fn ? functionArn(fn, ctx) : "*",
        why: "lambda:invoke",
      });
    } else if (!parsed.sdk && key === "sns:publish") {
      requirements.push({
        state,
        action: "sns:Publish",
        resource: valuePattern(params, "TopicArn") ?? valuePattern(params, "TargetArn") ?? "*",
        why: "sns:publish",
      });
    } else if (!parsed.sdk && key === "sqs:sendMessage") {
      requirements.push({ state, action: "sqs:SendMessage", resource: "*", why: "sqs:sendMessage" });
    } else if (parsed.sdk && key === "s3:copyObject") {
      const source = valuePattern(params, "CopySource") ?? "*";
      const bucket = valuePattern(params, "Bucket") ?? "*";
      const destKey = valuePattern(params, "Key") ?? "*";
      requirements.push({
        state,
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${source.replace(/^\//, "")}`,
        why: "reads the copy source",
      });
      requirements.push({
        state,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${bucket}/${destKey}`,
        why: "writes the copy destination",
      });
    } else if (
      parsed.sdk &&
      parsed.service === "s3" &&
      /^(getObject|putObject|deleteObject|headObject)$/.test(parsed.action)
    ) {
      const action = parsed.action === "headObject" ? "s3:GetObject" : `s3:${pascal(parsed.action)}`;
      requirements.push({
        state,
        action,
        resource: `arn:aws:s3:::${valuePattern(params, "Bucket") ?? "*"}/${valuePattern(params, "Key") ?? "*"}`,
        why: `s3:${parsed.action}`,
      });
    } else if (parsed.sdk && parsed.service === "athena" && /QueryExecution/.test(parsed.action)) {
      requirements.push({
        state,
        action: `athena:${pascal(parsed.action)}`,
        resource: `arn:aws:athena:${ctx.region}:${ctx.accountId}:workgroup/${valuePattern(params, "WorkGroup") ?? ctx.athenaWorkGroup}`,
        why: `athena:${parsed.action}`,
      });
    } else {
      const svc = parsed.service === "sfn" ? "states" : parsed.service;
      requirements.push({
        state,
        action: `${svc}:${pascal(parsed.action)}`,
        resource: "*",
        why: `${parsed.resourceType}:${parsed.action}`,
      });
    }
  }
  return { requirements, unknown };
}

function globToRegex(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
}

/** Does the allowed pattern cover every concrete value of the required pattern? (`*` in required = any text) */
function covers(allowed: string, required: string): boolean {
  if (allowed === "*") return true;
  // Treat the required pattern's wildcards as arbitrary text: test with a sentinel that only `*` can match.
  return globToRegex(allowed).test(required.replace(/\*/g, "\u0000"));
}

function actionMatches(pattern: string, action: string): boolean {
  return globToRegex(pattern).test(action);
}

/** Checks a policy against a definition; an empty list means least privilege holds. */
export function checkPolicy(
  definition: StateMachineDefinition,
  policy: PolicyDocument,
  ctx: PolicyContext,
): PolicyFinding[] {
  const { requirements, unknown } = requirementsOf(definition, ctx);
  const findings: PolicyFinding[] = [...unknown];
  const allows = policy.Statement.filter((s) => s.Effect === "Allow");
  for (const r of requirements) {
    const ok = allows.some(
      (s) =>
        list(s.Action).some((a) => actionMatches(a, r.action)) &&
        list(s.Resource).some((res) => covers(res, r.resource)),
    );
    if (!ok) {
      findings.push({
        kind: "missing",
        state: r.state,
        message: `state '${r.state}' needs ${r.action} on ${r.resource} (${r.why}); no Allow statement grants it`,
      });
    }
  }
  for (const [i, s] of allows.entries()) {
    const sid = s.Sid ?? `Statement[${i}]`;
    for (const a of list(s.Action)) {
      for (const res of list(s.Resource)) {
        // `<function-arn>:*` (versions and aliases of a function that is invoked) counts as used.
        const used = requirements.some(
          (r) =>
            actionMatches(a, r.action) &&
            (covers(res, r.resource) || (r.action === "lambda:InvokeFunction" && res === `${r.resource}:*`)),
        );
        if (!used) {
          findings.push({
            kind: "excess",
            statement: sid,
            message: `statement '${sid}' allows ${a} on ${res}, which no Task state needs`,
          });
        }
      }
    }
  }
  return findings;
}
