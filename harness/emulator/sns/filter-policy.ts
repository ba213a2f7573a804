/**
 * SNS subscription filter policies: validation with AWS's error wording (as recorded in LocalStack's AWS-validated
 * snapshots) and matching against message attributes (`FilterPolicyScope: MessageAttributes`, the default) or a JSON
 * message body (`MessageBody`). Supported operators: exact string / number / boolean / null, `prefix`, `suffix`,
 * `equals-ignore-case`, `anything-but` (value, list, or `{prefix}`), `numeric` (one comparison or a range),
 * `exists`, `cidr`, and `$or`. AWS appends a Jackson location (`at [Source: …; line: 1, column: N]`) to validation
 * messages; that suffix is not reproduced.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** What a policy is matched against (subscription attribute `FilterPolicyScope`; default `MessageAttributes`). */
export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

/** A message attribute as Publish carries it. */
export interface FilterableAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** Why a filter policy was rejected; the SNS emulator turns it into `InvalidParameter`. */
export class FilterPolicyError extends Error {
  override readonly name = "FilterPolicyError";
}

type Condition = unknown;
/** One `$or` branch with nesting flattened: dotted key → its list of conditions. */
type Branch = Record<string, Condition[]>;

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const NUMERIC_OPERATORS = new Set(["<", "<=", "=", ">", ">="]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates a policy; returns `undefined` for an empty policy (no filtering). `prefix` starts every error
 * message (`Invalid parameter: Attributes Reason: ` for Subscribe, `Invalid parameter: ` for SetSubscriptionAttributes).
 */
export function parseFilterPolicy(
  text: string,
  scope: FilterPolicyScope,
  prefix: string,
): Record<string, unknown> | undefined {
  if (text.trim() === "") return undefined;
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new FilterPolicyError(`${prefix}FilterPolicy: failed to parse JSON.`);
  }
  if (!isPlainObject(policy)) throw new FilterPolicyError(`${prefix}FilterPolicy: Filter policy must be a JSON object`);
  if (Object.keys(policy).length === 0) return undefined;
  validatePolicy(policy, scope, `${prefix}FilterPolicy: `);
  return policy;
}

function validatePolicy(policy: Record<string, unknown>, scope: FilterPolicyScope, prefix: string): void {
  if (Object.keys(policy).length > MAX_KEYS) {
    throw new FilterPolicyError(`${prefix}Filter policy can not have more than ${MAX_KEYS} keys`);
  }
  const rules: unknown[][] = [];
  const walk = (node: Record<string, unknown>, depth: number, combinations: number): number => {
    for (const [key, value] of Object.entries(node)) {
      if (isPlainObject(value)) {
        if (scope === "MessageAttributes") {
          throw new FilterPolicyError(
            `${prefix.replace(/FilterPolicy: $/, "")}Filter policy scope MessageAttributes does not support nested filter policy`,
          );
        }
        combinations = walk(value, depth + 1, combinations);
      } else if (Array.isArray(value)) {
        if (value.length === 0) throw new FilterPolicyError(`${prefix}Empty arrays are not allowed`);
        if (key === "$or") {
          let sum = 0;
          for (const alt of value) {
            if (!isPlainObject(alt)) throw new FilterPolicyError(`${prefix}"$or" must be an array of objects`);
            sum += walk(alt, depth, combinations);
          }
          combinations = sum;
        } else {
          rules.push(value);
          combinations *= value.length * depth;
        }
      } else {
        throw new FilterPolicyError(`${prefix}"${key}" must be an object or an array`);
      }
    }
    return combinations;
  };
  const combinations = walk(policy, 1, 1);
  if (combinations > MAX_COMBINATIONS) throw new FilterPolicyError(`${prefix}Filter policy is too complex`);
  for (const list of rules) for (const rule of list) validateRule(rule, prefix);
}

