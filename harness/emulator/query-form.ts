/** An awsQuery form body as a tree: `a.1.b=x` → `{a: {"1": {b: "x"}}}` (Action and Version left out). */
export type QueryTree = { [key: string]: QueryTree | string };

/** Shared by the awsQuery speakers (SNS, SQS's query protocol). */
export function queryFormToTree(params: URLSearchParams): QueryTree {
  const root: QueryTree = {};
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    const parts = key.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      const next = node[part];
      node = typeof next === "object" ? next : (node[part] = {});
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}
