import { routeService, startEdge } from "./edge";
import { AwsServiceError } from "./errors";
import type { ServiceEmulator } from "./types";

function echo(name: string): ServiceEmulator {
  return {
    name,
    async handle(req) {
      if (req.path === "/boom") throw new Error("kaboom");
      if (req.path === "/missing") throw new AwsServiceError("ResourceNotFoundException", "no such thing", 404);
      return { status: 200, body: JSON.stringify({ service: req.service, region: req.region, path: req.path }) };
    },
    reset() {},
  };
}

const auth = (svc: string) =>
  `AWS4-HMAC-SHA256 Credential=test/20240101/eu-west-1/${svc}/aws4_request, SignedHeaders=host, Signature=x`;

describe("routeService", () => {
  it("uses the SigV4 credential scope", () => {
    expect(routeService({ authorization: auth("sns") }, new URLSearchParams(), Buffer.alloc(0))).toBe("sns");
    expect(routeService({ authorization: auth("states") }, new URLSearchParams(), Buffer.alloc(0))).toBe("states");
  });
  it("falls back to X-Amz-Target and the form Action", () => {
    expect(
      routeService({ "x-amz-target": "AmazonAthena.GetQueryExecution" }, new URLSearchParams(), Buffer.alloc(0)),
    ).toBe("athena");
    expect(
      routeService(
        { "content-type": "application/x-www-form-urlencoded" },
        new URLSearchParams(),
        Buffer.from("Action=Publish&TopicArn=x"),
      ),
    ).toBe("sns");
    expect(routeService({}, new URLSearchParams(), Buffer.alloc(0))).toBe("s3");
  });
});

describe("startEdge", () => {
  it("routes, reports health, and turns throws into AWS error shapes", async () => {
    await using edge = await startEdge({ services: [() => echo("sns"), () => echo("athena")] });
    expect(edge.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await fetch(`${edge.endpoint}/a%20b`, { headers: { authorization: auth("sns") } });
    expect(await ok.json()).toEqual({ service: "sns", region: "eu-west-1", path: "/a b" });

    const health = (await (await fetch(`${edge.endpoint}/_testbed/health`)).json()) as any;
    expect(health.services).toEqual({ sns: "available", athena: "available" });

    const missing = await fetch(`${edge.endpoint}/missing`, { headers: { authorization: auth("athena") } });
    expect(missing.status).toBe(404);
    expect((await missing.json()) as any).toEqual({ __type: "ResourceNotFoundException", message: "no such thing" });

    const boom = await fetch(`${edge.endpoint}/boom`, { headers: { authorization: auth("athena") } });
    expect(boom.status).toBe(500);
    expect(((await boom.json()) as any).__type).toBe("InternalFailure");

    const unknown = await fetch(`${edge.endpoint}/`, { headers: { authorization: auth("dynamodb") } });
    expect(unknown.status).toBe(501);
    expect(((await unknown.json()) as any).message).toMatch(/service 'dynamodb' is not emulated/);
  });

  it("advances the virtual clock through the control plane", async () => {
    await using edge = await startEdge({ services: [], clock: undefined });
    const before = edge.clock.now();
    const res = await fetch(`${edge.endpoint}/_testbed/clock`, {
      method: "POST",
      body: JSON.stringify({ advanceMs: 10_000 }),
    });
    expect(((await res.json()) as any).epochMs).toBe(before + 10_000);
  });

  it("refuses non-loopback bind addresses", async () => {
    await expect(startEdge({ services: [], host: "0.0.0.0" })).rejects.toThrow(/only loopback/);
  });
});
