import { readFileSync } from "node:fs";
import type { StateMachineDefinition } from "../engine/types";
import { checkDefinition } from "../engine/validate";
import {
  DEFAULT_PIPELINE_CONFIG,
  DEFINITION_FILE,
  POLICY_FILE,
  renderDefinition,
  substitute,
  substitutionsFor,
  type PipelineConfig,
} from "./pipeline-config";
import { checkPolicy, type PolicyDocument } from "./policy-check";

export interface LintReport {
  definitionProblems: string[];
  policyFindings: string[];
}

/**
 * Lints the pipeline as it would be deployed: the definition (asl-validator + our lint) with substitutions resolved,
 * and the execution role policy against the Task states (least privilege, both directions).
 */
export function lintPipeline(
  options: {
    definitionFile?: string;
    policyFile?: string;
    config?: PipelineConfig;
    region?: string;
    accountId?: string;
  } = {},
): LintReport {
  const config = options.config ?? DEFAULT_PIPELINE_CONFIG;
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const definitionFile = options.definitionFile ?? DEFINITION_FILE;
  const policyFile = options.policyFile ?? POLICY_FILE;
  const definitionText = renderDefinition(config, region, accountId, definitionFile);
  const definition = JSON.parse(definitionText) as StateMachineDefinition;
  const definitionProblems = checkDefinition(definition).map(
    (p) => `${definitionFile}: ${p.path}${p.state ? ` (state '${p.state}')` : ""}: ${p.message}`,
  );
  let policyText: string;
  try {
    policyText = readFileSync(policyFile, "utf8");
  } catch (e) {
    return { definitionProblems, policyFindings: [`${policyFile}: cannot read (${(e as Error).message})`] };
  }
  let policy: PolicyDocument;
  try {
    policy = JSON.parse(
      substitute(policyText, substitutionsFor(config, region, accountId), policyFile),
    ) as PolicyDocument;
  } catch (e) {
    return { definitionProblems, policyFindings: [`${policyFile}: ${(e as Error).message}`] };
  }
  if (!policy || !Array.isArray(policy.Statement)) {
    return { definitionProblems, policyFindings: [`${policyFile}: not an IAM policy (no "Statement" array)`] };
  }
  const policyFindings = checkPolicy(definition, policy, {
    region,
    accountId,
    athenaWorkGroup: config.athenaWorkGroup,
  }).map((f) => `${policyFile}: ${f.kind}: ${f.message}`);
  return { definitionProblems, policyFindings };
}
