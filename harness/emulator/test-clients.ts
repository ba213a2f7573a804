import type { StartedEdge } from "./edge";

/**
 * Client configuration for AWS SDK v3 clients pointed at an edge: dummy credentials, us-east-1, path-style S3.
 * Spread it into any client constructor: `new S3Client(clientConfig(edge))`.
 */
export function clientConfig(edge: Pick<StartedEdge, "endpoint"> | string) {
  return {
    endpoint: typeof edge === "string" ? edge : edge.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
    maxAttempts: 1,
  };
}