function validateRule(rule: unknown, prefix: string): void {
  if (rule === null || typeof rule === "string" || typeof rule === "boolean" || typeof rule === "number") return;
  if (!isPlainObject(rule)) {
    throw new FilterPolicyError(`${prefix}Match value must be String, number, true, false, or null`);
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new FilterPolicyError(`${prefix}Only one key allowed in match expression`);
  const operator = keys[0]!;
  const value = rule[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
      if (typeof value !== "string") throw new FilterPolicyError(`${prefix}${operator} match pattern must be a string`);
      return;
    case "anything-but":
      if (Array.isArray(value)) {
        for (const v of value) validateRule(v, prefix);
      } else if (isPlainObject(value)) {
        for (const inner of Object.keys(value)) {
          if (inner !== "prefix") throw new FilterPolicyError(`${prefix}Unsupported anything-but pattern: ${inner}`);
        }
        validateRule(value, prefix);
      } else validateRule(value, prefix);
      return;
    case "exists":
      if (typeof value !== "boolean") {
        throw new FilterPolicyError(`${prefix}exists match pattern must be either true or false.`);
      }
      return;
    case "numeric":
      validateNumeric(value, prefix);
      return;
    case "cidr":
      validateCidr(value, prefix);
      return;
    default:
      throw new FilterPolicyError(`${prefix}Unrecognized match type ${operator}`);
  }
}

function validateNumeric(value: unknown, prefix: string): void {
  const terms = Array.isArray(value) ? [...value] : [];
  if (terms.length === 0) throw new FilterPolicyError(`${prefix}Invalid member in numeric match: ]`);
  const op = terms.shift();
  if (typeof op !== "string") throw new FilterPolicyError(`${prefix}Invalid member in numeric match: ${String(op)}`);
  if (!NUMERIC_OPERATORS.has(op)) throw new FilterPolicyError(`${prefix}Unrecognized numeric range operator: ${op}`);
  const first = terms.shift();
  if (typeof first !== "number") {
    throw new FilterPolicyError(`${prefix}Value of ${op === "=" ? "equals" : op} must be numeric`);
  }
  if (terms.length === 0) return;
  if (op !== ">" && op !== ">=") throw new FilterPolicyError(`${prefix}Too many elements in numeric expression`);
  const op2 = terms.shift();
  if (typeof op2 !== "string") throw new FilterPolicyError(`${prefix}Bad value in numeric range: ${String(op2)}`);
  if (op2 !== "<" && op2 !== "<=") throw new FilterPolicyError(`${prefix}Bad numeric range operator: ${op2}`);
  const second = terms.shift();
  if (typeof second !== "number") throw new FilterPolicyError(`${prefix}Value of ${op2} must be numeric`);
  if (second <= first) throw new FilterPolicyError(`${prefix}Bottom must be less than top`);
  if (terms.length > 0) throw new FilterPolicyError(`${prefix}Too many terms in numeric range expression`);
}

function parseCidr(value: string): { address: string; bits: number; family: "ipv4" | "ipv6" } | string {
  const parts = value.split("/");
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address, mask] = parts as [string, string];
  if (!/^\d+$/.test(mask)) return "Malformed CIDR, mask bits must be an integer";
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
  const bits = Number(mask);
  if (!family || bits > (family === "ipv4" ? 32 : 128)) return `Nonstandard IP address: ${address}`;
  return { address, bits, family };
}

function validateCidr(value: unknown, prefix: string): void {
  if (typeof value !== "string") throw new FilterPolicyError(`${prefix}prefix match pattern must be a string`);
  const parsed = parseCidr(value);
  if (typeof parsed === "string") throw new FilterPolicyError(`${prefix}${parsed}`);
}

// ---- matching ----

/** A scalar a condition is tested against: a JSON value, or a Number attribute (numeric, from its string). */
type Scalar = string | number | boolean | null;

function branches(policy: Record<string, unknown>, path: string[] = [], acc: Branch[] = [{}]): Branch[] {
  let current = acc;
  for (const [key, value] of Object.entries(policy)) {
    if (key === "$or" && Array.isArray(value)) {
      current = value.flatMap((alt) => branches(alt as Record<string, unknown>, path, current));
    } else if (isPlainObject(value)) {
      current = branches(value, [...path, key], current);
    } else {
      const dotted = [...path, key].join(".");
      current = current.map((b) => ({ ...b, [dotted]: value as Condition[] }));
    }
  }
  return current;
}

function numeric(conditions: unknown[], n: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = conditions[i + 1] as number;
    if (op === "=" && !(n === bound)) return false;
    if (op === ">" && !(n > bound)) return false;
    if (op === ">=" && !(n >= bound)) return false;
    if (op === "<" && !(n < bound)) return false;
    if (op === "<=" && !(n <= bound)) return false;
  }
  return true;
}

