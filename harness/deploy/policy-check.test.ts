import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { POLICY_FILE } from "./pipeline-config";
import { lintPipeline } from "./pipeline-lint";
import { checkPolicy, requirementsOf } from "./policy-check";

const ctx = { region: "us-east-1", accountId: "000000000000", athenaWorkGroup: "primary" };

describe("the pipeline as shipped", () => {
  it("validates, lints clean, and its policy is exactly least privilege", () => {
    expect(lintPipeline()).toEqual({ definitionProblems: [], policyFindings: [] });
  });

  it("reports a deliberately missing permission by state name", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-"));
    const policy = JSON.parse(readFileSync(POLICY_FILE, "utf8"));
    policy.Statement = policy.Statement.filter((s: { Sid: string }) => s.Sid !== "WriteProductionStateCounts");
    const file = join(dir, "policy.json");
    writeFileSync(file, JSON.stringify(policy));
    const report = lintPipeline({ policyFile: file });
    expect(report.policyFindings).toEqual([
      `${file}: missing: state 'CopyResultsToProduction' needs s3:PutObject on arn:aws:s3:::healthcare-data/production/state_counts/*.csv (writes the copy destination); no Allow statement grants it`,
    ]);
  });

  it("reports an excess permission by statement", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-"));
    const policy = JSON.parse(readFileSync(POLICY_FILE, "utf8"));
    policy.Statement.push({ Sid: "TooMuch", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: ["*"] });
    const file = join(dir, "policy.json");
    writeFileSync(file, JSON.stringify(policy));
    expect(lintPipeline({ policyFile: file }).policyFindings).toEqual([
      `${file}: excess: statement 'TooMuch' allows s3:DeleteObject on *, which no Task state needs`,
    ]);
  });
});

describe("requirementsOf", () => {
  it("derives actions and resource patterns from static and States.Format parameters", () => {
    const { requirements } = requirementsOf(
      {
        StartAt: "A",
        States: {
          A: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: "fn" },
            Next: "B",
          },
          B: {
            Type: "Task",
            Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
            Parameters: { Bucket: "dst", "CopySource.$": "States.Format('src/in/{}.csv', $.id)", "Key.$": "$.key" },
            End: true,
          },
        },
      },
      ctx,
    );
    expect(requirements.map((r) => `${r.state} ${r.action} ${r.resource}`)).toEqual([
      "A lambda:InvokeFunction arn:aws:lambda:us-east-1:000000000000:function:fn",
      "B s3:GetObject arn:aws:s3:::src/in/*.csv",
      "B s3:PutObject arn:aws:s3:::dst/*",
    ]);
  });

  it("a too-narrow resource is missing; a wildcard action is excess when broader than needed", () => {
    const def = {
      StartAt: "P",
      States: {
        P: {
          Type: "Task",
          Resource: "arn:aws:states:::sns:publish",
          Parameters: { TopicArn: "arn:aws:sns:us-east-1:000000000000:t" },
          End: true,
        },
      },
    };
    expect(
      checkPolicy(
        def,
        {
          Statement: [{ Effect: "Allow", Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:000000000000:other" }],
        },
        ctx,
      ).map((f) => f.kind),
    ).toEqual(["missing", "excess"]);
    expect(
      checkPolicy(
        def,
        { Statement: [{ Effect: "Allow", Action: "sns:*", Resource: "arn:aws:sns:us-east-1:000000000000:t" }] },
        ctx,
      ),
    ).toEqual([]);
  });
});