function cidrContains(cidr: string, value: string): boolean {
  const parsed = parseCidr(cidr);
  if (typeof parsed === "string") return false;
  const family = isIPv4(value) ? "ipv4" : isIPv6(value) ? "ipv6" : undefined;
  if (family !== parsed.family) return false;
  const list = new BlockList();
  list.addSubnet(parsed.address, parsed.bits, parsed.family);
  return list.check(value, family);
}

function equalsLiteral(literal: unknown, value: Scalar): boolean {
  if (typeof literal === "number") return typeof value === "number" && value === literal;
  return literal === value;
}

function matchesCondition(condition: Condition, value: Scalar): boolean {
  if (!isPlainObject(condition)) return equalsLiteral(condition, value);
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (operator) {
    case "prefix":
      return typeof value === "string" && value.startsWith(operand as string);
    case "suffix":
      return typeof value === "string" && value.endsWith(operand as string);
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === (operand as string).toLowerCase();
    case "numeric":
      return typeof value === "number" && numeric(operand as unknown[], value);
    case "cidr":
      return typeof value === "string" && cidrContains(operand as string, value);
    case "anything-but":
      if (Array.isArray(operand)) return !operand.some((o) => equalsLiteral(o, value));
      if (isPlainObject(operand)) return typeof value === "string" && !value.startsWith(operand.prefix as string);
      return !equalsLiteral(operand, value);
    default:
      return false;
  }
}

/** Does this key (present or not, with these values) satisfy any of its conditions? */
function keyMatches(conditions: Condition[], present: boolean, values: Scalar[]): boolean {
  return conditions.some((c) => {
    if (isPlainObject(c) && "exists" in c) return c.exists === present;
    return present && values.some((v) => matchesCondition(c, v));
  });
}

function attributeValues(attr: FilterableAttribute): Scalar[] {
  const type = attr.DataType;
  if (type.startsWith("Binary")) return [];
  const raw = attr.StringValue ?? "";
  if (type.startsWith("Number")) {
    const n = Number(raw);
    return Number.isFinite(n) ? [n] : [];
  }
  if (type === "String.Array") {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed)) {
        return parsed.filter((v): v is Scalar => v === null || ["string", "number", "boolean"].includes(typeof v));
      }
    } catch {
      // AWS treats an unparsable String.Array as matching nothing.
    }
    return [];
  }
  return [raw];
}

/** Does a message with these attributes pass a `MessageAttributes`-scope policy? */
export function matchesMessageAttributes(
  policy: Record<string, unknown>,
  attributes: Record<string, FilterableAttribute>,
): boolean {
  return branches(policy).some((branch) =>
    Object.entries(branch).every(([key, conditions]) => {
      const attr = attributes[key];
      return keyMatches(conditions, attr !== undefined, attr ? attributeValues(attr) : []);
    }),
  );
}

function valuesAt(node: unknown, path: string[]): { present: boolean; values: Scalar[] } {
  if (path.length === 0) {
    if (Array.isArray(node)) {
      const flat = node.flatMap((n) => valuesAt(n, []).values);
      return { present: true, values: flat };
    }
    if (isPlainObject(node)) return { present: true, values: [] };
    return { present: node !== undefined, values: node === undefined ? [] : [node as Scalar] };
  }
  if (Array.isArray(node)) {
    const parts = node.map((n) => valuesAt(n, path));
    return { present: parts.some((p) => p.present), values: parts.flatMap((p) => p.values) };
  }
  if (!isPlainObject(node)) return { present: false, values: [] };
  // AWS also accepts a dotted key in the payload itself ({"a.b": 1} matches policy {"a": {"b": [1]}}).
  for (let i = path.length; i >= 1; i--) {
    const key = path.slice(0, i).join(".");
    if (key in node) return valuesAt(node[key], path.slice(i));
  }
  return { present: false, values: [] };
}

/** Does this message body pass a `MessageBody`-scope policy? A body that is not a JSON object never matches. */
export function matchesMessageBody(policy: Record<string, unknown>, body: string): boolean {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return false;
  }
  if (!isPlainObject(payload)) return false;
  return branches(policy).some((branch) =>
    Object.entries(branch).every(([key, conditions]) => {
      const { present, values } = valuesAt(payload, key.split("."));
      return keyMatches(conditions, present, values);
    }),
  );
}
